"""The screening classifier study on livecareer: lexical, neural and combined category classifiers,
every hyper-parameter chosen by stratified k-fold cross-validation on the training split alone.

    python bench/livecareer_classifier.py          # one row per configuration, dev figures once each

A configuration is a family of classifiers and a grid; `select` fits each grid point on k-1 folds
and scores the held-out fold, keeps the point with the best held-out macro-F1, refits it on the
whole training split and only then scores dev, once. The softmax temperature of a probabilistic
configuration is fitted the same way (on the held-out folds' logits), so the dev ECE is measured
after calibration; a linear SVM's margins get one too (softmax of margin / temperature, the
multi-class form of Platt scaling), so its rows have probabilities as well. The dev split is an
argument of `dev_figures` alone: nothing chosen reads it.
"""
from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import sparse
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from recruit_core.eval.metrics import classification_report
from recruit_core.model.lexical import Block, LexicalFeatures
from recruit_core.train.probe import ABSENT_LOGIT, MAX_ITER, fit_probe, fit_temperature, folds, macro_f1

# Word uni+bigrams and character 3-5-grams inside word boundaries (spelling variants, stems, "C++"),
# each min_df=2 (names, phone numbers and one-off typos out) and at most 100,000 columns.
WORD = {"ngram_range": (1, 2), "min_df": 2, "max_features": 100_000, "sublinear_tf": True,
        "strip_accents": "unicode"}
CHAR = {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 2, "max_features": 100_000,
        "sublinear_tf": True, "strip_accents": "unicode"}
# The headline (a resume's first line, "SENIOR ACCOUNTANT") as a block of its own: in the whole
# text its few words weigh as little as any other line's. Word uni+bigrams and char 2-5-grams
# ("ACCT", "HR" are short), min_df=1: a headline is a handful of tokens.
HEADLINE_WORD = {"ngram_range": (1, 2), "sublinear_tf": True, "strip_accents": "unicode"}
HEADLINE_CHAR = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True,
                 "strip_accents": "unicode"}
# The category names themselves ("accountant", "business development") as a block of their own:
# which names a resume mentions anywhere (binary, IDF-weighted, unit norm). A resume filed under a
# category often says its name once in a long text ("BPO", "automobile claims"), where it weighs
# as little as any other word; its own block lets the classifier weigh it.
NAMES = {"binary": True, "strip_accents": "unicode"}
FEATURE_SETS = ("word+char", "word+char+headline", "word+char+headline+names")
# A block's scale beside the whole text's (each block's rows have unit norm), chosen by CV: the
# headline's first, then the names' beside the text and the scaled headline.
HEADLINE_WEIGHTS = (0.25, 0.5, 1.0)
NAMES_WEIGHTS = (0.25, 0.5, 1.0)
# Two points a family: each grid point costs five fits, and on 2 shared cores a word+char logistic
# regression fit takes many seconds. L2-normalised TF-IDF rows need weak regularisation (C >= 10).
LOGREG_C = (10.0, 100.0)
SVC_C = (0.3, 1.0)
MIX_WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))  # lexical share of a stacked mixture

# (rows to fit on, rows to score) -> scores [scored rows, categories]
FitScore = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Selection:
    params: object  # the chosen grid point
    cv_macro_f1: dict  # {grid point: held-out macro-F1 on the training split}
    cv_scores: np.ndarray  # held-out scores of the chosen point, one row per training resume
    temperature: float | None  # fitted on cv_scores; None for a classifier without probabilities


def choose_block_weight(base, block, labels, weights, n_folds: int = 5, seed: int = 0) -> tuple[float, dict]:
    """(weight, {"<weight> C=<C>": held-out macro-F1}): the scale of `block` beside `base`, from
    `weights`, by CV of the balanced linear SVM (the cheapest family) on the training rows."""
    labels = np.asarray(labels)
    k = int(labels.max()) + 1

    def for_point(point) -> FitScore:
        weight, c = point
        rows = sparse.hstack([base, block * weight]).tocsr()
        build = lambda p: classifier("linear_svc", p, "balanced", seed)  # noqa: E731
        return linear_fit_score(build, rows, labels, k)(c)

    grid = list(itertools.product(weights, SVC_C))
    chosen = select(for_point, grid, labels, n_folds, seed, probabilistic=False)
    return chosen.params[0], {f"{w} C={c}": round(f1, 4) for (w, c), f1 in chosen.cv_macro_f1.items()}


def category_terms(categories: list[str]) -> tuple[str, ...]:
    """Each category name as the words a text would write: "BUSINESS-DEVELOPMENT" -> "business
    development", "seo_specialist" -> "seo specialist"."""
    return tuple(sorted({" ".join(re.split(r"[\s_\-/]+", name.lower())).strip() for name in categories}))


def names_block(categories: list[str]) -> Block:
    terms = category_terms(categories)
    longest = max(len(term.split()) for term in terms)
    return Block("text", {**NAMES, "ngram_range": (1, longest)}, terms=terms)


