"""The scoring job: bulk-score resumes on Ray Data (top-3 categories, fit against requisitions).

    python ray_jobs/score.py ...      # the commands: ray_jobs/score.py

Outputs under score.output_dir (on a cluster: storage every node sees, e.g. NFS, or an object store:
s3://bucket/prefix or gs://bucket/prefix, like inputs.resumes and inputs.jobs; recruit_core/storage.py):
  scores/<key>.parquet             resume_id, category_1..3, p_1..3, top_jobs
                                   list<struct<job_id, fit>>, best_job_id, best_fit,
                                   best_fit_probability, jobs_above_threshold, [embedding list<float32>], input_file,
                                   input_row, content_hash (of the text the model read), model
                                   (name@sha256 of the weights), config_hash, jobs_hash, run_id,
                                   pii_redacted struct<email, url, phone, ...: int32> (personal-data
                                   spans removed from the text before scoring, per type; null with
                                   privacy.redact=false; recruit_core/privacy/redact.py),
                                   minhash list<uint64> (near-duplicate signature)
  quarantine/<key>.parquet         resume_id, input_file, reason, detail, input_row
                                   (<key>: the input's path under inputs.resumes, '/' -> '__', then
                                   '-' and 12 hex digits of its hash, e.g. `a__b-3f2c...`)
  near_duplicates.parquet          resume_id, near_duplicate_of, jaccard_estimate: every scored
                                   resume that near-duplicates one with an earlier resume_id
                                   (dedup.*; rewritten whole each run: score/near_duplicates_ray.py)
  manifest.jsonl                   finished input files: a rerun after a crash skips them (in an
                                   object store: the provenance, and manifest/<...>.json per file)
  summary.json                     rows in = rows scored + rows quarantined, checked; files
                                   under inputs.resumes not read, with why (skipped_files);
                                   pii_redacted: those spans summed over all scored rows;
                                   reused / rescored / removed with score.previous_run

With score.previous_run=<an earlier output_dir> of the same model, config and requisitions, rows of
resumes whose text is unchanged are copied from it instead of scored (recruit_core/score/reuse.py).

Which files are read: every `*.parquet` under inputs.resumes, any case, also inside Spark-style
`x.parquet/` folders; hidden and `_`-prefixed files (`.crc`, `_SUCCESS`) and others are skipped
and listed (recruit_core/io.py: list_input_files). An input with nothing to read is an error.
Paths, the model and the footers are checked before Ray starts, so a wrong path fails at once.

Without score.model_path the categories are zero-shot occupations of the taxonomy (see
recruit_core/score/scorer.py), so scoring works before any training. Fit is the cosine similarity of
resume and requisition embeddings; with a model folder that carries a calibration, also its
probability (`best_fit_probability`), and `jobs_above_threshold` counts jobs whose fit probability
(else cosine) is >= score.fit_threshold.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timezone

import ray

from recruit_core import storage
from recruit_core.config import RecruitConfig
from recruit_core.data.intake import InputFiles, check_files
from recruit_core.data.reader_ray import search_duplicates
from recruit_core.io import InputListing, list_input_files, parquet_files, write_json_atomic
from recruit_core.model.forward import check_model_folder, model_fingerprint
from recruit_core.privacy.redact import redaction_totals
from recruit_core.ray_env import connect, set_block_size
from recruit_core.score.manifest import SUMMARY_FILE, Manifest, record_file_problems
from recruit_core.score.near_duplicates_ray import near_duplicates_task
from recruit_core.score.pipeline_ray import reference_task, score_files
from recruit_core.score.reuse import jobs_hash, removed_resumes, reuse_decision
from recruit_core.score.scorer import load_requisitions, result_config_hash

log = logging.getLogger(__name__)


def _run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def preflight(cfg: RecruitConfig) -> tuple[InputListing, InputFiles, dict]:
    """Every path and the model checked before Ray starts (~20 s), so a wrong one fails at once:
    (the input listing, its files' footers, the provenance of the outputs)."""
    score, inputs = cfg.score, cfg.inputs
    listing = list_input_files(inputs.resumes, "inputs.resumes")
    if inputs.jobs:
        parquet_files(inputs.jobs, "inputs.jobs")
    if score.model_path:
        check_model_folder(score.model_path, "score.model_path")
    provenance = {"model": model_fingerprint(score.model_path, cfg.model),
                  "config_hash": result_config_hash(score, inputs, cfg.model, cfg.privacy, cfg.dedup),
                  "jobs_hash": jobs_hash(load_requisitions(inputs.jobs) if inputs.jobs else None)}
    files = check_files(listing.files)
    if files.problems and score.on_unreadable_file == "fail":
        raise RuntimeError(f"{len(files.problems)} input files cannot be scored: "
                           + "; ".join(c.detail for c in files.problems)
                           + " (score.on_unreadable_file=quarantine scores the rest)")
    if listing.skipped:
        log.warning("%d files under inputs.resumes=%s are not read (hidden, metadata or not "
                    "*.parquet): listed in summary.json skipped_files", len(listing.skipped),
                    inputs.resumes)
    return listing, files, provenance


def run(cfg: RecruitConfig) -> dict:
    score = cfg.score
    started = time.perf_counter()
    listing, files, provenance = preflight(cfg)
    connect(cfg.cluster, gpus={"score.num_gpus": score.num_gpus})
    set_block_size(score.target_max_block_mb)
    output = score.output_dir
    reference_ref = reference_task.options(num_cpus=score.cpus_per_actor, num_gpus=score.num_gpus
                                           ).remote(score, cfg.model, cfg.data, cfg.inputs.jobs)
    search = search_duplicates(files.paths, files.readable_rows, score.cpus_per_task)
    manifest = Manifest.open(output, provenance, overwrite=score.overwrite)
    record_file_problems(files.problems, manifest, cfg.inputs.resumes)
    unfinished = set(manifest.unfinished(files.paths))
    todo = [c for c in files.readable if c.path in unfinished]
    run_id = score.run_id or _run_id()
    previous_dir, reuse = reuse_decision(score.previous_run, provenance)
    if score.previous_run:
        log.info("score.previous_run: %s", reuse)
    if todo:
        score_files(todo, files, search, cfg, reference_ref, {**provenance, "run_id": run_id},
                    manifest, previous_dir)
    totals = manifest.totals([c.path for c in files.checks])
    near_duplicates = ray.get(near_duplicates_task.options(num_cpus=score.cpus_per_task)
                              .remote(score.output_dir, cfg.dedup))
    reused = totals["reused"]
    summary = {
        "scores": storage.join(output, "scores"), "quarantine": storage.join(output, "quarantine"),
        "manifest": str(manifest.path), "run_id": run_id, **provenance,
        "files": len(files.checks), "files_scored_now": len(todo),
        "files_skipped_finished": len(files.readable) - len(todo),
        "files_quarantined": len(files.problems), "skipped_files": listing.skipped,
        "rows_in": files.rows_in, "rows_scored": totals["scored"],
        "rows_quarantined": totals["quarantined"], "reasons": totals["reasons"],
        **near_duplicates,
        "previous_run": score.previous_run, "reuse": reuse, "reused": reused,
        "rescored": totals["scored"] - reused,
        "removed": removed_resumes(previous_dir, str(output)) if previous_dir else 0,
        "pii_redacted": redaction_totals(storage.join(output, "scores")) if cfg.privacy.redact else None,
        "seconds": round(time.perf_counter() - started, 2)}
    # rows_scored holds the reused rows: rows in = rescored + reused + quarantined
    summary["invariant_ok"] = files.rows_in == totals["scored"] + totals["quarantined"]
    write_json_atomic(summary, storage.join(output, SUMMARY_FILE))
    print(f"rows in {files.rows_in} = rows scored {totals['scored']} + rows quarantined "
          f"{totals['quarantined']}: {'ok' if summary['invariant_ok'] else 'VIOLATED'}"
          + (f" (scored: {reused} reused, {summary['rescored']} rescored)" if previous_dir else ""))
    if not summary["invariant_ok"]:
        raise RuntimeError(f"rows in ({files.rows_in}) != scored + quarantined; see {manifest.path}")
    return summary
