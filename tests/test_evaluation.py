"""Evaluation logic on tiny data and a tiny model: metrics in range, baselines that mean something,
and the analytic FLOP count that every MFU figure rests on."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import BertConfig, BertModel

from recruit_core.eval.evaluate import evaluate
from recruit_core.model.encoder import load_encoder
from recruit_core.model.flops import encoder_flops_per_window, train_flops_per_window
from recruit_core.model.recruit import RecruitModel

# Three categories with disjoint working vocabularies: a text classifier that reads must separate them.
VOCABULARY = {
    "ACCOUNTANT": "ledger invoices reconciliation audit tax payroll accruals balance sheet",
    "CHEF": "kitchen menu knife sauces pastry brigade plating food safety",
    "TEACHER": "classroom lesson plans curriculum pupils grading parents literacy",
}


def _in_unit_range(value: float) -> bool:
    return 0.0 <= value <= 1.0


@pytest.mark.parametrize("seq_len", [8, 40])
def test_encoder_flops_match_torch_flop_counter(seq_len):
    # Eager attention: the flop counter sees its two bmm products (CPU SDPA kernels go uncounted).
    config = BertConfig(vocab_size=100, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=96, attn_implementation="eager")
    encoder = BertModel(config, add_pooling_layer=False).eval()
    ids = torch.randint(0, 100, (3, seq_len))
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        encoder(input_ids=ids, attention_mask=torch.ones_like(ids))
    assert counter.get_total_flops() == 3 * encoder_flops_per_window(config, seq_len)
    assert train_flops_per_window(config, seq_len) == 3 * encoder_flops_per_window(config, seq_len)


def test_synthetic_report_has_every_metric_and_tfidf_beats_random(smoke_config):
    from recruit_core.eval import job as evaluate_job

    cfg = smoke_config("data=synthetic")
    report = evaluate_job.run(cfg)
    rows = {row["method"].split(" ")[0]: row for row in report["rows"]}
    assert set(rows) == {"pretrained", "tfidf", "random"}
    for row in rows.values():
        for metric in ("auc", "auc_same_family", "recall@10", "ndcg@10"):
            assert _in_unit_range(row[metric]), (row["method"], metric, row[metric])
        assert row["pairs"] == cfg.data.n_resumes * cfg.data.n_jobs
    assert rows["tfidf"]["auc"] > rows["random"]["auc"] + 0.2
    assert rows["tfidf"]["ndcg@10"] > rows["random"]["ndcg@10"]
    written = json.loads(open(report["report_json"]).read())
    assert written["rows"][1]["method"] == "tfidf cosine"
    assert "| tfidf cosine |" in open(report["report_md"]).read()
    assert report["report_md"] == f"{cfg.output_root}/eval/synthetic/report.md"


@pytest.fixture
def livecareer_like(tmp_path):
    """A livecareer-shaped Parquet file: headline title first, 14 train and 6 dev per category."""
    rows = []
    for category, words in VOCABULARY.items():
        vocabulary = words.split()
        for i in range(20):
            body = " ".join(vocabulary[(i + j) % len(vocabulary)] for j in range(30))
            rows.append({"resume_id": f"{category}-{i}", "category": category, "pages": 1,
                         "text": f"{category.title()}\nSummary of work {i}\n{body}",
                         "split": "train" if i < 14 else "dev"})
    path = tmp_path / "resumes.parquet"
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_livecareer_probe_and_baselines_on_the_dev_split(smoke_config, livecareer_like):
    report = evaluate(smoke_config("data=livecareer", f"data.livecareer_path={livecareer_like}"))
    rows = {row["method"]: row for row in report["rows"]}
    assert {"tfidf+linear_svc", "tfidf+logreg"} <= set(rows)
    probe = report["rows"][0]
    assert "logreg probe" in probe["method"] and probe["n"] == 18
    for row in report["rows"]:
        assert _in_unit_range(row["accuracy"]) and _in_unit_range(row["macro_f1"])
        assert math.isnan(row["ece"]) or _in_unit_range(row["ece"])
    assert rows["tfidf+logreg"]["accuracy"] > 0.9  # disjoint vocabularies: reading is enough


def test_livecareer_with_a_trained_folder_uses_its_category_head(smoke_config, livecareer_like, tmp_path):
    cfg = smoke_config("data=livecareer", f"data.livecareer_path={livecareer_like}")
    tokenizer, encoder, _ = load_encoder(cfg.model)
    folder = RecruitModel(encoder, sorted(VOCABULARY)).save(tmp_path / "model", tokenizer,
                                                            {"task": "classify"})
    cfg.eval.model_path = str(folder)
    report = evaluate(cfg)
    tuned = report["rows"][0]
    assert tuned["method"] == "fine-tuned (model)" and tuned["n"] == 18
    assert _in_unit_range(tuned["accuracy"]) and _in_unit_range(tuned["ece"])

    RecruitModel(encoder, ["ACCOUNTANT", "CHEF"]).save(tmp_path / "partial", tokenizer)
    cfg.eval.model_path = str(tmp_path / "partial")
    with pytest.raises(ValueError, match="TEACHER"):
        evaluate(cfg)


def test_livecareer_evaluation_writes_dev_predictions_the_report_draws(smoke_config, livecareer_like):
    from recruit_core.eval import job as evaluate_job
    from recruit_core.eval.predictions import read_predictions
    from recruit_core.report.build import write_report

    cfg = smoke_config("data=livecareer", f"data.livecareer_path={livecareer_like}")
    report = evaluate_job.run(cfg)
    written = json.loads(open(report["report_json"]).read())
    assert written["predictions_parquet"] == f"{cfg.output_root}/eval/livecareer/predictions.parquet"
    table = pd.read_parquet(written["predictions_parquet"])
    dev = pd.read_parquet(livecareer_like).query("split == 'dev'")
    assert sorted(table["resume_id"]) == sorted(dev["resume_id"])  # one row per dev resume
    truth = dict(zip(dev["resume_id"], dev["category"]))
    assert [truth[r] for r in table["resume_id"]] == table["category"].tolist()
    probs, labels, categories, method = read_predictions(written["predictions_parquet"])
    assert categories == sorted(VOCABULARY) and method == written["rows"][0]["method"]
    assert [categories[i] for i in probs.argmax(1)] == table["predicted"].tolist()
    assert table["p_predicted"].tolist() == pytest.approx(probs.max(1).tolist())
    assert probs.sum(1).tolist() == pytest.approx([1.0] * len(table), abs=1e-5)

    page = (write_report(Path(cfg.output_root)).parent / "models.html").read_text()
    assert 'alt="confusion matrix of dev predictions' in page
    assert 'alt="reliability diagram: accuracy per top-class probability bin"' in page
    assert f'<span class="ece">{written["rows"][0]["ece"]:.4f}</span>' in page
