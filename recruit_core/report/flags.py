"""The flags on a shortlisted candidate, from what the run's outputs carry: quarantined rows of the
same resume_id, near-duplicates, and a low-confidence score.

    python -m ray_jobs.cli report outputs/demo     # shown on jobs/<job id>.html (report/build.py)

- near-duplicate: the shortlist's `near_duplicate_of` (matching: a resume whose near-copy ranks above
  it on the same shortlist), and scores/near_duplicates.parquet (scoring: a near-copy of a resume
  with an earlier resume_id, anywhere in the scored pool);
- low confidence: the scores' `jobs_above_threshold` is 0, i.e. even the resume's best fit with any
  requisition is under score.fit_threshold. No new setting: the scores already carry the count.
"""
from __future__ import annotations

LOW_CONFIDENCE = "low confidence: no requisition fit reaches score.fit_threshold"
FLAGS_NOTE = ("Flags: <em>near-duplicate</em> marks a resume whose text nearly repeats another "
              "(MinHash estimate of word-shingle overlap at or above dedup.threshold), e.g. the same "
              "person applying twice; <em>low confidence</em> marks a resume whose best fit with any "
              "requisition is under score.fit_threshold (the scores' jobs_above_threshold is 0).")


def _pairs(table, key: str, value: str) -> dict:
    if table is None or not {key, value} <= set(table.column_names):
        return {}
    return dict(zip(table.column(key).to_pylist(), table.column(value).to_pylist()))


def resume_flags(run) -> dict[str, set[str]]:
    """Flags per resume_id that hold on every shortlist: quarantine, near-duplicate, confidence."""
    flags: dict[str, set[str]] = {}
    if run.quarantine is not None and {"resume_id", "reason"} <= set(run.quarantine.column_names):
        for rid, reason in zip(run.quarantine.column("resume_id").to_pylist(),
                               run.quarantine.column("reason").to_pylist()):
            flags.setdefault(rid, set()).add(f"also quarantined: {reason}")
    for rid, original in _pairs(run.near_duplicates, "resume_id", "near_duplicate_of").items():
        flags.setdefault(rid, set()).add(f"near-duplicate of {original} in the scored pool")
    for rid, above in _pairs(run.scores, "resume_id", "jobs_above_threshold").items():
        if above == 0:
            flags.setdefault(rid, set()).add(LOW_CONFIDENCE)
    return flags


def shortlist_flags(row: dict, flags: dict[str, set[str]]) -> str:
    """The flags of one shortlist row: the resume's own, and a near-copy ranked above it here."""
    found = set(flags.get(row["resume_id"], ()))
    if row.get("near_duplicate_of"):
        found.add(f"near-duplicate of {row['near_duplicate_of']}, ranked above on this shortlist")
    return "; ".join(sorted(found))
