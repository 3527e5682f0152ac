"""Exact two-way top-k between resume and job embeddings, one block of resumes at a time.

For a block R_b of resumes, scores = R_b @ J^T ([b, jobs]) gives every resume its top-k jobs
(`torch.topk` along the row) and updates every job's running top-N resumes (`JobShortlists`). The
full resume x job matrix never exists: memory is one block plus jobs x N.

A job's running N-th best score is a bar that later resumes must clear, so after the first blocks
only the few entries above it are merged, not the whole [b, jobs] block; the bar only rises, so
nothing that belongs in the final top-N is ever turned away. The same holds across processes: each
Ray actor keeps its own shortlists and emits only the entries it admits, and the driver merges
those (`add_entries`) - every global top-N entry is admitted by the actor that saw it.

`BlockMatcher` is the step itself: the match job's actors run it on every batch, and
`python bench/match_topk.py` times it at the job's settings; `tests/test_matching.py` checks it
against brute force.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pyarrow as pa
import torch

from recruit_core.model.recruit import row_stable_matmul

# Above this many candidates per job on average a block is first cut to its own N best per job
# (one topk over the block): the first blocks, before each job's bar has risen.
DENSE_MERGE_FACTOR = 4


@dataclass
class Admitted:
    """Entries a block added to the shortlists: job index, resume id, score (1-D, aligned)."""

    jobs: torch.Tensor
    resume_ids: torch.Tensor
    scores: torch.Tensor


def resume_top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Best `k` jobs per resume row of a [b, jobs] score block: (scores, job indices), best first."""
    return torch.topk(scores, min(k, scores.shape[1]), dim=1)


