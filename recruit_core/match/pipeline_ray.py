"""Ray Data glue for two-way matching, the first pass: embed, blocked top-k in actors, evidence.

    read + validate (data/reader_ray.py) -> tokenize + extract skills (CPU tasks)
    -> MatchActor pool: R_b @ J^T per block; top-k jobs per resume, own running top-N per job
    -> write recommendations and quarantine records per block (CPU tasks), pass on the per-job
       entries actors admitted and the block's counts (match/accounting.py)
    -> driver: merge admitted entries into jobs x N shortlists (never resumes x jobs), add up counts
    -> the shortlist pass (match/shortlist_ray.py): cross-encoder rerank of each job's shortlist

Each actor holds the job embedding matrix, shipped once by `ray.put`. Resumes are identified by
`resume_key` = file index << 32 | row, so the shortlist pass can read back just their texts.
Run it with `python ray_jobs/match.py`; the driver is `recruit_core/match/job_ray.py`.
"""
from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import torch

from recruit_core.config import DataConfig, MatchConfig, ModelConfig, RecruitConfig
from recruit_core.data.reader_ray import resume_reader
from recruit_core.data.validate import ID_COLUMN, TEXT_COLUMN
from recruit_core.io import write_parquet_atomic
from recruit_core.match.accounting import (
    BLOCK_RESULTS,
    CANDIDATE,
    MatchCounts,
    block_counts,
    quarantine_records,
    resume_keys,
)
from recruit_core.match.topk import BlockMatcher, JobShortlists
from recruit_core.model.forward import TextEncoder, load_scoring_model, tokenize_texts
from recruit_core.score.pipeline_ray import actor_memory, worker_tokenizer
from recruit_core.score.scorer import columns_to_windows, windows_to_columns
from recruit_core.text.requisition import requisition_texts

MATCH_ROWS = pa.schema([
    ("kind", pa.string()), ("resume_key", pa.int64()), ("resume_id", pa.string()),
    ("job_index", pa.int32()), ("rank", pa.int32()), ("score", pa.float32()),
    ("skills", pa.list_(pa.string())), ("seniority", pa.string()),
    ("reason", pa.string()), ("detail", pa.string())])
SKILL_LIST = pa.list_(pa.string())
EVIDENCE_FIELDS = [("matched_skills", SKILL_LIST), ("missing_skills", SKILL_LIST),
                   ("matched_preferred", SKILL_LIST), ("missing_preferred", SKILL_LIST),
                   ("seniority_gap", pa.int32()), ("required_coverage", pa.float32())]
RECOMMENDATION_ROWS = pa.schema([("resume_id", pa.string()), ("rank", pa.int32()),
                                 ("job_id", pa.string()), ("score", pa.float32()), *EVIDENCE_FIELDS])
SHORTLIST_ROWS = pa.schema([("job_index", pa.int32()), ("resume_key", pa.int64()),
                            ("bi_score", pa.float32()), ("bi_rank", pa.int32()),
                            ("resume_id", pa.string()), ("rerank_score", pa.float32()),
                            *EVIDENCE_FIELDS, ("minhash", pa.list_(pa.uint64()))])
RECOMMENDATION, QUARANTINE = "recommendation", "quarantine"
_CACHE: dict = {}  # per worker process: the requisition rows and the skill extractor, built once


def device_for(num_gpus: float) -> str:
    return "cuda" if num_gpus > 0 and torch.cuda.is_available() else "cpu"


def skill_extractor(data: DataConfig):
    """One extractor per worker process and data config: with data.taxonomy=onet, building it
    re-reads the O*NET tables (0.6-1.5 s here), longer than tokenizing a batch of resumes."""
    key = ("skills", json.dumps(asdict(data), sort_keys=True))
    if key not in _CACHE:
        from recruit_core.data.taxonomy import load_taxonomy
        from recruit_core.text.skills import SkillExtractor
        _CACHE[key] = SkillExtractor.from_taxonomy(load_taxonomy(data))
    return _CACHE[key]


