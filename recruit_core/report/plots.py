"""The report's plots as base64 PNG data URIs: matplotlib's Agg canvas, no display, no pyplot state.

    uri = histogram(best_fit, "Best fit per resume", "cosine fit")   # "data:image/png;base64,..."

Each function returns None when there is nothing to draw, so a page says why instead of showing an
empty frame. Sized for a phone's width; the page scales them down on narrow screens.
"""
from __future__ import annotations

import base64
import io
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

WIDTH_IN, DPI = 6.4, 110  # ~700 px wide: sharp on a phone, light in the page


def _uri(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram(values: Sequence[float], title: str, xlabel: str, bins: int = 30,
              marker: float | None = None, marker_label: str = "") -> str | None:
    """Distribution of `values`, with an optional vertical line (e.g. the fit threshold)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if values.size == 0:
        return None
    fig = Figure(figsize=(WIDTH_IN, 3.4))
    ax = fig.add_subplot()
    ax.hist(values, bins=min(bins, max(5, values.size // 2)), color="#3a78b5", edgecolor="white")
    if marker is not None:
        ax.axvline(marker, color="#b5473a", linestyle="--", label=marker_label or None)
        if marker_label:
            ax.legend(frameon=False)
    ax.set(title=title, xlabel=xlabel, ylabel="resumes")
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def bars(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str,
         limit: float | None = None) -> str | None:
    """Horizontal bars, first label on top; `limit` fixes the x range (e.g. 1.0 for shares)."""
    if not len(labels):
        return None
    fig = Figure(figsize=(WIDTH_IN, 0.9 + 0.28 * len(labels)))
    ax = fig.add_subplot()
    positions = np.arange(len(labels))[::-1]
    ax.barh(positions, values, color="#3a78b5")
    ax.set_yticks(positions, [str(label)[:40] for label in labels], fontsize=8)
    if limit is not None:
        ax.set_xlim(0, limit)
    ax.set(title=title, xlabel=xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def confusion_matrix(true: Sequence[int], predicted: Sequence[int], names: Sequence[str],
                     title: str) -> str | None:
    """Counts of true (rows) x predicted (columns) category; colour is the row's share, so a small
    category's confusions show as plainly as a large one's."""
    if not len(true):
        return None
    n = len(names)
    counts = np.zeros((n, n), dtype=int)
    np.add.at(counts, (np.asarray(true), np.asarray(predicted)), 1)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    side = min(max(WIDTH_IN, 1.6 + 0.34 * n), 11.0)
    fig = Figure(figsize=(side, side))
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true category")
    labels = [str(name)[:24] for name in names]
    ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    for i, j in zip(*np.nonzero(counts)):
        ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=6 if n > 12 else 8,
                color="white" if shares[i, j] > 0.5 else "black")
    ax.set(title=title, xlabel="predicted category", ylabel="true category")
    return _uri(fig)


def reliability_diagram(confidence: Sequence[float], correct: Sequence[bool], ece: float, title: str,
                        bins: int = 15) -> str | None:
    """Accuracy per top-class-confidence bin against the diagonal of perfect calibration, each bar
    labelled with its resume count. The bins are the 15 equal-width (low, high] bins that
    `expected_calibration_error` uses, so the bars show what the quoted ECE sums over."""
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=float)
    if confidence.size == 0:
        return None
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    fig = Figure(figsize=(WIDTH_IN, 4.2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="#b5473a", linestyle="--", label="perfectly calibrated", zorder=3)
    for b in range(bins):
        members = which == b
        if not members.any():
            continue
        accuracy = correct[members].mean()
        ax.bar(edges[b], accuracy, width=edges[1], align="edge", color="#3a78b5", edgecolor="white")
        ax.text(edges[b] + edges[1] / 2, accuracy + 0.02, str(int(members.sum())), ha="center", fontsize=7)
    ax.set(xlim=(0, 1), ylim=(0, 1.1), title=f"{title} (ECE {ece:.4f})",
           xlabel="top-class probability (bins; numbers are resumes)", ylabel="accuracy")
    ax.legend(frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)
