"""A failing Ray test must be readable: its report shows the failure, not Ray Data's DEBUG records."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

FAILING_RAY_TEST = '''
from recruit_core.config import ClusterConfig
from recruit_core.ray_env import connect


def test_fails_after_a_ray_data_pipeline():
    import ray
    connect(ClusterConfig(mode="local", num_cpus=2, include_dashboard=False))
    dataset = ray.data.range(100, override_num_blocks=4).map_batches(lambda b: b, batch_size=10)
    assert dataset.count() == 99, "the failure a developer must see"
'''


@pytest.mark.ray
def test_a_failing_ray_test_reports_in_a_few_lines(tmp_path):
    (tmp_path / "test_failing.py").write_text(FAILING_RAY_TEST)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
                          str(tmp_path / "test_failing.py")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    report = run.stdout + run.stderr
    assert run.returncode == 1 and "the failure a developer must see" in report, report[-3000:]
    assert "DEBUG" not in report and len(report.splitlines()) < 60, report[-3000:]
