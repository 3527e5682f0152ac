"""Ray Data glue for the shortlist pass of matching: jobs x N pairs, read back their resume texts,
cross-encoder rerank, skill-gap evidence.

    driver: shortlist_pairs (jobs x N) -> fetch_pairs (one task per input file, texts read back by
    resume_key) -> ShortlistActor pool: cross-encoder fit of each job's top match.rerank_top + evidence

The first pass (embed, blocked top-k, recommendations) is `match/pipeline_ray.py`; the driver is
`recruit_core/match/job_ray.py`; run it with `python ray_jobs/match.py`.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import ray
import torch

from recruit_core.config import DataConfig, DedupConfig, MatchConfig, ModelConfig, PrivacyConfig
from recruit_core.data.validate import ID_COLUMN, TEXT_COLUMN, normalise_text
from recruit_core.match.accounting import POSITION_BITS
from recruit_core.match.outputs import SHORTLIST_ROWS
from recruit_core.match.pipeline_ray import device_for, evidence, job_rows, skill_extractor
from recruit_core.match.topk import JobShortlists
from recruit_core.model.forward import TextEncoder
from recruit_core.model.store import local_model_folder
from recruit_core.privacy.redact import redact_column
from recruit_core.score.pipeline_ray import actor_memory
from recruit_core.text.near_duplicates import signature
from recruit_core.text.requisition import requisition_texts


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

    def __init__(self, match: MatchConfig, model: ModelConfig, data: DataConfig, jobs_ref: list,
                 dedup: DedupConfig):
        from recruit_core.model.recruit import RecruitModel
        torch.set_num_threads(match.torch_threads)
        self.match, self.model_cfg, self.jobs_ref, self.dedup = match, model, jobs_ref, dedup
        self.device = torch.device(device_for(match.num_gpus))
        self.cross = None
        if match.crossencoder_path:
            cross, tokenizer, _ = RecruitModel.load(local_model_folder(match.crossencoder_path))
            self.cross = TextEncoder.for_model(cross, tokenizer, model, self.device.type)
        self.extractor = skill_extractor(data)

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
        jobs = job_rows(self.jobs_ref)
        texts = batch.column("text").to_pylist()
        job_index = batch.column("job_index").to_pylist()
        reranked = self._rerank(jobs, job_index, batch.column("bi_rank").to_pylist(), texts)
        rows = []
        for row, text, rerank in zip(batch.drop_columns(["text"]).to_pylist(), texts, reranked):
            gap = evidence(jobs[row["job_index"]], self.extractor.skill_ids(text),
                           estimate_seniority(text))
            minhash = signature(text, self.dedup).tolist()  # the shortlist's near-duplicate marks
            rows.append({**row, "rerank_score": rerank, **gap, "minhash": minhash})
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
                      data: DataConfig, jobs_ref, privacy: PrivacyConfig,
                      dedup: DedupConfig | None = None) -> pa.Table:
    """Reranked pairs with evidence; the driver holds jobs x N rows here, no resume texts."""
    ds = shortlist_dataset(pairs, paths, match, privacy)
    if ds is None:
        return SHORTLIST_ROWS.empty_table()
    ds = ds.map_batches(
        ShortlistActor, batch_size=match.rerank_batch_size, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=match.pool_size), num_gpus=match.num_gpus,
        num_cpus=match.cpus_per_actor, memory=actor_memory(match.actor_memory_mb),
        fn_constructor_kwargs={"match": match, "model": model, "data": data,
                               "jobs_ref": [jobs_ref], "dedup": dedup or DedupConfig()})
    return pa.concat_tables(ds.iter_batches(batch_size=None, batch_format="pyarrow"))
