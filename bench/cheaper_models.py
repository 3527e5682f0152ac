"""Speed/quality frontier of cheaper encoders: fp32, int8, and any model folder, measured in one run.

    python bench/cheaper_models.py                                   # fp32 and int8 MiniLM
    python bench/cheaper_models.py --variant student=DIR --variant student-int8=DIR@int8  # model folders
    python bench/cheaper_models.py --variant ort=default@onnx --variant ort-int8=default@onnx-int8  # ONNX Runtime
    python bench/cheaper_models.py --quick --cache /tmp/recruit-cache   # iterating: 64 windows, cached embeddings
    python bench/cheaper_models.py --windows 32 --every 4   # a loaded machine: quality on every 4th text

Per variant: windows/s of the production forward batch (`recruit_core.model.forward.pooled_rows`,
`model.windows_per_forward` windows of livecareer resumes at the jobs' window settings), with the
score job's torch threads per actor (`score.torch_threads`, 1; `--threads` to change); its ratio
to fp32 from the same run (variants alternate, `--repeats` times, median); the CPU seconds beside
the wall seconds (the machine is shared: the load average at start and end is recorded); the FLOP
rate (analytic encoder FLOPs / s) over the rate of a plain fp32 `torch.matmul` of the batch's own
Linear shapes; the size on disk of what a run ships (the model folder: int8 is quantized at
load, so it ships the fp32 folder); the livecareer dev macro-F1 of the frozen-embedding
logistic-regression probe fitted on that variant's own train embeddings; P@10 on the held-out real postings
(`recruit_core.eval.postings`); the encoder's size as safetensors; and `batch_independent`: whether
windows of the timed batch, each run alone, give the bits they have in the batch (the project's rule
for anything that scores, see recruit_core/model/forward.py).
Quality uses `model.max_windows=1` (one window per text) to stay affordable: every variant reads the
same text; `--every K` keeps every K-th train resume, dev resume and posting (all variants alike).
Target: int8 >= 2x fp32 windows/s at <= 1 point loss of macro-F1 and of P@10, batch-independent.

A variant's folder is a RecruitModel folder or `default`, the encoder of `model=`; its suffix is a
precision: `@int8` (recruit_core/model/int8.py), `@onnx` (the encoder exported and run by ONNX
Runtime in fp32) or `@onnx-int8` (the export quantized by ONNX Runtime's `quantize_dynamic`, int8
weights per channel, the word-embedding table included). ONNX variants are built at load, with the
timed thread count (bench/_onnx.py), and report the .onnx file as their encoder size. They are
comparisons, not candidates: ONNX Runtime's dynamic quantization takes one activation scale per
input tensor, so under `@onnx-int8` a window's bits, and a resume's score, change with the other
windows of its encoder call (batch_independent false; tests/test_onnx_variant.py), which torch's
`quantize_dynamic` was rejected for as well.
Needs ../shared/data.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from limits import time_matmul  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.data.livecareer import load_livecareer  # noqa: E402
from recruit_core.data.postings import load_postings  # noqa: E402
from recruit_core.eval.metrics import classification_report  # noqa: E402
from recruit_core.eval.postings import figures  # noqa: E402
from recruit_core.model.encoder import model_dir  # noqa: E402
from recruit_core.model.flops import encoder_flops_per_window  # noqa: E402
from recruit_core.model.forward import TextEncoder, load_scoring_model, pooled_rows  # noqa: E402
from recruit_core.model.recruit import row_stable_matmul, window_widths  # noqa: E402

# The target of issue 19: what makes a cheaper variant worth shipping.
TARGET_SPEEDUP, TARGET_MAX_LOSS = 2.0, 0.01
# A variant's precision suffix: torch's (model.precision) and ONNX Runtime's (bench/_onnx.py).
PRECISIONS = ("fp32", "int8", "onnx", "onnx-int8")
ONNX_PRECISIONS = ("onnx", "onnx-int8")
DEFAULT_FOLDER = "default"  # `--variant name=default@...`: the encoder of `model=`
# Windows run alone and compared with their rows of the timed batch (`batch_independent`).
BATCH_CHECK_WINDOWS = 4


def load_variants(cfg, extra: list[str], skip_int8: bool = False) -> dict[str, tuple[TextEncoder, str, Path]]:
    """(encoder, fingerprint, folder on disk) of fp32 and int8 of `model=`, then of each
    `name=folder[@precision]` (a RecruitModel folder or `default`, at `model.precision` or the
    suffix's, see the module docstring)."""
    variants = {}
    for precision in ("fp32",) if skip_int8 else ("fp32", "int8"):
        model_cfg = replace(cfg.model, precision=precision)
        scoring = load_scoring_model("", model_cfg)
        variants[precision] = (TextEncoder(scoring, model_cfg), scoring.fingerprint, model_dir(cfg.model))
    for item in extra:
        name, _, path = item.partition("=")
        path, _, precision = path.partition("@")
        if not name or not path or name in variants or precision not in ("", *PRECISIONS):
            raise SystemExit(f"--variant {item!r}: write it as name=/path/to/model/folder[@suffix], "
                             f"suffix one of {', '.join(PRECISIONS)}, folder `{DEFAULT_FOLDER}` for "
                             f"model=, with a name other than {sorted(variants)}")
        variants[name] = folder_variant(cfg, path, precision)
    return variants


def folder_variant(cfg, path: str, precision: str) -> tuple[TextEncoder, str, Path]:
    """One `--variant`: the folder's model (`default`: `model=`'s), its encoder quantized or
    replaced by an ONNX Runtime session as `precision` says."""
    onnx = precision in ONNX_PRECISIONS
    torch_precision = "fp32" if onnx else precision  # ONNX exports the float encoder
    model_cfg = replace(cfg.model, precision=torch_precision) if torch_precision else cfg.model
    default = path == DEFAULT_FOLDER
    scoring = load_scoring_model("" if default else path, model_cfg)
    fingerprint = scoring.fingerprint
    if onnx:
        from _onnx import onnx_encoder  # onnxruntime (the dev extra): needed for these rows only
        scoring.model.encoder = onnx_encoder(scoring.model.encoder, precision)
        fingerprint += f"+{precision}"
    return TextEncoder(scoring, model_cfg), fingerprint, model_dir(cfg.model) if default else Path(path)


def shipped_bytes(folder: Path) -> int:
    """Bytes of a model folder's files (hard links inside it counted once)."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        if path.is_file() and (path.stat().st_ino not in seen):
            seen.add(path.stat().st_ino)
            total += path.stat().st_size
    return total


def production_batch(encoder: TextEncoder, texts: list[str], n_windows: int):
    """The first `n_windows` windows of `texts` at the jobs' window settings."""
    windows = encoder.tokenize(texts)
    ids = torch.from_numpy(windows.input_ids[:n_windows])
    mask = torch.from_numpy(windows.attention_mask[:n_windows])
    if len(ids) < n_windows:
        raise SystemExit(f"--windows {n_windows}: the texts give only {len(ids)} windows")
    return ids, mask


def time_variants(variants: dict, ids, mask, windows_per_forward: int, repeats: int) -> dict:
    """Median wall and CPU seconds per variant of one production forward batch, the variants
    alternating so that a change of load hits all of them alike; and each one's pooled rows."""
    for encoder in variants.values():  # first-call costs (thread pool, weight packing) left out
        pooled_rows(encoder.model, ids[:2], mask[:2], windows_per_forward)
    wall: dict[str, list] = {n: [] for n in variants}
    cpu: dict[str, list] = {n: [] for n in variants}
    pooled = {}
    for _ in range(repeats):
        for name, encoder in variants.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            pooled[name] = pooled_rows(encoder.model, ids, mask, windows_per_forward)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
    return {n: {"wall_s": statistics.median(wall[n]), "cpu_s": statistics.median(cpu[n]),
                "wall_s_all": [round(s, 2) for s in wall[n]], "pooled": pooled[n]} for n in variants}


def batch_independent(encoder: TextEncoder, ids, mask, batch_pooled: torch.Tensor,
                      windows_per_forward: int) -> bool:
    """Whether windows of the batch, each run alone, give the bits they got in the batch. The
    windows checked are the first of the batch's most common width: `pooled_exact` puts only
    windows of one width in a call, so a window of a width of its own would have no batch-mates."""
    widths = window_widths(mask)
    values, counts = torch.unique(widths, return_counts=True)
    shared = torch.nonzero(widths == values[counts.argmax()]).flatten()[:BATCH_CHECK_WINDOWS]
    return all(torch.equal(pooled_rows(encoder.model, ids[i:i + 1], mask[i:i + 1], windows_per_forward)[0],
                           batch_pooled[i]) for i in shared.tolist())


def matmul_flops_per_s(config, tokens_per_call: int, repeats: int) -> float:
    """FLOP/s of plain fp32 matmuls of the encoder's Linear shapes at `tokens_per_call` rows,
    weighted as one layer runs them (best of `repeats` per shape, limits.time_matmul)."""
    h, i = config.hidden_size, config.intermediate_size
    shapes = [(tokens_per_call, h, h)] * 4 + [(tokens_per_call, h, i), (tokens_per_call, i, h)]
    seconds = {s: time_matmul(s, "cpu", torch.float32, repeats)[1] for s in set(shapes)}
    return sum(2.0 * m * k * n for m, k, n in shapes) / sum(seconds[s] for s in shapes)


def batch_flops(config, mask) -> int:
    """Analytic encoder FLOPs of the batch at the widths `pooled_exact` runs each window at."""
    return sum(encoder_flops_per_window(config, int(w)) for w in window_widths(mask))


def encoder_bytes(encoder: TextEncoder) -> int:
    """Size of the encoder's tensors written as safetensors (int8 weights stay int8); of its model
    file for an ONNX Runtime encoder."""
    from safetensors.torch import save_file
    if hasattr(encoder.model.encoder, "onnx_bytes"):
        return encoder.model.encoder.onnx_bytes
    state = {k: v.contiguous() for k, v in encoder.model.encoder.state_dict().items()}
    with tempfile.TemporaryDirectory() as folder:
        save_file(state, f"{folder}/encoder.safetensors")
        return os.path.getsize(f"{folder}/encoder.safetensors")


def embeddings(encoder: TextEncoder, texts: list[str], cache: Path | None, key: str) -> np.ndarray:
    """`embed_texts`, kept under `cache` (when given) by variant and texts, for reruns."""
    digest = hashlib.sha256("\0".join([key, *texts]).encode()).hexdigest()[:16]
    path = cache / f"{digest}.npy" if cache else None
    if path and path.exists():
        return np.load(path)
    vectors = encoder.embed_texts(texts)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def quality(encoder: TextEncoder, fingerprint: str, splits, postings, k: int, cfg,
            cache: Path | None, threads: int) -> dict:
    """Probe macro-F1 on livecareer dev (fitted on this variant's train embeddings) and P@k of
    the held-out postings against the dev resumes, from one window per text."""
    from sklearn.linear_model import LogisticRegression
    one_window = TextEncoder.for_model(encoder.model, encoder.tokenizer,
                                       replace(encoder.model_cfg, max_windows=1))
    key = f"{fingerprint}|max_windows=1"
    timed_threads = torch.get_num_threads()
    torch.set_num_threads(threads or timed_threads)  # quality is not timed: its own thread count
    train = embeddings(one_window, splits.train.texts, cache, key)
    dev = embeddings(one_window, splits.dev.texts, cache, key)
    probe = LogisticRegression(C=cfg.eval.probe_c, max_iter=2000, random_state=cfg.eval.seed)
    probe.fit(train, np.asarray(splits.train.labels))
    probs = np.zeros((len(dev), len(splits.dev.categories)))
    probs[:, probe.classes_] = probe.predict_proba(dev)
    report = classification_report(probs, np.asarray(splits.dev.labels), splits.dev.categories)
    relevant = [{i for i, c in enumerate(splits.dev.labels) if splits.dev.categories[c] in rel}
                for rel in postings.relevant]
    posting_vectors = torch.from_numpy(embeddings(one_window, postings.texts, cache, key))
    torch.set_num_threads(timed_threads)
    scores = row_stable_matmul(posting_vectors, torch.from_numpy(dev)).numpy()
    return {"probe_macro_f1": round(report["macro_f1"], 4),
            f"postings_p@{k}": round(figures(scores, relevant, k)[f"p@{k}"], 4)}


def every_kth(splits, postings, k: int):
    """Every k-th resume of both splits and every k-th posting: the same sample for all variants."""
    for part in (splits.train, splits.dev):
        part.resume_ids, part.texts, part.labels = part.resume_ids[::k], part.texts[::k], part.labels[::k]
    postings.job_ids, postings.texts = postings.job_ids[::k], postings.texts[::k]
    postings.relevant, postings.categories = postings.relevant[::k], postings.categories[::k]
    return splits, postings


def frontier(args) -> dict:
    cfg = compose_config(args.overrides)
    torch.set_num_threads(args.threads or cfg.score.torch_threads)
    splits = load_livecareer(cfg.data)
    postings = load_postings(cfg.data.postings_path, "eval")
    load_start = round(os.getloadavg()[0], 2)
    variants = load_variants(cfg, args.variant, args.no_int8)
    encoders = {name: encoder for name, (encoder, _, _) in variants.items()}
    ids, mask = production_batch(encoders["fp32"], splits.dev.texts, args.windows)
    timed = time_variants(encoders, ids, mask, cfg.model.windows_per_forward, args.repeats)
    # rows of one encoder call's matmuls: a full call of windows at the batch's mean width
    tokens = int(window_widths(mask).float().mean() * min(args.windows, cfg.model.windows_per_forward))
    matmul_rates: dict[tuple, float] = {}
    splits, postings = every_kth(splits, postings, args.every)
    rows = []
    for name, (encoder, fingerprint, folder) in variants.items():
        t, config = timed[name], encoder.model.encoder.config
        shape = (config.hidden_size, config.intermediate_size)
        if shape not in matmul_rates:
            matmul_rates[shape] = matmul_flops_per_s(config, tokens, 3)
        row = {"variant": name, "model": fingerprint,
               "windows_per_s": round(args.windows / t["wall_s"], 2),
               "speedup": round(timed["fp32"]["wall_s"] / t["wall_s"], 3),
               "cpu_s": round(t["cpu_s"], 2), "wall_s": round(t["wall_s"], 2),
               "cpu_speedup": round(timed["fp32"]["cpu_s"] / t["cpu_s"], 3),
               "flop_rate_vs_fp32_matmul": round(batch_flops(config, mask) / t["wall_s"]
                                                 / matmul_rates[shape], 3),
               "encoder_mb": round(encoder_bytes(encoder) / 2**20, 1),
               "disk_mb": round(shipped_bytes(folder) / 2**20, 1),
               "batch_independent": batch_independent(encoder, ids, mask, t["pooled"],
                                                      cfg.model.windows_per_forward),
               "wall_s_all": t["wall_s_all"]}
        if not args.skip_quality:
            row.update(quality(encoder, fingerprint, splits, postings, cfg.eval.k, cfg, args.cache,
                               args.quality_threads))
        rows.append(row)
        print(row, flush=True)
    fp32 = encoders["fp32"].model.encoder.config
    sizes = {"train": len(splits.train), "dev": len(splits.dev), "postings": len(postings)}
    return summarise(rows, args, cfg, load_start,
                     matmul_rates[(fp32.hidden_size, fp32.intermediate_size)], sizes)


def summarise(rows: list[dict], args, cfg, load_start: float, fp32_matmul_rate: float,
              quality_texts: dict) -> dict:
    """The run's figures; per variant besides fp32, its losses against fp32 and whether it meets
    the target, batch independence included (the headline ratio: int8's speedup, or the first
    other variant's)."""
    by_name = {r["variant"]: r for r in rows}
    fp32 = by_name["fp32"]
    headline = "int8" if "int8" in by_name else next((n for n in by_name if n != "fp32"), "fp32")
    result = {"name": "cheaper_models", "variants": rows, "windows": args.windows,
              "windows_per_forward": cfg.model.windows_per_forward, "repeats": args.repeats,
              "torch_threads": torch.get_num_threads(), "quality_threads": args.quality_threads,
              "quality_max_windows": 1, "quality_every": args.every,
              "quality_texts": quality_texts, "load_avg_1m_start": load_start,
              "load_avg_1m_end": round(os.getloadavg()[0], 2),
              "fp32_matmul_gflops": round(fp32_matmul_rate / 1e9, 2),
              "ratio": by_name[headline]["speedup"],
              "ratio_meaning": f"{headline} / fp32 windows/s, same run, median"}
    p_key = f"postings_p@{cfg.eval.k}"
    for name, row in by_name.items():
        if name == "fp32":
            continue
        result[f"{name}_speedup"], result[f"{name}_cpu_speedup"] = row["speedup"], row["cpu_speedup"]
        if args.skip_quality:
            continue
        f1_loss = fp32["probe_macro_f1"] - row["probe_macro_f1"]
        p_loss = fp32[p_key] - row[p_key]
        result.update({f"{name}_macro_f1_loss": round(f1_loss, 4), f"{name}_p_at_k_loss": round(p_loss, 4),
                       f"{name}_meets_target": bool(row["speedup"] >= TARGET_SPEEDUP
                                                    and f1_loss <= TARGET_MAX_LOSS
                                                    and p_loss <= TARGET_MAX_LOSS
                                                    and row["batch_independent"])})
    return result


def markdown_table(result: dict) -> str:
    """The frontier as a Markdown table (for the README)."""
    keys = [k for k in result["variants"][0] if k not in ("model", "wall_s_all")]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r.get(k, "")) for k in keys) + " |" for r in result["variants"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=FOLDER[@SUFFIX]",
                        help="another model folder (or `default`: model=) to put in the table, "
                             "SUFFIX int8, onnx or onnx-int8 (repeatable)")
    parser.add_argument("--windows", type=int, default=128, help="windows in the timed batch")
    parser.add_argument("--repeats", type=int, default=3, help="timed batches per variant")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep quality embeddings here between runs (e.g. /tmp/recruit-cache)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads; 0: score.torch_threads, what each scoring actor runs with")
    parser.add_argument("--quality-threads", type=int, default=0,
                        help="torch threads for the quality embeddings (they do not change them); "
                             "0: as timed")
    parser.add_argument("--every", type=int, default=1,
                        help="quality on every K-th train resume, dev resume and posting")
    parser.add_argument("--skip-quality", action="store_true", help="throughput and size only")
    parser.add_argument("--no-int8", action="store_true",
                        help="leave out the int8 row of model= (the folders' rows and fp32 stay)")
    parser.add_argument("--quick", action="store_true", help="64 windows, 2 repeats")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. model.windows_per_forward=64")
    args = parser.parse_args(argv)
    if args.quick:
        args.windows, args.repeats = 64, 2
    result = frontier(args)
    print(markdown_table(result))
    from _results import publish
    return publish(result, "python bench/cheaper_models.py " + " ".join(argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    main()