def job_rows(jobs_ref: list) -> list[dict]:
    key = ("jobs", jobs_ref[0].hex())
    if key not in _CACHE:
        _CACHE[key] = ray.get(jobs_ref[0]).to_pylist()
    return _CACHE[key]


def evidence(job: dict, resume_skills: set[str], seniority: str | None) -> dict:
    """Matched and missing required / preferred skill ids of a pair, and the seniority gap."""
    from recruit_core.text.gaps import analyse_gap
    gap = analyse_gap(job, resume_skills, seniority)
    return {"matched_skills": gap.required_matched, "missing_skills": gap.required_missing,
            "matched_preferred": gap.preferred_matched, "missing_preferred": gap.preferred_missing,
            "seniority_gap": gap.seniority_gap, "required_coverage": round(gap.required_coverage, 4)}


@ray.remote
def embed_requisitions(match: MatchConfig, model: ModelConfig, jobs: pa.Table):
    """Job embeddings [jobs, d] float32 (title + description), computed once for all actors."""
    # the actor pool's threads: the pool waits for this task, so its cores are idle meanwhile
    torch.set_num_threads(match.torch_threads * match.pool_size)
    encoder = TextEncoder(load_scoring_model(match.biencoder_path, model), model,
                          device_for(match.num_gpus))
    return encoder.embed_texts(requisition_texts(jobs), side="job")


def prepare_resumes(batch: pa.Table, *, paths: list[str], model_path: str, model: ModelConfig,
                    data: DataConfig) -> pa.Table:
    """Valid rows: key, tokens, skills, seniority; then the invalid rows with their key, reason
    and detail (no tokens), passed on to be quarantined."""
    from recruit_core.text.gaps import estimate_seniority
    valid = pc.is_null(batch.column("reason"))
    good, bad = batch.filter(valid), batch.filter(pc.invert(valid))
    texts = good.column(TEXT_COLUMN).to_pylist()
    windows = tokenize_texts(worker_tokenizer(model_path, model), texts, model)
    extractor = skill_extractor(data)
    matched = pa.table({
        "resume_key": resume_keys(good.column("input_file").to_pylist(),
                                  good.column("position").to_numpy(), paths),
        "resume_id": good.column(ID_COLUMN), **windows_to_columns(windows, len(texts)),
        "skills": pa.array([sorted(extractor.skill_ids(t)) for t in texts], SKILL_LIST),
        "seniority": pa.array([estimate_seniority(t) for t in texts], pa.string()),
        "reason": pa.nulls(good.num_rows, pa.string()), "detail": pa.nulls(good.num_rows, pa.string())})
    n = bad.num_rows
    rejected = pa.table({
        "resume_key": resume_keys(bad.column("input_file").to_pylist(),
                                  bad.column("position").to_numpy(), paths),
        "resume_id": bad.column(ID_COLUMN),
        "tokens": pa.array([[]] * n, matched.schema.field("tokens").type),
        "window_lengths": pa.array([[]] * n, matched.schema.field("window_lengths").type),
        "skills": pa.nulls(n, SKILL_LIST), "seniority": pa.nulls(n, pa.string()),
        "reason": bad.column("reason"), "detail": bad.column("detail")}, schema=matched.schema)
    return pa.concat_tables([matched, rejected])


