"""Ray Data glue for two-way matching, the first pass: embed, blocked top-k in actors.

    read + validate (data/reader_ray.py) -> content hash, tokenize + extract skills (CPU tasks;
       with match.previous_run an unchanged resume takes its earlier embedding instead: reuse.py)
    -> MatchActor pool: R_b @ J^T per block; top-k jobs per resume, a running top-N per job of
       each input file (so a file's shortlist entries never depend on another file)
    -> stage parts per input file (match/staging_ray.py); the driver commits each file when all
       its rows are in, and merges the files' top-N lists into the shortlists at the end
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
from recruit_core.match.accounting import resume_keys
from recruit_core.match.outputs import SKILL_LIST
from recruit_core.match.reuse import previous_embeddings
from recruit_core.match.topk import BlockMatcher, JobShortlists
from recruit_core.model.forward import TextEncoder, load_scoring_model, tokenize_texts
from recruit_core.score.pipeline_ray import actor_memory, worker_tokenizer
from recruit_core.score.reuse import content_hashes
from recruit_core.score.scorer import columns_to_windows, windows_to_columns
from recruit_core.text.requisition import requisition_texts

# One row per input row out of the actors, so a block split anywhere splits whole resumes: a
# matched resume with its top-k jobs and the per-job shortlist entries it won in its file, or a
# quarantined row with its reason.
FLOATS, INTS = pa.list_(pa.float32()), pa.list_(pa.int32())
MATCH_ROWS = pa.schema([
    ("kind", pa.string()), ("resume_key", pa.int64()), ("resume_id", pa.string()),
    ("skills", SKILL_LIST), ("seniority", pa.string()), ("reason", pa.string()),
    ("detail", pa.string()), ("content_hash", pa.string()), ("embedding", FLOATS),
    ("top_jobs", INTS), ("top_scores", FLOATS), ("admitted_jobs", INTS), ("admitted_scores", FLOATS)])
QUARANTINE, RESUME = "quarantine", "resume"
REUSED = "reused"  # the `reason` of a resume row whose embedding came from match.previous_run
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
                    data: DataConfig, previous_dir: str = "", input_root: str = "") -> pa.Table:
    """Valid rows: key, content hash, tokens (or the earlier embedding of an unchanged resume),
    skills, seniority; then the invalid rows with their key, reason and detail, to be quarantined."""
    valid = pc.is_null(batch.column("reason"))
    good, bad = batch.filter(valid), batch.filter(pc.invert(valid))
    good = good.append_column("content_hash", content_hashes(good.column(TEXT_COLUMN).to_pylist()))
    earlier = _earlier_rows(good, previous_dir, input_root)
    new = good.filter(pa.array([e is None for e in earlier], pa.bool_()))
    texts = new.column(TEXT_COLUMN).to_pylist()
    windows = windows_to_columns(tokenize_texts(worker_tokenizer(model_path, model), texts, model),
                                 len(texts))
    extractor = skill_extractor(data)
    from recruit_core.text.gaps import estimate_seniority
    fresh = pa.table({
        "resume_key": _keys(new, paths), "resume_id": new.column(ID_COLUMN),
        "content_hash": new.column("content_hash"), **windows,
        "embedding": pa.nulls(new.num_rows, pa.list_(pa.float32())),
        "skills": pa.array([sorted(extractor.skill_ids(t)) for t in texts], SKILL_LIST),
        "seniority": pa.array([estimate_seniority(t) for t in texts], pa.string()),
        "reason": pa.nulls(new.num_rows, pa.string()), "detail": pa.nulls(new.num_rows, pa.string())})
    tables = [fresh]
    reused = [e for e in earlier if e is not None]
    if reused:
        hits = good.filter(pa.array([e is not None for e in earlier], pa.bool_()))
        tables.append(_reused_rows(hits, pa.Table.from_pylist(reused), paths, fresh.schema))
    tables.append(_rejected_rows(bad, paths, fresh.schema))
    return pa.concat_tables(tables)


def _keys(rows: pa.Table, paths: list[str]) -> np.ndarray:
    return resume_keys(rows.column("input_file").to_pylist(), rows.column("position").to_numpy(),
                       paths)


def _earlier_rows(good: pa.Table, previous_dir: str, input_root: str) -> list[dict | None]:
    """Per valid row, its row in the earlier run's embeddings (same file, id and content hash)."""
    if not previous_dir:
        return [None] * good.num_rows
    found = []
    for path, resume_id, digest in zip(good.column("input_file").to_pylist(),
                                       good.column(ID_COLUMN).to_pylist(),
                                       good.column("content_hash").to_pylist()):
        earlier = previous_embeddings(previous_dir, input_root, path)
        row = earlier["index"].get((resume_id, digest))
        found.append(None if row is None else earlier["table"].slice(row, 1).to_pylist()[0])
    return found


