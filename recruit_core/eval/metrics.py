"""Quality metrics for screening, retrieval and reranking: the numbers every report quotes.

Classification: accuracy, macro-F1, per-class precision/recall/F1, expected calibration error.
Ranking: Recall@k and nDCG@k over per-query ranked lists with binary relevance; AUC for fit scores.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support, roc_auc_score


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-class confidence: sum over bins of |accuracy - confidence| weighted by size.

    15 equal-width bins, as in Guo et al. 2017 ("On Calibration of Modern Neural Networks").
    """
    probs = np.asarray(probs, dtype=np.float64)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == np.asarray(labels)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def classification_report(probs: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> dict:
    """Accuracy, macro-F1, ECE and per-class precision/recall/F1/support."""
    predicted = np.asarray(probs).argmax(axis=1)
    labels = np.asarray(labels)
    classes = list(range(len(names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0)
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, labels=sorted(set(labels.tolist())),
                                   average="macro", zero_division=0)),
        "ece": expected_calibration_error(probs, labels),
        "n": int(len(labels)),
        "per_class": {names[c]: {"precision": float(precision[c]), "recall": float(recall[c]),
                                 "f1": float(f1[c]), "support": int(support[c])} for c in classes},
    }


def recall_at_k(ranked: Iterable[Sequence], relevant: Iterable[set], k: int) -> float:
    """Mean over queries of |relevant in top k| / min(k, |relevant|); queries with none are skipped."""
    scores = [len(set(r[:k]) & rel) / min(k, len(rel)) for r, rel in zip(ranked, relevant) if rel]
    return float(np.mean(scores)) if scores else float("nan")


def precision_at_k(ranked: Iterable[Sequence], relevant: Iterable[set], k: int) -> float:
    """Mean over queries of |relevant in top k| / k: what share of the first page is right."""
    scores = [len(set(r[:k]) & rel) / k for r, rel in zip(ranked, relevant)]
    return float(np.mean(scores)) if scores else float("nan")


def ndcg_at_k(ranked: Iterable[Sequence], relevant: Iterable[set], k: int = 10) -> float:
    """Mean nDCG@k with binary relevance; queries with no relevant item are skipped."""
    scores = []
    for r, rel in zip(ranked, relevant):
        if not rel:
            continue
        dcg = sum(1.0 / math.log2(i + 2) for i, item in enumerate(r[:k]) if item in rel)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(rel))))
        scores.append(dcg / ideal)
    return float(np.mean(scores)) if scores else float("nan")


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    labels = np.asarray(labels)
    if labels.min() == labels.max():
        return float("nan")
    return float(roc_auc_score(labels, scores))


def format_table(rows: list[dict], columns: Sequence[str]) -> str:
    """A Markdown table of `rows` (floats to 4 places): what reports and the console print."""
    def cell(value):
        return f"{value:.4f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