@dataclass
class ScreeningFeatures:
    """The study's blocks, fitted on the training texts with their scales chosen by CV."""

    features: LexicalFeatures  # every block: what a lexical head stores
    train: dict  # {FEATURE_SETS name: training rows}
    sets: dict  # {FEATURE_SETS name: how many of features.blocks it uses}
    choice: dict  # the scales and their CV figures

    def transform(self, texts: list[str]) -> dict:
        """{FEATURE_SETS name: rows} for other texts (dev)."""
        blocks = [block.transform(texts) for block in self.features.blocks]
        return {name: sparse.hstack(blocks[:n]).tocsr() for name, n in self.sets.items()}


def screening_features(train_texts: list[str], train_labels=None, categories: list[str] | None = None,
                       n_folds: int = 5, seed: int = 0) -> ScreeningFeatures:
    """The whole text's word + char TF-IDF, the headline's own word + char block and, given the
    categories, the names block, fitted on the training texts. With `train_labels` the headline's
    scale and then the names' come from `choose_block_weight` (1.0 without)."""
    blocks = [Block("text", WORD), Block("text", CHAR), Block("headline", HEADLINE_WORD),
              Block("headline", HEADLINE_CHAR)] + ([names_block(categories)] if categories else [])
    rows = [block.fit_transform(train_texts) for block in blocks]
    body, choice = sparse.hstack(rows[:2]).tocsr(), {"headline_weight": 1.0, "cv_macro_f1": {}}
    head = sparse.hstack(rows[2:4]).tocsr()
    if train_labels is not None:
        choice["headline_weight"], choice["cv_macro_f1"] = choose_block_weight(
            body, head, train_labels, HEADLINE_WEIGHTS, n_folds, seed)
    for block in blocks[2:4]:
        block.weight = choice["headline_weight"]
    with_head = sparse.hstack([body, head * choice["headline_weight"]]).tocsr()
    train, sets = {"word+char": body, "word+char+headline": with_head}, {"word+char": 2,
                                                                         "word+char+headline": 4}
    if categories:
        choice["names_weight"], choice["names_cv_macro_f1"] = 1.0, {}
        if train_labels is not None:
            choice["names_weight"], choice["names_cv_macro_f1"] = choose_block_weight(
                with_head, rows[4], train_labels, NAMES_WEIGHTS, n_folds, seed)
        blocks[4].weight = choice["names_weight"]
        train["word+char+headline+names"] = sparse.hstack([with_head, rows[4] * blocks[4].weight]).tocsr()
        sets["word+char+headline+names"] = 5
    return ScreeningFeatures(LexicalFeatures(blocks), train, sets, choice)


def feature_sets(train_texts: list[str], dev_texts: list[str], train_labels=None,
                 categories: list[str] | None = None, n_folds: int = 5, seed: int = 0) -> tuple[dict, dict]:
    """({FEATURE_SETS name: (train, dev)}, the scales' choice) from `screening_features`."""
    fitted = screening_features(train_texts, train_labels, categories, n_folds, seed)
    dev = fitted.transform(dev_texts)
    return {name: (rows, dev[name]) for name, rows in fitted.train.items()}, fitted.choice


def classifier(family: str, c: float, class_weight: str | None, seed: int):
    """An unfitted scikit-learn linear classifier of FAMILY_C's `family`."""
    if family == "logreg":
        return LogisticRegression(C=c, class_weight=class_weight, max_iter=MAX_ITER, random_state=seed)
    return LinearSVC(C=c, class_weight=class_weight, max_iter=5000, random_state=seed)


FAMILY_C = {"logreg": LOGREG_C, "linear_svc": SVC_C}  # each family's C grid


def full_scores(model, rows, n_categories: int) -> np.ndarray:
    """decision_function over all categories; a category absent from the fit gets ABSENT_LOGIT."""
    scores = np.full((rows.shape[0], n_categories), ABSENT_LOGIT)
    decision = model.decision_function(rows)
    if decision.ndim == 1:
        decision = np.c_[np.zeros_like(decision), decision]
    scores[:, model.classes_] = decision
    return scores


def linear_fit_score(build: Callable, features, labels: np.ndarray, n_categories: int) -> Callable:
    """A grid point -> FitScore for a scikit-learn linear classifier on `features`."""
    def for_point(params) -> FitScore:
        def fit_score(fit_rows: np.ndarray, scored_rows: np.ndarray) -> np.ndarray:
            model = build(params).fit(features[fit_rows], labels[fit_rows])
            return full_scores(model, features[scored_rows], n_categories)
        return fit_score
    return for_point


def select(for_point: Callable, grid, labels: np.ndarray, n_folds: int, seed: int,
           probabilistic: bool) -> Selection:
    """The grid point with the best held-out macro-F1 over stratified folds of the training rows
    (ties: the earlier point); its held-out scores fit the temperature."""
    splits = folds(labels, n_folds, seed)
    scores, held = {}, {}
    for point in grid:
        fit_score = for_point(point)
        parts = [(held_rows, fit_score(fit_rows, held_rows)) for fit_rows, held_rows in splits]
        held[point] = np.zeros((len(labels), parts[0][1].shape[1]))
        for held_rows, part in parts:
            held[point][held_rows] = part
        scores[point] = macro_f1(held[point], labels)
    best = max(grid, key=lambda p: scores[p])
    temperature = fit_temperature(held[best], labels) if probabilistic else None
    return Selection(best, scores, held[best], temperature)


