"""The two distribution-shift statistics of the drift report, in numpy (no Ray, no torch).

    python -m pytest -q tests/test_drift.py -k psi

PSI (population stability index) = sum over bins of (cur - base) * ln(cur / base), bins cut at the
baseline's quantiles so each holds about the same share of the baseline; empty shares are floored
at `EPSILON` so a bin one run lacks gives a large finite value instead of infinity. The credit-risk
rule of thumb reads PSI < 0.1 as stable and > 0.25 as a significant shift.
KS is the two-sample Kolmogorov-Smirnov statistic (largest gap between the two empirical CDFs)
with scipy's exact-or-asymptotic p-value.
"""
from __future__ import annotations

import numpy as np

EPSILON = 1e-4  # share floor of an empty bin: ln(0.1 / 1e-4) ~ 6.9 caps one bin's term


def psi(baseline: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `current` against `baseline` over `bins` quantile bins."""
    baseline, current = np.asarray(baseline, float), np.asarray(current, float)
    if not len(baseline) or not len(current):
        raise ValueError("psi: both samples need at least one value")
    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, bins + 1)[1:-1]))
    base_share = shares(np.searchsorted(edges, baseline, side="right"), len(edges) + 1)
    cur_share = shares(np.searchsorted(edges, current, side="right"), len(edges) + 1)
    return category_psi(base_share, cur_share)


def shares(bin_index: np.ndarray, n_bins: int) -> np.ndarray:
    return np.bincount(bin_index, minlength=n_bins) / max(len(bin_index), 1)


def category_psi(base_share: np.ndarray, cur_share: np.ndarray) -> float:
    """PSI of two share vectors over the same bins (or categories)."""
    base = np.maximum(np.asarray(base_share, float), EPSILON)
    cur = np.maximum(np.asarray(cur_share, float), EPSILON)
    return float(np.sum((cur - base) * np.log(cur / base)))


def ks(baseline: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """(statistic, p-value) of the two-sample Kolmogorov-Smirnov test."""
    from scipy.stats import ks_2samp
    result = ks_2samp(np.asarray(baseline, float), np.asarray(current, float))
    return float(result.statistic), float(result.pvalue)
