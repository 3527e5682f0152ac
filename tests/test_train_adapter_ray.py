"""A LoRA training run on local Ray: a small published folder that scores like the worker measured."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config

from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.model import adapters
from recruit_core.model.forward import TextEncoder, load_scoring_model

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def adapter_run(ray_local, tmp_path_factory):
    """The smoke pool, 2 epochs of 6 steps: two checkpoints. lr 1e-3 x lora_lr_scale 10: a
    2-layer random BERT's adapters learn in a dozen steps."""
    from recruit_core.train import job_ray as train
    pool = DataConfig(dir=str(tmp_path_factory.mktemp("pool")), n_resumes=120, n_jobs=12,
                      shard_rows=120)
    write_resume_shard(pool, 0)
    write_jobs(pool)
    cfg = compose_config(["experiment=smoke", f"output_root={tmp_path_factory.mktemp('out')}",
                          f"data.dir={pool.dir}", "train.run_name=lora", "train.epochs=2",
                          "train.adapter=lora", "train.lr=1e-3", "train.head_lr_scale=10"])
    result = train.run(cfg)
    return cfg, result, json.loads(Path(result["eval"]).read_text())


def test_adapter_run_publishes_an_adapter_folder_under_a_megabyte(adapter_run):
    _, result, figures = adapter_run
    folder = Path(result["model"])
    assert adapters.is_adapter_folder(folder) and not (folder / "model.safetensors").exists()
    assert sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) < 1_000_000
    assert json.loads((folder / "recruit.json").read_text())["adapter"]["sha256"] == \
        figures["adapter"]["sha256"]
    card = (folder / "README.md").read_text()
    assert "A LoRA adapter (r=8" in card and figures["adapter"]["sha256"] in card


def test_adapter_run_scores_what_the_worker_measured(adapter_run):
    """The driver's dev figures come from the merged folder; the worker's from the live adapter."""
    cfg, _, figures = adapter_run
    measured_on_worker = figures["best_checkpoint_metrics"]
    assert figures["dev"]["windows"]["macro_f1"] == pytest.approx(measured_on_worker["dev_macro_f1"])
    assert figures["training"]["losses"][-1] < figures["training"]["losses"][0]
    scoring = load_scoring_model(figures["model"], cfg.model)
    assert scoring.trained and len(TextEncoder(scoring, cfg.model).embed_texts(["Line cook"])) == 1


def test_adapter_checkpoints_keep_optimizer_state_in_the_latest_only(adapter_run):
    _, result, _ = adapter_run
    checkpoints = sorted(p for p in Path(result["eval"]).parent.glob("checkpoint_*") if p.is_dir())
    assert len(checkpoints) in (1, 2)
    assert [c for c in checkpoints if (c / "train_state.pt").exists()] == [checkpoints[-1]]
