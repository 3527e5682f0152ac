"""The cross-encoder on the real postings' labelled pairs, with made-up postings and resumes files:
rows only from the training half and the train resumes, dev pairs that share no posting or resume
with training, hard negatives that are the pretrained cosine's near-misses, refusals that name the
way out, and the job end to end on Ray writing its gate and feeding the benchmark's rerank row."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_postings import CATEGORIES, _postings_file

from recruit_core.data.postings import load_postings
from recruit_core.privacy.redact import redact_column
from recruit_core.train.embed_head import in_dev
from recruit_core.train.posting_pairs import sample_pairs


def _resumes_file(tmp_path, per_category=16, dev_per_category=4):
    rows = []
    for category, words in CATEGORIES.items():
        for i in range(per_category + dev_per_category):
            rows.append({"resume_id": f"{category}-{i}", "category": category, "pages": 1,
                         "text": f"{category.title()}\n{words} item {i}",
                         "split": "dev" if i >= per_category else "train"})
    path = tmp_path / "resumes.parquet"
    pd.DataFrame(rows).to_parquet(path)
    return path, pd.DataFrame(rows)


@pytest.fixture
def postings_cross(smoke_config, tmp_path):
    """A cross-encoder config on made-up postings and resumes, and the files' own tables."""
    resumes_path, resumes = _resumes_file(tmp_path)
    postings_path = _postings_file(tmp_path)
    cfg = smoke_config("data=postings", "train=crossencoder", f"data.livecareer_path={resumes_path}",
                       f"data.postings_path={postings_path}", "train.n_train_pairs=64")
    return cfg, postings_path, resumes


def test_pairs_are_half_relevant_and_hard_negatives_are_the_cosines_near_misses():
    rng = np.random.default_rng(0)
    relevant = rng.random((10, 60)) < 0.3
    cosine = rng.normal(size=(10, 60))
    sample = sample_pairs(relevant, cosine, 200, hard_pool=3, seed=0)
    assert sample.labels.tolist() == relevant[sample.jobs, sample.resumes].astype(float).tolist()
    assert sample.labels.sum() == 100 and sample.hard.sum() == 50
    positives = list(zip(sample.jobs[:100].tolist(), sample.resumes[:100].tolist()))
    assert len(set(positives)) == 100  # 180-odd relevant pairs: no repeats needed
    for job, resume, label, hard in zip(sample.jobs, sample.resumes, sample.labels, sample.hard):
        non_relevant = [r for r in range(60) if not relevant[job, r]]
        near_misses = sorted(non_relevant, key=lambda r: -cosine[job, r])[:3]
        if hard:
            assert label == 0 and resume in near_misses
    random_negatives = ~sample.hard & (sample.labels == 0)
    assert random_negatives.sum() == 50
    assert not relevant[sample.jobs[random_negatives], sample.resumes[random_negatives]].any()
    outside = [r not in sorted(np.flatnonzero(~relevant[j]), key=lambda x: -cosine[j, x])[:3]
               for j, r in zip(sample.jobs[random_negatives], sample.resumes[random_negatives])]
    assert sum(outside) > 25  # random negatives are not the hard ones again
    # each negative belongs to a posting of a relevant row: every posting meets both labels
    assert set(sample.jobs[sample.labels == 0].tolist()) <= set(sample.jobs[:100].tolist())


def test_rows_come_from_the_training_half_and_dev_pairs_are_unseen(postings_cross):
    from recruit_core.train.posting_pairs import posting_task_data
    cfg, postings_path, resumes = postings_cross
    train_half = load_postings(postings_path, "train")
    eval_half = load_postings(postings_path, "eval")
    posting_of = {}  # the same posting in two locations counts once, under its smallest job_id
    for text, job_id, rel in zip(train_half.texts, train_half.job_ids, train_half.relevant):
        posting_of.setdefault(text, (job_id, rel))
    redacted = redact_column(resumes["text"].tolist(), cfg.privacy)
    resume_of = {text: row for text, row in zip(redacted, resumes.itertuples())}
    # the fixture's one posting listed twice has its two job ids on the two sides of the hash
    assert in_dev("GD0000", "job") != in_dev("GD9999", "job") and "GD9999" in train_half.job_ids
    data = posting_task_data(cfg)
    seen = {}
    for part, rows in data["rows"].items():
        assert not set(rows["job_text"]) & set(eval_half.texts)
        jobs = [posting_of[text] for text in rows["job_text"]]
        people = [resume_of[text] for text in rows["resume_text"]]
        assert {person.split for person in people} == {"train"}  # never a dev resume
        assert {in_dev(job_id, "job") for job_id, _ in jobs} == {part == "dev"}
        assert {in_dev(person.resume_id, "resume") for person in people} == {part == "dev"}
        assert rows["label"] == [float(person.category in rel) for (_, rel), person in zip(jobs, people)]
        assert sum(rows["label"]) == len(rows["label"]) // 2
        seen[part] = ({job_id for job_id, _ in jobs}, {person.resume_id for person in people})
    assert len(data["rows"]["train"]["label"]) == 64 and len(data["rows"]["dev"]["label"]) == 16
    assert not seen["train"][0] & seen["dev"][0] and not seen["train"][1] & seen["dev"][1]
    gate = data["dev_rerank"]
    assert sorted(posting_of[text][0] for text in gate.job_texts) == sorted(
        job_id for job_id, _ in posting_of.values() if in_dev(job_id, "job"))
    assert [len(c) for c in gate.candidates] == [min(20, len(gate.resume_texts))] * len(gate.job_texts)
    first = np.argsort(-gate.baseline, axis=1, kind="stable")[:, 0]
    assert [c[0] for c in gate.candidates] == first.tolist()


