"""A fit probability: a (resume, job) score turned into P(relevant) on labelled pairs, and how well
that probability is calibrated on pairs it was not fitted on.

    python ray_jobs/evaluate.py data=postings eval.calibration_resumes=300

Two calibrators of the one raw score: Platt scaling (Platt 1999, a logistic regression) and
isotonic regression (Zadrozny & Elkan 2002, a monotone step fit, linear between its steps).
`fit_calibrator` keeps the one with the lower Brier score on held-out postings of k-fold CV over
the pairs it is given (ties: Platt), then refits it on all of them. The benchmark fits it on the
training half of the real postings against livecareer train resumes (relevant: the resume's
category is one the posting lists) and judges it on the evaluation half against the dev resumes: a
reliability table (mean probability vs share relevant per bin), the expected calibration error of
P(relevant), and the Brier score. A threshold on the calibrated number is then a probability, not a
cosine.
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

    def formula(self) -> str:
        return f"P = sigmoid({self.slope:.3f} * fit {self.intercept:+.3f})"


@dataclass(frozen=True)
class Isotonic:
    """P(relevant | score): a non-decreasing step fit through (x, y), linear between its
    thresholds and flat beyond the first and the last (scikit-learn's IsotonicRegression.predict)."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(scores, np.float64), self.x, self.y)

    def to_json(self) -> dict:
        return {"method": "isotonic", "x": list(self.x), "y": list(self.y)}

    def formula(self) -> str:
        return (f"P = isotonic regression of fit ({len(self.x)} thresholds over fit "
                f"{self.x[0]:.3f} to {self.x[-1]:.3f}, P {self.y[0]:.3f} to {self.y[-1]:.3f})")


Calibrator = Platt | Isotonic


def calibrator_from_json(values: dict) -> Calibrator:
    """A calibrator from its `to_json()` (a folder's calibration.json; "platt" when unnamed)."""
    method = values.get("method", "platt")
    if method == "isotonic":
        return Isotonic(tuple(map(float, values["x"])), tuple(map(float, values["y"])))
    if method == "platt":
        return Platt(float(values["slope"]), float(values["intercept"]))
    raise ValueError(f"calibration method {method!r}: use platt or isotonic")


def read_folder_calibration(folder: str | Path) -> Calibrator | None:
    """The fit probability a model folder carries (written by its training run), if any."""
    path = Path(folder) / CALIBRATION_FILE if folder else None
    if path is None or not path.is_file():
        return None
    return calibrator_from_json(json.loads(path.read_text()))


def fit_platt(scores: np.ndarray, relevant: np.ndarray) -> Platt:
    """Platt scaling on 1-D scores; no regularisation to speak of (C large): one feature, many pairs."""
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(np.asarray(scores, np.float64).reshape(-1, 1), np.asarray(relevant, int))
    return Platt(float(model.coef_[0, 0]), float(model.intercept_[0]))


def fit_isotonic(scores: np.ndarray, relevant: np.ndarray) -> Isotonic:
    """Isotonic regression on 1-D scores, probabilities within [0, 1]."""
    from sklearn.isotonic import IsotonicRegression
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit(np.asarray(scores, np.float64), np.asarray(relevant, np.float64))
    return Isotonic(tuple(model.X_thresholds_.tolist()), tuple(model.y_thresholds_.tolist()))


CALIBRATORS = {"platt": fit_platt, "isotonic": fit_isotonic}
CALIBRATION_FOLDS = 5


def fit_calibrator(scores: np.ndarray, relevant: np.ndarray, n_folds: int = CALIBRATION_FOLDS,
                   seed: int = 0) -> tuple[Calibrator, dict]:
    """(calibrator, choice): of CALIBRATORS, the one with the lower held-out Brier score over
    k folds of the rows of `scores` [postings, resumes] (a posting's pairs stay in one fold), refitted
    on every pair; ties keep Platt, and so do pairs too few to fold (cv_brier None). `choice`:
    {"method", "cv_brier": {method: Brier}, "folds"}."""
    scores, relevant = np.atleast_2d(np.asarray(scores, np.float64)), np.atleast_2d(np.asarray(relevant))
    n_folds = min(n_folds, len(scores))
    fold = np.random.default_rng(seed).permutation(len(scores)) % n_folds
    # every fold's fitting part must hold both relevant and irrelevant pairs, else nothing is compared
    foldable = n_folds > 1 and all(len(np.unique(relevant[fold != f])) == 2 for f in range(n_folds))
    cv = {}
    for name, fit in CALIBRATORS.items():
        squared = []
        for f in range(n_folds) if foldable else ():
            calibrator = fit(scores[fold != f].ravel(), relevant[fold != f].ravel())
            squared.append((calibrator(scores[fold == f].ravel()) - relevant[fold == f].ravel()) ** 2)
        cv[name] = round(float(np.concatenate(squared).mean()), 6) if squared else None
    # min keeps the first of equals, and Platt comes first; too few postings to fold: Platt
    best = min(CALIBRATORS, key=lambda name: cv[name]) if foldable else "platt"
    return CALIBRATORS[best](scores.ravel(), relevant.ravel()), {"method": best, "cv_brier": cv,
                                                                 "folds": n_folds}


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
