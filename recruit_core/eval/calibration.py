"""A fit probability: a (resume, job) score turned into P(relevant) on labelled pairs, and how well
that probability is calibrated on pairs it was not fitted on.

    python ray_jobs/evaluate.py data=postings eval.calibration_resumes=300

Platt scaling (Platt 1999): a logistic regression on the one raw score, fitted on the training half
of the real postings against livecareer train resumes (relevant: the resume's category is one the
posting lists), then judged on the evaluation half against the dev resumes: a reliability table (mean
probability vs share relevant per bin), the expected calibration error of P(relevant), and the Brier
score. A threshold on the calibrated number is then a probability, not a cosine.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

CALIBRATION_FILE = "calibration.json"  # in a bi-encoder's model folder: its cosine -> P(relevant)
RELIABILITY_BINS = 10  # ten probability bins: enough pairs per bin at a few thousand pairs


@dataclass(frozen=True)
class Platt:
    """P(relevant | score) = sigmoid(slope * score + intercept)."""

    slope: float
    intercept: float

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * np.asarray(scores, np.float64) + self.intercept)))

    def to_json(self) -> dict:
        return {"method": "platt", "slope": self.slope, "intercept": self.intercept}


def read_folder_calibration(folder: str | Path) -> Platt | None:
    """The fit probability a model folder carries (written by its training run), if any."""
    path = Path(folder) / CALIBRATION_FILE if folder else None
    if path is None or not path.is_file():
        return None
    values = json.loads(path.read_text())
    return Platt(float(values["slope"]), float(values["intercept"]))


def fit_platt(scores: np.ndarray, relevant: np.ndarray) -> Platt:
    """Platt scaling on 1-D scores; no regularisation to speak of (C large): one feature, many pairs."""
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(np.asarray(scores, np.float64).reshape(-1, 1), np.asarray(relevant, int))
    return Platt(float(model.coef_[0, 0]), float(model.intercept_[0]))


def reliability(probability: np.ndarray, relevant: np.ndarray, bins: int = RELIABILITY_BINS) -> dict:
    """Per equal-width bin of P(relevant): pairs, mean probability, share relevant; ECE (the
    pair-weighted mean |share - probability|) and the Brier score."""
    probability, relevant = np.asarray(probability, np.float64), np.asarray(relevant, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(probability, edges[1:-1], right=True), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        in_bin = index == b
        if not in_bin.any():
            continue
        mean_p, share = float(probability[in_bin].mean()), float(relevant[in_bin].mean())
        ece += in_bin.mean() * abs(share - mean_p)
        rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "pairs": int(in_bin.sum()),
                     "mean_probability": round(mean_p, 4), "share_relevant": round(share, 4)})
    return {"ece": float(ece), "brier": float(np.mean((probability - relevant) ** 2)), "bins": rows}