def test_with_the_bi_encoder_in_use_the_gate_reranks_its_shortlist(postings_cross):
    import torch

    from recruit_core.model.encoder import load_encoder
    from recruit_core.train.embed_head_job import candidate_model
    from recruit_core.train.gates import write_reranker_gate
    from recruit_core.train.posting_pairs import posting_task_data
    cfg, _, _ = postings_cross
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    generator = torch.Generator().manual_seed(0)
    dim = encoder.config.hidden_size
    head = (torch.randn(dim, dim, generator=generator), torch.zeros(dim))  # a bi-encoder in use
    bi = {"model": str(candidate_model(encoder, head=head).save(
        Path(cfg.output_root) / "bi" / "model", tokenizer,
        {"task": "biencoder", "frozen_encoder": True, "base_fingerprint": fingerprint}))}
    pretrained = posting_task_data(cfg)
    in_use = posting_task_data(replace(cfg, train=replace(cfg.train, init_from=bi["model"])))
    assert in_use["rows"] == pretrained["rows"]  # the training pairs do not depend on it
    gate, before = in_use["dev_rerank"], pretrained["dev_rerank"]
    assert gate.job_texts == before.job_texts and gate.resume_texts == before.resume_texts
    assert gate.baseline_name == f"bi-encoder in use ({bi['model']})"
    assert before.baseline_name == "pretrained bi-encoder"
    assert not np.allclose(gate.baseline, before.baseline)
    order = np.argsort(-gate.baseline, axis=1, kind="stable")[:, :20]
    assert [c.tolist() for c in gate.candidates] == order.tolist()
    verdict = write_reranker_gate(Path(bi["model"]).parent / "cross", {
        "reranking": {"ndcg@10": 0.7}, "bi_encoder_order": {"ndcg@10": 0.6, "name": gate.baseline_name}})
    assert verdict["baseline_name"] == f"bi-encoder in use ({bi['model']}) order of the same candidates"


@pytest.mark.parametrize("task", ["classify", "probe", "distill"])
def test_postings_refuse_tasks_without_pair_labels(smoke_config, task):
    from recruit_core.train import job_ray
    cfg = smoke_config("data=postings", f"train.task={task}")
    with pytest.raises(ValueError, match="use train=biencoder or train=crossencoder, not "
                                         f"train.task={task}"):
        job_ray.run(cfg)


@pytest.mark.ray
@pytest.mark.slow
def test_the_job_trains_writes_its_gate_and_reranks_the_benchmark(ray_local, postings_cross):
    from recruit_core.eval.postings import evaluate_postings
    from recruit_core.train import job_ray
    from recruit_core.train.embed_head_job import train_head
    from recruit_core.train.gates import rerank_decision
    cfg, postings_path, resumes = postings_cross
    result = job_ray.run(cfg)
    model = Path(result["model"])
    gate = json.loads((model / "gate.json").read_text())
    figures = json.loads(Path(result["eval"]).read_text())
    reranking, order = figures["dev"]["reranking"], figures["dev"]["bi_encoder_order"]
    assert gate == {"stage": "crossencoder", "metric": "dev ndcg@10", "this_model": reranking["ndcg@10"],
                    "baseline": order["ndcg@10"],
                    "baseline_name": "pretrained bi-encoder order of the same candidates",
                    "passed": reranking["ndcg@10"] > order["ndcg@10"]}
    train_half = load_postings(postings_path, "train")
    first_ids = {text: job_id for text, job_id in reversed(list(zip(train_half.texts, train_half.job_ids)))}
    dev_postings = [j for j in first_ids.values() if in_dev(j, "job")]
    dev_resumes = sum(in_dev(r, "resume") for r in resumes[resumes["split"] == "train"]["resume_id"])
    assert reranking["pairs"] == len(dev_postings) * min(20, dev_resumes)
    assert figures["train_rows"] == 64 and "training half only" in (model / "README.md").read_text()
    assert rerank_decision(str(model))[0] == gate["passed"]

    bi = train_head(replace(cfg, train=replace(cfg.train, task="biencoder", run_name="bi", head_steps=20)))
    report = evaluate_postings(replace(cfg, eval=replace(cfg.eval, model_path=bi["model"],
                                                         crossencoder_path=str(model), rerank_top=5)))
    methods = [row["method"] for row in report["rows"]]
    assert methods[-2].startswith("bi-encoder model (") and \
        methods[-1] == "bi-encoder model + rerank model (top 5)"
