"""The matching job, on Ray Data: top-k jobs per resume and a reranked top-N shortlist per job.

    python ray_jobs/match.py ...      # the commands: ray_jobs/match.py

Outputs under match.output_dir:
  recommendations/part-*.parquet  per resume: resume_id, rank, job_id, score (cosine), matched /
                                  missing required and preferred skill ids, seniority_gap, biencoder,
                                  config_hash, run_id
  shortlists/part-00000.parquet   per job: job_id, rank, resume_id, bi_score, bi_rank, rerank_score,
                                  rerank_model, the same evidence, biencoder, config_hash, run_id
  quarantine/*.parquet            resume_id, input_file, reason, detail, input_row: the scoring job's
                                  quarantine schema and reasons (recruit_core/data/intake.py)
  summary.json                    rows in = rows matched + rows quarantined, checked (the job fails
                                  when they differ), reasons, config_hash, run_id

Exact top-k by blocked matrix products in the actors (recruit_core/match/topk.py); the driver holds
jobs x N shortlist entries, never resumes x jobs. Without match.crossencoder_path the shortlists keep
bi-encoder order and `rerank_model` says so. Every run matches all of its input again: unlike
scoring there is no manifest to resume from (README: Matching, what a resumable run would need).
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import ray

from recruit_core.config import ModelConfig, RecruitConfig
from recruit_core.data.intake import InputFiles, check_files, file_problem_rows, read_units
from recruit_core.data.reader_ray import search_duplicates
from recruit_core.io import parquet_files, write_json_atomic, write_parquet_atomic
from recruit_core.match.accounting import (
    MatchCounts,
    invariant,
    match_config_hash,
    require_invariant,
)
from recruit_core.match.pipeline_ray import embed_requisitions, match_pipeline, merge_shortlists
from recruit_core.match.shortlist_ray import rerank_shortlists, shortlist_pairs
from recruit_core.match.topk import shortlist_table
from recruit_core.model.forward import check_model_folder, model_fingerprint
from recruit_core.ray_env import connect, set_block_size
from recruit_core.text.near_duplicates import mark_shortlists
from recruit_core.text.requisition_skills import open_requisitions

NO_RERANK = "none (bi-encoder order)"


def preflight(cfg: RecruitConfig) -> tuple[InputFiles, pa.Table, str]:
    """Paths and models checked before Ray starts (~20 s), so a wrong one fails at once:
    (the readable resume files, the requisitions, the reranking model's name)."""
    match = cfg.match
    files = check_files(parquet_files(cfg.inputs.resumes, "inputs.resumes"))
    for key, path in (("match.biencoder_path", match.biencoder_path),
                      ("match.crossencoder_path", match.crossencoder_path)):
        if path:
            check_model_folder(path, key)
    jobs = open_requisitions(cfg.inputs.jobs, cfg.data, "inputs.jobs")  # skill ids for jobs without
    return files, jobs, _crossencoder_name(match.crossencoder_path)


def run(cfg: RecruitConfig) -> dict:
    match = cfg.match
    started = time.perf_counter()
    files, jobs, rerank_model = preflight(cfg)
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    provenance = {"biencoder": model_fingerprint(match.biencoder_path, cfg.model),
                  "config_hash": match_config_hash(match, cfg.inputs, cfg.model, cfg.data, cfg.dedup),
                  "run_id": run_id}
    connect(cfg.cluster, gpus={"match.num_gpus": match.num_gpus})
    set_block_size(match.target_max_block_mb)
    output = Path(match.output_dir)
    jobs_ref = ray.put(jobs)
    vectors_ref = embed_requisitions.options(num_cpus=match.cpus_per_actor,
                                             num_gpus=match.num_gpus).remote(match, cfg.model, jobs)
    staging = output / "_staging"
    shutil.rmtree(staging, ignore_errors=True)
    paths = list(files.paths)
    counts = MatchCounts()
    _quarantine_files(files, staging, counts)
    search = search_duplicates(paths, files.readable_rows, match.cpus_per_task)
    ds = match_pipeline(read_units([c for c in files.readable if c.rows], paths), search, paths, cfg,
                        vectors_ref, jobs_ref, str(staging), provenance)
    shortlists = merge_shortlists(ds, jobs.num_rows, match.top_n_resumes, counts)
    reranked = rerank_shortlists(shortlist_pairs(shortlists), paths, match, cfg.model, cfg.data, jobs_ref,
                                 cfg.privacy, cfg.dedup)
    table = mark_shortlists(shortlist_table(reranked, jobs.column("job_id").to_pylist(),
                                            {"rerank_model": rerank_model, **provenance}), cfg.dedup)
    shortlist_path = write_parquet_atomic(table, output / "shortlists" / "part-00000.parquet")
    for kind in ("recommendations", "quarantine"):  # each folder replaced whole
        shutil.rmtree(output / kind, ignore_errors=True)
        (staging / kind).mkdir(parents=True, exist_ok=True)  # nothing of that kind: an empty folder
        os.replace(staging / kind, output / kind)
    shutil.rmtree(staging, ignore_errors=True)
    summary = {"recommendations": str(output / "recommendations"), "shortlists": str(shortlist_path),
               "quarantine": str(output / "quarantine"), "jobs": jobs.num_rows,
               "shortlisted_pairs": table.num_rows, "rerank_model": rerank_model, **provenance,
               "files": len(files.checks), "files_quarantined": len(files.problems),
               **invariant(files.rows_in, counts), "seconds": round(time.perf_counter() - started, 2)}
    write_json_atomic(summary, output / "summary.json")
    require_invariant(summary, output / "summary.json")
    return summary


def _quarantine_files(files: InputFiles, staging: Path, counts: MatchCounts) -> None:
    """Input files that cannot be read (unreadable, or without the columns): their quarantine
    records, and their rows counted as quarantined, as the scoring job does."""
    for number, check in enumerate(files.problems):
        records = file_problem_rows(check)
        write_parquet_atomic(records, staging / "quarantine" / f"file-{number:06d}.parquet")
        counts.add_reason(check.problem, check.rows if check.problem == "missing_column" else 0,
                          records.num_rows)


def _crossencoder_name(path: str) -> str:
    return model_fingerprint(path, ModelConfig()) if path else NO_RERANK

