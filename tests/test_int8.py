"""int8 inference (`model.precision=int8`): a resume's bits do not depend on its batch-mates, scores
stay close to fp32, and the setting reaches scoring and matching and names itself in provenance."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pyarrow as pa
import pytest
import torch
from conftest import compose_config
from torch import nn

from recruit_core.config import DataConfig, InputsConfig
from recruit_core.data.synth import generate_resume
from recruit_core.data.taxonomy import load_builtin
from recruit_core.match.accounting import match_config_hash
from recruit_core.model.forward import TextEncoder, load_scoring_model, model_fingerprint
from recruit_core.model.int8 import Int8Linear, is_int8, quantize_encoder
from recruit_core.score.scorer import ResumeScorer, result_config_hash

# Cosine between a text's int8 and fp32 embeddings, at least: 0.9966 at worst on 32 livecareer
# resumes with MiniLM (one window each); the tiny random BERT is held to a little less.
MIN_COSINE = 0.99


@pytest.fixture(scope="module")
def fp32_cfg():
    return compose_config(["experiment=smoke"])


@pytest.fixture(scope="module")
def int8_cfg():
    return compose_config(["experiment=smoke", "model.precision=int8"])


@pytest.fixture(scope="module")
def resumes():
    """Short and long resumes (one to several windows, several widths) to mix into batches."""
    taxonomy = load_builtin()
    return [generate_resume(taxonomy, 3, i).text for i in range(8)] + [
        "Chef", "Staff nurse on night shifts, ICU and triage", "Welder: TIG, MIG, pipe work " * 9]


def alone_and_in_batches(encoder: TextEncoder, resumes: list[str]) -> tuple[np.ndarray, list]:
    """Each resume embedded on its own, and the embeddings of batches that mix it with others."""
    alone = np.stack([encoder.embed_texts([text])[0] for text in resumes])
    order = np.random.default_rng(0).permutation(len(resumes))
    batches = [(list(range(len(resumes))), encoder.embed_texts(resumes)),
               (list(order), encoder.embed_texts([resumes[i] for i in order]))]
    return alone, batches


def same_bits_in_every_batch(encoder: TextEncoder, resumes: list[str]) -> bool:
    alone, batches = alone_and_in_batches(encoder, resumes)
    return all(np.array_equal(alone[rows], vectors) for rows, vectors in batches)


def test_int8_resume_bits_do_not_depend_on_batch_mates(int8_cfg, resumes):
    encoder = TextEncoder(load_scoring_model("", int8_cfg.model), int8_cfg.model)
    assert is_int8(encoder.model)
    assert same_bits_in_every_batch(encoder, resumes)


def test_batch_scaled_dynamic_quantization_fails_the_same_check(fp32_cfg, resumes):
    """PyTorch's dynamic quantization takes one activation scale from the whole batch: the check
    above catches it, so it would catch the int8 path doing the same."""
    scoring = load_scoring_model("", fp32_cfg.model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
        scoring.model.encoder = torch.ao.quantization.quantize_dynamic(
            scoring.model.encoder, {torch.nn.Linear}, dtype=torch.qint8)
    assert not same_bits_in_every_batch(TextEncoder(scoring, fp32_cfg.model), resumes)


def test_int8_embeddings_are_close_to_fp32_but_not_equal(fp32_cfg, int8_cfg, resumes):
    fp32 = TextEncoder(load_scoring_model("", fp32_cfg.model), fp32_cfg.model).embed_texts(resumes)
    int8 = TextEncoder(load_scoring_model("", int8_cfg.model), int8_cfg.model).embed_texts(resumes)
    cosine = (fp32 * int8).sum(axis=1)  # both L2-normalised
    assert cosine.min() >= MIN_COSINE
    assert not np.array_equal(fp32, int8)  # the int8 path really ran


def test_int8_linear_is_within_quantization_error_of_the_float_layer():
    torch.manual_seed(0)
    layer = torch.nn.Linear(64, 48)
    tokens = torch.randn(2, 30, 64) * torch.linspace(0.01, 50, 30).unsqueeze(-1)  # scales vary per token
    exact, quantized = layer(tokens), Int8Linear(layer)(tokens)
    assert quantized.shape == exact.shape
    relative = (quantized - exact).norm(dim=-1) / exact.norm(dim=-1)
    assert relative.max() < 0.02  # per-token scales: a small token is not rounded to zero


def test_quantize_encoder_replaces_every_linear_and_leaves_the_heads(fp32_cfg):
    model = copy.deepcopy(load_scoring_model("", fp32_cfg.model).model)
    quantize_encoder(model.encoder)
    assert not any(isinstance(m, torch.nn.Linear) for m in model.encoder.modules())
    assert isinstance(model.category_head, torch.nn.Linear)  # heads read float weights


def test_int8_scorer_scores_like_fp32_and_names_its_precision(fp32_cfg, int8_cfg, resumes):
    score = fp32_cfg.score
    scorers = {name: ResumeScorer.from_config(score, cfg.model, DataConfig())
               for name, cfg in (("fp32", fp32_cfg), ("int8", int8_cfg))}
    assert is_int8(scorers["int8"].model) and not is_int8(scorers["fp32"].model)
    assert scorers["int8"].fingerprint == scorers["fp32"].fingerprint + "+int8"
    assert scorers["int8"].fingerprint == model_fingerprint("", int8_cfg.model)  # what actors check
    fp32, int8 = (scorers[n].encoder.embed_texts(resumes) for n in ("fp32", "int8"))
    assert (fp32 * int8).sum(axis=1).min() >= MIN_COSINE


def test_precision_enters_the_config_hash_of_score_and_match(fp32_cfg, int8_cfg):
    inputs = InputsConfig()
    assert (result_config_hash(fp32_cfg.score, inputs, fp32_cfg.model)
            != result_config_hash(int8_cfg.score, inputs, int8_cfg.model))
    assert (match_config_hash(fp32_cfg.match, inputs, fp32_cfg.model, fp32_cfg.data)
            != match_config_hash(int8_cfg.match, inputs, int8_cfg.model, int8_cfg.data))


def test_match_job_embeds_requisitions_with_the_configured_precision(fp32_cfg, int8_cfg):
    from recruit_core.match.pipeline_ray import embed_requisitions
    jobs = pa.table({"job_id": ["J1", "J2"], "title": ["Data Engineer", "Pastry Chef"],
                     "description": ["Spark, Airflow and dbt pipelines.", "Laminated doughs."]})
    embed = embed_requisitions._function  # the task's body, run here without Ray
    fp32 = embed(fp32_cfg.match, fp32_cfg.model, jobs)
    int8 = embed(int8_cfg.match, int8_cfg.model, jobs)
    assert not np.array_equal(fp32, int8)
    assert (fp32 * int8).sum(axis=1).min() >= MIN_COSINE


def test_unknown_precision_is_refused_naming_the_key():
    with pytest.raises(ValueError, match="model.precision"):
        compose_config(["model.precision=int4"])


def test_int8_on_a_gpu_is_refused_rather_than_run_in_float(int8_cfg):
    with pytest.raises(ValueError, match="CPU only"):
        TextEncoder(load_scoring_model("", int8_cfg.model), int8_cfg.model, device="cuda")


def test_int8_on_a_cpu_without_a_fast_int8_matmul_warns_once(monkeypatch, caplog):
    from recruit_core.model import int8
    encoder = nn.Sequential(nn.Linear(8, 8), nn.Sequential(nn.Linear(8, 8)))
    monkeypatch.setattr(int8.torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    with caplog.at_level("WARNING", logger="recruit_core.model.int8"):
        int8.quantize_encoder(encoder)
    assert sum("no vector int8 matmul" in r.message for r in caplog.records) == 1
    assert all(isinstance(m, int8.Int8Linear) for m in (encoder[0], encoder[1][0]))
    monkeypatch.setattr(int8.torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    caplog.clear()
    with caplog.at_level("WARNING", logger="recruit_core.model.int8"):
        int8.quantize_encoder(nn.Sequential(nn.Linear(8, 8)))
    assert not caplog.records
