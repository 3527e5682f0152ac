"""The bias-audit job: selection and scoring rates by sex, race/ethnicity and both, in audit.json/.md.

    python ray_jobs/audit.py audit.scores=outputs/scores audit.demographics=outputs/pool/demographics
    python ray_jobs/audit.py audit.scores=outputs/match audit.demographics=self_id.csv \\
        audit.output_dir=outputs/audit/match
    python ray_jobs/audit.py ... audit.model_card=outputs/train/recruit-train/model   # card gets it

What a candidate's score is, and what counts as recommended, depends on the output audited:

- the score job's folder (`scores/` below it): the score is `best_fit`, the cosine fit to the
  requisition the resume fits best; recommended is `jobs_above_threshold >= 1`, a fit of at least
  `score.fit_threshold` to one open requisition or more;
- the match job's folder (`shortlists/`, `recommendations/`): the score is the resume's best
  bi-encoder score over all requisitions (`recommendations`, rank 1); recommended is being on the
  shortlist of at least one requisition. Every resume the match job read is a candidate.

Rates are over all requisitions at once (one outcome per candidate), not per requisition: with
tens of candidates per shortlist, per-requisition rates of small groups would be noise.

The demographics are self-reported (`resume_id, sex, race_ethnicity`), read here and nowhere else:
no model input ever contains them. A scored candidate without a row, or with a blank or declined
answer, is counted as Unknown (`recruit_core/audit/metrics.py` has every definition). Runs in this
process, not on Ray: the inputs are one score and one flag per candidate.
"""
from __future__ import annotations

import io
import json
import posixpath
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.audit.metrics import ATTRIBUTES, above_median, audit_measure, candidate_groups
from recruit_core.audit.report import (
    excluded_groups,
    exclusion_note,
    render_markdown,
    summary_lines,
    update_model_card,
)
from recruit_core.config import RecruitConfig
from recruit_core.io import (
    exists,
    is_folder,
    parquet_files,
    read_text,
    write_json_atomic,
    write_text_atomic,
)


def _read(folder: Path | str, key: str, columns: list[str]) -> pd.DataFrame:
    files = parquet_files(folder, key)
    missing = [c for c in columns if c not in pq.read_schema(files[0]).names]
    if missing:
        raise ValueError(f"{key}={folder}: {posixpath.basename(str(files[0]))} has no column "
                         f"{', '.join(missing)}")
    return pd.concat([pq.read_table(f, columns=columns).to_pandas() for f in files],
                     ignore_index=True)


def _run_summary(root: str) -> dict:
    """The job's summary.json under `root`, {} when there is none."""
    summary = storage.join(root, "summary.json")
    if storage.is_remote(summary):
        return json.loads(read_text(summary)) if exists(summary) else {}
    return json.loads(Path(summary).read_text()) if Path(summary).is_file() else {}


def read_score_output(root: str) -> tuple[pd.DataFrame, dict]:
    scores = _read(storage.join(root, "scores"), "audit.scores",
                   ["resume_id", "best_fit", "jobs_above_threshold"])
    candidates = pd.DataFrame({"resume_id": scores["resume_id"], "score": scores["best_fit"],
                               "recommended": scores["jobs_above_threshold"] >= 1})
    source = _run_summary(root)
    return candidates, {
        "job": "score", "model": source.get("model"), "run_id": source.get("run_id"),
        "score": "best_fit: cosine fit of the resume to the requisition it fits best",
        "recommended": "jobs_above_threshold >= 1: a fit of at least score.fit_threshold to one "
                       "open requisition or more"}


def read_match_output(root: str) -> tuple[pd.DataFrame, dict]:
    lists = _read(storage.join(root, "recommendations"), "audit.scores", ["resume_id", "score"])
    best = lists.groupby("resume_id", sort=True)["score"].max()
    shortlisted = set(_read(storage.join(root, "shortlists"), "audit.scores",
                            ["resume_id"])["resume_id"])
    candidates = pd.DataFrame({"resume_id": best.index, "score": best.to_numpy(),
                               "recommended": best.index.isin(shortlisted)})
    source = _run_summary(root)
    return candidates, {
        "job": "match", "model": source.get("biencoder"), "run_id": source.get("run_id"),
        "score": "best bi-encoder score of the resume over all requisitions",
        "recommended": "on the shortlist of at least one requisition"}


