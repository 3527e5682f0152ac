"""The match job's output schemas and the commit of one input file's outputs.

    python -m pytest -q tests/test_match_continuity.py      # the resume and incremental tests

Every schema a match output is written with is here, so a new column (a fit probability, say) is
one field in one place. Per input file `<key>` (score/manifest.py `output_key`) the job commits:

  recommendations/<key>.parquet  per matched resume: its top-k jobs, evidence, input_row
  partials/<key>.parquet         per job: the file's own top-N resumes (job_id, resume_id,
                                 input_row, bi_score); top-N of a union = top-N of the union of
                                 top-Ns, so the shortlists are merged from these at the end
  embeddings/<key>.parquet       per matched resume: content_hash, embedding, skills, seniority;
                                 what an incremental run (match.previous_run) reuses
  quarantine/<key>.parquet       the scoring job's quarantine schema

Parts are staged per block under `_staging/<key>/` and merged in input order when all of the
file's rows are in, each renamed into place whole (in an object store: stored in one upload,
recruit_core/io.py); only then does the manifest record the file.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.eval.calibration import calibrator_from_json, read_folder_calibration
from recruit_core.io import write_parquet_atomic
from recruit_core.score.manifest import output_key, remove_staged, staged_parts, staging_folder

SKILL_LIST = pa.list_(pa.string())
EVIDENCE_FIELDS = [("matched_skills", SKILL_LIST), ("missing_skills", SKILL_LIST),
                   ("matched_preferred", SKILL_LIST), ("missing_preferred", SKILL_LIST),
                   ("seniority_gap", pa.int32()), ("required_coverage", pa.float32())]
RECOMMENDATION_ROWS = pa.schema([("resume_id", pa.string()), ("rank", pa.int32()),
                                 ("job_id", pa.string()), ("score", pa.float32()),
                                 ("fit_probability", pa.float32()),
                                 *EVIDENCE_FIELDS, ("input_row", pa.int64())])
PARTIAL_ROWS = pa.schema([("job_id", pa.string()), ("resume_id", pa.string()),
                          ("input_row", pa.int64()), ("bi_score", pa.float32())])
EMBEDDING_ROWS = pa.schema([("resume_id", pa.string()), ("input_row", pa.int64()),
                            ("content_hash", pa.string()), ("embedding", pa.list_(pa.float32())),
                            ("skills", SKILL_LIST), ("seniority", pa.string())])
# The shortlist pass's rows (match/shortlist_ray.py); shortlist_table turns them into the output.
SHORTLIST_ROWS = pa.schema([("job_index", pa.int32()), ("resume_key", pa.int64()),
                            ("bi_score", pa.float32()), ("bi_rank", pa.int32()),
                            ("resume_id", pa.string()), ("rerank_score", pa.float32()),
                            *EVIDENCE_FIELDS, ("minhash", pa.list_(pa.uint64()))])
# Per-file outputs, each staged as `<kind>-<first input row>.parquet`, and their row order.
FILE_OUTPUTS = {"recommendations": [("input_row", "ascending"), ("rank", "ascending")],
                "embeddings": [("input_row", "ascending")],
                "quarantine": [("input_row", "ascending")],
                "partials": [("job_id", "ascending"), ("bi_score", "descending"),
                             ("input_row", "ascending")]}
RUN_OUTPUTS = ("shortlists", "requisitions.json")  # rewritten whole at the end of every run


def fit_probability(scores, calibration: dict | None) -> list:
    """P(relevant) of bi-encoder scores by the bi-encoder folder's calibration (eval/calibration.py),
    the same number the score job writes as best_fit_probability; None without a calibration."""
    if calibration is None:
        return [None] * len(scores)
    return calibrator_from_json(calibration)(np.asarray(scores, np.float32)).tolist()


def biencoder_calibration(biencoder_path: str) -> dict | None:
    """The calibration a bi-encoder folder carries, as JSON (it travels to Ray tasks), or None."""
    from recruit_core.model.forward import check_model_folder
    calibrator = read_folder_calibration(check_model_folder(biencoder_path, "match.biencoder_path")) \
        if biencoder_path else None
    return calibrator.to_json() if calibrator else None


def with_provenance(table: pa.Table, provenance: dict) -> pa.Table:
    """`table` with one string column per provenance entry (config_hash, model names, run_id)."""
    for name, value in provenance.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    return table


def stage_part(table: pa.Table, kind: str, output_dir: str, input_root: str, input_file: str,
               name: str) -> None:
    """One block's rows of `kind` for one input file, as `_staging/<key>/<kind>-<name>.parquet`."""
    staged = staging_folder(output_dir, input_root, input_file)
    write_parquet_atomic(table, f"{staged}/{kind}-{name}.parquet")


def top_per_job(partials: pa.Table, n: int) -> pa.Table:
    """The first `n` rows of each job of `partials` sorted by job, score (higher first), row
    (smaller first): the tie-break of JobShortlists, whose resume_key orders rows of one file."""
    partials = partials.sort_by(FILE_OUTPUTS["partials"])
    jobs = partials.column("job_id").to_pylist()
    keep, seen, previous = [], 0, None
    for i, job in enumerate(jobs):
        seen = seen + 1 if job == previous else 1
        previous = job
        if seen <= n:
            keep.append(i)
    return partials.take(pa.array(keep, pa.int64()))


def commit_file(output_dir: str, input_root: str, input_file: str, top_n: int) -> dict:
    """Merge one input file's staged parts into its outputs; returns its manifest counts."""
    key = output_key(input_root, input_file)
    staged = staging_folder(output_dir, input_root, input_file)
    counts: dict = {"matched": 0, "quarantined": 0, "reasons": {}}
    for kind, order in FILE_OUTPUTS.items():
        parts = staged_parts(staged, kind)
        if not parts:
            continue
        table = pa.concat_tables([pq.read_table(p) for p in parts])
        table = top_per_job(table, top_n) if kind == "partials" else table.sort_by(order)
        write_parquet_atomic(table, storage.join(output_dir, kind, f"{key}.parquet"))
        if kind == "embeddings":
            counts["matched"] = table.num_rows
        if kind == "quarantine":
            counts["quarantined"] = table.num_rows
            counts["reasons"] = {r["values"]: r["counts"]
                                 for r in pc.value_counts(table.column("reason")).to_pylist()}
    remove_staged(staged)
    return counts
