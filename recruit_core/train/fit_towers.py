"""Fit in category space: a resume tower and a job tower on the frozen encoder's embeddings.

    python ray_jobs/train.py data=postings train=biencoder      # trains these and the head, keeps the better

A recruiter's relevance judgement on real postings is mostly "is this person one of the kinds of
people this job is for". So the resume tower is a multinomial logistic regression from a resume's
embedding to P(category) (trained on the resumes' own category labels), the job tower a logistic
regression per category from a job's embedding to the chance the job counts that category relevant
(trained on which categories each training job's relevant resumes are in), and the fit of a pair is
the dot product: P(the resume's category is one the job counts). Both are linear layers on the
embedding (RecruitModel.resume_tower / job_tower), so the jobs run them in their one forward pass.
The regularisation strength of each tower is chosen on the dev split (jobs and resumes held out by
hash), never on what is reported as held out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from recruit_core.train.embed_head import LabelledPairs, precision_at_k

C_GRID = (1.0, 10.0, 100.0)  # inverse L2 strength; unit-length inputs want weak regularisation
ABSENT_BIAS = -30.0  # a category no training row has: probability ~1e-13


@dataclass
class Towers:
    resume_weight: np.ndarray  # [categories, hidden]
    resume_bias: np.ndarray
    job_weight: np.ndarray
    job_bias: np.ndarray
    resume_c: float
    job_c: float
    dev: float  # dev precision@k

    def fit(self, jobs: np.ndarray, resumes: np.ndarray) -> np.ndarray:
        return job_probabilities(self, unit(jobs)) @ resume_probabilities(self, unit(resumes)).T


def unit(vectors: np.ndarray) -> np.ndarray:
    """The text embedding the towers read: the pooled vector normalised (no embedding head)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def resume_probabilities(towers: Towers, x: np.ndarray) -> np.ndarray:
    logits = x @ towers.resume_weight.T + towers.resume_bias
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def job_probabilities(towers: Towers, x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ towers.job_weight.T + towers.job_bias)))


def job_category_labels(pairs: LabelledPairs, resume_category: np.ndarray, n_categories: int) -> np.ndarray:
    """[jobs, categories] bool: a category counts for a job when more of its resumes were judged
    relevant than not (among the rejected ones when rejections are given, else among all)."""
    onehot = np.eye(n_categories, dtype=np.int64)[resume_category]
    positives = pairs.relevant.astype(np.int64) @ onehot
    against = pairs.rejected if pairs.rejected is not None else ~pairs.relevant
    return positives > against.astype(np.int64) @ onehot


def _resume_tower(x: np.ndarray, y: np.ndarray, n: int, c: float) -> tuple[np.ndarray, np.ndarray]:
    weight, bias = np.zeros((n, x.shape[1])), np.full(n, ABSENT_BIAS)
    model = LogisticRegression(C=c, max_iter=3000).fit(x, y)
    if len(model.classes_) == 2:  # binary LR keeps one row: expand to both classes
        weight[model.classes_[1]], bias[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        bias[model.classes_[0]] = 0.0
    else:
        weight[model.classes_], bias[model.classes_] = model.coef_, model.intercept_
    return weight, bias


def _job_tower(x: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    weight, bias = np.zeros((labels.shape[1], x.shape[1])), np.full(labels.shape[1], ABSENT_BIAS)
    for category in range(labels.shape[1]):
        column = labels[:, category]
        if column.all():
            bias[category] = -ABSENT_BIAS
        elif column.any():
            model = LogisticRegression(C=c, max_iter=3000).fit(x, column)
            weight[category], bias[category] = model.coef_[0], model.intercept_[0]
    return weight, bias


def fit_towers(pairs: LabelledPairs, resume_category: np.ndarray, n_categories: int, k: int) -> Towers:
    """Both towers on the fit side for every C of the grid; the pair with the best dev precision@k."""
    if len(resume_category) != len(pairs.resumes):
        raise ValueError(f"{len(resume_category)} resume categories for {len(pairs.resumes)} resumes: the "
                         "towers learn categories, so give them only the resumes that have one")
    fit_jobs, fit_resumes = ~pairs.job_dev, ~pairs.resume_dev
    fit_pairs = pairs.subset(fit_jobs, fit_resumes)
    job_labels = job_category_labels(fit_pairs, resume_category[fit_resumes], n_categories)
    x_jobs, x_resumes = unit(fit_pairs.jobs), unit(fit_pairs.resumes)
    dev_jobs, dev_resumes, dev_relevant = pairs.part(dev=True)
    resume_fits = {c: _resume_tower(x_resumes, resume_category[fit_resumes], n_categories, c) for c in C_GRID}
    job_fits = {c: _job_tower(x_jobs, job_labels, c) for c in C_GRID}
    best = None
    for rc, (rw, rb) in resume_fits.items():
        for jc, (jw, jb) in job_fits.items():
            towers = Towers(rw, rb, jw, jb, rc, jc, 0.0)
            towers.dev = precision_at_k(towers.fit(dev_jobs, dev_resumes), dev_relevant, k)
            if best is None or towers.dev > best.dev:
                best = towers
    return best


def install_towers(model, towers: Towers, categories: list[str]) -> None:
    """Copy the towers into a RecruitModel built with `fit_categories=categories`."""
    with torch.no_grad():
        for layer, weight, bias in ((model.resume_tower, towers.resume_weight, towers.resume_bias),
                                    (model.job_tower, towers.job_weight, towers.job_bias)):
            layer.weight.copy_(torch.from_numpy(weight).float())
            layer.bias.copy_(torch.from_numpy(bias).float())
