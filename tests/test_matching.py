"""Blocked two-way top-k equals brute force, however the resumes are split into blocks and actors."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_core.match.topk import JobShortlists, match_blocks, shortlist_ranks, shortlist_table
from recruit_core.model.recruit import row_stable_matmul


def _embeddings(rows: int, dim: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return F.normalize(torch.randn(rows, dim, generator=generator), dim=1)


@pytest.mark.parametrize("block,n_jobs,k,n,block_rows", [
    (1, 37, 3, 7, None), (7, 37, 3, 7, None), (64, 37, 3, 7, None),  # block sizes,
    (1000, 37, 3, 7, None),  # sparse + dense merges
    (64, 37, 3, 7, 5),  # actor calls of 64 resumes matched in blocks of match.block_rows=5
    (7, 4, 10, 2, None),  # k above the number of jobs
    (64, 50, 1, 900, None),  # N above the number of resumes
])
def test_blocked_top_k_equals_brute_force(block, n_jobs, k, n, block_rows):
    resumes, jobs = _embeddings(500, 16, 0), _embeddings(n_jobs, 16, 1)
    ids = torch.arange(500) * 3 + 11  # ids are not row numbers
    full = resumes @ jobs.T
    per_resume = {}

    def keep(block_ids, scores, job_index):
        per_resume.update({int(i): (s, j) for i, s, j in zip(block_ids, scores, job_index)})

    blocks = [(resumes[s:s + block], ids[s:s + block]) for s in range(0, 500, block)]
    shortlists = match_blocks(blocks, jobs, k, n, on_block=keep, block_rows=block_rows)
    best, best_jobs = torch.topk(full, min(k, n_jobs), dim=1)
    for row in range(500):
        scores, job_index = per_resume[int(ids[row])]
        assert torch.equal(job_index, best_jobs[row])
        assert torch.allclose(scores, best[row], atol=1e-6)
    top_n = min(n, 500)
    expect_scores, expect_rows = torch.topk(full.T, top_n, dim=1)
    scores, found = shortlists.result()
    assert torch.equal(found[:, :top_n], ids[expect_rows])
    assert torch.allclose(scores[:, :top_n], expect_scores, atol=1e-6)
    assert (found[:, top_n:] == -1).all()  # fewer resumes than N: the rest of the slots stay empty


def test_actor_shortlists_merged_on_the_driver_equal_brute_force():
    resumes, jobs = _embeddings(900, 8, 2), _embeddings(25, 8, 3)
    ids = torch.arange(900)
    actors = [JobShortlists(25, 10) for _ in range(3)]
    driver = JobShortlists(25, 10)
    for start in range(0, 900, 50):  # batches dealt round-robin, as an actor pool would
        admitted = actors[(start // 50) % 3].add_block(resumes[start:start + 50] @ jobs.T,
                                                       ids[start:start + 50])
        driver.add_entries(admitted.jobs, admitted.resume_ids, admitted.scores)
    expect_scores, expect_rows = torch.topk((resumes @ jobs.T).T, 10, dim=1)
    assert torch.equal(driver.result()[1], expect_rows)
    assert torch.allclose(driver.result()[0], expect_scores, atol=1e-6)


def test_admitted_entries_are_only_what_entered_the_shortlist():
    shortlists = JobShortlists(n_jobs=1, n=2)
    first = shortlists.add_block(torch.tensor([[0.5], [0.9], [0.1]]), torch.tensor([1, 2, 3]))
    assert sorted(first.resume_ids.tolist()) == [1, 2]
    second = shortlists.add_block(torch.tensor([[0.4], [0.7]]), torch.tensor([4, 5]))
    assert second.resume_ids.tolist() == [5] and shortlists.result()[1].tolist() == [[2, 5]]


def test_reranked_pairs_rank_first_then_bi_encoder_order():
    ranks = shortlist_ranks(np.array([0, 0, 0, 1, 1, 0]), np.array([0.2, np.nan, 0.9, np.nan, np.nan, 0.5]),
                            np.array([0.9, 0.95, 0.1, 0.3, 0.4, 0.2]))
    assert ranks.tolist() == [3, 4, 1, 2, 1, 2]


def test_shortlist_table_is_sorted_per_job_with_provenance():
    pairs = pa.table({"job_index": pa.array([1, 0, 0], pa.int32()), "resume_key": [7, 8, 9],
                      "bi_score": pa.array([0.3, 0.2, 0.8], pa.float32()),
                      "bi_rank": pa.array([1, 2, 1], pa.int32()), "resume_id": ["r7", "r8", "r9"],
                      "rerank_score": pa.array([None, None, None], pa.float32())})
    table = shortlist_table(pairs, ["J0", "J1"], {"rerank_model": "none (bi-encoder order)"})
    assert table.column("job_id").to_pylist() == ["J0", "J0", "J1"]
    assert table.column("resume_id").to_pylist() == ["r9", "r8", "r7"]
    assert table.column("rank").to_pylist() == [1, 2, 1]
    assert set(table.column("rerank_model").to_pylist()) == {"none (bi-encoder order)"}


@pytest.mark.determinism
@given(seed=st.integers(0, 10_000), block=st.integers(1, 40), actors=st.integers(1, 3))
@settings(max_examples=40, deadline=None)
def test_tied_scores_go_to_the_smaller_resume_id_whatever_the_arrival_order(seed, block, actors):
    """Duplicate resumes score exactly alike: who gets the last shortlist place must not depend on
    which block or actor saw them first (topk alone breaks ties by position)."""
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, 4, (90, 6), generator=generator).float() / 4  # many ties
    ids = torch.randperm(90, generator=generator) * 7
    order = torch.randperm(90, generator=generator)
    workers, driver = [JobShortlists(6, 5) for _ in range(actors)], JobShortlists(6, 5)
    for i, start in enumerate(range(0, 90, block)):
        rows = order[start:start + block]
        admitted = workers[i % actors].add_block(scores[rows], ids[rows])
        driver.add_entries(admitted.jobs, admitted.resume_ids, admitted.scores)
    for job in range(6):
        expected = sorted(range(90), key=lambda r: (-float(scores[r, job]), int(ids[r])))[:5]
        assert driver.result()[1][job].tolist() == [int(ids[r]) for r in expected]


@pytest.mark.determinism
@pytest.mark.determinism
@pytest.mark.parametrize("others", [6, 37])
def test_a_row_of_a_product_is_the_same_bits_in_a_call_of_any_size(others):
    """BLAS picks its kernel by shape: plain `a @ b.T` gives a row other bits alone than among 2, 5
    or 17 rows, and with few columns other bits at another position (measured). `row_stable_matmul`
    must not."""
    a, b = _embeddings(130, 384, 4), _embeddings(others, 384, 5)
    alone = torch.cat([row_stable_matmul(a[i:i + 1], b) for i in range(130)])
    for size in (2, 3, 5, 17, 64, 65, 130):
        rows = torch.cat([row_stable_matmul(a[i:i + size], b) for i in range(0, 130, size)])
        assert torch.equal(rows, alone), size
    torch.testing.assert_close(alone, a @ b.T)
    out = torch.empty(200, others)
    assert torch.equal(row_stable_matmul(a, b, out=out), alone) and torch.equal(out[:130], alone)
