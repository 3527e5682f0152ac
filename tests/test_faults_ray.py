"""Scoring survives faults on a multi-node Ray on this machine: a worker node removed, a model
actor SIGKILLed, the driver SIGKILLed and rerun. Each faulted run must give exactly one output row
per input row and the undisturbed run's files bit for bit (bench/fault_soak.py does the runs)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from recruit_core.score.faults_ray import compare_outputs


@pytest.fixture(scope="module")
def soak(tmp_path_factory) -> dict[str, dict]:
    """One soak run of every fault once; its rows by fault."""
    rows_file = tmp_path_factory.mktemp("soak") / "rows.json"
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "fault_soak.py"), "--repeat", "1",
                           "--no-record", "--json-out", str(rows_file)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return {row["fault"]: row for row in json.loads(rows_file.read_text())}


def _survived(row: dict) -> None:
    assert row["runs"] == row["injected"] == 1, row  # the fault struck mid-run
    assert row["errors"] == [], row
    assert row["rows_lost"] == row["rows_duplicated"] == row["repeated_resume_ids"] == 0, row
    assert row["survived"] == 1, row  # finished, and equal to the undisturbed run bit for bit


@pytest.mark.slow
@pytest.mark.ray
@pytest.mark.parametrize("fault", ["node", "actor", "driver"])
def test_scoring_survives_the_fault_with_every_row_once_and_the_same_bits(soak, fault):
    _survived(soak[fault])


def _write_output(folder: Path, rows: list[tuple[str, int, str]]) -> None:
    (folder / "scores").mkdir(parents=True)
    pq.write_table(pa.table({"resume_id": [r[2] for r in rows], "input_file": [r[0] for r in rows],
                             "input_row": [r[1] for r in rows], "run_id": ["x"] * len(rows)}),
                   folder / "scores" / "a.parquet")


def test_the_comparison_catches_a_lost_row_and_a_doubled_one(tmp_path):
    """What the fault tests rely on: a lost or doubled row, or other bits, must show."""
    clean = [("a", 0, "R0"), ("a", 1, "R1"), ("a", 2, "R2")]
    _write_output(tmp_path / "clean", clean)
    _write_output(tmp_path / "same", clean)
    _write_output(tmp_path / "bad", [("a", 0, "R0"), ("a", 1, "R1"), ("a", 1, "R1")])
    same = compare_outputs(tmp_path / "clean", tmp_path / "same")
    assert same == {"rows_in": 3, "rows_out": 3, "rows_lost": 0, "rows_duplicated": 0,
                    "repeated_resume_ids": 0, "bits_equal": True}
    bad = compare_outputs(tmp_path / "clean", tmp_path / "bad")
    assert bad == {"rows_in": 3, "rows_out": 3, "rows_lost": 1, "rows_duplicated": 1,
                   "repeated_resume_ids": 1, "bits_equal": False}
