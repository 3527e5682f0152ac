"""Ray Data glue for two-way matching: embed, blocked top-k in actors, shortlist rerank + evidence.

    read + validate (score_ray.read_resumes) -> tokenize + extract skills (CPU tasks)
    -> MatchActor pool: R_b @ J^T per block; top-k jobs per resume, own running top-N per job
    -> write recommendations per block (CPU tasks), pass on the per-job entries actors admitted
    -> driver: merge admitted entries into jobs x N shortlists (never resumes x jobs)
    -> ShortlistActor pool: cross-encoder rerank of each job's shortlist + skill-gap evidence

Each actor holds the job embedding matrix, shipped once by `ray.put`. Resumes are identified by
`resume_key` = file index << 32 | row, so the shortlist pass can read back just their texts.
Run it with `python ray_jobs/match.py`; the driver is `recruit_core/match/job_ray.py`.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray
import torch

from recruit_core.config import DataConfig, MatchConfig, ModelConfig, PrivacyConfig, RecruitConfig
from recruit_core.data.validate import ID_COLUMN, TEXT_COLUMN, normalise_text
from recruit_core.io import write_parquet_atomic
from recruit_core.match.topk import BlockMatcher, JobShortlists
from recruit_core.model.forward import TextEncoder, load_scoring_model, tokenize_texts
from recruit_core.privacy.redact import redact_column
from recruit_core.score.pipeline_ray import actor_memory, resume_reader, worker_tokenizer
from recruit_core.score.scorer import columns_to_windows, windows_to_columns
from recruit_core.text.requisition import requisition_texts

POSITION_BITS = 32  # resume_key = file index << 32 | row: 4 billion rows per file is plenty
MATCH_ROWS = pa.schema([
    ("kind", pa.string()), ("resume_key", pa.int64()), ("resume_id", pa.string()),
    ("job_index", pa.int32()), ("rank", pa.int32()), ("score", pa.float32()),
    ("skills", pa.list_(pa.string())), ("seniority", pa.string())])
SKILL_LIST = pa.list_(pa.string())
EVIDENCE_FIELDS = [("matched_skills", SKILL_LIST), ("missing_skills", SKILL_LIST),
                   ("matched_preferred", SKILL_LIST), ("missing_preferred", SKILL_LIST),
                   ("seniority_gap", pa.int32()), ("required_coverage", pa.float32())]
RECOMMENDATION_ROWS = pa.schema([("resume_id", pa.string()), ("rank", pa.int32()),
                                 ("job_id", pa.string()), ("score", pa.float32()), *EVIDENCE_FIELDS])
SHORTLIST_ROWS = pa.schema([("job_index", pa.int32()), ("resume_key", pa.int64()),
                            ("bi_score", pa.float32()), ("bi_rank", pa.int32()),
                            ("resume_id", pa.string()), ("rerank_score", pa.float32()),
                            *EVIDENCE_FIELDS])
RECOMMENDATION, CANDIDATE = "recommendation", "candidate"
_CACHE: dict = {}  # per worker process: the requisition rows and the skill extractor, built once


def _device(num_gpus: float) -> str:
    return "cuda" if num_gpus > 0 and torch.cuda.is_available() else "cpu"


def _skill_extractor(data: DataConfig):
    """One extractor per worker process and data config: with data.taxonomy=onet, building it
    re-reads the O*NET tables (0.6-1.5 s here), longer than tokenizing a batch of resumes."""
    key = ("skills", json.dumps(asdict(data), sort_keys=True))
    if key not in _CACHE:
        from recruit_core.data.taxonomy import load_taxonomy
        from recruit_core.text.skills import SkillExtractor
        _CACHE[key] = SkillExtractor.from_taxonomy(load_taxonomy(data))
    return _CACHE[key]


def _job_rows(jobs_ref: list) -> list[dict]:
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
                          _device(match.num_gpus))
    return encoder.embed_texts(requisition_texts(jobs))


def prepare_resumes(batch: pa.Table, *, paths: list[str], model_path: str, model: ModelConfig,
                    data: DataConfig) -> pa.Table:
    """Valid rows only (the score job quarantines the rest): key, tokens, skills, seniority."""
    from recruit_core.text.gaps import estimate_seniority
    good = batch.filter(pc.is_null(batch.column("reason")))
    texts = good.column(TEXT_COLUMN).to_pylist()
    index = {p: i for i, p in enumerate(paths)}
    files = np.array([index[p] for p in good.column("input_file").to_pylist()], dtype=np.int64)
    keys = (files << POSITION_BITS) | good.column("position").to_numpy()
    windows = tokenize_texts(worker_tokenizer(model_path, model), texts, model)
    extractor = _skill_extractor(data)
    return pa.table({"resume_key": keys, "resume_id": good.column(ID_COLUMN),
                     **windows_to_columns(windows, len(texts)),
                     "skills": pa.array([sorted(extractor.skill_ids(t)) for t in texts],
                                        pa.list_(pa.string())),
                     "seniority": pa.array([estimate_seniority(t) for t in texts], pa.string())})


class MatchActor:
    """Holds the job matrix and its own running per-job top-N across every batch it scores."""

    def __init__(self, match: MatchConfig, model: ModelConfig, job_vectors: list):
        torch.set_num_threads(match.torch_threads)
        device = _device(match.num_gpus)
        self.encoder = TextEncoder(load_scoring_model(match.biencoder_path, model), model, device)
        jobs = torch.tensor(ray.get(job_vectors[0]), device=device)
        self.matcher = BlockMatcher(jobs, match.top_k_jobs, match.top_n_resumes, match.block_rows)

    @torch.inference_mode()
    def __call__(self, batch: pa.Table) -> pa.Table:
        windows = columns_to_windows(batch.column("tokens"), batch.column("window_lengths"),
                                     self.encoder.model_cfg.max_length,
                                     self.encoder.tokenizer.pad_token_id)
        n = batch.num_rows
        if n == 0:  # every resume of the block was invalid
            return MATCH_ROWS.empty_table()
        embedded = self.encoder.embed(self.encoder.pooled_windows(windows), windows.owner, n)
        blocks = self.matcher.add(embedded, torch.tensor(batch.column("resume_key").to_numpy()))
        recommended = [(np.arange(b.start, b.stop), b.top_scores.cpu().numpy(),
                        b.top_jobs.cpu().numpy()) for b in blocks]
        admitted = [b.admitted for b in blocks]
        return pa.concat_tables([self._recommendations(batch, recommended),
                                 self._candidates(batch, admitted)])

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
            "seniority": batch.column("seniority").take(rows)}, schema=MATCH_ROWS)

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
            "skills": pa.nulls(n, pa.list_(pa.string())), "seniority": pa.nulls(n, pa.string())},
            schema=MATCH_ROWS)


def write_recommendations(batch: pa.Table, *, staging: str, jobs_ref: list,
                          provenance: dict) -> pa.Table:
    """Recommendation rows of the block -> one Parquet part (named by its first resume_key, so a
    retry rewrites it); returns the block's candidate rows for the driver's shortlist merge."""
    kinds = batch.column("kind")
    recs = batch.filter(pc.equal(kinds, RECOMMENDATION))
    if recs.num_rows:
        jobs = _job_rows(jobs_ref)
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
        write_parquet_atomic(table, f"{staging}/part-{first:016d}.parquet")
    return batch.filter(pc.equal(kinds, CANDIDATE)).select(["job_index", "resume_key", "score"])


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
                                     "provenance": provenance})


def merge_shortlists(ds: ray.data.Dataset, n_jobs: int, n: int) -> JobShortlists:
    """Stream the admitted entries into one jobs x N shortlist on the driver."""
    shortlists = JobShortlists(n_jobs, n)
    for entries in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        shortlists.add_entries(torch.tensor(entries.column("job_index").to_numpy().astype(np.int64)),
                               torch.tensor(entries.column("resume_key").to_numpy()),
                               torch.tensor(entries.column("score").to_numpy()))
    return shortlists


# ---- the shortlist pass: jobs x N pairs, read back their texts, rerank, evidence --------------

@ray.remote
def fetch_pairs(path: str, pairs: pa.Table, privacy: PrivacyConfig) -> pa.Table:
    """Shortlisted (job, resume) pairs of one input file, with the resume's normalised text,
    redacted as the first pass read it (privacy.redact)."""
    rows = pa.array(pairs.column("resume_key").to_numpy() & ((1 << POSITION_BITS) - 1))
    resumes = pq.read_table(path, columns=[ID_COLUMN, TEXT_COLUMN]).take(rows)
    texts = redact_column([normalise_text(t) for t in
                           resumes.column(TEXT_COLUMN).cast(pa.string()).to_pylist()], privacy)
    return (pairs.append_column("resume_id", resumes.column(ID_COLUMN).cast(pa.string()))
                 .append_column("text", pa.array(texts, pa.string())))


class ShortlistActor:
    """Cross-encoder fit of the top `match.rerank_top` pairs of each job, and skill evidence."""

    def __init__(self, match: MatchConfig, model: ModelConfig, data: DataConfig, jobs_ref: list):
        from recruit_core.model.recruit import RecruitModel
        torch.set_num_threads(match.torch_threads)
        self.match, self.model_cfg, self.jobs_ref = match, model, jobs_ref
        self.device = torch.device(_device(match.num_gpus))
        self.cross = None
        if match.crossencoder_path:
            cross, tokenizer, _ = RecruitModel.load(match.crossencoder_path)
            self.cross = TextEncoder.for_model(cross, tokenizer, model, self.device.type)
        self.extractor = _skill_extractor(data)

    @torch.inference_mode()
    def _rerank(self, jobs: list[dict], job_index: list[int], bi_rank: list[int],
                texts: list[str]) -> list[float | None]:
        """Cross-encoder fit (sigmoid) of pairs within the job's rerank_top; None for the rest."""
        scores: list[float | None] = [None] * len(texts)
        chosen = [i for i, rank in enumerate(bi_rank) if rank <= self.match.rerank_top]
        if self.cross is None or not chosen:
            return scores
        job_texts = requisition_texts(pa.Table.from_pylist([jobs[job_index[i]] for i in chosen]))
        logits = self.cross.fit_logits(job_texts, [texts[i] for i in chosen])
        for i, value in zip(chosen, torch.sigmoid(logits.float()).cpu().tolist()):
            scores[i] = value
        return scores

    def __call__(self, batch: pa.Table) -> pa.Table:
        from recruit_core.text.gaps import estimate_seniority
        jobs = _job_rows(self.jobs_ref)
        texts = batch.column("text").to_pylist()
        job_index = batch.column("job_index").to_pylist()
        reranked = self._rerank(jobs, job_index, batch.column("bi_rank").to_pylist(), texts)
        rows = []
        for row, text, rerank in zip(batch.drop_columns(["text"]).to_pylist(), texts, reranked):
            gap = evidence(jobs[row["job_index"]], self.extractor.skill_ids(text),
                           estimate_seniority(text))
            rows.append({**row, "rerank_score": rerank, **gap})
        return pa.Table.from_pylist(rows, schema=SHORTLIST_ROWS)


