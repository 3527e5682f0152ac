"""ONNX Runtime encoders for bench/cheaper_models.py: a RecruitModel's encoder exported to ONNX and
run by ONNX Runtime, in fp32 or int8 (ONNX Runtime's dynamic quantization), in place of the torch
encoder; pooling and heads stay torch, so the bench times the same `pooled_rows` forward.

    python bench/cheaper_models.py --variant ort=default@onnx --variant ort-int8=default@onnx-int8

A comparison for the frontier, not a scoring path: `quantize_dynamic` quantizes each MatMul's input
with ONE scale and zero point per call (DynamicQuantizeLinear over the whole tensor), so a window's
int8 values, and so a resume's score, depend on the other windows in its encoder call. The project's
int8 (recruit_core/model/int8.py) quantizes per token for that reason, and the bench reports each
variant's `batch_independent` (tests/test_onnx_variant.py shows the difference on the tiny BERT).

Needs the `dev` extra (onnx, onnxruntime). The export and the quantized model live in a temporary
folder only while the session is built: ONNX Runtime holds the model in memory afterwards.
"""
from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from torch import nn

log = logging.getLogger(__name__)

PRECISIONS = ("onnx", "onnx-int8")
# Opset 17: the first with LayerNormalization as one op (the exporters decompose it below 17).
OPSET = 17
AXES = {"input_ids": {0: "windows", 1: "tokens"}, "attention_mask": {0: "windows", 1: "tokens"},
        "last_hidden_state": {0: "windows", 1: "tokens"}}


class _LastHiddenState(nn.Module):
    """The encoder as a function of (input_ids, attention_mask) alone: positional arguments for
    the exporter, and no token_type_ids input (BERT reads zeros from its own buffer)."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def export_encoder(encoder: nn.Module, path: Path) -> Path:
    """`encoder` as an ONNX graph at `path`, any number of windows of any width. The TorchScript
    exporter first (seconds; no onnxscript needed); the dynamo exporter when it fails, which
    torch announces it will be removed (the dynamo one needs the onnxscript package)."""
    # Traced with a padded window: the attention mask must stay in the graph for every input.
    ids = torch.full((2, 16), 100, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    wrapped = _LastHiddenState(encoder).eval()
    common = dict(input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                  dynamic_axes=AXES, opset_version=OPSET)
    try:
        with warnings.catch_warnings():
            # transformers' shape checks for a causal mask, which BERT never builds; that the
            # traced graph matches the torch encoder on other shapes is tested, not assumed
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(wrapped, (ids, mask), str(path), dynamo=False, **common)
    except Exception as err:  # whatever the legacy exporter fails with, the other may not
        log.warning("TorchScript ONNX export failed (%s: %s); trying the dynamo exporter",
                    type(err).__name__, err)
        torch.onnx.export(wrapped, (ids, mask), str(path), dynamo=True, **common)
    return path


def session_options() -> ort.SessionOptions:
    """As many intra-op threads as torch has now (the bench sets the scoring actors' count, 1),
    one inter-op thread, nodes run in order: the same CPU budget as the torch variants."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


class OnnxEncoder(nn.Module):
    """An ONNX Runtime session standing in for `RecruitModel.encoder`: called with `input_ids=`
    and `attention_mask=` tensors, it returns `.last_hidden_state` as a float32 tensor. It has no
    parameters; `onnx_bytes` is the size of the model file it was built from."""

    def __init__(self, model_file: Path, config):
        super().__init__()
        self.config = config
        self.onnx_bytes = model_file.stat().st_size
        self.session = ort.InferenceSession(str(model_file), session_options(),
                                            providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        ids = input_ids.cpu().numpy().astype(np.int64, copy=False)
        feed = {"input_ids": ids, "attention_mask": attention_mask.cpu().numpy().astype(np.int64, copy=False)}
        if "token_type_ids" in self.input_names:  # not in `export_encoder`'s graphs; one segment
            feed["token_type_ids"] = np.zeros_like(ids)
        states = self.session.run(["last_hidden_state"], {n: feed[n] for n in self.input_names})[0]
        return SimpleNamespace(last_hidden_state=torch.from_numpy(states).to(input_ids.device))


def onnx_encoder(encoder: nn.Module, precision: str) -> OnnxEncoder:
    """`encoder` (a Hugging Face BertModel) exported and loaded into ONNX Runtime; for
    `onnx-int8`, quantized by `quantize_dynamic` with its default op types: every MatMul's weights
    (per output channel) and the word-embedding table (the Gather) become int8."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: use one of {PRECISIONS}")
    with tempfile.TemporaryDirectory(prefix="recruit-onnx-") as folder:
        model_file = export_encoder(encoder, Path(folder) / "encoder.onnx")
        if precision == "onnx-int8":
            quantized = Path(folder) / "encoder-int8.onnx"
            quantize_dynamic(model_file, quantized, weight_type=QuantType.QInt8, per_channel=True)
            model_file = quantized
        return OnnxEncoder(model_file, encoder.config)
