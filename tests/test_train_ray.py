"""Ray Train fine-tuning end to end on local Ray: learning, checkpoint reload, resume, sweeps."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ROOT, compose_config

from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.model.encoder import load_encoder
from recruit_core.model.recruit import RecruitModel
from recruit_core.text.windows import encode_windows
from recruit_core.train.trainer_ray import KILL_AT_STEP_ENV, KILL_MARKER_ENV

pytestmark = pytest.mark.ray
# Smoke pool: 96 train resumes / (2 workers x batch 8) = 6 steps per epoch; the first run stops
# after 3 of 4 epochs, the resumed one trains the last epoch.
EPOCHS, FIRST_RUN_STEPS = 4, 18


@pytest.fixture(scope="module")
def pool_dir(tmp_path_factory) -> str:
    """The smoke pool (120 resumes, 12 jobs), written directly: these tests are about training."""
    cfg = DataConfig(dir=str(tmp_path_factory.mktemp("pool")), n_resumes=120, n_jobs=12,
                     shard_rows=120)
    write_resume_shard(cfg, 0)
    write_jobs(cfg)
    return cfg.dir


@pytest.fixture(scope="module")
def run_overrides(pool_dir, tmp_path_factory) -> list[str]:
    # lr 1e-3 (x10 for the head): a 2-layer random BERT learns in tens of steps, not thousands.
    return ["experiment=smoke", f"output_root={tmp_path_factory.mktemp('out')}",
            f"data.dir={pool_dir}", f"train.run_name=resume-{uuid.uuid4().hex[:8]}",
            f"train.epochs={EPOCHS}", "train.lr=1e-3", "train.head_lr_scale=10"]


@pytest.fixture(scope="module")
def interrupted_run(ray_local, run_overrides):
    """A run stopped by `train.max_steps` (as if killed) right after a checkpoint."""
    from recruit_core.train import job_ray as train
    result = train.run(compose_config([*run_overrides, f"train.max_steps={FIRST_RUN_STEPS}"]))
    return result, json.loads(Path(result["eval"]).read_text())


def test_training_on_ray_lowers_the_loss(interrupted_run):
    result, figures = interrupted_run
    losses = figures["training"]["losses"]
    assert (result["start_step"], result["final_step"]) == (0, FIRST_RUN_STEPS) == (0, len(losses))
    assert np.mean(losses[-4:]) < 0.85 * np.mean(losses[:4])


def test_published_model_predicts_what_the_worker_measured(interrupted_run):
    """The dev scores the worker computed before saving equal the driver's after reloading."""
    result, figures = interrupted_run
    measured_on_worker = figures["best_checkpoint_metrics"]
    assert figures["dev"]["windows"]["macro_f1"] == pytest.approx(measured_on_worker["dev_macro_f1"])
    assert figures["dev"]["windows"]["accuracy"] == pytest.approx(measured_on_worker["dev_accuracy"])
    checkpoint = Path(figures["best_checkpoint"]) / "model" / "model.safetensors"
    published = Path(result["model"]) / "model.safetensors"
    assert checkpoint.read_bytes() == published.read_bytes()


def test_published_model_carries_a_card_with_this_runs_figures(interrupted_run):
    from huggingface_hub import ModelCard
    result, figures = interrupted_run
    card = ModelCard.load(Path(result["model"]) / "README.md")
    assert card.data.library_name == "sentence-transformers" and card.data.license == "apache-2.0"
    assert card.data.metrics == ["accuracy", "f1"] and "recruiting" in card.data.tags
    dev = figures["dev"]["windows"]
    assert f"| this model (windows pooled) | {dev['accuracy']:.4f} | {dev['macro_f1']:.4f} |" in card.text
    assert "**Not for automated rejection.**" in card.text and "## Bias audit" in card.text


def test_run_keeps_best_and_latest_checkpoint_with_optimizer_state_in_the_latest_only(interrupted_run):
    """Three checkpoints written (steps 6, 12, 18), train.keep_checkpoints=2 of them left; only the
    one a resumed run starts from keeps the optimizer state."""
    result, figures = interrupted_run
    checkpoints = sorted(p for p in Path(result["eval"]).parent.glob("checkpoint_*") if p.is_dir())
    assert 1 <= len(checkpoints) <= 2 and Path(figures["best_checkpoint"]) in checkpoints
    assert [c for c in checkpoints if (c / "train_state.pt").exists()] == [checkpoints[-1]]


def test_published_model_shares_the_best_checkpoints_bytes_on_disk(interrupted_run):
    result, figures = interrupted_run
    checkpoint = Path(figures["best_checkpoint"]) / "model" / "model.safetensors"
    assert os.stat(checkpoint).st_ino == os.stat(Path(result["model"]) / "model.safetensors").st_ino


