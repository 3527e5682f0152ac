"""The matching job, on Ray Data: top-k jobs per resume and a reranked top-N shortlist per job.

    python ray_jobs/match.py ...      # the commands: ray_jobs/match.py
    python ray_jobs/match.py match.previous_run=<earlier match.output_dir>   # incremental

Outputs under match.output_dir (a folder every node sees, or an object-store prefix s3://bucket/prefix
or gs://bucket/prefix, like inputs.resumes and inputs.jobs: recruit_core/storage.py; schemas:
recruit_core/match/outputs.py), per input file <key>
(score/manifest.py `output_key`), each committed whole once all the file's rows are in:
  recommendations/<key>.parquet   per resume: resume_id, rank, job_id, score (the bi-encoder's fit),
                                  fit_probability (its calibration, if the folder has one), matched /
                                  missing required and preferred skill ids, seniority_gap,
                                  input_row, biencoder, config_hash, run_id
  partials/<key>.parquet          per job: the file's own top-N resumes (the shortlists' inputs)
  embeddings/<key>.parquet        per resume: content_hash, embedding, skills, seniority
  quarantine/<key>.parquet        resume_id, input_file, reason, detail, input_row: the scoring
                                  job's quarantine schema and reasons (recruit_core/data/intake.py)
and for the whole run, rebuilt at its end:
  shortlists/part-00000.parquet   per job: job_id, rank, resume_id, bi_score, fit_probability,
                                  bi_rank, rerank_score,
                                  rerank_model, the same evidence, biencoder, config_hash, run_id
  manifest.jsonl                  the provenance, then one line per committed input file (in an
                                  object store: the provenance, and manifest/<...>.json per file)
  requisitions.json               a hash per requisition, for the next incremental run
  summary.json                    rows in = rows matched + rows quarantined, checked (the job fails
                                  when they differ), reasons, config_hash, run_id, reuse counts

A rerun into the same output_dir (after a crash, say) skips the committed files and rebuilds the
shortlists from every file's partials: top-N of a union is top-N of the union of top-Ns, with the
(score, smaller resume_key) tie-break, so the outputs equal an uninterrupted run's. Outputs made
with another model or config are refused unless match.overwrite=true. Exact top-k by blocked
matrix products in the actors (recruit_core/match/topk.py); the driver holds jobs x N shortlist
entries, never resumes x jobs. Without match.crossencoder_path, or with one that did not pass its
stage gate (recruit_core/train/gates.py: its gate.json), the shortlists keep bi-encoder order,
`rerank_model` says so and the summary's `reranker` says why.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import ray

from recruit_core import storage
from recruit_core.config import ModelConfig, RecruitConfig
from recruit_core.data.intake import InputFiles, check_files, read_units
from recruit_core.data.reader_ray import search_duplicates
from recruit_core.eval.calibration import CALIBRATION_FILE, calibrator_from_json
from recruit_core.io import (
    files_in,
    parquet_files,
    remove_tree,
    write_json_atomic,
    write_parquet_atomic,
)
from recruit_core.match.accounting import MatchCounts, invariant, match_config_hash, require_invariant
from recruit_core.match.outputs import FILE_OUTPUTS, biencoder_calibration, fit_probability
from recruit_core.match.pipeline_ray import embed_requisitions, match_pipeline
from recruit_core.match.reuse import (
    JOB_HASHES_FILE,
    job_changes,
    job_hashes,
    removed_resumes,
    reuse_decision,
)
from recruit_core.match.shortlist_ray import rerank_shortlists, shortlist_pairs
from recruit_core.match.staging_ray import MatchCommits, shortlist_candidates
from recruit_core.match.topk import shortlist_table
from recruit_core.model.forward import check_model_folder, model_fingerprint
from recruit_core.ray_env import connect, set_block_size
from recruit_core.score.manifest import (
    MANIFEST_FILE,
    STAGING_DIR,
    Manifest,
    ProvenanceMismatchError,
    output_key,
    record_file_problems,
)
from recruit_core.score.reuse import jobs_hash
from recruit_core.text.near_duplicates import mark_shortlists
from recruit_core.text.requisition_skills import open_requisitions
from recruit_core.train.gates import rerank_decision

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
    match, root = cfg.match, cfg.inputs.resumes
    started = time.perf_counter()
    files, jobs, rerank_model = preflight(cfg)
    use_reranker, rerank_why = rerank_decision(match.crossencoder_path)  # the stage gate
    if match.crossencoder_path and not use_reranker:
        print(f"match: {rerank_why}", flush=True)
        rerank_model = NO_RERANK
    calibration = biencoder_calibration(match.biencoder_path)
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    provenance = {"biencoder": model_fingerprint(match.biencoder_path, cfg.model),
                  "config_hash": match_config_hash(match, cfg.inputs, cfg.model, cfg.data,
                                                   cfg.dedup, cfg.privacy)}
    # what a committed file was made with; requisitions too, or a resumed run could mix two sets
    made_with = {**provenance, "rerank_model": rerank_model, "jobs_hash": jobs_hash(jobs)}
    provenance["run_id"] = run_id
    connect(cfg.cluster, gpus={"match.num_gpus": match.num_gpus})
    set_block_size(match.target_max_block_mb)
    output = match.output_dir  # a folder, or an object-store prefix (s3://bucket/prefix)
    manifest = open_manifest(output, made_with, match.overwrite)
    record_file_problems(files.problems, manifest, root)
    unfinished = set(manifest.unfinished(files.paths))
    todo = [c for c in files.readable if c.path in unfinished]
    previous_dir, reuse = reuse_decision(match.previous_run, made_with)
    jobs_ref = ray.put(jobs)
    if todo:  # nothing left to match (a rerun after everything was committed): no model needed
        match_files(todo, files, cfg, jobs, jobs_ref, provenance, manifest, previous_dir)
    job_ids = jobs.column("job_id").to_pylist()
    shortlists = shortlist_candidates(output, root, files.paths, job_ids, match.top_n_resumes)
    reranker = match if use_reranker else replace(match, crossencoder_path="")
    reranked = rerank_shortlists(shortlist_pairs(shortlists), files.paths, reranker, cfg.model, cfg.data,
                                 jobs_ref, cfg.privacy, cfg.dedup)
    table = shortlist_table(reranked, job_ids, {"rerank_model": rerank_model, **provenance})
    table = mark_shortlists(table.add_column(
        table.column_names.index("bi_score") + 1, "fit_probability",
        pa.array(fit_probability(table.column("bi_score").to_numpy(), calibration), pa.float32())),
        cfg.dedup)
    shortlist_path = write_parquet_atomic(table, storage.join(output, "shortlists", "part-00000.parquet"))
    hashes = job_hashes(jobs)
    write_json_atomic(hashes, storage.join(output, JOB_HASHES_FILE))
    prune_outputs(output, {output_key(root, c.path) for c in files.checks})
    remove_tree(storage.join(output, STAGING_DIR))  # every file committed: nothing waits
    totals = file_totals(manifest, [c.path for c in files.checks])
    counts = MatchCounts(totals["matched"], totals["quarantined"], totals["reasons"])
    summary = {"recommendations": storage.join(output, "recommendations"),
               "shortlists": str(shortlist_path), "quarantine": storage.join(output, "quarantine"),
               "manifest": str(manifest.path),
               "jobs": jobs.num_rows, "shortlisted_pairs": table.num_rows,
               "rerank_model": rerank_model, "reranker": rerank_why,
               "fit_probability": (f"{calibrator_from_json(calibration).formula()} from {match.biencoder_path}/"
                                   f"{CALIBRATION_FILE}" if calibration
                                   else "none: the bi-encoder folder carries no calibration.json"),
               **provenance, "files": len(files.checks),
               "files_matched_now": len(todo), "files_skipped_finished": len(files.readable) - len(todo),
               "files_quarantined": len(files.problems), **invariant(files.rows_in, counts),
               "previous_run": match.previous_run, "reuse": reuse, "reused": totals["reused"],
               "rematched": totals["matched"] - totals["reused"],
               "removed": removed_resumes(previous_dir, output) if previous_dir else 0,
               **job_changes(match.previous_run, hashes),
               "seconds": round(time.perf_counter() - started, 2)}
    write_json_atomic(summary, storage.join(output, "summary.json"))
    require_invariant(summary, storage.join(output, "summary.json"))
    return summary


def open_manifest(output: str, made_with: dict, overwrite: bool) -> Manifest:
    """The output folder's manifest; with `overwrite`, every earlier match output removed first."""
    if overwrite:
        prune_outputs(output, set())
    try:
        return Manifest.open(output, made_with, overwrite=overwrite)
    except ProvenanceMismatchError as error:
        raise ProvenanceMismatchError(
            f"match.output_dir={output} holds outputs made with another model, config or set of "
            f"requisitions ({storage.join(output, MANIFEST_FILE)}); match into a new "
            "match.output_dir, or set match.overwrite=true to start over") from error


