"""Redaction where resume text enters the jobs: the score/match reader's batches, training examples,
and the provenance hash that keeps redacted and unredacted outputs apart (no Ray here)."""
from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.config import InputsConfig, ModelConfig, PrivacyConfig, ScoreConfig
from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.data.validate import validate_resumes
from recruit_core.privacy.redact import redact_resumes, redaction_totals
from recruit_core.score.scorer import result_config_hash

RESUME = "Jane Okafor\nData Analyst\njane@example.org | +44 20 7946 0958\n\nSQL, Python, Tableau"


def _validated() -> pa.Table:
    batch = pa.table({"resume_id": ["R1", "R2", "R3"], "text": [RESUME, "", None]})
    return validate_resumes(batch, "in.parquet", 0, 200_000)


def test_reader_batches_lose_personal_data_and_count_it():
    batch = redact_resumes(_validated(), PrivacyConfig())
    text, counts = batch.column("text").to_pylist(), batch.column("pii_redacted").to_pylist()
    assert text[0] == "[NAME]\nData Analyst\n[EMAIL] | [PHONE]\nSQL, Python, Tableau"
    assert (counts[0]["name"], counts[0]["email"], counts[0]["phone"]) == (1, 1, 1)
    assert text[1:] == [None, None] and counts[1:] == [None, None]  # quarantined rows
    assert batch.column("reason").to_pylist()[1:] == ["empty_text", "null_text"]


def test_reader_batches_keep_the_text_when_redaction_is_off():
    batch = redact_resumes(_validated(), PrivacyConfig(redact=False))
    assert batch.column("text").to_pylist()[0].startswith("Jane Okafor")
    assert batch.column("pii_redacted").null_count == 3


def test_redacted_and_unredacted_outputs_never_share_a_hash():
    inputs, score, model = InputsConfig(resumes="in", jobs="jobs"), ScoreConfig(), ModelConfig()
    on = result_config_hash(score, inputs, model, PrivacyConfig())
    off = result_config_hash(score, inputs, model, PrivacyConfig(redact=False))
    assert on != off and on == result_config_hash(score, inputs, model)  # on is the default
    fewer = PrivacyConfig(types=["EMAIL", "PHONE"])
    assert result_config_hash(score, inputs, model, fewer) not in (on, off)
    reordered = PrivacyConfig(types=["PHONE", "email"])
    assert result_config_hash(score, inputs, model, reordered) == result_config_hash(score, inputs, model, fewer)


def test_summary_totals_add_up_the_scores_files(tmp_path):
    counts = redact_resumes(_validated(), PrivacyConfig()).column("pii_redacted")
    for part in ("a", "b"):
        pq.write_table(pa.table({"resume_id": ["R1", "R2", "R3"], "pii_redacted": counts}),
                       tmp_path / f"{part}.parquet")
    totals = redaction_totals(tmp_path)
    assert totals["email"] == 2 and totals["name"] == 2 and totals["url"] == 0


def test_unknown_redaction_type_is_refused_before_any_job_starts():
    with pytest.raises(ValueError, match="privacy.types: unknown.*'SSN'"):
        compose_config(["experiment=smoke", "privacy.types=[EMAIL,SSN]"])


def _training_texts(tmp_path, redact: bool) -> list[str]:
    from recruit_core.train.job_ray import load_task_data
    cfg = compose_config(["experiment=smoke", f"output_root={tmp_path}", f"privacy.redact={redact}"])
    cfg = replace(cfg, data=replace(cfg.data, n_resumes=60, shard_rows=60))
    write_resume_shard(cfg.data, 0)
    write_jobs(cfg.data)
    return load_task_data(cfg)["rows"]["train"]["text"]


def test_training_examples_are_redacted_like_scored_resumes(tmp_path):
    texts = _training_texts(tmp_path, redact=True)
    assert texts and all(t.startswith("[NAME]\n") and "@" not in t for t in texts)


def test_training_examples_keep_contact_lines_when_redaction_is_off(tmp_path):
    texts = _training_texts(tmp_path, redact=False)
    assert texts and all("@" in t for t in texts)
