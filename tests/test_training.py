"""Fine-tuning math without Ray: example rows, windows, losses, one step, resumable state, data sources."""
from __future__ import annotations

import random
from dataclasses import asdict

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import compose_config
from torch import nn

from recruit_core.config import DataConfig, TrainConfig
from recruit_core.data.livecareer import load_livecareer
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.data.taxonomy import load_builtin
from recruit_core.eval.baselines import tfidf_baselines
from recruit_core.eval.dev import evaluate_classifier
from recruit_core.model.encoder import load_encoder
from recruit_core.model.recruit import RecruitModel
from recruit_core.text.windows import encode_windows
from recruit_core.train.examples import biencoder_rows, crossencoder_rows, in_dev_split, read_pool, split_pool
from recruit_core.train.loop import (
    TaskModel,
    build_optimizer,
    build_scheduler,
    dev_score,
    flatten_windows,
    load_train_state,
    optimisation_step,
    restore_rng,
    rng_state,
    save_train_state,
    seed_everything,
    steps_per_epoch,
    tokenize_examples,
)

CPU = torch.device("cpu")
KITCHEN = "Line cook: prepared sauces, grilled fish, ran the kitchen pass, plated desserts."
SOFTWARE = "Backend developer: wrote Python services, SQL queries, code reviews, CI pipelines."


@pytest.fixture(scope="module")
def model_cfg():
    return compose_config(["experiment=smoke"]).model


def tiny_model(model_cfg, categories=("chef", "developer")) -> tuple[RecruitModel, object]:
    tokenizer, encoder, _ = load_encoder(model_cfg)
    for module in encoder.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0  # deterministic steps: equal inputs give equal gradients
    return RecruitModel(encoder, list(categories)), tokenizer


def tensors(rows: dict, task: str, model_cfg) -> dict:
    batch = {k: np.asarray(v, dtype=object if isinstance(v[0], (str, np.ndarray)) else None)
             for k, v in rows.items()}
    return {k: torch.from_numpy(np.asarray(v)) for k, v in
            tokenize_examples(batch, task, asdict(model_cfg)).items()}


def train_steps(task_model: TaskModel, batch: dict, steps: int, lr: float = 1e-3) -> list[float]:
    cfg = TrainConfig(lr=lr, warmup_ratio=0.0)
    optimizer = build_optimizer(task_model, cfg)
    scheduler = build_scheduler(optimizer, steps * 10, 0.0)
    return [optimisation_step(task_model, [batch], optimizer, scheduler, CPU) for _ in range(steps)]


def test_classify_loss_goes_down_on_a_learnable_task(model_cfg):
    seed_everything(0)
    model, _ = tiny_model(model_cfg)
    batch = tensors({"text": [KITCHEN, SOFTWARE] * 4, "label": [0, 1] * 4}, "classify", model_cfg)
    losses = train_steps(TaskModel(model, "classify"), batch, 10)
    assert losses[-1] < 0.3 * losses[0]
    with torch.no_grad():
        assert TaskModel(model, "classify").scores(batch).argmax(1).tolist() == [0, 1] * 4


def test_long_resume_is_windowed_and_flattened_in_order(model_cfg):
    _, tokenizer = tiny_model(model_cfg)
    long_text = " ".join([SOFTWARE] * 40)
    batch = tensors({"text": [KITCHEN, long_text], "label": [0, 1]}, "classify", model_cfg)
    assert batch["n_windows"].tolist() == [1, model_cfg.max_windows]
    ids, mask, owner = flatten_windows(batch["input_ids"], batch["attention_mask"], batch["n_windows"])
    expected = encode_windows(tokenizer, [KITCHEN, long_text], model_cfg.max_length,
                              model_cfg.window_stride, model_cfg.max_windows)
    assert owner.tolist() == expected.owner.tolist()
    assert torch.equal(ids, torch.from_numpy(expected.input_ids[:, :ids.shape[1]]))
    assert expected.attention_mask[:, ids.shape[1]:].sum() == 0  # only padding was trimmed


def test_window_pooling_in_evaluation_matches_the_model(model_cfg):
    model, tokenizer = tiny_model(model_cfg)
    texts = [KITCHEN, " ".join([SOFTWARE] * 40)]
    report = evaluate_classifier(model, tokenizer, texts, [0, 1], model_cfg)
    win = encode_windows(tokenizer, texts, model_cfg.max_length, model_cfg.window_stride,
                         model_cfg.max_windows)
    with torch.no_grad():
        logits = model.category_logits(torch.from_numpy(win.input_ids),
                                       torch.from_numpy(win.attention_mask), torch.from_numpy(win.owner))
    predicted = logits.argmax(1).numpy()
    assert report["windows"]["accuracy"] == pytest.approx(float(np.mean(predicted == [0, 1])))
    assert report["windows_per_resume"] == pytest.approx((1 + model_cfg.max_windows) / 2)