def _reused_rows(hits: pa.Table, earlier: pa.Table, paths: list[str], schema: pa.Schema) -> pa.Table:
    n = hits.num_rows
    return pa.table({
        "resume_key": _keys(hits, paths), "resume_id": hits.column(ID_COLUMN),
        "content_hash": hits.column("content_hash"),
        "tokens": pa.array([[]] * n, schema.field("tokens").type),
        "window_lengths": pa.array([[]] * n, schema.field("window_lengths").type),
        "embedding": earlier.column("embedding").cast(pa.list_(pa.float32())),
        "skills": earlier.column("skills").cast(SKILL_LIST),
        "seniority": earlier.column("seniority").cast(pa.string()),
        "reason": pa.array([REUSED] * n, pa.string()), "detail": pa.nulls(n, pa.string())},
        schema=schema)


def _rejected_rows(bad: pa.Table, paths: list[str], schema: pa.Schema) -> pa.Table:
    n = bad.num_rows
    return pa.table({
        "resume_key": _keys(bad, paths), "resume_id": bad.column(ID_COLUMN),
        "content_hash": pa.nulls(n, pa.string()),
        "tokens": pa.array([[]] * n, schema.field("tokens").type),
        "window_lengths": pa.array([[]] * n, schema.field("window_lengths").type),
        "embedding": pa.nulls(n, pa.list_(pa.float32())), "skills": pa.nulls(n, SKILL_LIST),
        "seniority": pa.nulls(n, pa.string()), "reason": bad.column("reason"),
        "detail": bad.column("detail")}, schema=schema)


class MatchActor:
    """Holds the job matrix and, per input file, a running per-job top-N across every batch."""

    def __init__(self, match: MatchConfig, model: ModelConfig, job_vectors: list):
        torch.set_num_threads(match.torch_threads)
        self.device = device_for(match.num_gpus)
        self.encoder = TextEncoder(load_scoring_model(match.biencoder_path, model), model, self.device)
        jobs = torch.tensor(ray.get(job_vectors[0]), device=self.device)
        self.matcher = BlockMatcher(jobs, match.top_k_jobs, match.top_n_resumes, match.block_rows)
        # one shortlist per input file: its partial top-N must not depend on other files, or an
        # unchanged file's list could not be reused once those files change (jobs x N each)
        self.per_file: dict[int, JobShortlists] = {}

    @torch.inference_mode()
    def __call__(self, rows: pa.Table) -> pa.Table:
        valid = pc.fill_null(pc.equal(rows.column("reason"), REUSED), True)
        batch, rejected = rows.filter(valid), _quarantine_rows(rows.filter(pc.invert(valid)))
        if batch.num_rows == 0:  # every resume of the block was invalid
            return rejected
        embedded = self._embeddings(batch)
        keys = batch.column("resume_key").to_numpy()
        n = batch.num_rows
        top_jobs, top_scores = [None] * n, [None] * n
        admitted: list[list] = [[] for _ in range(n)]
        for file_index in np.unique(keys >> 32):
            rows_of_file = np.nonzero((keys >> 32) == file_index)[0]
            shortlists = self.per_file.setdefault(int(file_index), JobShortlists(
                self.matcher.jobs.shape[0], self.matcher.shortlists.n, self.device))
            for block in self.matcher.add(embedded[torch.from_numpy(rows_of_file)],
                                          torch.from_numpy(keys[rows_of_file]), shortlists):
                rows_of_block = rows_of_file[block.start:block.stop]
                for i, jobs, scores in zip(rows_of_block, block.top_jobs.cpu().tolist(),
                                           block.top_scores.cpu().numpy()):
                    top_jobs[i], top_scores[i] = jobs, scores
                row_of = {int(keys[i]): int(i) for i in rows_of_block}
                for job, key, score in zip(block.admitted.jobs.cpu().tolist(),
                                           block.admitted.resume_ids.cpu().tolist(),
                                           block.admitted.scores.float().cpu().numpy()):
                    admitted[row_of[key]].append((job, score))
        return pa.concat_tables([self._resume_rows(batch, embedded, top_jobs, top_scores, admitted),
                                 rejected])

    def _embeddings(self, batch: pa.Table) -> torch.Tensor:
        """[rows, d]: the earlier embedding of reused rows, the bi-encoder's for the rest."""
        given = pc.is_valid(batch.column("embedding")).to_numpy(zero_copy_only=False)
        dim = self.matcher.jobs.shape[1]
        embedded = torch.empty(batch.num_rows, dim, device=self.device)
        if given.any():
            earlier = batch.column("embedding").filter(pa.array(given)).combine_chunks()
            embedded[torch.from_numpy(np.nonzero(given)[0])] = torch.from_numpy(
                earlier.flatten().to_numpy().reshape(-1, dim).copy()).to(self.device)
        todo = np.nonzero(~given)[0]
        if len(todo):
            new = batch.take(pa.array(todo))
            windows = columns_to_windows(new.column("tokens"), new.column("window_lengths"),
                                         self.encoder.model_cfg.max_length,
                                         self.encoder.tokenizer.pad_token_id)
            embedded[torch.from_numpy(todo)] = self.encoder.embed(
                self.encoder.pooled_windows(windows), windows.owner, len(todo), side="resume").float()
        return embedded

    @staticmethod
    def _resume_rows(batch: pa.Table, embedded: torch.Tensor, top_jobs: list, top_scores: list,
                     admitted: list[list]) -> pa.Table:
        n = batch.num_rows
        flat = pa.array(embedded.cpu().numpy().astype(np.float32).ravel())
        return pa.table({
            "kind": [RESUME] * n, "resume_key": batch.column("resume_key"),
            "resume_id": batch.column("resume_id"), "skills": batch.column("skills"),
            "seniority": batch.column("seniority"), "reason": batch.column("reason"),
            "detail": pa.nulls(n, pa.string()), "content_hash": batch.column("content_hash"),
            "embedding": pa.FixedSizeListArray.from_arrays(flat, embedded.shape[1]).cast(FLOATS),
            "top_jobs": pa.array(top_jobs, INTS),
            "top_scores": pa.array([s.tolist() for s in top_scores], FLOATS),
            "admitted_jobs": pa.array([[j for j, _ in a] for a in admitted], INTS),
            "admitted_scores": pa.array([[float(s) for _, s in a] for a in admitted], FLOATS)},
            schema=MATCH_ROWS)


