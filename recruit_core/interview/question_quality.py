"""Question quality from interview feedback: does a question's score separate the candidates later
advanced or hired from those rejected, and do interviewers agree on it?

    recruit feedback feedback.decisions=decisions.parquet feedback.feedback=feedback.parquet

Per question and per question kind:
- AUC of the score against the outcome (a candidate's score on a question is the mean over the
  interviewers who asked it): the chance that a passed candidate scored higher than a rejected one,
  ties counting half; 0.5 is chance. With the one-sided Mann-Whitney U p-value (U / (n1 n0) is the
  AUC) and n on each side. Verdict: discriminates when AUC >= feedback.min_auc and p < feedback.alpha,
  too few ratings when either side has fewer than feedback.min_per_outcome candidates.
- Krippendorff's alpha, ordinal metric, of the interviewers' scores per candidate. Alpha, not Cohen's
  kappa or an ICC: panels rotate (each candidate meets 2 of many interviewers), and alpha needs no
  fixed pair of raters, takes any number of them per candidate and unrated cells; the ordinal metric
  counts weak-vs-strong as a larger disagreement than weak-vs-adequate without treating the rubric's
  points as evenly spaced. 1 is perfect agreement, 0 what chance gives.
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from recruit_core.config import FeedbackConfig
from recruit_core.interview.feedback import DISCRIMINATES, DOES_NOT, TOO_FEW
from recruit_core.interview.packs import QUESTION_KINDS

AGREE, DISAGREE, NO_SPREAD = "raters agree", "raters disagree", "no spread in scores"


def krippendorff_alpha(units: list[list[int]], values: int, metric: str = "ordinal") -> float | None:
    """Alpha of ratings on the points 1..values; each unit lists its ratings (units with fewer than
    two are unpairable and left out). None when every pairable rating is the same value."""
    coincidence = np.zeros((values, values))
    for ratings in units:
        if len(ratings) < 2:
            continue
        counts = np.bincount(np.asarray(ratings) - 1, minlength=values)
        pairs = np.outer(counts, counts) - np.diag(counts)  # ordered pairs of different raters
        coincidence += pairs / (len(ratings) - 1)
    n_value = coincidence.sum(axis=1)
    total = n_value.sum()
    delta = _distance(n_value, metric)
    expected = (np.outer(n_value, n_value) * delta).sum()
    if total < 2 or expected == 0:
        return None
    return float(1 - (total - 1) * (coincidence * delta).sum() / expected)


def _distance(n_value: np.ndarray, metric: str) -> np.ndarray:
    """Krippendorff's squared difference between two values, for his nominal, ordinal and interval metrics."""
    points = np.arange(len(n_value))
    if metric == "nominal":
        return (points[:, None] != points[None, :]).astype(float)
    if metric == "interval":
        return (points[:, None] - points[None, :]).astype(float) ** 2
    if metric != "ordinal":
        raise ValueError(f"metric {metric!r}: use nominal, ordinal or interval")
    cumulative = np.concatenate([[0.0], np.cumsum(n_value)])
    low, high = np.minimum.outer(points, points), np.maximum.outer(points, points)
    between = cumulative[high + 1] - cumulative[low]  # counts of values low..high, both included
    return (between - (n_value[low] + n_value[high]) / 2) ** 2


def auc(passed: list[float], rejected: list[float]) -> tuple[float, float]:
    """(AUC, one-sided Mann-Whitney p-value that passed candidates score higher)."""
    from scipy.stats import mannwhitneyu
    result = mannwhitneyu(passed, rejected, alternative="greater")
    return float(result.statistic) / (len(passed) * len(rejected)), float(result.pvalue)


