"""The bi-encoder head on the frozen encoder: it learns from labelled pairs, its gate never lets a
worse head replace a better one, recruiters' decisions are read strictly, and the model folder it
writes scores through the jobs' forward pass with its fit probability beside it."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.eval.calibration import read_folder_calibration
from recruit_core.model.forward import TextEncoder, load_scoring_model, model_fingerprint
from recruit_core.train.decisions import decision_labels, read_decisions
from recruit_core.train.embed_head import HeadSettings, LabelledPairs, fit_head, precision_at_k


def hidden_categories(seed: int = 0, jobs: int = 60, resumes: int = 400, hidden: int = 16):
    """Pairs whose relevance is a category carried by a few dimensions that noise in the other
    dimensions drowns out for the plain cosine: a linear head can find them, the identity cannot."""
    rng = np.random.default_rng(seed)
    categories = 4
    centres = np.zeros((categories, hidden), np.float32)
    centres[np.arange(categories), np.arange(categories)] = 1.0
    job_cat, resume_cat = rng.integers(categories, size=jobs), rng.integers(categories, size=resumes)
    spread = np.full(hidden, 2.0, np.float32)
    spread[:categories] = 0.3  # the category dimensions are quiet, the others loud
    noise = lambda n: (rng.normal(0, 1.0, (n, hidden)) * spread).astype(np.float32)  # noqa: E731
    job_vectors = centres[job_cat] + noise(jobs)
    resume_vectors = centres[resume_cat] + noise(resumes)
    relevant = job_cat[:, None] == resume_cat[None, :]
    return LabelledPairs(job_vectors, resume_vectors, relevant, np.arange(jobs) % 4 == 0,
                         np.arange(resumes) % 4 == 0)


SETTINGS = HeadSettings(steps=200, lr=0.05, batch_jobs=16, hard=8, temperature=0.1,
                        identity_decay=1e-4, eval_every=20)


def test_head_learns_what_the_plain_cosine_misses():
    result = fit_head(hidden_categories(), SETTINGS)
    assert result.dev_before < 0.5
    assert result.improves and result.dev_after > result.dev_before + 0.2


def test_a_head_never_replaces_a_better_one():
    """From a good head, training on shuffled labels keeps the good head: dev never drops."""
    pairs = hidden_categories()
    good = fit_head(pairs, SETTINGS)
    rng = np.random.default_rng(1)
    noisy = LabelledPairs(pairs.jobs, pairs.resumes, rng.permutation(pairs.relevant.ravel())
                          .reshape(pairs.relevant.shape), pairs.job_dev, pairs.resume_dev)
    noisy_start = fit_head(noisy, SETTINGS, init=(good.weight, good.bias))
    assert noisy_start.dev_after >= noisy_start.dev_before
    if not noisy_start.improves:
        assert torch.equal(noisy_start.weight, good.weight)


def test_precision_at_k_counts_relevant_in_the_first_k():
    scores = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.3]])
    relevant = np.array([[True, False, False], [False, False, False]])
    assert precision_at_k(scores, relevant, 2) == 0.5  # the second job has none: left out


def _decisions(tmp_path, rows):
    path = tmp_path / "decisions.csv"
    pd.DataFrame(rows, columns=["job_id", "resume_id", "decision", "decided_at", "decided_by"]
                 ).to_csv(path, index=False)
    return path


def test_decisions_latest_wins_and_rejections_are_negatives(tmp_path):
    path = _decisions(tmp_path, [("j1", "r1", "rejected", "2026-01-01", "ana"),
                                 ("j1", "r1", "advanced", "2026-01-03", "ana"),
                                 ("j1", "r2", "Rejected", "2026-01-02", "bo"),
                                 ("j2", "r2", "hired", "2026-01-05", "bo")])
    labels = decision_labels(read_decisions(path), ["j0", "j1", "j2"], ["r1", "r2"], "the data")
    assert labels.job_ids == ["j1", "j2"]
    assert labels.labels.tolist() == [[1, -1], [0, 1]]


@pytest.mark.parametrize("rows, message", [
    ([("j1", "r1", "maybe", "2026-01-01", "ana")], "row 0 has decision 'maybe'"),
    ([("j9", "r1", "advanced", "2026-01-01", "ana")], "job_id.*'j9'"),
])
def test_bad_decisions_are_named(tmp_path, rows, message):
    with pytest.raises(ValueError, match=message):
        decision_labels(read_decisions(_decisions(tmp_path, rows)), ["j1"], ["r1"], "the data")


def test_decisions_without_a_column_fail(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"job_id": ["j1"], "resume_id": ["r1"], "decision": ["hired"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="decided_at"):
        read_decisions(path)


def test_the_train_job_keeps_the_best_candidate_on_dev_with_its_calibration(smoke_config):
    from recruit_core.train.embed_head_job import train_head
    cfg = smoke_config("train=biencoder", "train.frozen_encoder=true", "train.hard_negatives=true",
                       "train.head_steps=40", "train.head_lr=0.01")
    write_resume_shard(cfg.data, 0)
    write_jobs(cfg.data)
    result = train_head(cfg)
    gate = json.loads(open(result["eval"]).read())["gate"]
    dev = {k.removeprefix("dev_p@10 "): v for k, v in gate.items() if k.startswith("dev_p@10 ")}
    assert set(dev) == {"pretrained encoder", "new embedding head", "new fit towers"}
    assert dev[gate["kept"]] == max(dev.values())
    assert read_folder_calibration(result["model"]) is not None


def test_fit_towers_run_in_the_jobs_forward_pass(smoke_config, tmp_path):
    """A towers model saved and loaded: resumes become category distributions, jobs per-category
    chances, each text's bits its own, and the fingerprint names the towers."""
    from recruit_core.model.encoder import load_encoder
    from recruit_core.train.embed_head_job import candidate_model
    from recruit_core.train.fit_towers import Towers
    cfg = smoke_config()
    tokenizer, encoder, _ = load_encoder(cfg.model)
    rng = np.random.default_rng(0)
    hidden, categories = encoder.config.hidden_size, ["nurse", "engineer", "accountant"]
    towers = Towers(*(rng.normal(size=shape) for shape in ((3, hidden), 3, (3, hidden), 3)), 1.0, 1.0, 0.0)
    folder = candidate_model(encoder, towers=towers, categories=categories).save(tmp_path / "m", tokenizer,
                                                                               {"task": "biencoder"})
    scoring = load_scoring_model(str(folder), cfg.model)
    text = TextEncoder(scoring, cfg.model)
    texts = ["Senior data engineer: Spark, Airflow and SQL.", "Registered nurse, ICU, 6 years."]
    resumes, jobs = text.embed_texts(texts, side="resume"), text.embed_texts(texts, side="job")
    assert resumes.shape == (2, 3) and np.allclose(resumes.sum(1), 1.0, atol=1e-5)
    assert ((jobs > 0) & (jobs < 1)).all() and not np.allclose(jobs.sum(1), 1.0)
    assert np.array_equal(text.embed_texts(texts[1:], side="resume")[0], resumes[1])
    plain = candidate_model(encoder).save(tmp_path / "plain", tokenizer, {"task": "biencoder"})
    assert model_fingerprint(str(folder), cfg.model) != model_fingerprint(str(plain), cfg.model)


