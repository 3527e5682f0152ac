"""A category probe on frozen encoder vectors: logistic regression chosen by cross-validation on the
training split alone, temperature-calibrated, and folded into one linear category head.

    python ray_jobs/train.py data=livecareer train.task=probe     # recruit_core/train/probe_job.py

The features are each resume's mean window vector (`resume_vectors.mean_windows`), standardised.
The inverse regularisation C is the grid value with the best stratified k-fold macro-F1 on the
training split; the softmax temperature is the one that minimises the log-loss of the same folds'
held-out logits. Neither ever sees the dev split. The standardisation and the temperature are then
folded into the weights, so `category_head(window) = W x + b` averaged over a resume's windows gives
exactly the calibrated probe's logits, and the score job needs nothing new to use it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

# Inverse L2 strength on standardised 384-d vectors. Measured by 5-fold CV on livecareer train
# (bench/livecareer_classifier.py): the best lies inside this grid, not at an end.
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
CV_FOLDS = 5  # stratified folds: ~295 held-out resumes per fold on livecareer train
ABSENT_LOGIT = -1e4  # a category with no training resume: never predicted, probability 0
MAX_ITER = 3000  # lbfgs iterations: converged for every grid point on livecareer


@dataclass
class ProbeFit:
    """The head: logits = features @ weight.T + bias, calibrated, over all `n_categories`."""

    weight: np.ndarray  # [n_categories, hidden] float32, on raw (unstandardised) features
    bias: np.ndarray  # [n_categories] float32
    c: float  # the chosen inverse regularisation
    temperature: float  # logits were divided by this (fitted on held-out folds)
    cv_macro_f1: dict = field(default_factory=dict)  # {C: k-fold macro-F1 on the training split}
    cv_logits: np.ndarray | None = None  # held-out fold logits at the chosen C (before temperature)

    def logits(self, features: np.ndarray) -> np.ndarray:
        return features.astype(np.float64) @ self.weight.T.astype(np.float64) + self.bias


def folds(labels: np.ndarray, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds; fewer when the largest category has fewer members than `n_folds`."""
    n_splits = max(2, min(n_folds, int(np.bincount(labels).max())))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # a category rarer than the folds: allowed, it is just not in every fold
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(labels)), labels))


def _standardise(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = features.mean(0)
    scale = features.std(0)
    return mean, np.where(scale > 1e-8, scale, 1.0)


def _fit(features: np.ndarray, labels: np.ndarray, c: float, seed: int) -> tuple[LogisticRegression,
                                                                                   np.ndarray, np.ndarray]:
    mean, scale = _standardise(features)
    model = LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
    model.fit((features - mean) / scale, labels)
    return model, mean, scale


def _head(model: LogisticRegression, mean: np.ndarray, scale: np.ndarray,
          n_categories: int) -> tuple[np.ndarray, np.ndarray]:
    """(weight, bias) over all categories on raw features: the standardisation folded in."""
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # scikit-learn keeps one row for two classes: P(second) = sigmoid
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.r_[0.0, intercept]
    weight = np.zeros((n_categories, coef.shape[1]))
    bias = np.full(n_categories, ABSENT_LOGIT)
    weight[model.classes_] = coef / scale
    bias[model.classes_] = intercept - (coef / scale) @ mean
    return weight, bias


def held_out_logits(features: np.ndarray, labels: np.ndarray, c: float, n_categories: int,
                    splits: list, seed: int) -> np.ndarray:
    """Each training resume's logits from the probe fitted on the other folds."""
    logits = np.zeros((len(labels), n_categories))
    for fit_rows, held_rows in splits:
        weight, bias = _head(*_fit(features[fit_rows], labels[fit_rows], c, seed), n_categories)
        logits[held_rows] = features[held_rows] @ weight.T + bias
    return logits


def macro_f1(logits: np.ndarray, labels: np.ndarray) -> float:
    return float(f1_score(labels, logits.argmax(1), labels=np.unique(labels), average="macro",
                          zero_division=0))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 minimising the mean negative log-likelihood of softmax(logits / T), over the
    resumes whose category was in their fold's training part (no temperature rescues the rest)."""
    seen = logits[np.arange(len(labels)), labels] > ABSENT_LOGIT / 2
    logits, labels = logits[seen], labels[seen]
    rows = np.arange(len(labels))

    def nll(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[rows, labels].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-4.0, 4.0), method="bounded").x))


def choose_c(features: np.ndarray, labels: np.ndarray, n_categories: int, grid=C_GRID,
             n_folds: int = CV_FOLDS, seed: int = 0) -> tuple[float, dict, np.ndarray]:
    """(best C, {C: CV macro-F1}, held-out logits at the best C); ties go to the smaller C."""
    splits = folds(labels, n_folds, seed)
    scores, logits = {}, {}
    for c in sorted(grid):
        logits[c] = held_out_logits(features, labels, c, n_categories, splits, seed)
        scores[c] = macro_f1(logits[c], labels)
    best = max(scores, key=lambda c: (scores[c], -c))
    return best, scores, logits[best]


def fit_probe(features: np.ndarray, labels, n_categories: int, grid=C_GRID,
              n_folds: int = CV_FOLDS, seed: int = 0, calibrate: bool = True) -> ProbeFit:
    """The calibrated probe of `features` [resumes, hidden] (training split only) as a head."""
    features, labels = np.asarray(features, np.float64), np.asarray(labels, np.int64)
    c, scores, cv_logits = choose_c(features, labels, n_categories, grid, n_folds, seed)
    temperature = fit_temperature(cv_logits, labels) if calibrate else 1.0
    weight, bias = _head(*_fit(features, labels, c, seed), n_categories)
    return ProbeFit((weight / temperature).astype(np.float32), (bias / temperature).astype(np.float32),
                    c, temperature, scores, cv_logits)
