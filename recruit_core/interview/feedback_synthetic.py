"""A generated interview-feedback set with planted signal, for checking the question-quality verdicts.

    python -m recruit_core.interview.feedback_synthetic outputs/feedback_planted   # decisions + feedback
    recruit feedback feedback.decisions=outputs/feedback_planted/decisions.parquet \\
        feedback.feedback=outputs/feedback_planted/feedback.parquet output_root=outputs/feedback_planted

Every candidate has a hidden ability (which decides advanced/hired vs rejected, with some luck) and
an unrelated trait; two interviewers of a rotating panel score every question on the rubric. Each
planted question has a role:
- signal: every interviewer scores the ability, with a little noise of their own;
- noise: every score is drawn at random, whoever asks;
- trait: interviewers agree, but on the trait, which says nothing about the outcome;
- disputed: half the interviewers score the ability, the other half at random.
The verdicts should be: signal discriminates with agreement; noise and trait do not discriminate;
noise and disputed show disagreement; trait shows agreement.
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from recruit_core.data.taxonomy import Taxonomy, load_builtin
from recruit_core.interview.packs import (
    Question,
    behavioural_question,
    gap_question,
    general_question,
    stable_id,
    verify_question,
)
from recruit_core.io import write_parquet_atomic

ROLES = ("signal", "noise", "trait", "disputed")
RATER_NOISE = 0.35  # an interviewer's own noise, in units of the ability's spread: alpha ~0.8
PASS_LUCK = 0.5  # the outcome is ability plus this much luck: decisions are not made by one question
PASS_SHARE = 0.4  # about 40% of candidates advance


@dataclass(frozen=True)
class PlantedQuestion:
    question: Question
    role: str  # one of ROLES


def _points(z: np.ndarray, scale: int) -> np.ndarray:
    """A standard-normal score cut into `scale` equally likely rubric points 1..scale."""
    from scipy.stats import norm
    return np.searchsorted(norm.ppf(np.arange(1, scale) / scale), z) + 1


def planted_feedback(questions: list[PlantedQuestion], candidates: int = 240, interviewers: int = 8,
                     scale: int = 3, seed: int = 0) -> tuple[pa.Table, pa.Table]:
    """(decisions, feedback) tables in the shapes `recruit feedback` reads."""
    rng = np.random.default_rng(seed)
    ability, trait = rng.standard_normal(candidates), rng.standard_normal(candidates)
    merit = ability + PASS_LUCK * rng.standard_normal(candidates)
    passed = merit >= np.quantile(merit, 1 - PASS_SHARE)
    pairs = [(f"J{i % 6:05d}", f"R{i:08d}") for i in range(candidates)]
    decisions, start = [], dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
    for i, (job_id, resume_id) in enumerate(pairs):
        decided = start + dt.timedelta(hours=i)
        first = "advanced" if passed[i] else "rejected"
        decisions.append((job_id, resume_id, first, decided, "hm-1"))
        if passed[i] and merit[i] >= np.quantile(merit, 0.9):  # the best advance, then are hired
            decisions.append((job_id, resume_id, "hired", decided + dt.timedelta(days=7), "hm-2"))
    feedback = []
    for i, (job_id, resume_id) in enumerate(pairs):
        panel = rng.choice(interviewers, size=2, replace=False)
        for planted in questions:
            for rater in panel:
                own = RATER_NOISE * rng.standard_normal()
                z = {"signal": ability[i] + own, "trait": trait[i] + own,
                     "noise": rng.standard_normal(),
                     "disputed": ability[i] + own if rater % 2 == 0 else rng.standard_normal()}[planted.role]
                feedback.append((job_id, resume_id, stable_id(planted.question), planted.question.kind,
                                 planted.question.question, f"interviewer-{rater}",
                                 int(_points(np.array([z]), scale)[0])))
    decision_table = pa.table(list(zip(*decisions)), names=["job_id", "resume_id", "decision",
                                                            "decided_at", "decided_by"])
    feedback_table = pa.table(list(zip(*feedback)), names=["job_id", "resume_id", "question_id", "kind",
                                                           "question", "interviewer", "score"])
    return decision_table, feedback_table


def default_questions(taxonomy: Taxonomy) -> list[PlantedQuestion]:
    """Pack questions of each kind with a planted role: what the README's table is made from."""
    tasks = taxonomy.occupation("data_engineer").tasks
    return [PlantedQuestion(gap_question(taxonomy, "J00000", "apache_spark", True), "signal"),
            PlantedQuestion(gap_question(taxonomy, "J00000", "kafka", False), "noise"),
            PlantedQuestion(verify_question(taxonomy, "J00000", "python", []), "signal"),
            PlantedQuestion(verify_question(taxonomy, "J00000", "sql", []), "disputed"),
            PlantedQuestion(behavioural_question("J00000", tasks[0], True), "signal"),
            PlantedQuestion(behavioural_question("J00000", tasks[1], False), "trait"),
            PlantedQuestion(general_question(0), "noise"),
            PlantedQuestion(general_question(1), "noise"),
            PlantedQuestion(general_question(2), "trait")]


def main(out: str) -> None:
    decisions, feedback = planted_feedback(default_questions(load_builtin()))
    write_parquet_atomic(decisions, Path(out) / "decisions.parquet")
    write_parquet_atomic(feedback, Path(out) / "feedback.parquet")
    print(f"{decisions.num_rows} decisions, {feedback.num_rows} ratings -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "outputs/feedback_planted")
