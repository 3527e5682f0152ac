"""Stage gates: a reranker that did not beat the bi-encoder order on dev never decides a shortlist."""
from __future__ import annotations

from recruit_core.train.gates import rerank_decision, write_reranker_gate


def _dev(mine: float, baseline: float) -> dict:
    return {"reranking": {"ndcg@10": mine, "auc": 0.6}, "bi_encoder_order": {"ndcg@10": baseline}}


def test_a_reranker_that_beats_the_bi_encoder_order_is_used(tmp_path):
    gate = write_reranker_gate(tmp_path, _dev(0.81, 0.74))
    assert gate["passed"]
    used, why = rerank_decision(str(tmp_path))
    assert used and "0.8100 vs 0.7400" in why


def test_a_worse_or_equal_reranker_is_not_used(tmp_path):
    write_reranker_gate(tmp_path, _dev(0.74, 0.74))
    used, why = rerank_decision(str(tmp_path))
    assert not used and "kept that order" in why


def test_a_folder_without_a_gate_is_not_trusted(tmp_path):
    used, why = rerank_decision(str(tmp_path))
    assert not used and "gate.json" in why
    assert rerank_decision("") == (False, "no cross-encoder given")
