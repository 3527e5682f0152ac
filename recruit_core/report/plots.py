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
