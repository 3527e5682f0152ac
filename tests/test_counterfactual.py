"""Counterfactual invariance: the same resume under names and pronouns of other groups scores the
same once redacted, and the check catches the differences the names cause without redaction."""
from __future__ import annotations

import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table
from recruit_core.data.taxonomy import load_builtin
from recruit_core.privacy.counterfactual import GROUPS, build_scorer, make_variants, measure, violations
from recruit_core.privacy.planted import synthetic_bodies
from recruit_core.privacy.redact import redact


@pytest.fixture(scope="module")
def setting():
    cfg = compose_config(["experiment=smoke"])
    scorer = build_scorer(cfg, job_table(load_builtin(), 0, 12))
    return cfg, scorer, make_variants(synthetic_bodies(8, seed=0))


def test_variants_differ_only_in_names_pronouns_and_email():
    variants = make_variants(synthetic_bodies(2, seed=0))
    texts = [variants.texts[g][0] for g in GROUPS]
    assert len(set(texts)) == len(GROUPS)
    assert len({redact(t).text for t in texts}) == 1


def test_names_move_scores_without_redaction_and_the_check_says_so(setting):
    cfg, scorer, variants = setting
    report = measure(scorer, variants, redacted=False, top_n=3)
    assert report["max_abs_delta_fit"] > cfg.privacy.counterfactual_max_delta
    found = violations(report, cfg.privacy.counterfactual_max_delta)
    assert any(v.startswith("max_abs_delta_fit") for v in found), found


def test_redacted_variants_score_the_same_within_the_configured_bound(setting):
    cfg, scorer, variants = setting
    report = measure(scorer, variants, redacted=True, top_n=3, types=cfg.privacy.types)
    assert violations(report, cfg.privacy.counterfactual_max_delta) == []
    assert report["shortlist_places_changed"] == 0 and report["top_category_changed"] == 0


def test_leaving_pronouns_unredacted_is_caught(setting):
    cfg, scorer, variants = setting
    types = [t for t in cfg.privacy.types if t != "PRONOUN"]
    report = measure(scorer, variants, redacted=True, top_n=3, types=types)
    assert violations(report, cfg.privacy.counterfactual_max_delta), report