@pytest.mark.slow
def test_interrupted_run_resumes_at_its_checkpointed_step(interrupted_run, run_overrides):
    from recruit_core.train import job_ray as train
    resumed = train.run(compose_config(run_overrides))
    assert resumed["start_step"] == FIRST_RUN_STEPS
    assert resumed["final_step"] == EPOCHS * resumed["steps_per_epoch"]
    losses = json.loads(Path(resumed["eval"]).read_text())["training"]["losses"]
    assert len(losses) == resumed["final_step"] - FIRST_RUN_STEPS


@pytest.mark.slow  # a whole extra job run: make test-all
def test_run_that_loses_a_worker_resumes_by_itself_and_finishes(ray_local, pool_dir, smoke_config,
                                                                tmp_path, monkeypatch):
    """A worker SIGKILLed at step 8 of 12: the run restarts from the step-6 checkpoint on its own."""
    from recruit_core.train import job_ray as train
    marker = tmp_path / "worker-lost"
    monkeypatch.setenv(KILL_AT_STEP_ENV, "8")
    monkeypatch.setenv(KILL_MARKER_ENV, str(marker))
    result = train.run(smoke_config(f"data.dir={pool_dir}", "train.epochs=2"))
    assert marker.read_text() == "killed at step 8\n"
    assert result["steps_per_epoch"] == 6 and result["start_step"] == 6
    assert result["final_step"] == 12
    # the restarted workers trained steps 7..12 only: from the checkpoint, not again from step 0
    losses = json.loads(Path(result["eval"]).read_text())["training"]["losses"]
    assert len(losses) == result["final_step"] - result["start_step"] == 6
    assert Path(result["model"], "model.safetensors").is_file()


def test_published_model_loads_as_a_local_encoder(interrupted_run):
    result, _ = interrupted_run
    cfg = compose_config(["model=local", f"model.name_or_path={result['model']}"]).model
    tokenizer, encoder, fingerprint = load_encoder(cfg)
    model, _, meta = RecruitModel.load(result["model"])
    assert meta["task"] == "classify" and fingerprint.startswith("model@sha256:")
    windows = encode_windows(tokenizer, ["Registered nurse, ICU, 6 years."], 64, 48, 1)
    ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
    encoder.eval()
    model.eval()
    with torch.no_grad():
        assert torch.allclose(encoder(input_ids=ids, attention_mask=mask).last_hidden_state,
                              model.encoder(input_ids=ids, attention_mask=mask).last_hidden_state)


@pytest.mark.slow
def test_two_run_sweep_writes_a_summary_sorted_by_dev_score(pool_dir, tmp_path):
    sweep_dir = tmp_path / "sweep"
    command = [sys.executable, str(ROOT / "ray_jobs" / "train.py"), "-m", "experiment=smoke",
               f"output_root={tmp_path}", f"data.dir={pool_dir}", f"hydra.sweep.dir={sweep_dir}",
               f"train.run_name=sweep-{uuid.uuid4().hex[:8]}", "train.lr=1e-4,1e-3"]
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(sweep_dir / "sweep_summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and len({r["run_name"] for r in rows}) == 2
    assert {float(r["train.lr"]) for r in rows} == {1e-4, 1e-3}
    assert [float(r["dev_score"]) for r in rows] == sorted((float(r["dev_score"]) for r in rows),
                                                           reverse=True)
    assert all(Path(r["model"], "model.safetensors").is_file() for r in rows)
    table = (sweep_dir / "sweep_summary.md").read_text().splitlines()
    assert "dev_score" in table[0] and len(table) == 2 + len(rows)


def test_sweep_summary_lists_swept_parameters_best_first(tmp_path):
    from recruit_core.train import report
    common = {"experiment": "smoke", "output_root": "/tmp/x"}
    for job, (lr, score) in enumerate([("1e-4", 0.2), ("1e-3", 0.7)]):
        report.write_sweep_summary(tmp_path, {
            "job": job, "run_name": f"r-{job}", "dev_score": score, "headline": "", "model": "m",
            "overrides": {**common, "train.lr": lr}})
    with open(tmp_path / "sweep_summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["train.lr"], r["job"]) for r in rows] == [("1e-3", "1"), ("1e-4", "0")]
    assert "output_root" not in rows[0]  # the same in every run: not a swept parameter
    assert report.sweep_run_name("base", 1, "train.lr=1e-3") != report.sweep_run_name("base", 1, "x")


def test_classification_table_compares_window_pooling_only_when_there_are_windows():
    from recruit_core.train.report import classification_tables
    figures = {"accuracy": 0.5, "macro_f1": 0.4, "ece": 0.1, "n": 2,
               "per_class": {"a": {"f1": 0.5, "support": 2}, "b": {"f1": 0.0, "support": 0}}}
    report = {"windows": figures, "first_window": figures, "baselines": {"tfidf+logreg": figures}}
    pooled, per_class = classification_tables(report, ["a", "b"], max_windows=4)
    assert "fine-tuned (4 windows pooled)" in pooled and "first window only" in pooled
    assert "| a |" in per_class and "| b |" not in per_class  # categories absent from dev left out
    single, _ = classification_tables(report, ["a", "b"], max_windows=1)
    assert single.count("fine-tuned") == 1 and "tfidf+logreg" in single