class JobShortlists:
    """The running top-N resumes of every job: scores [jobs, N] (best first) and resume ids."""

    def __init__(self, n_jobs: int, n: int, device: str | torch.device = "cpu"):
        self.n = n
        self.scores = torch.full((n_jobs, n), float("-inf"), device=device)
        self.ids = torch.full((n_jobs, n), -1, dtype=torch.int64, device=device)
        self._above = torch.empty(0, n_jobs, dtype=torch.bool, device=device)  # reused mask

    @property
    def bar(self) -> torch.Tensor:
        """Per job, the score a new resume must beat to enter its shortlist."""
        return self.scores[:, -1]

    def add_block(self, scores: torch.Tensor, resume_ids: torch.Tensor) -> Admitted:
        """Merge a [b, jobs] score block whose rows are resumes `resume_ids` [b]. Only entries at
        or above a job's bar can enter (>=: one tied with the bar still wins the place when its id
        is smaller); while shortlists fill up, or when many clear the bar, the block's own N-th
        best per job is the higher bar (an entry below it has N better ones in the block alone)."""
        full = bool(torch.isfinite(self.bar).all())
        if full:
            rows, jobs = self._at_or_above(scores, self.bar)
        if not full or len(rows) > DENSE_MERGE_FACTOR * self.n * scores.shape[1]:
            # topk along contiguous rows: a topk down the columns of [b, jobs] is several times slower
            nth = torch.topk(scores.T.contiguous(), min(self.n, scores.shape[0]), dim=1).values[:, -1]
            rows, jobs = self._at_or_above(scores, torch.maximum(self.bar, nth))
        return self.add_entries(jobs, resume_ids[rows], scores[rows, jobs])

    def _at_or_above(self, scores: torch.Tensor, bar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(rows, jobs) of the entries >= each job's `bar`. nonzero straight away: counting a
        [b, jobs] mask first costs as much again, and a nonzero of the transposed (strided) mask
        ten times as much as sorting its output."""
        if self._above.shape[0] < scores.shape[0]:
            self._above = torch.empty(scores.shape, dtype=torch.bool, device=scores.device)
        above = torch.ge(scores, bar.unsqueeze(0), out=self._above[:scores.shape[0]])
        return above.nonzero(as_tuple=True)

    def add_entries(self, jobs: torch.Tensor, resume_ids: torch.Tensor,
                    scores: torch.Tensor) -> Admitted:
        """Merge loose (job, resume, score) entries, e.g. those other shortlists admitted."""
        order = torch.argsort(jobs, stable=True)
        return self._add_grouped(jobs[order], resume_ids[order], scores[order])

    def _add_grouped(self, jobs: torch.Tensor, resume_ids: torch.Tensor,
                     scores: torch.Tensor) -> Admitted:
        """Entries sorted by job -> a dense [touched jobs, widest group] block, merged into those
        jobs' shortlists only (once bars have risen, a block reaches few jobs)."""
        if jobs.numel() == 0:
            return _nothing(self.scores.device)
        touched, row, counts = torch.unique_consecutive(jobs, return_inverse=True, return_counts=True)
        column = torch.arange(len(jobs), device=jobs.device) - (torch.cumsum(counts, 0) - counts)[row]
        width = int(counts.max())
        new_scores = torch.full((len(touched), width), float("-inf"), device=scores.device)
        new_ids = torch.full((len(touched), width), -1, dtype=torch.int64, device=scores.device)
        new_scores[row, column] = scores.to(new_scores.dtype)
        new_ids[row, column] = resume_ids
        return self._merge_dense(touched, new_scores, new_ids)

    def _merge_dense(self, jobs: torch.Tensor, new_scores: torch.Tensor,
                     new_ids: torch.Tensor) -> Admitted:
        """Top-N of (current | new) for `jobs`; new_* are [len(jobs), m]. Returns what got in. Ties
        go to the smaller resume id: one total order, so a shortlist does not depend on which
        block, actor or batch brought each resume (topk alone breaks ties by position). One topk
        ranks every row; only rows where two finite scores tie among the first N+1 are ranked
        again by (score, id) (empty slots, -inf with id -1, are all alike)."""
        scores = torch.cat([self.scores[jobs], new_scores.to(self.scores.dtype)], dim=1)
        ids = torch.cat([self.ids[jobs], new_ids], dim=1)
        top, where = torch.topk(scores, min(self.n + 1, scores.shape[1]), dim=1)
        tied = ((top[:, 1:] == top[:, :-1]) & torch.isfinite(top[:, 1:])).any(dim=1).nonzero()[:, 0]
        where = where[:, :self.n]
        if len(tied):
            where[tied] = _ranked_by_score_then_id(scores[tied], ids[tied], self.n)
        top, top_ids = torch.gather(scores, 1, where), torch.gather(ids, 1, where)
        self.scores[jobs], self.ids[jobs] = top, top_ids
        rows, slots = ((where >= self.n) & torch.isfinite(top)).nonzero(as_tuple=True)
        return Admitted(jobs[rows], top_ids[rows, slots], top[rows, slots])

    def result(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(scores, resume ids) [jobs, N], best first; empty slots have -inf and id -1."""
        return self.scores, self.ids


def _ranked_by_score_then_id(scores: torch.Tensor, ids: torch.Tensor, n: int) -> torch.Tensor:
    """Column positions of each row's first `n` by score (higher first), then resume id (smaller)."""
    by_id = torch.argsort(ids, dim=1, stable=True)
    ranked = torch.argsort(torch.gather(scores, 1, by_id), dim=1, descending=True, stable=True)
    return torch.gather(by_id, 1, ranked[:, :n])


def _nothing(device) -> Admitted:
    empty = torch.zeros(0, dtype=torch.int64, device=device)
    return Admitted(empty, empty, torch.zeros(0, device=device))


@dataclass
class BlockResult:
    """One block's outcome: its rows [start, stop) of the call, their top-k jobs, and what entered
    the shortlists."""

    start: int
    stop: int
    top_scores: torch.Tensor  # [b, k]
    top_jobs: torch.Tensor  # [b, k]
    admitted: Admitted


class BlockMatcher:
    """The matching step the match job's actors run and `bench/match_topk.py` times: resumes in
    blocks of at most `block_rows`, each block's R_b @ J^T giving its top-k jobs per resume and
    updating the per-job shortlists, which persist across calls."""

    def __init__(self, jobs: torch.Tensor, k: int, n: int, block_rows: int | None = None):
        self.jobs, self.k, self.block_rows = jobs, k, block_rows
        self.shortlists = JobShortlists(jobs.shape[0], n, jobs.device)
        # one [block, jobs] buffer for all blocks: a fresh 100+ MB tensor per block is page-faulted
        # and zeroed by the kernel every time, which costs a tenth of the matmul
        self._buffer = torch.empty(0, jobs.shape[0], device=jobs.device)

    def add(self, embeddings: torch.Tensor, resume_ids: torch.Tensor,
            shortlists: JobShortlists | None = None) -> list[BlockResult]:
        """Match resumes `resume_ids` [r] with embeddings [r, d], block by block (no block_rows:
        all of them as one block), into `shortlists` (default: the matcher's own)."""
        shortlists = self.shortlists if shortlists is None else shortlists
        results, rows = [], embeddings.shape[0]
        for start in range(0, rows, self.block_rows or max(1, rows)):
            stop = min(rows, start + (self.block_rows or rows))
            if self._buffer.shape[0] < stop - start:
                self._buffer = torch.empty(stop - start, self.jobs.shape[0], device=self.jobs.device)
            scores = row_stable_matmul(embeddings[start:stop], self.jobs, out=self._buffer)
            top_scores, top_jobs = resume_top_k(scores, self.k)
            admitted = shortlists.add_block(scores, resume_ids[start:stop].to(scores.device))
            results.append(BlockResult(start, stop, top_scores, top_jobs, admitted))
        return results


def match_blocks(resume_batches: Iterable[tuple[torch.Tensor, torch.Tensor]], jobs: torch.Tensor,
                 k: int, n: int, on_block=None, block_rows: int | None = None) -> JobShortlists:
    """Exact top-k jobs per resume and top-N resumes per job over (embeddings [b, d], ids [b])
    batches, each matched in blocks of `block_rows` (default: the whole batch);
    `on_block(ids, top_scores, top_jobs)` receives each block's per-resume result."""
    matcher = BlockMatcher(jobs, k, n, block_rows)
    for embeddings, ids in resume_batches:
        for block in matcher.add(embeddings, ids):
            if on_block is not None:
                on_block(ids[block.start:block.stop], block.top_scores, block.top_jobs)
    return matcher.shortlists


def shortlist_ranks(job_index: np.ndarray, rerank: np.ndarray, bi: np.ndarray) -> np.ndarray:
    """1-based rank of each pair within its job: reranked pairs first, by rerank score, then the
    rest (NaN rerank: beyond match.rerank_top, or no cross-encoder) by bi-encoder score."""
    not_reranked = np.isnan(rerank)
    order = np.lexsort((-bi, -np.where(not_reranked, 0.0, rerank), not_reranked, job_index))
    sorted_jobs = job_index[order]
    group_start = np.searchsorted(sorted_jobs, sorted_jobs, side="left")
    ranks = np.empty(len(order), dtype=np.int32)
    ranks[order] = np.arange(len(order)) - group_start + 1
    return ranks


def shortlist_table(pairs: pa.Table, job_ids: list[str], provenance: dict) -> pa.Table:
    """Per-job shortlists in rank order: job_id, rank, resume_id, scores, evidence, provenance."""
    job_index = pairs.column("job_index").to_numpy()
    rerank = pairs.column("rerank_score").to_numpy(zero_copy_only=False).astype(np.float64)
    ranks = shortlist_ranks(job_index, rerank, pairs.column("bi_score").to_numpy().astype(np.float64))
    table = pairs.append_column("rank", pa.array(ranks)).append_column(
        "job_id", pa.array(np.asarray(job_ids, dtype=object)[job_index], pa.string()))
    table = table.sort_by([("job_id", "ascending"), ("rank", "ascending")])
    front = ["job_id", "rank", "resume_id", "bi_score", "bi_rank", "rerank_score"]
    table = table.select(front + [c for c in table.column_names
                                  if c not in front and c not in ("job_index", "resume_key")])
    for name, value in provenance.items():
        table = table.append_column(name, pa.array([value] * table.num_rows, pa.string()))
    return table
