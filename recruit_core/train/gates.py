"""Stage gates: a trained stage is used downstream only when it beat what it would replace on dev.

    python ray_jobs/train.py train=crossencoder     # writes <model>/gate.json
    python ray_jobs/match.py match.crossencoder_path=<model>   # reranks only if the gate passed

A cross-encoder reorders a shortlist the bi-encoder already ranked; it earns that only if, on the dev
split, its order of each dev resume's candidates (real postings: each dev posting's first resumes by
the pretrained cosine, or by the bi-encoder in use given as train.init_from,
recruit_core/train/posting_pairs.py) has a higher nDCG@10 than that bi-encoder's order of the same
candidates. The verdict is written into the model folder
(gate.json), so any job that loads the folder reads it; a folder without one (trained before gates
existed) is treated as not passed. The bi-encoder's own gate is in recruit_core/train/embed_head.py
(a new head replaces the model in use only when its dev precision@k is higher).
"""
from __future__ import annotations

import json
from pathlib import Path

from recruit_core.io import write_json_atomic

GATE_FILE = "gate.json"
PRETRAINED_ORDER = "pretrained bi-encoder"  # the order a reranker beats without train.init_from
RERANK_METRIC = "ndcg@10"


def write_reranker_gate(model_dir: Path, dev: dict) -> dict:
    """The cross-encoder's verdict from its dev figures (`evaluate_on_dev`'s)."""
    mine, baseline = dev["reranking"][RERANK_METRIC], dev["bi_encoder_order"][RERANK_METRIC]
    order = dev["bi_encoder_order"].get("name", PRETRAINED_ORDER)
    gate = {"stage": "crossencoder", "metric": f"dev {RERANK_METRIC}", "this_model": mine,
            "baseline": baseline, "baseline_name": f"{order} order of the same candidates",
            "passed": bool(mine > baseline)}
    write_json_atomic(gate, Path(model_dir) / GATE_FILE)
    return gate


def rerank_decision(crossencoder_path: str) -> tuple[bool, str]:
    """(use the reranker, why) for a cross-encoder folder."""
    if not crossencoder_path:
        return False, "no cross-encoder given"
    from recruit_core.model.store import local_model_folder
    path = Path(local_model_folder(crossencoder_path)) / GATE_FILE  # in a store: its cached copy
    if not path.is_file():
        return False, f"{crossencoder_path} has no {GATE_FILE}: its dev figures are unknown"
    gate = json.loads(path.read_text())
    verdict = (f"{gate['metric']} {gate['this_model']:.4f} vs {gate['baseline']:.4f} for the "
               f"{gate['baseline_name']}")
    if gate.get("passed"):
        return True, f"reranker passed its gate: {verdict}"
    return False, f"reranker did not beat the bi-encoder order, kept that order: {verdict}"