def match_files(todo: list, files: InputFiles, cfg: RecruitConfig, jobs: pa.Table, jobs_ref,
                provenance: dict, manifest: Manifest, previous_dir: str) -> None:
    """Match the readable files not committed yet, committing file by file."""
    match = cfg.match
    vectors_ref = embed_requisitions.options(num_cpus=match.cpus_per_actor,
                                             num_gpus=match.num_gpus).remote(match, cfg.model, jobs)
    commits = MatchCommits(todo, manifest, cfg.inputs.resumes, match.top_n_resumes,
                           match.cpus_per_task)
    for check in todo:
        if not check.rows:  # an empty file: nothing to stream, finished at once
            commits.commit(check.path)
    search = search_duplicates(files.paths, files.readable_rows, match.cpus_per_task)
    units = read_units([c for c in todo if c.rows], files.paths)
    if units:
        ds = match_pipeline(units, search, files.paths, cfg, vectors_ref, jobs_ref, provenance,
                            previous_dir)
        for stats in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            commits.add(stats)
    commits.record(wait=True)
    missing = manifest.unfinished([c.path for c in todo])
    if missing:
        raise RuntimeError(f"rows of {len(missing)} input files did not all come back "
                           f"(first: {missing[0]}); their outputs were not committed, rerun to retry")


def file_totals(manifest: Manifest, paths: list[str]) -> dict:
    """Rows matched, quarantined (with reasons) and reused, summed over the committed files."""
    entries = [manifest.files[p] for p in paths if p in manifest.files]
    totals = {name: sum(int(e.get(name, 0)) for e in entries)
              for name in ("matched", "quarantined", "reused")}
    reasons: dict[str, int] = {}
    for entry in entries:
        for reason, n in (entry.get("reasons") or {}).items():
            reasons[reason] = reasons.get(reason, 0) + n
    return {**totals, "reasons": reasons}


def prune_outputs(output: str, keep: set[str]) -> None:
    """Remove per-file outputs of input files not in `keep` (by output key): files gone from the
    input, or an earlier layout's parts, must not be read back with this run's."""
    for kind in FILE_OUTPUTS:
        for path in files_in(storage.join(output, kind)):
            if Path(path).stem not in keep:
                remove_tree(path)
    if not keep:
        for name in ("shortlists", JOB_HASHES_FILE, "summary.json"):
            remove_tree(storage.join(output, name))


def _crossencoder_name(path: str) -> str:
    return model_fingerprint(path, ModelConfig()) if path else NO_RERANK