def judge(units: dict, outcomes: dict, cfg: FeedbackConfig) -> dict:
    """The figures and verdicts of one question or kind. `units` maps (pair, question_id) to its
    ratings; a candidate's score is the mean over its units of the mean over raters, so each
    candidate counts once in the AUC (the Mann-Whitney test assumes independent candidates)."""
    per_pair: dict = {}
    for (pair, _), ratings in units.items():
        per_pair.setdefault(pair, []).append(float(np.mean(ratings)))
    scored = [(outcomes[pair], float(np.mean(s))) for pair, s in per_pair.items() if pair in outcomes]
    passed = [s for o, s in scored if o == 1]
    rejected = [s for o, s in scored if o == 0]
    row = {"candidates": len(per_pair), "passed": len(passed),
           "rejected": len(rejected), "auc": None, "auc_pvalue": None, "verdict": TOO_FEW}
    if min(len(passed), len(rejected)) >= cfg.min_per_outcome:
        row["auc"], row["auc_pvalue"] = auc(passed, rejected)
        row["verdict"] = (DISCRIMINATES if row["auc"] >= cfg.min_auc and row["auc_pvalue"] < cfg.alpha
                          else DOES_NOT)
    ratings = list(units.values())
    row["ratings"] = sum(map(len, ratings))
    row["rated_twice"] = sum(len(r) >= 2 for r in ratings)
    row["agreement"] = krippendorff_alpha(ratings, cfg.scale)
    row["agreement_verdict"] = (TOO_FEW if row["rated_twice"] < cfg.min_rated_twice else NO_SPREAD
                                if row["agreement"] is None else AGREE
                                if row["agreement"] >= cfg.min_agreement else DISAGREE)
    return row


QUALITY_SCHEMA = pa.schema([
    ("level", pa.string()), ("question_id", pa.string()), ("kind", pa.string()),
    ("question", pa.string()), ("candidates", pa.int32()), ("passed", pa.int32()),
    ("rejected", pa.int32()), ("auc", pa.float64()), ("auc_pvalue", pa.float64()),
    ("verdict", pa.string()), ("ratings", pa.int32()), ("rated_twice", pa.int32()),
    ("agreement", pa.float64()), ("agreement_verdict", pa.string())])


def _kind_order(kind: str) -> int:
    return QUESTION_KINDS.index(kind) if kind in QUESTION_KINDS else len(QUESTION_KINDS)


def question_quality(feedback: pa.Table, outcomes: dict, cfg: FeedbackConfig) -> pa.Table:
    """One row per question (level "question") and per kind (level "kind"), in QUALITY_SCHEMA."""
    rows = feedback.to_pylist()
    by_question: dict[str, dict] = {}
    by_kind: dict[str, dict] = {}
    about: dict[str, tuple[str, str]] = {}
    for r in rows:
        pair, kind = (r["job_id"], r["resume_id"]), r.get("kind") or "unknown"
        by_question.setdefault(r["question_id"], {}).setdefault((pair, r["question_id"]), []).append(
            r["score"])
        by_kind.setdefault(kind, {}).setdefault((pair, r["question_id"]), []).append(r["score"])
        about.setdefault(r["question_id"], (kind, r.get("question") or ""))
    table = [{"level": "question", "question_id": qid, "kind": about[qid][0], "question": about[qid][1],
              **judge(units, outcomes, cfg)} for qid, units in by_question.items()]
    table += [{"level": "kind", "question_id": None, "kind": kind, "question": None,
               **judge(units, outcomes, cfg)} for kind, units in by_kind.items()]
    table.sort(key=lambda r: (r["level"] != "question", _kind_order(r["kind"]), r["kind"],
                              -(r["auc"] if r["auc"] is not None else -1), r["question_id"] or ""))
    return pa.Table.from_pylist(table, schema=QUALITY_SCHEMA)


def _cell(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.2g}" if abs(value) < 1e-3 and value else f"{value:.{digits}f}"
    return str(value).replace("|", "/")


def quality_markdown(quality: pa.Table, cfg: FeedbackConfig) -> str:
    """The question-quality table as Markdown: kinds first, then every question."""
    head = ["level", "kind", "question_id", "question", "passed", "rejected", "AUC", "p", "verdict",
            "alpha", "agreement"]
    lines = ["# Interview question quality", "",
             f"AUC of the score against advanced/hired vs rejected (discriminates: AUC >= {cfg.min_auc}"
             f" and one-sided Mann-Whitney p < {cfg.alpha}, with >= {cfg.min_per_outcome} candidates "
             f"each side); agreement: Krippendorff's alpha, ordinal, on the 1-{cfg.scale} rubric "
             f"(agree: >= {cfg.min_agreement}).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    ordered = sorted(quality.to_pylist(), key=lambda r: r["level"] != "kind")
    for r in ordered:
        text = (r["question"] or "")[:60] + ("..." if len(r["question"] or "") > 60 else "")
        cells = [r["level"], r["kind"], r["question_id"], text, r["passed"], r["rejected"], r["auc"],
                 r["auc_pvalue"], r["verdict"], r["agreement"], r["agreement_verdict"]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