def read_candidates(path: str) -> tuple[pd.DataFrame, dict]:
    """One row per scored candidate (resume_id, score, recommended) and what those columns mean:
    `path` is a score or match job's output folder, or its s3:// / gs:// prefix."""
    if is_folder(storage.join(path, "scores")):
        candidates, source = read_score_output(path)
    elif is_folder(storage.join(path, "shortlists")):
        candidates, source = read_match_output(path)
    else:
        raise FileNotFoundError(f"audit.scores={path}: neither a score job's output (scores/ below "
                                "it) nor a match job's (shortlists/): point it at score.output_dir "
                                "or match.output_dir")
    repeated = candidates["resume_id"][candidates["resume_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"audit.scores={path}: {len(repeated)} resume ids appear more than once "
                         f"(e.g. {', '.join(map(str, repeated[:3]))}): one candidate would count twice")
    return candidates, source


def read_demographics(path: str) -> pd.DataFrame:
    """The self-identification table: a Parquet file or folder, or a CSV file (on disk or in an
    object store)."""
    if path.lower().endswith(".csv"):
        source = (io.StringIO(read_text(path, "audit.demographics")) if storage.is_remote(path)
                  else path)
        table = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
    else:
        table = pd.concat([pq.read_table(f).to_pandas() for f in parquet_files(path, "audit.demographics")],
                          ignore_index=True)
    missing = [c for c in ("resume_id", *ATTRIBUTES) if c not in table.columns]
    if missing:
        raise ValueError(f"audit.demographics={path}: no column {', '.join(missing)}; the table needs "
                         "resume_id, sex, race_ethnicity (self-reported; blank when declined)")
    repeated = table["resume_id"][table["resume_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"audit.demographics={path}: {len(repeated)} resume ids have more than one "
                         f"row (e.g. {', '.join(map(str, repeated[:3]))}): keep one answer per person")
    return table


def audit(cfg: RecruitConfig) -> dict:
    """The audit's figures (see `recruit_core/audit/metrics.py` for every definition)."""
    settings = cfg.audit
    candidates, source = read_candidates(settings.scores)
    demographics = read_demographics(settings.demographics)
    frame = candidate_groups(candidates, demographics)
    if not len(frame):
        raise ValueError(f"audit.scores={settings.scores}: no scored candidates to audit")
    scores = frame["score"].to_numpy(dtype=float)
    recommended = frame["recommended"].to_numpy(dtype=bool)
    rows = {"selection": audit_measure(recommended, lambda picked: picked, frame, settings),
            "scoring": audit_measure(scores, above_median, frame, settings)}
    unknown = {a: {"no_record": int((~frame["record"]).sum()),
                   "blank_or_declined": int((frame["record"] & (frame[a] == "Unknown")).sum())}
               for a in ATTRIBUTES}
    return {"source": {**source, "scores": settings.scores, "demographics": settings.demographics},
            "candidates": len(frame), "median_score": float(pd.Series(scores).median()),
            "recommended": int(recommended.sum()),
            "demographic_rows_not_scored": int((~demographics["resume_id"].isin(frame["resume_id"])).sum()),
            "unknown": unknown,
            "settings": {k: getattr(settings, k) for k in ("min_group_share", "four_fifths",
                                                            "bootstrap_resamples", "confidence", "seed")},
            "tables": rows}


def run(cfg: RecruitConfig) -> dict:
    """Audit, write audit.json and audit.md (and the model card's section); the summary."""
    report = audit(cfg)
    report["excluded"] = {"groups": excluded_groups(report), "justification": exclusion_note(report)}
    folder = cfg.audit.output_dir  # a folder, or an object-store prefix (s3://bucket/prefix)
    markdown = render_markdown(report)
    write_json_atomic(report, storage.join(folder, "audit.json"))
    write_text_atomic(markdown, storage.join(folder, "audit.md"))
    card = update_model_card(cfg.audit.model_card, report) if cfg.audit.model_card else None
    flagged = {f"{measure}/{category}": [r["group"] for r in rows if r["four_fifths_flag"]]
               for measure, tables in report["tables"].items() for category, rows in tables.items()}
    return {"audit_json": storage.join(folder, "audit.json"),
            "audit_md": storage.join(folder, "audit.md"),
            "model_card": str(card) if card else None, "candidates": report["candidates"],
            "flagged": {k: v for k, v in flagged.items() if v}, "summary": summary_lines(report)}