def shortlist_pairs(shortlists: JobShortlists) -> pa.Table:
    """(job_index, resume_key, bi_score, bi_rank) of every filled shortlist slot."""
    scores, ids = (t.cpu().numpy() for t in shortlists.result())
    jobs, slots = np.nonzero(np.isfinite(scores))
    return pa.table({"job_index": jobs.astype(np.int32), "resume_key": ids[jobs, slots],
                     "bi_score": scores[jobs, slots].astype(np.float32),
                     "bi_rank": (slots + 1).astype(np.int32)})


def shortlist_dataset(pairs: pa.Table, paths: list[str], match: MatchConfig,
                      privacy: PrivacyConfig | None = None) -> ray.data.Dataset | None:
    """The pairs with their resume texts (one fetch per input file) in blocks of at most
    match.rerank_batch_size pairs, at least one per actor; None when there are no pairs.
    A block goes to one actor: as one block per input file, one actor reranked every pair of a
    real run (419 postings x 10 resumes, one file) while the rest of the pool stood idle.
    `privacy` None: the default PrivacyConfig (redaction on)."""
    privacy = privacy or PrivacyConfig()
    files = pairs.column("resume_key").to_numpy() >> POSITION_BITS
    by_file = defaultdict(list)
    for i, f in enumerate(files):
        by_file[int(f)].append(i)
    refs = [fetch_pairs.options(num_cpus=match.cpus_per_task).remote(paths[f], pairs.take(rows),
                                                                     privacy)
            for f, rows in sorted(by_file.items())]
    if not refs:
        return None
    blocks = max(match.pool_size, -(-pairs.num_rows // match.rerank_batch_size))
    return ray.data.from_arrow_refs(refs).repartition(blocks)


def rerank_shortlists(pairs: pa.Table, paths: list[str], match: MatchConfig, model: ModelConfig,
                      data: DataConfig, jobs_ref, privacy: PrivacyConfig) -> pa.Table:
    """Reranked pairs with evidence; the driver holds jobs x N rows here, no resume texts."""
    ds = shortlist_dataset(pairs, paths, match, privacy)
    if ds is None:
        return SHORTLIST_ROWS.empty_table()
    ds = ds.map_batches(
        ShortlistActor, batch_size=match.rerank_batch_size, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=match.pool_size), num_gpus=match.num_gpus,
        num_cpus=match.cpus_per_actor, memory=actor_memory(match.actor_memory_mb),
        fn_constructor_kwargs={"match": match, "model": model, "data": data,
                               "jobs_ref": [jobs_ref]})
    return pa.concat_tables(ds.iter_batches(batch_size=None, batch_format="pyarrow"))
