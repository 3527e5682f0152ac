"""`recruit sweep`: a training sweep whose trials are Ray tasks, each under its own run name, with
the summary table `train.py -m` writes."""
from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest

from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard


def test_trials_are_hydras_cartesian_product_each_with_its_own_run_name():
    from ray_jobs.sweep import trials
    planned = trials(["experiment=smoke", "train.lr=1e-4,1e-3", "train.epochs=1,2"])
    assert [t.overrides for t in planned] == [
        ["experiment=smoke", "train.lr=0.0001", "train.epochs=1"],
        ["experiment=smoke", "train.lr=0.0001", "train.epochs=2"],
        ["experiment=smoke", "train.lr=0.001", "train.epochs=1"],
        ["experiment=smoke", "train.lr=0.001", "train.epochs=2"]]
    assert [(t.cfg.train.lr, t.cfg.train.epochs) for t in planned] == [
        (1e-4, 1), (1e-4, 2), (1e-3, 1), (1e-3, 2)]
    assert len({t.run_name for t in planned}) == 4
    # the same sweep again: the same run names, so its trials resume
    assert [t.run_name for t in trials(["experiment=smoke", "train.lr=1e-4,1e-3",
                                        "train.epochs=1,2"])] == [t.run_name for t in planned]


def test_a_trial_reported_twice_is_one_row_of_the_summary(tmp_path):
    from recruit_core.train import report
    for score in (0.2, 0.6):  # a resumed trial finishing again
        report.write_sweep_summary(tmp_path, {"job": 0, "run_name": "r-0", "dev_score": score,
                                              "headline": "", "model": "m",
                                              "overrides": {"train.lr": "1e-4"}})
    with open(tmp_path / "sweep_summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["run_name"], float(r["dev_score"])) for r in rows] == [("r-0", 0.6)]


@pytest.fixture(scope="module")
def pool_dir(tmp_path_factory) -> str:
    cfg = DataConfig(dir=str(tmp_path_factory.mktemp("pool")), n_resumes=120, n_jobs=12,
                     shard_rows=120)
    write_resume_shard(cfg, 0)
    write_jobs(cfg)
    return cfg.dir


@pytest.mark.ray
@pytest.mark.slow  # two training runs side by side: ~3 minutes on a loaded 2-core machine
def test_sweep_runs_each_trial_as_a_ray_task_and_summarises_both(ray_local, pool_dir, tmp_path):
    from ray_jobs.sweep import main
    sweep_dir = tmp_path / "sweep"
    outcome = main(["experiment=smoke", f"output_root={tmp_path}", f"data.dir={pool_dir}",
                    f"train.run_name=sweep-{uuid.uuid4().hex[:8]}", f"train.sweep_dir={sweep_dir}",
                    "train.num_workers=1", "train.max_steps=2", "train.lr=1e-4,1e-3"])
    assert outcome["failed"] == {} and len(outcome["finished"]) == 2
    with open(sweep_dir / "sweep_summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {float(r["train.lr"]) for r in rows} == {1e-4, 1e-3}
    assert len({r["run_name"] for r in rows}) == 2
    models = {Path(r["model"]) for r in rows}
    assert len(models) == 2 and all((m / "model.safetensors").is_file() for m in models)
    assert {m.parent.name for m in models} == {r["run_name"] for r in rows}  # one run folder each
    assert [float(r["dev_score"]) for r in rows] == sorted((float(r["dev_score"]) for r in rows),
                                                           reverse=True)
    table = (sweep_dir / "sweep_summary.md").read_text().splitlines()
    assert "dev_score" in table[0] and len(table) == 2 + len(rows)


@pytest.mark.ray
def test_failed_trials_are_named_and_the_sweep_fails(ray_local, tmp_path):
    """Both trials stop at once (livecareer data has categories, not fit labels): the sweep
    reports each by run name instead of stopping at the first."""
    from ray_jobs.sweep import main
    with pytest.raises(RuntimeError, match="2 of 2 sweep trials failed") as failure:
        main(["experiment=smoke", "data=livecareer", f"output_root={tmp_path}",
              "train.run_name=bad", f"train.sweep_dir={tmp_path / 'sweep'}",
              "train.task=biencoder,crossencoder"])
    assert "bad-0-" in str(failure.value) and "bad-1-" in str(failure.value)
    assert "has categories, not fit labels" in str(failure.value)
    assert not (tmp_path / "sweep" / "sweep_summary.md").exists()