def biencoder_batch(model_cfg, hard: bool) -> dict:
    rows = {"resume_text": [KITCHEN, SOFTWARE, KITCHEN + " pastry", SOFTWARE + " Go"],
            "job_text": ["Chef de partie", "Python engineer", "Pastry chef", "Go developer"],
            "job_key": [0, 1, 2, 3],
            # resume 0 also fits job 2: it must not be pushed away from it as a negative
            "fit_keys": [np.array([0, 2]), np.array([1, -1]), np.array([2, -1]), np.array([3, -1])]}
    if hard:
        rows.update(hard_text=["Go developer", "Pastry chef", "Python engineer", "Chef de partie"],
                    hard_key=[3, 2, -1, 0])
    return tensors(rows, "biencoder", model_cfg)


def test_in_batch_negatives_mask_known_fits_and_missing_hard_negatives(model_cfg):
    model, _ = tiny_model(model_cfg)
    with torch.no_grad():
        scores = TaskModel(model, "biencoder").scores(biencoder_batch(model_cfg, hard=True))
    assert scores.shape == (4, 8)
    assert torch.isinf(scores[0, 2]) and torch.isfinite(scores[2, 2])  # a fit, not a negative
    assert torch.isinf(scores[:, 4 + 2]).all()  # row 2 had no hard negative
    assert torch.isfinite(scores.diagonal()).all()


@pytest.mark.parametrize("hard", [False, True])
def test_biencoder_loss_goes_down(model_cfg, hard):
    seed_everything(0)
    model, _ = tiny_model(model_cfg)
    losses = train_steps(TaskModel(model, "biencoder", temperature=0.05),
                         biencoder_batch(model_cfg, hard), 8)
    assert losses[-1] < 0.5 * losses[0]


def test_crossencoder_loss_goes_down(model_cfg):
    seed_everything(0)
    model, _ = tiny_model(model_cfg)
    batch = tensors({"job_text": ["Chef", "Chef", "Python engineer", "Python engineer"],
                     "resume_text": [KITCHEN, SOFTWARE, KITCHEN, SOFTWARE],
                     "label": [1.0, 0.0, 0.0, 1.0]}, "crossencoder", model_cfg)
    losses = train_steps(TaskModel(model, "crossencoder"), batch, 25)
    assert losses[-1] < 0.5 * losses[0]


def test_gradient_accumulation_equals_one_big_batch(model_cfg):
    batch = tensors({"text": [KITCHEN, SOFTWARE] * 2, "label": [0, 1] * 2}, "classify", model_cfg)
    halves = [{k: v[:2] for k, v in batch.items()}, {k: v[2:] for k, v in batch.items()}]
    weights = []
    for micro in ([batch], halves):
        seed_everything(0)
        model, _ = tiny_model(model_cfg)
        task_model = TaskModel(model, "classify")
        optimizer = build_optimizer(task_model, TrainConfig(lr=1e-3))
        optimisation_step(task_model, micro, optimizer, build_scheduler(optimizer, 10, 0.0), CPU)
        weights.append(model.category_head.weight.detach().clone())
    assert torch.allclose(weights[0], weights[1], atol=1e-5)


def test_unused_heads_and_pooler_are_frozen(model_cfg):
    model, _ = tiny_model(model_cfg)
    TaskModel(model, "crossencoder")
    assert not model.category_head.weight.requires_grad and model.fit_head.weight.requires_grad


def test_train_state_round_trip_restores_position_and_random_streams(tmp_path, model_cfg):
    model, _ = tiny_model(model_cfg)
    optimizer = build_optimizer(TaskModel(model, "classify"), TrainConfig())
    scheduler = build_scheduler(optimizer, 100, 0.1)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    seed_everything(7)
    save_train_state(tmp_path / "state.pt", optimizer, scheduler, 1, 42, [rng_state()])
    expected = (random.random(), np.random.rand(), torch.rand(1).item())
    state = load_train_state(tmp_path / "state.pt")
    restore_rng(state["rng"][0])
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == expected
    assert (state["epoch"], state["step"], state["scheduler"]["last_epoch"]) == (1, 42, 3)


