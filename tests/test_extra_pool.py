"""A synthetic pool as extra training data for the bi-encoder on the real postings
(`train.extra_pool`): its pairs join the embedding head's fit side only, so the dev pairs that
choose the head's step and the kept model are the real ones, as without it; the fit towers never see
a synthetic row; the pool is redacted like any resume and named in eval.json and the model card."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.train.examples import read_pool

CATEGORIES = {"ACCOUNTANT": "ledger invoices reconciliation audit tax payroll",
              "CHEF": "kitchen menu knife sauces pastry plating",
              "TEACHER": "classroom lesson curriculum pupils grading literacy"}


@pytest.fixture
def postings_config(smoke_config, tmp_path):
    """data=postings on made-up postings and livecareer resumes, plus a 40-resume synthetic pool."""
    postings, resumes = [], []
    for i in range(40):
        category = sorted(CATEGORIES)[i % 3]
        postings.append({"job_id": f"GD{i:04d}", "company": "Google", "title": f"{category.title()} {i}",
                         "category": category, "location": "X", "responsibilities": CATEGORIES[category],
                         "minimum_qualifications": f"{i} years", "preferred_qualifications": "",
                         "relevant_livecareer_categories": [category]})
    for category, words in CATEGORIES.items():
        for i in range(24):
            resumes.append({"resume_id": f"{category}-{i}", "category": category, "pages": 1,
                            "text": f"{category.title()}\n{words} {i}", "split": "dev" if i < 4 else "train"})
    pd.DataFrame(postings).to_parquet(tmp_path / "postings.parquet")
    pd.DataFrame(resumes).to_parquet(tmp_path / "resumes.parquet")
    pool = DataConfig(dir=str(tmp_path / "pool"), n_resumes=40, n_jobs=6, shard_rows=40)
    write_resume_shard(pool, 0)
    write_jobs(pool)

    def build(*extra: str):
        return smoke_config("data=postings", "train=biencoder", "train.head_steps=20",
                            f"data.postings_path={tmp_path / 'postings.parquet'}",
                            f"data.livecareer_path={tmp_path / 'resumes.parquet'}", *extra)
    build.pool = pool
    return build


def test_the_pool_joins_the_fit_side_only_and_is_redacted(postings_config):
    from recruit_core.train.embed_head_job import labelled_texts
    real = labelled_texts(postings_config())
    both = labelled_texts(postings_config(f"train.extra_pool={postings_config.pool.dir}"))
    truth = read_pool(postings_config.pool, load_taxonomy(postings_config.pool))
    jobs, resumes = real["relevant"].shape
    assert both["relevant"].shape == (jobs + 6, resumes + 40)
    assert both["job_ids"][:jobs] == real["job_ids"] and both["resume_texts"][:resumes] == real["resume_texts"]
    assert np.array_equal(both["relevant"][:jobs, :resumes], real["relevant"])
    assert np.array_equal(both["relevant"][jobs:, resumes:], truth.fit.T) and truth.fit.any()
    assert not both["relevant"][:jobs, resumes:].any() and not both["relevant"][jobs:, :resumes].any()
    assert np.array_equal(both["job_dev"], np.concatenate([real["job_dev"], np.zeros(6, bool)]))
    assert np.array_equal(both["resume_dev"], np.concatenate([real["resume_dev"], np.zeros(40, bool)]))
    assert real["job_dev"].any() and real["resume_dev"].any()
    synthetic = both["resume_texts"][resumes:]
    assert not any("@" in text for text in synthetic) and any("[EMAIL]" in text for text in synthetic)
    assert len(both["resume_category"]) == resumes  # livecareer categories: the real resumes only


def test_dev_figures_are_the_real_pairs_and_the_towers_never_see_the_pool(postings_config, monkeypatch):
    """The same dev pairs with and without the pool: the pretrained cosine and the towers (fitted on
    the real rows only) score exactly as without it, and so does the calibration's dev set."""
    from recruit_core.train import embed_head_job
    seen = []
    fit_towers = embed_head_job.fit_towers
    monkeypatch.setattr(embed_head_job, "fit_towers",
                        lambda pairs, *rest: seen.append(pairs.relevant.shape) or fit_towers(pairs, *rest))
    runs = {}
    for name, extra in (("real", []), ("pool", [f"train.extra_pool={postings_config.pool.dir}"])):
        result = embed_head_job.train_head(postings_config(*extra, f"train.run_name={name}"))
        runs[name] = json.loads(Path(result["eval"]).read_text())
        runs[name]["card"] = (Path(result["model"]) / "README.md").read_text()
    real, pool = runs["real"], runs["pool"]
    assert seen[0] == seen[1]
    assert pool["dev"]["retrieval"]["dev_jobs"] == real["dev"]["retrieval"]["dev_jobs"] > 0
    assert pool["dev"]["retrieval"]["dev_resumes"] == real["dev"]["retrieval"]["dev_resumes"] > 0
    for gate in ("dev_p@10 pretrained encoder", "dev_p@10 new fit towers"):
        assert pool["gate"][gate] == real["gate"][gate]
    assert pool["towers"] == real["towers"]
    assert pool["head"]["curve"][0] == real["head"]["curve"][0]  # step 0: the identity, same dev pairs
    assert pool["fit_jobs"] == real["fit_jobs"] + 6 and pool["fit_resumes"] == real["fit_resumes"] + 40
    assert real["extra_pool"] is None
    assert pool["extra_pool"]["jobs"] == 6 and pool["extra_pool"]["resumes"] == 40
    assert postings_config.pool.dir in pool["data"] and "6 jobs x 40 resumes" in pool["data"]
    assert postings_config.pool.dir in pool["card"] and postings_config.pool.dir not in real["card"]


def test_a_pool_of_the_other_taxonomy_is_read_with_its_own(postings_config, tmp_path):
    from recruit_core.train.embed_head_job import extra_pool_data
    manifest = Path(postings_config.pool.dir) / "manifest.json"
    manifest.write_text(json.dumps({"taxonomy": "onet-29.2"}))
    cfg = postings_config(f"train.extra_pool={postings_config.pool.dir}")
    assert extra_pool_data(cfg).taxonomy == "onet"
    manifest.write_text(json.dumps({"taxonomy": "builtin"}))
    assert extra_pool_data(replace(cfg, data=replace(cfg.data, taxonomy="onet"))).taxonomy == "builtin"


@pytest.mark.parametrize("overrides", [["train=biencoder"], ["data=postings", "train=classify"],
                                       ["data=livecareer", "train=biencoder"]])
def test_an_extra_pool_outside_the_postings_bi_encoder_is_refused(overrides, tmp_path):
    from ray_jobs._entry import compose_config
    with pytest.raises(ValueError, match="train.extra_pool=.*use data=postings train=biencoder"):
        compose_config([*overrides, f"train.extra_pool={tmp_path}"])


def test_a_missing_pool_folder_is_named(postings_config, tmp_path):
    from recruit_core.train.embed_head_job import labelled_texts
    with pytest.raises(FileNotFoundError, match=r"train.extra_pool=.*nowhere: no such folder"):
        labelled_texts(postings_config(f"train.extra_pool={tmp_path / 'nowhere'}"))
