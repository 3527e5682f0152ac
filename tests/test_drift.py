"""The drift report between two runs: PSI and KS against hand-computed cases, a planted shift in the
occupation mix and the quarantine rate flagged, identical runs flagging nothing, and the report page."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.drift.stats import EPSILON, category_psi, ks, psi


def test_psi_equals_the_hand_computed_sum():
    # baseline median 2.5 splits [1,2 | 3,4]: shares (1/2, 1/2); current (0, 1), 0 floored
    expected = (EPSILON - 0.5) * math.log(EPSILON / 0.5) + (1 - 0.5) * math.log(1 / 0.5)
    assert psi([1, 2, 3, 4], [3, 4, 4, 4], bins=2) == pytest.approx(expected)
    assert psi([1, 2, 3, 4], [4, 3, 2, 1], bins=2) == 0.0
    assert category_psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        -0.25 * math.log(0.5) + 0.25 * math.log(1.5))


def test_ks_is_the_largest_gap_between_the_two_cdfs():
    statistic, pvalue = ks([1, 2, 3, 4], [3, 4, 5, 6])
    assert statistic == pytest.approx(0.5)  # at x=2: 2/4 of the baseline, none of the current
    assert pvalue > 0.5  # four values each: not significant
    statistic, pvalue = ks(np.arange(100), np.arange(100) + 1000)
    assert statistic == 1.0 and pvalue < 1e-10


def _score_run(folder: Path, start: int, stop: int, keep=lambda occupation: True,
               empty: int = 0) -> None:
    """A score job's outputs for synthetic resumes [start, stop) whose occupation passes `keep`:
    category_1 is the true occupation, p_1 and best_fit a hash of the text (a model that knows
    the occupation); `empty` resumes quarantined as empty_text."""
    good, truth = resume_tables(load_builtin(), 0, start, stop, 0.15, 0.0)
    rows = [(r, t, o) for r, t, o in zip(good.column("resume_id").to_pylist(),
                                         good.column("text").to_pylist(),
                                         truth.column("occupation").to_pylist()) if keep(o)]
    unit = [int(hashlib.sha256(t.encode()).hexdigest()[:8], 16) / 2**32 for _, t, _ in rows]
    (folder / "scores").mkdir(parents=True)
    (folder / "quarantine").mkdir()
    pq.write_table(pa.table({"resume_id": [r for r, _, _ in rows],
                             "category_1": [o for _, _, o in rows],
                             "p_1": pa.array([0.3 + 0.6 * u for u in unit], pa.float32()),
                             "best_fit": pa.array([0.2 + 0.5 * u for u in unit], pa.float32())}),
                   folder / "scores" / "a.parquet")
    pq.write_table(pa.table({"resume_id": [f"E{i}" for i in range(empty)],
                             "reason": ["empty_text"] * empty}), folder / "quarantine" / "a.parquet")


def _drift(tmp_path: Path, baseline: Path, current: Path, *extra: str) -> dict:
    from recruit_core.drift.job import run
    return run(compose_config([f"drift.baseline={baseline}", f"drift.current={current}",
                               f"drift.output_dir={tmp_path / 'run' / 'drift'}", *extra]))


@pytest.fixture(scope="module")
def pools(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pools")
    software = {o.id for o in load_builtin().occupations if o.family == "software"}
    _score_run(root / "night1", 0, 1500, empty=15)
    _score_run(root / "night2", 1500, 3000, empty=15)  # other resumes, same mix
    # a planted shift: software occupations only, and quarantine's empty_text rate tripled
    _score_run(root / "shifted", 1500, 6000, keep=lambda o: o in software, empty=45)
    return {"root": root, "software": software}


def test_a_planted_occupation_shift_is_flagged(pools, tmp_path):
    report = _drift(tmp_path, pools["root"] / "night1", pools["root"] / "shifted")
    mix = report["category_mix"]
    assert mix["flagged"] and mix["largest_change"]["category"] in pools["software"]
    assert mix["largest_change"]["change"] > 0
    assert [r["reason"] for r in report["quarantine"] if r["flagged"]] == ["empty_text"]
    assert any(line.startswith("category mix") for line in report["flagged"])
    markdown = (tmp_path / "run" / "drift" / "drift.md").read_text()
    assert "category mix" in markdown and "quarantine empty_text" in markdown
    assert json.loads((tmp_path / "run" / "drift" / "drift.json").read_text())["flagged"] == report["flagged"]


def test_identical_runs_and_a_fresh_sample_of_the_same_pool_flag_nothing(pools, tmp_path):
    same = _drift(tmp_path, pools["root"] / "night1", pools["root"] / "night1")
    assert same["flagged"] == [] and same["category_mix"]["psi"] == 0.0
    assert all(r["psi"] in (0.0, None) for r in same["score_shift"])
    fresh = _drift(tmp_path, pools["root"] / "night1", pools["root"] / "night2")
    assert fresh["flagged"] == [], fresh["flagged"]


def _shortlists(folder: Path, lists: dict[str, list[str]]) -> None:
    (folder / "shortlists").mkdir(parents=True)
    pq.write_table(pa.table({"job_id": [j for j, ids in lists.items() for _ in ids],
                             "resume_id": [r for ids in lists.values() for r in ids]}),
                   folder / "shortlists" / "part-00000.parquet")


def test_shortlist_churn_is_the_share_of_each_shortlist_that_changed(pools, tmp_path):
    _shortlists(tmp_path / "m1", {"J1": ["a", "b", "c", "d"], "J2": ["a", "b"]})
    _shortlists(tmp_path / "m2", {"J1": ["a", "b", "c", "e"], "J2": ["x", "y"]})
    report = _drift(tmp_path, pools["root"] / "night1", pools["root"] / "night1",
                    f"drift.baseline_match={tmp_path / 'm1'}", f"drift.current_match={tmp_path / 'm2'}")
    assert [(r["job_id"], r["churn"], r["flagged"]) for r in report["shortlist_churn"]] == [
        ("J1", 0.25, False), ("J2", 1.0, True)]
    assert report["flagged"] == ["shortlist of J2: 100% changed"]


def test_the_run_report_gets_a_drift_page(pools, tmp_path):
    from recruit_core.report.build import write_report
    _drift(tmp_path, pools["root"] / "night1", pools["root"] / "shifted")
    write_report(tmp_path / "run")
    html = (tmp_path / "run" / "report" / "drift.html").read_text()
    assert "Category mix" in html and "empty_text" in html and "Job family mix" in html
    assert 'href="drift.html"' in (tmp_path / "run" / "report" / "index.html").read_text()


def test_recruit_drift_takes_the_two_runs_by_position():
    from ray_jobs.cli import positional_overrides
    assert positional_overrides("drift", ["a/scores", "b/scores", "drift.bins=5"]) == [
        "drift.baseline=a/scores", "drift.current=b/scores", "drift.bins=5"]
    assert positional_overrides("score", ["score.batch_size=4"]) == ["score.batch_size=4"]