def test_a_classifier_and_a_bi_encoder_on_one_frozen_encoder_share_one_folder(smoke_config, tmp_path):
    from recruit_core.model.encoder import load_encoder
    from recruit_core.model.recruit import RecruitModel
    from recruit_core.train.combine import combine
    from recruit_core.train.embed_head_job import candidate_model
    from recruit_core.train.fit_towers import Towers
    cfg = smoke_config()
    tokenizer, encoder, _ = load_encoder(cfg.model)
    hidden = encoder.config.hidden_size
    classifier = RecruitModel(encoder, ["nurse", "engineer"]).save(tmp_path / "c", tokenizer, {"task": "classify"})
    rng = np.random.default_rng(1)
    towers = Towers(*(rng.normal(size=shape) for shape in ((2, hidden), 2, (2, hidden), 2)), 1.0, 1.0, 0.0)
    bi = candidate_model(encoder, towers=towers, categories=["a", "b"]).save(tmp_path / "b", tokenizer,
                                                                            {"task": "biencoder"})
    (bi / "calibration.json").write_text('{"method": "platt", "slope": 5.0, "intercept": -2.0}')
    folder = combine(classifier, bi, tmp_path / "both")
    model, _, _ = RecruitModel.load(folder)
    assert model.categories == ["nurse", "engineer"] and model.fit_categories == ["a", "b"]
    assert read_folder_calibration(folder).slope == 5.0
    other_tokenizer, other, _ = load_encoder(smoke_config("model.tiny.seed=7").model)
    moved = RecruitModel(other, ["nurse"]).save(tmp_path / "o", other_tokenizer, {"task": "classify"})
    assert combine(moved, bi, tmp_path / "none") is None
