"""The machine's arithmetic ceiling: achievable torch.matmul FLOP/s, the denominator of every MFU.

    python bench/limits.py                 # CPU fp32 with this process's torch threads; + CUDA bf16 if present
    python bench/limits.py --quick         # fewer shapes and repeats (also RECRUIT_BENCH_QUICK=1)
    python bench/limits.py --device cpu    # only one device

Shapes are the model's own products (a batch of 16 windows of 256 tokens through MiniLM's and
BERT-base's projections) plus squares up to the largest that fits, because a square is what a BLAS
reaches its best on. The best of several timed calls is kept: on a shared machine the fastest call is
the one least disturbed by neighbours, and a ceiling should not be lowered by them.
Other benchmarks import `matmul_ceiling` to measure the same ceiling inside their own run.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import torch

# [rows, inner, cols]: rows = 16 windows x 256 tokens, a typical scoring batch on CPU.
MODEL_SHAPES = {
    "minilm_qkv": (4096, 384, 1152),
    "minilm_ffn_up": (4096, 384, 1536),
    "minilm_ffn_down": (4096, 1536, 384),
    "bert_base_ffn_up": (4096, 768, 3072),
}
# Squares tried in order until one no longer fits in memory or in the time allowed.
CPU_SQUARES = (1024, 2048, 4096)
GPU_SQUARES = (4096, 8192, 16384)
# One timed call at most this long: beyond it the square is not worth the benchmark's time.
MAX_CALL_SECONDS = 8.0


def quick_mode(flag: bool = False) -> bool:
    return flag or os.environ.get("RECRUIT_BENCH_QUICK") == "1"


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_matmul(shape: tuple[int, int, int], device: str, dtype: torch.dtype,
                repeats: int) -> tuple[float, float]:
    """(best FLOP/s, best seconds per call) of `a @ b` with a: [m, k], b: [k, n]."""
    m, k, n = shape
    a = torch.randn(m, k, device=device, dtype=dtype)
    b = torch.randn(k, n, device=device, dtype=dtype)
    a @ b  # warm-up: BLAS thread pool / cuBLAS handle and kernel selection
    _sync(device)
    # GPU calls are short: time groups of calls so launch overhead and timer resolution vanish.
    group = 10 if device.startswith("cuda") else 1
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(group):
            a @ b
        _sync(device)
        best = min(best, (time.perf_counter() - start) / group)
        if best > MAX_CALL_SECONDS:
            break
    return 2.0 * m * k * n / best, best


def _fits(size: int, device: str, dtype: torch.dtype) -> bool:
    """Three size x size matrices (two inputs, one output) with a 2x margin for the allocator."""
    need = 3 * size * size * torch.tensor([], dtype=dtype).element_size() * 2
    if device.startswith("cuda"):
        return need < torch.cuda.mem_get_info()[0]
    pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return need < pages


def matmul_ceiling(device: str = "cpu", quick: bool = False) -> dict:
    """Measure the model shapes and squares on `device`; `peak_flops_per_s` is the best of them."""
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    repeats = 3 if quick else 10
    shapes = dict(MODEL_SHAPES)
    squares = GPU_SQUARES if device.startswith("cuda") else CPU_SQUARES
    if quick:
        shapes = {k: v for k, v in shapes.items() if k in ("minilm_ffn_up", "bert_base_ffn_up")}
        squares = squares[:-1]
    figures, largest = {}, 0
    for name, shape in shapes.items():
        figures[name] = time_matmul(shape, device, dtype, repeats)[0]
    for size in squares:
        if not _fits(size, device, dtype):
            break
        flops, seconds = time_matmul((size, size, size), device, dtype, repeats)
        figures[f"square_{size}"] = flops
        largest = size
        if seconds > MAX_CALL_SECONDS:
            break
    return {"device": device, "dtype": str(dtype).removeprefix("torch."),
            "torch_threads": torch.get_num_threads(), "largest_square": largest,
            "gflops_by_shape": {k: round(v / 1e9, 2) for k, v in figures.items()},
            "peak_flops_per_s": max(figures.values())}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["all", "cpu", "cuda"], default="all")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    quick = quick_mode(args.quick)
    devices = ["cpu"] if args.device in ("all", "cpu") else []
    if args.device in ("all", "cuda") and torch.cuda.is_available():
        devices.append("cuda")
    if args.device == "cuda" and not devices:
        raise SystemExit("--device cuda: no CUDA device visible to torch; run on a GPU node")
    ceilings = {d: matmul_ceiling(d, quick) for d in devices}
    result = {"name": "limits", "quick": quick,
              "cpu_fp32_gflops": round(ceilings["cpu"]["peak_flops_per_s"] / 1e9, 2)
              if "cpu" in ceilings else None}
    if "cuda" in ceilings:
        result["cuda_bf16_tflops"] = round(ceilings["cuda"]["peak_flops_per_s"] / 1e12, 2)
    # How close the model's own shapes come to the best square: small ratios mean the model's
    # products are too thin for this machine, and bigger batches will not help the FFN.
    primary = ceilings[devices[-1]]
    shape_gflops = primary["gflops_by_shape"]
    result["ratio"] = round(shape_gflops["minilm_ffn_up"] / (primary["peak_flops_per_s"] / 1e9), 3)
    result["ratio_meaning"] = f"minilm_ffn_up / best square on {primary['device']}"
    result["ceilings"] = {d: {k: v for k, v in c.items() if k != "peak_flops_per_s"}
                          for d, c in ceilings.items()}
    from _results import publish
    return publish(result, "python bench/limits.py " + " ".join(argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    main()