def test_dev_scores():
    outputs = [{"scores": np.array([[2.0, 0.0], [0.0, 1.0]]), "label": np.array([0, 0])}]
    assert dev_score("classify", outputs, ["a", "b"])["dev_accuracy"] == 0.5
    pairs = [{"scores": np.array([3.0, -1.0, 2.0]), "label": np.array([1.0, 0.0, 0.0])}]
    assert dev_score("crossencoder", pairs, [])["dev_score"] == 1.0
    assert dev_score("biencoder", [{"correct": np.array([True, False])}], [])["dev_score"] == 0.5


def test_too_little_data_for_the_batch_names_the_settings():
    assert steps_per_epoch(100, 2, 8, 2) == 3
    with pytest.raises(ValueError, match="train.batch_size=64"):
        steps_per_epoch(100, 2, 64, 1)


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    cfg = DataConfig(dir=str(tmp_path_factory.mktemp("pool")), n_resumes=150, n_jobs=40,
                     shard_rows=150)
    write_resume_shard(cfg, 0)
    write_jobs(cfg)
    return read_pool(cfg, load_builtin())


def test_split_is_stable_and_keeps_duplicates_with_their_original(pool):
    assert in_dev_split("R000000007") == in_dev_split("R000000007")
    share = np.mean([in_dev_split(f"R{i:09d}") for i in range(5000)])
    assert 0.17 < share < 0.23
    train, dev = split_pool(pool)
    assert len(train.resumes) + len(dev.resumes) == len(pool.resumes)
    dev_ids = set(dev.resumes["resume_id"])
    for row in pool.resumes.dropna(subset=["duplicate_of"]).itertuples():
        assert (row.resume_id in dev_ids) == (row.duplicate_of in dev_ids)


def test_biencoder_pairs_are_fits_with_same_family_hard_negatives(pool):
    rows = biencoder_rows(pool, 64, seed=0, hard_negatives=True)
    jobs = pool.jobs
    assert rows == biencoder_rows(pool, 64, seed=0, hard_negatives=True)  # deterministic
    texts = pool.resumes["text"].tolist()
    for resume_text, job, hard in zip(rows["resume_text"], rows["job_key"], rows["hard_key"]):
        resume = texts.index(resume_text)
        assert pool.fit[resume, job]
        if hard >= 0:
            assert jobs["family"][hard] == jobs["family"][job]
            assert jobs["occupation"][hard] != jobs["occupation"][job]
            assert not pool.fit[resume, hard]
    assert any(h >= 0 for h in rows["hard_key"])


def test_crossencoder_pairs_are_balanced_and_labelled_by_ground_truth(pool):
    rows = crossencoder_rows(pool, 100, seed=0)
    assert sum(rows["label"]) == 50
    job_texts, resume_texts = pool.jobs["text"].tolist(), pool.resumes["text"].tolist()
    for job, resume, label in list(zip(rows["job_text"], rows["resume_text"], rows["label"]))[:30]:
        assert pool.fit[resume_texts.index(resume), job_texts.index(job)] == bool(label)


def test_livecareer_reader_drops_empty_texts_and_can_strip_the_headline(tmp_path):
    path = tmp_path / "resumes.parquet"
    pd.DataFrame({"resume_id": ["1", "2", "3", "4"], "category": ["CHEF", "HR", "CHEF", "HR"],
                  "pages": [1] * 4, "text": ["CHEF\nCooked.", "  ", "HR\nHired.", "HR\nPaid."],
                  "split": ["train", "train", "train", "dev"]}).to_parquet(path)
    splits = load_livecareer(DataConfig(source="livecareer", livecareer_path=str(path)))
    assert splits.dropped_empty == 1 and len(splits.train) == 2 and splits.dev.labels == [1]
    assert splits.train.categories == ["CHEF", "HR"]
    stripped = load_livecareer(DataConfig(source="livecareer", livecareer_path=str(path),
                                          drop_headline=True))
    assert stripped.train.texts == ["Cooked.", "Hired."]


def test_tfidf_baselines_separate_separable_categories():
    train = [f"{word} {word} work {i}" for i in range(6) for word in ("kitchen", "python")]
    labels = [0, 1] * 6
    reports = tfidf_baselines(train, labels, ["kitchen shift", "python code"], [0, 1], ["chef", "dev"])
    assert set(reports) == {"tfidf+linear_svc", "tfidf+logreg"}
    assert all(r["accuracy"] == 1.0 for r in reports.values())
    assert np.isnan(reports["tfidf+linear_svc"]["ece"])
