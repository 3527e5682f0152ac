"""bench/synthetic_vs_real.py without a model: the synthetic pool's queries and labels, and the
table and method order it prints (the encoder and the real benchmark are left to the benchmark)."""
from __future__ import annotations

import sys

from conftest import ROOT, compose_config

sys.path.insert(0, str(ROOT / "bench"))
import synthetic_vs_real  # noqa: E402
from recruit_core.data.synth import is_fit, job_table, resume_tables  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402


def test_the_synthetic_side_ranks_the_configured_pool_against_the_generators_fit_label():
    cfg = compose_config(["data.n_jobs=5", "data.seed=3", "data.difficulty=easy"])
    queries, resumes, relevant = synthetic_vs_real.synthetic_pool(cfg, 50)
    pool, truth = resume_tables(load_builtin(), 3, 0, 50, 0.15, 0.03, difficulty="easy")
    jobs = job_table(load_builtin(), 3, 5, "easy").to_pylist()
    assert resumes == pool.column("text").to_pylist() and len(queries) == 5
    assert queries[0].startswith(jobs[0]["title"] + "\n")
    truths = truth.to_pylist()
    assert set(relevant) == set(synthetic_vs_real.RELEVANCE)
    assert relevant["fit"][2] == {i for i, t in enumerate(truths) if is_fit(load_builtin(), t, jobs[2])}
    assert relevant["occupation"][2] == {i for i, t in enumerate(truths) if t["occupation"] == jobs[2]["occupation"]}
    family = load_builtin().occupation(jobs[2]["occupation"]).family
    assert relevant["family"][2] == {i for i, t in enumerate(truths) if t["family"] == family}
    # a fit is in the job's occupation or family; the family holds the occupation
    for job in range(5):
        assert relevant["occupation"][job] <= relevant["family"][job]
        assert relevant["fit"][job] <= relevant["family"][job]
    assert synthetic_vs_real.synthetic_pool(compose_config(["data.n_jobs=5", "data.seed=3"]), 50)[1] != resumes


def test_the_table_puts_both_sides_in_one_row_per_method_and_orders_each_side():
    synthetic = [{"method": m, "p@10": p, "ndcg@10": p} for m, p in
                 zip(synthetic_vs_real.METHODS, (0.01, 0.5, 0.4, 0.3))]
    real = [{"method": m, "p@10": p, "ndcg@10": p} for m, p in
            zip(synthetic_vs_real.METHODS, (0.08, 0.3, 0.25, 0.35))]
    assert synthetic_vs_real.method_order(real, "p@10") == [
        "pretrained encoder (cosine)", "tfidf cosine", "bm25", "random"]
    lines = synthetic_vs_real.table(synthetic, real, 10).splitlines()
    assert lines[3] == "| tfidf cosine | 0.500 | 0.500 | 0.300 | 0.300 |"
    assert synthetic_vs_real.table(synthetic, None, 10).splitlines()[2].endswith("| n/a | n/a |")


def test_lexical_weights_read_a_resumes_repeats_and_length_three_ways():
    """bench/lexical_weights.py: each weighting ranks the resume that repeats a posting's word above
    the one that says it once, and a resume without its words last; rows carry P@k and lengths."""
    import numpy as np

    import lexical_weights
    posting = ["nurse patient care"]
    resumes = ["nurse nurse nurse nurse patient care ward", "nurse patient care ward shift rota",
               "accountant ledger audit tax", "chef kitchen menu"]
    queries, weighted = lexical_weights.weighted_resumes(posting, resumes)
    scores = {name: (queries @ matrix.T).toarray()[0] for name, matrix in weighted.items()}
    assert scores["counts"][0] > scores["counts"][1] > scores["counts"][2] == 0
    assert scores["no counts"][0] > scores["no counts"][1]  # same words, fewer of them: L2 norm
    assert scores["bm25"][0] > scores["bm25"][1] > 0 == scores["bm25"][3]
    rows = lexical_weights.rows(posting, resumes, [{0, 1}], 2)
    assert [row["weights"] for row in rows] == list(lexical_weights.WEIGHTS)
    assert all(row["p@2"] == 1.0 for row in rows)
    assert rows[0]["all_words_median"] == int(np.median([len(r.split()) for r in resumes]))
