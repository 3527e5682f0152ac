"""Distillation: the student cut from the teacher, the loss that teaches it, and the train job on Ray."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import compose_config
from torch import nn

from recruit_core.config import TinyBertConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import load_scoring_model
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.distill import evaluate_student, kept_layers, student_of
from recruit_core.train.loop import (
    TaskModel,
    build_optimizer,
    build_scheduler,
    optimisation_step,
    resume_windows,
)

CPU = torch.device("cpu")
TEXTS = ["Line cook: prepared sauces, grilled fish, ran the kitchen pass, plated desserts.",
         "Backend developer: wrote Python services, SQL queries, code reviews, CI pipelines.",
         "Registered nurse: triaged patients, administered medication, charted vitals.",
         "Accountant: reconciled ledgers, prepared tax returns, audited expense reports.",
         "Truck driver: long-haul routes, logbooks, vehicle inspections, safe delivery.",
         "Teacher: planned lessons, graded essays, met parents, coached the debate team."]


@pytest.fixture(scope="module")
def model_cfg():
    """A four-layer tiny BERT: a teacher with layers to drop."""
    cfg = compose_config(["experiment=smoke"]).model
    return replace(cfg, tiny=TinyBertConfig(num_hidden_layers=4))


@pytest.fixture()
def teacher(model_cfg):
    tokenizer, encoder, _ = load_encoder(model_cfg)
    for module in encoder.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    model = RecruitModel(encoder, ["chef", "developer", "nurse"])
    torch.manual_seed(1)
    nn.init.normal_(model.category_head.weight, std=1.0)  # a head whose choice depends on the input
    return model, tokenizer


def batch_of(tokenizer, model_cfg, texts=TEXTS) -> dict:
    windows = resume_windows(tokenizer, texts, model_cfg)
    return {"input_ids": torch.from_numpy(windows["ids"]), "attention_mask": torch.from_numpy(windows["mask"]),
            "n_windows": torch.from_numpy(windows["n_windows"])}


def test_kept_layers_are_spread_and_end_with_the_last():
    assert kept_layers(6, 3) == [1, 3, 5]
    assert kept_layers(12, 4) == [2, 5, 8, 11]
    assert kept_layers(6, 6) == [0, 1, 2, 3, 4, 5] and kept_layers(4, 1) == [3]
    for bad in (0, 7):
        with pytest.raises(ValueError, match="train.student_layers"):
            kept_layers(6, bad)


def test_student_is_the_teachers_chosen_layers_and_heads(teacher):
    model, _ = teacher
    student = student_of(model, 2)
    assert student.encoder.config.num_hidden_layers == 2 == len(student.encoder.encoder.layer)
    assert model.encoder.config.num_hidden_layers == 4 == len(model.encoder.encoder.layer)
    for mine, theirs in zip(student.encoder.encoder.layer, [model.encoder.encoder.layer[i] for i in (1, 3)]):
        for (name, a), (_, b) in zip(mine.state_dict().items(), theirs.state_dict().items()):
            assert torch.equal(a, b), name
    assert torch.equal(student.category_head.weight, model.category_head.weight)
    assert student.categories == model.categories
    assert student.encoder.encoder.layer[0] is not model.encoder.encoder.layer[1]  # a copy


def test_distillation_moves_the_student_toward_the_teacher_and_leaves_the_teacher_alone(teacher, model_cfg):
    model, tokenizer = teacher
    task = TaskModel(student_of(model, 1), "distill", teacher=model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    head = task.model.category_head.weight.clone()
    train = replace(compose_config(["experiment=smoke", "train=distill"]).train, lr=3e-3, warmup_ratio=0.0)
    optimizer = build_optimizer(task, train)
    scheduler = build_scheduler(optimizer, 40, 0.0)
    batch = batch_of(tokenizer, model_cfg)
    losses = [optimisation_step(task, [batch], optimizer, scheduler, CPU) for _ in range(40)]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    assert not model.training  # TaskModel.train() leaves the teacher in eval mode
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert torch.equal(task.model.category_head.weight, head)  # the heads are the teacher's, frozen


def test_student_folder_loads_and_scores_like_any_model(teacher, model_cfg, tmp_path):
    model, tokenizer = teacher
    student = student_of(model, 2)
    student.save(tmp_path / "student", tokenizer, {"task": "classify"})
    scoring = load_scoring_model(str(tmp_path / "student"), model_cfg)
    assert scoring.model.encoder.config.num_hidden_layers == 2 and scoring.trained
    batch = batch_of(tokenizer, model_cfg)
    ids, mask = batch["input_ids"][:, 0].long(), batch["attention_mask"][:, 0].long()
    with torch.no_grad():
        assert torch.equal(scoring.model.eval().pooled(ids, mask), student.eval().pooled(ids, mask))
    figures = evaluate_student(student, model, tokenizer, TEXTS, model_cfg)
    assert figures["layers"] == 2 and figures["teacher_layers"] == 4 and figures["texts"] == len(TEXTS)
    assert -1 <= figures["cosine_p05"] <= figures["cosine_mean"] <= 1
    assert 0 <= figures["category_top1_agreement"] <= 1
    same = evaluate_student(model, model, tokenizer, TEXTS, model_cfg)
    assert same["cosine_mean"] == pytest.approx(1.0) and same["category_top1_agreement"] == 1.0


def test_distill_refuses_an_adapter_and_a_teacher_elsewhere():
    with pytest.raises(ValueError, match="train.adapter=none"):
        compose_config(["experiment=smoke", "train=distill", "train.adapter=lora"])
    model = RecruitModel(load_encoder(compose_config(["experiment=smoke"]).model)[1])
    with pytest.raises(ValueError, match="needs a teacher"):
        TaskModel(model, "distill")
    with pytest.raises(ValueError, match="needs a teacher"):
        TaskModel(model, "classify", teacher=model)


@pytest.mark.slow  # a whole extra job run: make test-all
@pytest.mark.ray
def test_distill_job_on_ray_publishes_a_smaller_student_of_a_classifier(ray_local, teacher, tmp_path):
    model, tokenizer = teacher
    model.save(tmp_path / "teacher", tokenizer, {"task": "classify"})
    pool = compose_config(["experiment=smoke", f"data.dir={tmp_path / 'pool'}"]).data
    pool = replace(pool, shard_rows=pool.n_resumes)
    write_resume_shard(pool, 0)
    write_jobs(pool)
    from recruit_core.train import job_ray
    cfg = compose_config(["experiment=smoke", "train=distill", f"output_root={tmp_path / 'out'}",
                          f"data.dir={pool.dir}", f"train.teacher={tmp_path / 'teacher'}",
                          "model.tiny.num_hidden_layers=4", "train.student_layers=2",
                          f"train.run_name=distill-{uuid.uuid4().hex[:8]}", "train.lr=3e-3"])
    result = job_ray.run(cfg)
    figures = json.loads(Path(result["eval"]).read_text())
    assert figures["distilled_from"]["layers"] == [1, 3]
    assert figures["distilled_from"]["teacher_layers"] == 4
    assert figures["training"]["final_step"] == figures["training"]["steps_per_epoch"] * cfg.train.epochs
    agreement = figures["dev"]["agreement"]
    assert agreement["layers"] == 2 and agreement["texts"] == figures["dev_rows"]
    assert result["dev_score"] == figures["best_checkpoint_metrics"]["dev_cosine"]
    meta = json.loads((Path(result["model"]) / "recruit.json").read_text())
    assert meta["task"] == "classify" and meta["categories"] == model.categories
    scoring = load_scoring_model(result["model"], cfg.model)
    assert scoring.model.encoder.config.num_hidden_layers == 2
    assert "Distilled from" in (Path(result["model"]) / "README.md").read_text()
