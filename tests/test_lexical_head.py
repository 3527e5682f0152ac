"""The lexical category head: stored without pickle and read back bit for bit, chosen by CV on train,
and used by the score job (in process and on Ray) for categories while the encoder embeds.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_lexical_head.py
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import compose_config
from test_probe import toy_resumes, write_toy_livecareer

from recruit_core.model.forward import model_fingerprint
from recruit_core.model.lexical import LEXICAL_ARRAYS, LEXICAL_FILE, Block, LexicalFeatures, LexicalHead
from recruit_core.score.scorer import ResumeScorer


def test_a_stored_head_gives_each_resume_the_bits_it_gives_alone(tmp_path):
    texts, labels = toy_resumes(6, seed=1)
    texts = [f"{['NURSE', 'DEVELOPER', 'ACCOUNTANT'][y]}\n{t}" for t, y in zip(texts, labels)]
    features = LexicalFeatures([Block("text", {"ngram_range": (1, 2), "min_df": 2}),
                                Block("headline", {"analyzer": "char_wb", "ngram_range": (2, 4)}, 0.5)])
    rows = features.fit_transform(texts)
    rng = np.random.default_rng(0)
    head = LexicalHead(features, ["a", "b", "c"], rng.normal(size=(3, rows.shape[1])).astype(np.float32)
                       .astype(np.float64), rng.normal(size=3).astype(np.float32).astype(np.float64), 1.7)
    folder = tmp_path
    head.save(folder)
    loaded = LexicalHead.load(folder)
    together = loaded.logits(texts)
    np.testing.assert_allclose(together, head.logits(texts), atol=1e-6)
    assert all(np.array_equal(loaded.logits([t])[0], together[i]) for i, t in enumerate(texts))
    assert loaded.logits([]).shape == (0, 3)
    settings = json.loads((folder / LEXICAL_FILE).read_text())
    assert settings["blocks"][1] == {"part": "headline", "weight": 0.5,
                                     "spec": {"analyzer": "char_wb", "ngram_range": [2, 4]}}
    with np.load(folder / LEXICAL_ARRAYS, allow_pickle=False) as arrays:  # plain arrays, no pickle
        assert arrays["coef"].dtype == np.float32 and arrays["vocabulary_0"].dtype.kind == "U"
    data = bytearray((folder / LEXICAL_ARRAYS).read_bytes())
    data[-10] ^= 0xFF
    (folder / LEXICAL_ARRAYS).write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256 differs"):
        LexicalHead.load(folder)


def test_the_names_block_marks_each_category_name_a_text_mentions_and_reads_back(tmp_path):
    from recruit_core.eval.screening_study import category_terms, names_block
    categories = ["BUSINESS-DEVELOPMENT", "seo_specialist", "HR", "BPO"]
    assert category_terms(categories) == ("bpo", "business development", "hr", "seo specialist")
    block = names_block(categories)
    texts = ["Led business-development for a BPO.\nHR liaison; HR budget.",
             "SEO specialist", "Accountant for a bakery", "seo specialist and bpo lead"]
    rows = block.fit_transform(texts).toarray()
    columns = {term: i for i, term in enumerate(block.vectorizer.get_feature_names_out())}
    mentioned = [{term for term, i in columns.items() if row[i] > 0} for row in rows]
    assert mentioned == [{"business development", "bpo", "hr"}, {"seo specialist"}, set(),
                         {"seo specialist", "bpo"}]
    once, thrice = block.transform(["HR lead", "HR lead, HR budget, HR"]).toarray()
    np.testing.assert_array_equal(once, thrice)  # binary: a name counts once however often
    features = LexicalFeatures([Block("text", {"ngram_range": (1, 1)}), block])
    head_rows = features.fit_transform(texts)
    head = LexicalHead(features, categories, np.ones((4, head_rows.shape[1])), np.zeros(4), 1.0)
    head.save(tmp_path)
    loaded = LexicalHead.load(tmp_path)
    np.testing.assert_array_equal(loaded.logits(texts), head.logits(texts))
    assert json.loads((tmp_path / LEXICAL_FILE).read_text())["blocks"][1]["terms"] == list(
        category_terms(categories))


@pytest.fixture(scope="module")
def lexical_run(tmp_path_factory):
    from recruit_core.train.job_ray import run
    root = tmp_path_factory.mktemp("lexical")
    data = root / "resumes.parquet"
    write_toy_livecareer(data)
    cfg = compose_config(["experiment=smoke", "data=livecareer", f"data.livecareer_path={data}",
                          "train.task=lexical", f"output_root={root}", "train.run_name=lexical"])
    return cfg, run(cfg), pd.read_parquet(data).query("split == 'dev'")


def test_lexical_task_writes_a_folder_whose_categories_the_score_job_takes(lexical_run):
    cfg, result, dev = lexical_run
    folder = Path(result["model"])
    meta = json.loads((folder / "recruit.json").read_text())
    assert (meta["task"], meta["trainer"]) == ("classify", "lexical")
    assert meta["lexical"]["family"] in ("logreg", "linear_svc")
    assert "lexical category head" in (folder / "README.md").read_text()
    scorer = ResumeScorer.from_config(replace(cfg.score, model_path=str(folder)), cfg.model, cfg.data)
    assert scorer.lexical is not None
    scored = scorer.score_table({"resume_id": dev["resume_id"].tolist(), "text": dev["text"].tolist()})
    top1 = float(np.mean(np.array(scored.column("category_1").to_pylist()) == dev["category"].to_numpy()))
    assert top1 >= 0.8, f"top-1 {top1} on a separable set (chance 0.33)"
    evaluation = json.loads(Path(result["eval"]).read_text())
    assert abs(evaluation["dev"]["lexical"]["accuracy"] - top1) < 1e-9
    assert evaluation["training"]["cv_macro_f1"] and evaluation["training"]["scales"]["names_weight"]
    # the encoder still embeds: the embedding does not come from the lexical head
    with_vectors = ResumeScorer.from_config(replace(cfg.score, model_path=str(folder), write_embeddings=True),
                                            cfg.model, cfg.data)
    vectors = with_vectors.score_table({"resume_id": ["x"], "text": [dev["text"].iloc[0]]})
    assert len(vectors.column("embedding")[0]) > 0
    # the lexical head is part of the model's identity: without it the fingerprint differs
    fingerprint = model_fingerprint(str(folder), cfg.model)
    (folder / LEXICAL_FILE).rename(folder / "moved.json")
    try:
        assert model_fingerprint(str(folder), cfg.model) != fingerprint
    finally:
        (folder / "moved.json").rename(folder / LEXICAL_FILE)


def test_from_the_model_in_use_the_folder_keeps_its_encoder_heads_and_fit_probability(lexical_run):
    from recruit_core.eval.calibration import CALIBRATION_FILE
    from recruit_core.model.recruit import RecruitModel
    from recruit_core.train.job_ray import run
    cfg, result, _ = lexical_run
    previous = Path(result["model"])
    (previous / CALIBRATION_FILE).write_text(json.dumps({"method": "platt", "slope": 5.0, "intercept": -2.0}))
    again = run(replace(cfg, train=replace(cfg.train, init_from=str(previous), run_name="lexical-again")))
    folder = Path(again["model"])
    assert (folder / CALIBRATION_FILE).read_text() == (previous / CALIBRATION_FILE).read_text()
    old, _, _ = RecruitModel.load(previous)
    new, _, meta = RecruitModel.load(folder)
    assert meta["init_from"] == str(previous)
    assert all(torch_equal(a, b) for a, b in zip(old.encoder.state_dict().values(),
                                                 new.encoder.state_dict().values()))


def torch_equal(a, b) -> bool:
    import torch
    return torch.equal(a, b)


@pytest.mark.ray
@pytest.mark.parametrize("tokenize_in_actor", ["false", "true"])
def test_on_ray_each_resume_gets_the_categories_it_gets_in_process(ray_local, lexical_run, tmp_path,
                                                                   tokenize_in_actor):
    from recruit_core.score import job_ray as score
    cfg, result, dev = lexical_run
    inputs = tmp_path / "resumes"
    inputs.mkdir()
    pq.write_table(pq.read_table(Path(cfg.data.livecareer_path)).select(["resume_id", "text"]),
                   inputs / "part.parquet", row_group_size=4)
    run_cfg = compose_config(["experiment=smoke", f"inputs.resumes={inputs}", "inputs.jobs=",
                              f"score.output_dir={tmp_path / 'out'}", f"score.model_path={result['model']}",
                              "score.batch_size=4", f"score.tokenize_in_actor={tokenize_in_actor}"])
    score.run(run_cfg)
    ray_rows = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "out").glob("*/*.parquet"))
                          if "quarantine" not in str(p)])
    scorer = ResumeScorer.from_config(run_cfg.score, run_cfg.model, run_cfg.data)
    texts = pd.read_parquet(inputs / "part.parquet")
    alone = scorer.score_table({"resume_id": texts["resume_id"].tolist(), "text": texts["text"].tolist()})
    expected = alone.to_pandas().set_index("resume_id")
    got = ray_rows.set_index("resume_id").loc[expected.index]
    assert len(got) == len(texts) == 51
    assert (got["category_1"] == expected["category_1"]).all()
    assert np.array_equal(got["p_1"].to_numpy(), expected["p_1"].to_numpy())
