"""Analytic FLOPs of a BERT encoder, so every throughput figure can be read as model FLOP utilisation.

    MFU = (windows/s x encoder_flops_per_window(config, seq_len)) / measured matmul FLOP/s

The denominator is what `torch.matmul` achieves on the same machine in the same run
(`python bench/limits.py`), not a datasheet peak: on a shared 2-core CPU only a measured ceiling
says how much headroom is left. Counts follow the convention of `torch.utils.flop_counter`: a
multiply-add is 2 FLOPs; embeddings, LayerNorm, softmax, GELU and biases are left out (together a
few percent at these sizes). Works with anything that has `hidden_size`, `num_hidden_layers` and
`intermediate_size` (a `transformers.BertConfig`, `recruit_core.config.TinyBertConfig`).
"""
from __future__ import annotations

# A backward pass costs two forward passes (gradients w.r.t. activations and weights), the
# standard estimate of Kaplan et al. 2020, "Scaling Laws for Neural Language Models".
TRAIN_FORWARD_MULTIPLE = 3


def layer_flops(hidden: int, intermediate: int, seq_len: int) -> dict[str, int]:
    """Forward FLOPs of one encoder layer for one sequence of `seq_len` tokens, by part."""
    s, h, i = seq_len, hidden, intermediate
    return {
        "qkv_and_output_projections": 8 * s * h * h,  # four [s,h]x[h,h] products
        "attention": 4 * s * s * h,  # Q.K^T scores and the weighted sum of V, over all heads
        "feed_forward": 4 * s * h * i,  # [s,h]x[h,i] up and [s,i]x[i,h] down
    }


def encoder_flops_per_window(config, seq_len: int) -> int:
    """Forward FLOPs of the whole encoder for one window of `seq_len` tokens (padding included:
    a padded window costs the hardware as much as a full one)."""
    if seq_len < 1:
        raise ValueError(f"seq_len={seq_len}: a window has at least one token")
    per_layer = layer_flops(config.hidden_size, config.intermediate_size, seq_len)
    return config.num_hidden_layers * sum(per_layer.values())


def train_flops_per_window(config, seq_len: int) -> int:
    """Forward plus backward FLOPs of one training window."""
    return TRAIN_FORWARD_MULTIPLE * encoder_flops_per_window(config, seq_len)


def mfu(windows_per_s: float, flops_per_window: int, matmul_flops_per_s: float) -> float:
    """Share of the measured matmul ceiling that the model's own arithmetic reached."""
    if matmul_flops_per_s <= 0:
        raise ValueError(f"matmul_flops_per_s={matmul_flops_per_s}: measure it with bench/limits.py")
    return windows_per_s * flops_per_window / matmul_flops_per_s