def _quarantine_rows(rejected: pa.Table) -> pa.Table:
    """Invalid resumes as MATCH_ROWS of kind `quarantine`, keeping key, id, reason and detail."""
    n = rejected.num_rows
    return pa.table({
        "kind": [QUARANTINE] * n, "resume_key": rejected.column("resume_key"),
        "resume_id": rejected.column("resume_id").cast(pa.string()),
        "skills": pa.nulls(n, SKILL_LIST), "seniority": pa.nulls(n, pa.string()),
        "reason": rejected.column("reason"), "detail": rejected.column("detail"),
        **{name: pa.nulls(n, MATCH_ROWS.field(name).type)
           for name in ("content_hash", "embedding", "top_jobs", "top_scores", "admitted_jobs",
                        "admitted_scores")}}, schema=MATCH_ROWS)


def match_pipeline(units: list[dict], search: list, paths: list[str], cfg: RecruitConfig,
                   job_vectors_ref, jobs_ref, provenance: dict,
                   previous_dir: str = "") -> ray.data.Dataset:
    """The streaming dataset of per-part stats rows (staging_ray.STATS); iterating it does the work."""
    from recruit_core.match.outputs import biencoder_calibration
    from recruit_core.match.staging_ray import stage_match_parts
    match, model, data = cfg.match, cfg.model, cfg.data
    tasks = {"batch_format": "pyarrow", "num_cpus": match.cpus_per_task}
    ds = resume_reader(units, search, cfg.inputs.max_text_chars, match.batch_size, tasks,
                       cfg.privacy)
    ds = ds.map_batches(prepare_resumes, batch_size=match.batch_size, **tasks,
                        fn_kwargs={"paths": paths, "model_path": match.biencoder_path,
                                   "model": model, "data": data, "previous_dir": previous_dir,
                                   "input_root": cfg.inputs.resumes})
    ds = ds.map_batches(MatchActor, batch_size=match.batch_size, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=match.pool_size),
                        num_gpus=match.num_gpus, num_cpus=match.cpus_per_actor,
                        memory=actor_memory(match.actor_memory_mb),
                        fn_constructor_kwargs={"match": match, "model": model,
                                               "job_vectors": [job_vectors_ref]})
    return ds.map_batches(stage_match_parts, batch_size=None, **tasks,
                          fn_kwargs={"output_dir": match.output_dir, "input_root": cfg.inputs.resumes,
                                     "jobs_ref": [jobs_ref], "provenance": provenance,
                                     "paths": paths,
                                     "calibration": biencoder_calibration(match.biencoder_path)})
