"""Model cards: the Hugging Face layout, the run's own figures, and the bias audit's section."""
from __future__ import annotations

from conftest import compose_config
from huggingface_hub import ModelCard

from recruit_core.audit.report import update_model_card
from recruit_core.train.card import AUDIT_HEADING, render_card, replace_section, write_model_card

FIGURES = {"run_name": "r1", "train_rows": 96, "dev_rows": 24, "training": {"final_step": 18},
           "best_checkpoint_metrics": {"dev_ndcg@10": 0.5},
           "dev": {"retrieval": {"recall@1": 0.125, "recall@5": 0.4375, "recall@10": 0.75,
                                 "ndcg@10": 0.3821, "queries": 24}}}


def test_card_has_the_hub_metadata_and_the_figures_it_was_given():
    cfg = compose_config(["train=biencoder", "model=minilm"])
    card = ModelCard(render_card(cfg, FIGURES))
    assert card.data.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert card.data.pipeline_tag == "sentence-similarity" and card.data.datasets == ["recruit-synthetic"]
    assert "| this model | 0.1250 | 0.4375 | 0.7500 | 0.3821 | 24 |" in card.text
    assert "18 steps" in card.text and "human reviewer" in card.text


def test_an_audit_replaces_the_cards_bias_section_and_keeps_the_rest(tmp_path):
    write_model_card(tmp_path, compose_config(["train=biencoder"]), FIGURES)
    before = (tmp_path / "README.md").read_text()
    report = {"source": {"scores": "out/scores", "job": "score", "run_id": "x1",
                         "recommended": "jobs_above_threshold >= 1"},
              "candidates": 10, "settings": {"four_fifths": 0.8},
              "tables": {"selection": {"sex": [{"group": "Female", "four_fifths_flag": True,
                                               "beyond_noise": True, "impact_ratio": 0.5,
                                               "impact_ratio_ci": [0.3, 0.7], "count": 5}]}}}
    update_model_card(tmp_path, report)
    update_model_card(tmp_path, report)  # a second audit replaces the first, it does not pile up
    after = (tmp_path / "README.md").read_text()
    assert after.count(AUDIT_HEADING) == 1 and after.count("Female impact ratio 0.500") == 1
    assert "No bias audit of this model yet" not in after
    assert after.split(AUDIT_HEADING)[0] == before.split(AUDIT_HEADING)[0]
    assert ModelCard(after).data.license == "apache-2.0"


def test_a_section_missing_from_a_card_is_appended():
    assert replace_section("# card\n", "## Bias audit", "found nothing") == \
        "# card\n\n## Bias audit\n\nfound nothing\n"
