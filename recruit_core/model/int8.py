"""int8 CPU inference: the encoder's Linear layers as int8 x int8 products with int32 sums.

    python ray_jobs/score.py model.precision=int8        # also match; see README "int8 inference"
    python bench/cheaper_models.py                       # speed and quality against fp32

Weights are quantized once, per output channel (symmetric, scale = max |w| / 127). Activations are
quantized per row, i.e. per token, when they arrive (scale = max |x| / 127 of that token alone).
PyTorch's dynamic quantization (`torch.ao.quantization.quantize_dynamic`) instead takes one scale
from the whole input tensor: a token's int8 values, and so a resume's score, would depend on the
windows that shared its encoder call, which no score may (tests/test_int8.py shows it does). With
per-token scales the product is computed in integers, exact in any order, so a window's bits
depend on the window alone, like the fp32 path's (`RecruitModel.pooled_exact`).

Attention products, softmax, LayerNorm, GELU and the heads stay fp32 (the heads go through
`row_stable_linear`, which reads their float weights). CPU only: `torch._int_mm` with VNNI.
"""
from __future__ import annotations

import logging

import torch
from torch import nn

log = logging.getLogger(__name__)

# Symmetric int8: -127..127, so a scale maps max |x| onto 127 and -128 is never produced (the
# product of two -128s is the one case whose sign symmetry a VNNI kernel's u8 x s8 trick breaks).
QMAX = 127
# Scale floor: an all-zero token (or weight column) would otherwise divide by zero.
MIN_SCALE = 1e-12
# Rows per int8 product: the int32 sums of a block are turned into floats, scaled and biased while
# they are still in cache. Over the whole [tokens, out] product at once those four passes went to
# memory and cost 60% of the int8 product's own time (one thread, [6400, 384] x [384, 1536]: 68 ms
# whole, 39 ms in blocks of 256 rows, fp32 100 ms). Integer sums are exact, so blocks change no bit.
ROWS_PER_BLOCK = 256


def quantize_rows(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(int8 values, float32 scale per row) of a [rows, k] float tensor, each row on its own."""
    # max |x| as max(max x, -min x): two reductions that write nothing per element, 5x faster than
    # `x.abs().amax()` or an inf-norm on [4096, 1536] (1 thread). Every pass over the activations
    # costs time the int8 product has to win back; x / scale lies in [-127, 127] by construction.
    amax = torch.maximum(x.amax(dim=-1, keepdim=True), x.amin(dim=-1, keepdim=True).neg_())
    scale = amax.div_(QMAX).clamp_(min=MIN_SCALE)
    return torch.div(x, scale).round_().to(torch.int8), scale


class Int8Linear(nn.Module):
    """`nn.Linear` with per-channel int8 weights and per-token int8 activations (W8A8)."""

    def __init__(self, linear: nn.Linear):
        super().__init__()
        weight = linear.weight.detach().float()
        q, scale = quantize_rows(weight)  # a row of `weight` is one output channel
        # [in, out] contiguous: the layout `torch._int_mm` reads as its second operand.
        self.register_buffer("weight_int8", q.T.contiguous())
        self.register_buffer("weight_scale", scale.T.contiguous())  # [1, out]
        bias = linear.bias.detach().float() if linear.bias is not None else None
        self.register_buffer("bias", bias)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        rows = x.reshape(-1, shape[-1]).float()
        q, scale = quantize_rows(rows)
        out = torch.empty(len(rows), self.out_features, dtype=torch.float32, device=rows.device)
        for start in range(0, len(rows), ROWS_PER_BLOCK):
            block = out[start:start + ROWS_PER_BLOCK]
            block.copy_(torch._int_mm(q[start:start + ROWS_PER_BLOCK], self.weight_int8))
            block.mul_(scale[start:start + ROWS_PER_BLOCK]).mul_(self.weight_scale)
            if self.bias is not None:
                block.add_(self.bias)
        return out.to(x.dtype).reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


def fast_int8_cpu() -> bool:
    """Whether torch has a vector int8 matmul for this CPU: AVX-512 (VNNI) or AMX builds of its
    kernels. Without them `torch._int_mm` runs a scalar loop: on an AMD EPYC that torch reports as
    AVX2, 40 livecareer windows took 130 s in int8 against 4.3 s in fp32 (one thread)."""
    return torch.backends.cpu.get_cpu_capability().upper().startswith(("AVX512", "AMX"))


def quantize_encoder(encoder: nn.Module) -> nn.Module:
    """Replace every `nn.Linear` below `encoder` by an `Int8Linear`, in place; returns `encoder`.
    Warns when this CPU has no fast int8 matmul: the scores are right, but slower than fp32."""
    if not fast_int8_cpu():
        log.warning("model.precision=int8 on a CPU where torch has no vector int8 matmul (it "
                    "reports %s; int8 needs AVX-512 VNNI or AMX): scoring will be many times "
                    "slower than model.precision=fp32, which is the better choice here",
                    torch.backends.cpu.get_cpu_capability())
    return _replace_linears(encoder)


def _replace_linears(module: nn.Module) -> nn.Module:
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear):
            setattr(module, name, Int8Linear(child))
        else:
            _replace_linears(child)
    return module


def is_int8(model: nn.Module) -> bool:
    return any(isinstance(m, Int8Linear) for m in model.modules())