class MatchActor:
    """Holds the job matrix and its own running per-job top-N across every batch it scores."""

    def __init__(self, match: MatchConfig, model: ModelConfig, job_vectors: list):
        torch.set_num_threads(match.torch_threads)
        device = device_for(match.num_gpus)
        self.encoder = TextEncoder(load_scoring_model(match.biencoder_path, model), model, device)
        jobs = torch.tensor(ray.get(job_vectors[0]), device=device)
        self.matcher = BlockMatcher(jobs, match.top_k_jobs, match.top_n_resumes, match.block_rows)

    @torch.inference_mode()
    def __call__(self, rows: pa.Table) -> pa.Table:
        valid = pc.is_null(rows.column("reason"))
        batch, rejected = rows.filter(valid), _quarantine_rows(rows.filter(pc.invert(valid)))
        n = batch.num_rows
        if n == 0:  # every resume of the block was invalid
            return rejected
        windows = columns_to_windows(batch.column("tokens"), batch.column("window_lengths"),
                                     self.encoder.model_cfg.max_length,
                                     self.encoder.tokenizer.pad_token_id)
        embedded = self.encoder.embed(self.encoder.pooled_windows(windows), windows.owner, n,
                                      side="resume")
        blocks = self.matcher.add(embedded, torch.tensor(batch.column("resume_key").to_numpy()))
        recommended = [(np.arange(b.start, b.stop), b.top_scores.cpu().numpy(),
                        b.top_jobs.cpu().numpy()) for b in blocks]
        admitted = [b.admitted for b in blocks]
        return pa.concat_tables([self._recommendations(batch, recommended),
                                 self._candidates(batch, admitted), rejected])

    def _recommendations(self, batch: pa.Table, blocks: list) -> pa.Table:
        rows = np.concatenate([np.repeat(r, s.shape[1]) for r, s, _ in blocks])
        k = blocks[0][1].shape[1] if blocks else 0
        return pa.table({
            "kind": [RECOMMENDATION] * len(rows),
            "resume_key": batch.column("resume_key").take(rows),
            "resume_id": batch.column("resume_id").take(rows),
            "job_index": np.concatenate([j.ravel() for _, _, j in blocks]).astype(np.int32),
            "rank": np.tile(np.arange(1, k + 1, dtype=np.int32), len(rows) // max(1, k)),
            "score": np.concatenate([s.ravel() for _, s, _ in blocks]).astype(np.float32),
            "skills": batch.column("skills").take(rows),
            "seniority": batch.column("seniority").take(rows),
            "reason": pa.nulls(len(rows), pa.string()), "detail": pa.nulls(len(rows), pa.string())},
            schema=MATCH_ROWS)

    def _candidates(self, batch: pa.Table, admitted: list) -> pa.Table:
        keys = np.concatenate([a.resume_ids.cpu().numpy() for a in admitted])
        row_of = {int(k): i for i, k in enumerate(batch.column("resume_key").to_numpy())}
        rows = np.array([row_of[int(k)] for k in keys], dtype=np.int64)
        n = len(keys)
        return pa.table({
            "kind": [CANDIDATE] * n, "resume_key": keys,
            "resume_id": batch.column("resume_id").take(rows),
            "job_index": np.concatenate([a.jobs.cpu().numpy() for a in admitted]).astype(np.int32),
            "rank": np.zeros(n, np.int32),
            "score": np.concatenate([a.scores.float().cpu().numpy() for a in admitted]),
            "skills": pa.nulls(n, pa.list_(pa.string())), "seniority": pa.nulls(n, pa.string()),
            "reason": pa.nulls(n, pa.string()), "detail": pa.nulls(n, pa.string())},
            schema=MATCH_ROWS)


def _quarantine_rows(rejected: pa.Table) -> pa.Table:
    """Invalid resumes as MATCH_ROWS of kind `quarantine`, keeping key, id, reason and detail."""
    n = rejected.num_rows
    return pa.table({
        "kind": [QUARANTINE] * n, "resume_key": rejected.column("resume_key"),
        "resume_id": rejected.column("resume_id").cast(pa.string()),
        "job_index": pa.nulls(n, pa.int32()), "rank": pa.nulls(n, pa.int32()),
        "score": pa.nulls(n, pa.float32()), "skills": pa.nulls(n, SKILL_LIST),
        "seniority": pa.nulls(n, pa.string()), "reason": rejected.column("reason"),
        "detail": rejected.column("detail")}, schema=MATCH_ROWS)


def write_recommendations(batch: pa.Table, *, staging: str, jobs_ref: list, provenance: dict,
                          paths: list[str]) -> pa.Table:
    """Recommendation rows and quarantine records of the block -> one Parquet part each under
    `staging`/recommendations and /quarantine (named by its first resume_key, so a retry rewrites
    it); returns the block's candidate rows for the driver's shortlist merge and its counts."""
    kinds = batch.column("kind")
    recs = batch.filter(pc.equal(kinds, RECOMMENDATION))
    rejected = batch.filter(pc.equal(kinds, QUARANTINE))
    quarantine = quarantine_records(rejected, paths)
    if quarantine.num_rows:
        first = pc.min(rejected.column("resume_key")).as_py()
        write_parquet_atomic(quarantine, f"{staging}/quarantine/part-{first:016d}.parquet")
    if recs.num_rows:
        jobs = job_rows(jobs_ref)
        rows = []
        for r in recs.to_pylist():
            job = jobs[r["job_index"]]
            gap = evidence(job, set(r["skills"] or ()), r["seniority"])
            rows.append({"resume_id": r["resume_id"], "rank": r["rank"], "job_id": job["job_id"],
                         "score": r["score"], **gap})
        table = pa.Table.from_pylist(rows, schema=RECOMMENDATION_ROWS)
        for name, value in provenance.items():
            table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
        first = pc.min(recs.column("resume_key")).as_py()
        write_parquet_atomic(table, f"{staging}/recommendations/part-{first:016d}.parquet")
    candidates = batch.filter(pc.equal(kinds, CANDIDATE))
    n = candidates.num_rows
    candidates = pa.table({"kind": candidates.column("kind"),
                           "job_index": candidates.column("job_index"),
                           "resume_key": candidates.column("resume_key"),
                           "score": candidates.column("score"), "reason": pa.nulls(n, pa.string()),
                           "rows": pa.nulls(n, pa.int64())}, schema=BLOCK_RESULTS)
    matched = len(pc.unique(recs.column("resume_key")))
    return pa.concat_tables([candidates, block_counts(matched, quarantine)])


def match_pipeline(units: list[dict], search: list, paths: list[str], cfg: RecruitConfig,
                   job_vectors_ref, jobs_ref, staging: str, provenance: dict) -> ray.data.Dataset:
    match, model, data = cfg.match, cfg.model, cfg.data
    tasks = {"batch_format": "pyarrow", "num_cpus": match.cpus_per_task}
    ds = resume_reader(units, search, cfg.inputs.max_text_chars, match.batch_size, tasks,
                       cfg.privacy)
    ds = ds.map_batches(prepare_resumes, batch_size=match.batch_size, **tasks,
                        fn_kwargs={"paths": paths, "model_path": match.biencoder_path,
                                   "model": model, "data": data})
    ds = ds.map_batches(MatchActor, batch_size=match.batch_size, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=match.pool_size),
                        num_gpus=match.num_gpus, num_cpus=match.cpus_per_actor,
                        memory=actor_memory(match.actor_memory_mb),
                        fn_constructor_kwargs={"match": match, "model": model,
                                               "job_vectors": [job_vectors_ref]})
    return ds.map_batches(write_recommendations, batch_size=None, **tasks,
                          fn_kwargs={"staging": staging, "jobs_ref": [jobs_ref],
                                     "provenance": provenance, "paths": paths})


def merge_shortlists(ds: ray.data.Dataset, n_jobs: int, n: int, counts: MatchCounts) -> JobShortlists:
    """Stream the admitted entries into one jobs x N shortlist on the driver, adding up the
    blocks' counts in `counts`."""
    shortlists = JobShortlists(n_jobs, n)
    for results in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        entries = counts.add(results)
        shortlists.add_entries(torch.tensor(entries.column("job_index").to_numpy().astype(np.int64)),
                               torch.tensor(entries.column("resume_key").to_numpy()),
                               torch.tensor(entries.column("score").to_numpy()))
    return shortlists
