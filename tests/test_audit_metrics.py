"""Bias-audit arithmetic against small cases worked out by hand, and bootstrap intervals that cover."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recruit_core.audit.metrics import (
    INTERSECTION,
    UNKNOWN,
    above_median,
    audit_measure,
    candidate_groups,
    compared_and_excluded,
    impact_ratios,
)
from recruit_core.config import AuditConfig

SETTINGS = AuditConfig(bootstrap_resamples=200)


def _frame(groups: list[str], column: str = "sex") -> pd.DataFrame:
    """Candidates whose `column` answer is `groups[i]`; the other attribute answered 'White'."""
    other = "race_ethnicity" if column == "sex" else "sex"
    ids = [f"R{i}" for i in range(len(groups))]
    candidates = pd.DataFrame({"resume_id": ids, "score": 0.0, "recommended": False})
    demographics = pd.DataFrame({"resume_id": ids, column: groups, other: "White"})
    return candidate_groups(candidates, demographics)


def _rows(table: list[dict]) -> dict[str, dict]:
    return {row["group"]: row for row in table}


def test_impact_ratio_is_each_rate_over_the_highest_and_flags_under_four_fifths():
    # A: 6 of 10 recommended (0.6); B: 3 of 10 (0.3) -> 0.5, flagged; C: 5 of 10 -> 0.833, not
    groups = ["A"] * 10 + ["B"] * 10 + ["C"] * 10
    picked = np.array([1] * 6 + [0] * 4 + [1] * 3 + [0] * 7 + [1] * 5 + [0] * 5, dtype=bool)
    rows = _rows(audit_measure(picked, lambda p: p, _frame(groups), SETTINGS)["sex"])
    assert {g: r["rate"] for g, r in rows.items()} == pytest.approx({"A": 0.6, "B": 0.3, "C": 0.5})
    assert {g: r["impact_ratio"] for g, r in rows.items()} == pytest.approx(
        {"A": 1.0, "B": 0.5, "C": 0.5 / 0.6})
    assert [g for g, r in rows.items() if r["four_fifths_flag"]] == ["B"]
    assert math.isnan(impact_ratios({"A": 0.0, "B": 0.0}, ["A", "B"])["A"])  # nothing to compare to


def test_scoring_rate_is_the_share_strictly_above_the_whole_sample_median():
    # scores 1..10, median 5.5: A holds 1,2,3,9,10 (2 above), B holds 4..8 (3 above: 6,7,8)
    scores = np.array([1, 2, 3, 9, 10, 4, 5, 6, 7, 8], dtype=float)
    rows = _rows(audit_measure(scores, above_median, _frame(["A"] * 5 + ["B"] * 5), SETTINGS)["sex"])
    assert rows["A"]["rate"] == pytest.approx(0.4) and rows["B"]["rate"] == pytest.approx(0.6)
    assert rows["A"]["impact_ratio"] == pytest.approx(0.4 / 0.6) and rows["A"]["four_fifths_flag"]
    # a score equal to the median is not above it
    assert above_median(np.array([1.0, 2.0, 2.0, 3.0])).tolist() == [False, False, False, True]


def test_groups_under_two_percent_are_reported_but_neither_compared_nor_the_reference():
    # 99 of group A with 50 recommended; 1 of group X, recommended: rate 1.0 but 1% of the sample
    groups = ["A"] * 99 + ["X"]
    picked = np.array([True] * 50 + [False] * 49 + [True])
    rows = _rows(audit_measure(picked, lambda p: p, _frame(groups), SETTINGS)["sex"])
    assert rows["X"]["rate"] == 1.0 and rows["X"]["count"] == 1
    assert not rows["X"]["compared"] and rows["X"]["impact_ratio"] is None
    assert rows["A"]["impact_ratio"] == pytest.approx(1.0)  # against A itself, not against X
    counts = pd.Series({"A": 97, "B": 2, "C": 1})
    assert compared_and_excluded(counts, 0.02) == (["A", "B"], ["C"])  # exactly 2% stays in


def test_missing_blank_and_declined_answers_are_counted_as_unknown_and_not_compared():
    candidates = pd.DataFrame({"resume_id": [f"R{i}" for i in range(6)], "score": 0.0,
                               "recommended": False})
    demographics = pd.DataFrame({  # R5 has no row at all
        "resume_id": ["R0", "R1", "R2", "R3", "R4"],
        "sex": ["Female", None, " Declined ", "", "Male"],
        "race_ethnicity": ["Asian", "White", "White", "Prefer not to say", None]})
    frame = candidate_groups(candidates, demographics)
    assert frame["sex"].tolist() == ["Female", UNKNOWN, UNKNOWN, UNKNOWN, "Male", UNKNOWN]
    assert frame["race_ethnicity"].tolist() == ["Asian", "White", "White", UNKNOWN, UNKNOWN, UNKNOWN]
    assert frame["record"].tolist() == [True] * 5 + [False]
    picked = np.array([True, True, True, True, False, True])
    rows = _rows(audit_measure(picked, lambda p: p, frame, AuditConfig(min_group_share=0.0,
                                                                        bootstrap_resamples=50))["sex"])
    assert rows[UNKNOWN]["count"] == 4 and not rows[UNKNOWN]["compared"]
    assert rows["Male"]["impact_ratio"] == 0.0 and rows["Female"]["impact_ratio"] == 1.0


def test_intersections_are_pairs_of_known_answers():
    candidates = pd.DataFrame({"resume_id": ["a", "b", "c", "d", "e"], "score": 0.0,
                               "recommended": [True, False, True, True, False]})
    demographics = pd.DataFrame({"resume_id": ["a", "b", "c", "d", "e"],
                                 "sex": ["Female", "Female", "Male", "Male", "Declined"],
                                 "race_ethnicity": ["Asian", "Asian", "Asian", "White", "Asian"]})
    frame = candidate_groups(candidates, demographics)
    assert frame[INTERSECTION].tolist() == ["Female x Asian", "Female x Asian", "Male x Asian",
                                            "Male x White", UNKNOWN]
    rows = _rows(audit_measure(frame["recommended"].to_numpy(), lambda p: p, frame,
                               AuditConfig(bootstrap_resamples=50))[INTERSECTION])
    assert {g: r["rate"] for g, r in rows.items()} == pytest.approx(
        {"Female x Asian": 0.5, "Male x Asian": 1.0, "Male x White": 1.0, UNKNOWN: 0.0})
    assert rows["Female x Asian"]["impact_ratio"] == pytest.approx(0.5)


def test_bootstrap_interval_covers_the_true_rate_about_as_often_as_it_claims():
    """60 samples of 400 candidates from a population whose rates are known (0.30 and 0.50):
    a 95% interval should cover each true rate in about 57 of them; a too-narrow one would not."""
    covered = {"A": 0, "B": 0, "ratio": 0}
    trials = 60
    for trial in range(trials):
        rng = np.random.default_rng(1000 + trial)
        groups = np.where(rng.random(400) < 0.5, "A", "B")
        picked = rng.random(400) < np.where(groups == "A", 0.30, 0.50)
        rows = _rows(audit_measure(picked, lambda p: p, _frame(groups.tolist()),
                                   AuditConfig(bootstrap_resamples=400, seed=trial))["sex"])
        low, high = rows["A"]["rate_ci"]
        covered["A"] += low <= 0.30 <= high
        low, high = rows["B"]["rate_ci"]
        covered["B"] += low <= 0.50 <= high
        low, high = rows["A"]["impact_ratio_ci"]
        covered["ratio"] += low <= 0.6 <= high
    assert all(n >= 0.85 * trials for n in covered.values()), covered
