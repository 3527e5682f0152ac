"""bench/cheaper_models.py's ONNX Runtime variants (bench/_onnx.py): the exported encoder reads like
the torch one behind the same pooling, int8 stays close, and ONNX Runtime's int8 makes a window's
bits depend on the other windows of its encoder call, which is why it is a comparison only."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from conftest import ROOT, compose_config

sys.path.insert(0, str(ROOT / "bench"))
import cheaper_models  # noqa: E402
from recruit_core.data.synth import generate_resume  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from recruit_core.model.forward import pooled_rows  # noqa: E402
from recruit_core.model.recruit import window_widths  # noqa: E402

# ONNX Runtime fp32 against torch fp32, per pooled value: the same float ops, fused and ordered
# differently (2.4e-7 measured on the tiny BERT).
FP32_ATOL = 1e-4
# Cosine between a text's onnx-int8 and fp32 embeddings, at least (0.9999 measured on the tiny
# BERT's pooled windows): test_int8.py's bound for the torch int8 path.
MIN_COSINE = 0.99


@pytest.fixture(scope="module")
def cfg():
    return compose_config(["experiment=smoke"])


@pytest.fixture(scope="module")
def variants(cfg):
    loaded = cheaper_models.load_variants(cfg, ["ort=default@onnx", "ort-int8=default@onnx-int8"],
                                          skip_int8=True)
    return {name: encoder for name, (encoder, _, _) in loaded.items()}


@pytest.fixture(scope="module")
def resumes():
    taxonomy = load_builtin()
    return [generate_resume(taxonomy, 3, i).text for i in range(6)] + [
        "Chef", "Staff nurse on night shifts, ICU and triage", "Welder: TIG, MIG, pipe work " * 9]


def windows(encoder, texts):
    tokens = encoder.tokenize(texts)
    return torch.from_numpy(tokens.input_ids), torch.from_numpy(tokens.attention_mask)


def test_onnx_fp32_pools_like_torch_fp32(cfg, variants, resumes):
    ids, mask = windows(variants["fp32"], resumes)
    assert len(torch.unique(window_widths(mask))) > 1  # several widths, several encoder calls
    wpf = cfg.model.windows_per_forward
    torch_fp32 = pooled_rows(variants["fp32"].model, ids, mask, wpf)
    onnx_fp32 = pooled_rows(variants["ort"].model, ids, mask, wpf)
    assert onnx_fp32.dtype == torch.float32 and onnx_fp32.shape == torch_fp32.shape
    assert torch.allclose(onnx_fp32, torch_fp32, rtol=0, atol=FP32_ATOL)


def test_onnx_int8_embeddings_are_close_to_fp32_but_not_equal(variants, resumes):
    fp32 = variants["fp32"].embed_texts(resumes)
    int8 = variants["ort-int8"].embed_texts(resumes)
    assert (fp32 * int8).sum(axis=1).min() >= MIN_COSINE  # both L2-normalised
    assert not np.array_equal(fp32, int8)  # the quantized graph really ran


def test_onnx_int8_bits_depend_on_the_other_windows_of_the_call(cfg, variants):
    """One activation scale per input tensor: a window next to one of another range is quantized
    differently than alone. Both windows have one width, so `pooled_exact` puts them in one call."""
    ids, mask = windows(variants["fp32"], ["Staff nurse on night shifts, ICU and triage",
                                           "$$$ 0x7f 9999 ### @@@ %%% ~~~ ||| ^^^ 42"])
    assert torch.equal(window_widths(mask)[0], window_widths(mask)[1])
    wpf = cfg.model.windows_per_forward

    def alone_and_together(name):
        model = variants[name].model
        return pooled_rows(model, ids[:1], mask[:1], wpf)[0], pooled_rows(model, ids, mask, wpf)[0]

    alone, together = alone_and_together("ort-int8")
    assert not torch.equal(alone, together)
    alone, together = alone_and_together("ort")
    assert torch.allclose(alone, together, rtol=0, atol=1e-6)
    alone, together = alone_and_together("fp32")
    assert torch.equal(alone, together)


def test_the_bench_reports_which_variants_are_batch_independent(cfg, variants, resumes):
    ids, mask = windows(variants["fp32"], resumes)
    wpf = cfg.model.windows_per_forward
    verdict = {name: cheaper_models.batch_independent(encoder, ids, mask,
                                                      pooled_rows(encoder.model, ids, mask, wpf), wpf)
               for name, encoder in variants.items() if name in ("fp32", "ort-int8")}
    assert verdict == {"fp32": True, "ort-int8": False}


def test_onnx_variants_parse_from_a_folder_or_default_and_report_their_file_size(cfg, variants, tmp_path):
    variants["fp32"].model.save(tmp_path / "student", variants["fp32"].tokenizer)
    loaded = cheaper_models.load_variants(cfg, [f"student-ort8={tmp_path / 'student'}@onnx-int8"],
                                          skip_int8=True)
    encoder, fingerprint, folder = loaded["student-ort8"]
    assert fingerprint.endswith("+onnx-int8") and folder == tmp_path / "student"
    assert encoder.model.encoder.session.get_session_options().intra_op_num_threads == \
        torch.get_num_threads()
    int8_bytes = cheaper_models.encoder_bytes(encoder)
    assert int8_bytes == encoder.model.encoder.onnx_bytes
    assert int8_bytes < cheaper_models.encoder_bytes(variants["ort"]) / 2  # int8 weights on disk


def test_an_unknown_suffix_is_refused_naming_the_known_ones(cfg):
    with pytest.raises(SystemExit, match="name=/path/to/model/folder.*int8, onnx, onnx-int8"):
        cheaper_models.load_variants(cfg, ["student=default@onnx-int4"], skip_int8=True)