def dev_figures(dev_scores: np.ndarray, dev_labels, names: list[str],
                temperature: float | None) -> dict:
    """Accuracy, macro-F1 and ECE on dev; ECE after the CV temperature, and before it as ece_raw.
    Without probabilities (temperature None) the ECE is NaN rather than made up."""
    labels = np.asarray(dev_labels)
    if temperature is None:
        one_hot = np.eye(len(names))[dev_scores.argmax(1)]
        report = classification_report(one_hot, labels, names)
        return {**_headline(report), "ece": float("nan"), "ece_raw": float("nan")}
    raw = classification_report(softmax(dev_scores, axis=1), labels, names)
    calibrated = classification_report(softmax(dev_scores / temperature, axis=1), labels, names)
    return {**_headline(calibrated), "ece_raw": round(raw["ece"], 4)}


def _headline(report: dict) -> dict:
    return {k: round(report[k], 4) for k in ("macro_f1", "accuracy", "ece")}


def lexical_rows(features: dict, train_labels, dev_labels, names, n_folds=5, seed=0) -> tuple[list, dict]:
    """Rows for TF-IDF (each of `features`: {name: (train, dev)}) + logistic regression / linear
    SVM, class_weight None vs balanced; and the held-out and dev scores of each, for stacking."""
    labels, k = np.asarray(train_labels), len(names)
    rows, scores = [], {}
    for (feature_name, (train_x, dev_x)), (family, grid_c), weight in (
            itertools.product(features.items(), FAMILY_C.items(), (None, "balanced"))):
        build = lambda p, family=family: classifier(family, p[0], p[1], seed)  # noqa: E731
        started = time.perf_counter()
        grid = [(c, weight) for c in grid_c]
        for_point = linear_fit_score(build, train_x, labels, k)
        chosen = select(for_point, grid, labels, n_folds, seed, probabilistic=True)
        dev = full_scores(build(chosen.params).fit(train_x, labels), dev_x, k)
        name = f"tfidf {feature_name} + {family} (class_weight={weight or 'none'})"
        rows.append(_row(name, chosen, dev_figures(dev, dev_labels, names, chosen.temperature),
                         {"C": chosen.params[0]}, started))
        scores[name] = (chosen, dev)
    return rows, scores


def probe_row(name: str, train_features, dev_features, train_labels, dev_labels, names,
              n_folds=5, seed=0) -> tuple[dict, tuple]:
    """A row for the frozen-encoder probe (recruit_core.train.probe) on one kind of features."""
    started = time.perf_counter()
    probe = fit_probe(train_features, train_labels, len(names), n_folds=n_folds, seed=seed,
                      calibrate=False)
    chosen = Selection(probe.c, probe.cv_macro_f1, probe.cv_logits,
                       fit_temperature(probe.cv_logits, np.asarray(train_labels)))
    dev = probe.logits(np.asarray(dev_features))
    row = _row(name, chosen, dev_figures(dev, dev_labels, names, chosen.temperature),
               {"C": probe.c}, started)
    return row, (chosen, dev)


def stacked_row(name: str, lexical: tuple, neural: tuple, train_labels, dev_labels, names,
                seed=0) -> dict:
    """A mixture of two calibrated log-probabilities, the lexical share chosen on the held-out
    folds' scores (the same folds both were selected on); the mixture's temperature likewise."""
    from scipy.special import log_softmax
    started = time.perf_counter()
    labels = np.asarray(train_labels)
    (lex, lex_dev), (neu, neu_dev) = lexical, neural

    def mixed(share, lex_scores, neu_scores):
        return (share * log_softmax(lex_scores / lex.temperature, axis=1)
                + (1 - share) * log_softmax(neu_scores / neu.temperature, axis=1))

    cv = {share: macro_f1(mixed(share, lex.cv_scores, neu.cv_scores), labels) for share in MIX_WEIGHTS}
    share = max(MIX_WEIGHTS, key=lambda s: cv[s])
    chosen = Selection(share, cv, mixed(share, lex.cv_scores, neu.cv_scores), None)
    chosen.temperature = fit_temperature(chosen.cv_scores, labels)
    dev = mixed(share, lex_dev, neu_dev)
    return _row(name, chosen, dev_figures(dev, dev_labels, names, chosen.temperature),
                {"lexical_share": float(share)}, started)


def _row(name: str, chosen: Selection, dev: dict, params: dict, started: float) -> dict:
    return {"method": name, **dev, "cv_macro_f1": round(max(chosen.cv_macro_f1.values()), 4),
            "chosen": params, "temperature": None if chosen.temperature is None
            else round(chosen.temperature, 3), "seconds": round(time.perf_counter() - started, 1)}
