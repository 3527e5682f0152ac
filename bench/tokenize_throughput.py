"""Does it matter where resumes are tokenized? Tokenizer resumes/s against the CPU scorer's forward.

    python bench/tokenize_throughput.py            # 2,000 generated resumes tokenized, 24 scored
    python bench/tokenize_throughput.py --quick    # 300 tokenized, 6 scored (also RECRUIT_BENCH_QUICK=1)

The MiniLM fast tokenizer splits each resume into the model's windows (`encode_windows` with the
default model config: 256 tokens, stride 192, at most 4 windows), in one process with
TOKENIZERS_PARALLELISM=false, as a score actor does. The same windows then go through MiniLM's
forward on the CPU with one torch thread (`score.torch_threads=1`, one actor per core). ratio =
tokenize time / forward time per resume: near 0 means tokenizing inside the scoring actor costs
nothing worth moving; near 1 means it should move to its own stage. Resumes come from the synthetic
generator (the livecareer texts when the built-in taxonomy is not installed).
"""
from __future__ import annotations

import argparse
import os
import time

from recruit_core import env

env.apply()  # before transformers loads: it reads HF_HUB_OFFLINE once, at import

import torch  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

from recruit_core.config import DataConfig, ModelConfig  # noqa: E402
from recruit_core.model.encoder import load_encoder  # noqa: E402
from recruit_core.text.windows import encode_windows  # noqa: E402

# Texts per tokenizer call: the score job's default batch (score.batch_size=64).
BATCH = 64


def resume_texts(n: int) -> tuple[list[str], str]:
    """n resume texts and where they came from."""
    try:
        from recruit_core.data.synth import generate_resume
        from recruit_core.data.taxonomy import load_builtin
        taxonomy = load_builtin()
    except (OSError, ImportError):  # taxonomy.json not installed (yet): real resumes instead
        import pyarrow.parquet as pq
        path = DataConfig().livecareer_path
        texts = [t for t in pq.read_table(path, columns=["text"]).column("text").to_pylist() if t]
        return (texts * (n // len(texts) + 1))[:n], "livecareer"
    return [generate_resume(taxonomy, seed=0, index=i).text for i in range(n)], "synthetic"


def tokenize_seconds(tokenizer, texts: list[str], cfg: ModelConfig) -> tuple[float, int]:
    start, windows = time.perf_counter(), 0
    for first in range(0, len(texts), BATCH):
        encoded = encode_windows(tokenizer, texts[first:first + BATCH], cfg.max_length,
                                 cfg.window_stride, cfg.max_windows)
        windows += len(encoded.owner)
    return time.perf_counter() - start, windows


@torch.inference_mode()
def forward_seconds(encoder, tokenizer, texts: list[str], cfg: ModelConfig) -> float:
    windows = encode_windows(tokenizer, texts, cfg.max_length, cfg.window_stride, cfg.max_windows)
    ids, mask = torch.from_numpy(windows.input_ids), torch.from_numpy(windows.attention_mask)
    encoder(input_ids=ids[:2], attention_mask=mask[:2])  # warm-up: thread pool and allocator
    start = time.perf_counter()
    for first in range(0, len(ids), 16):  # 16 windows: a typical CPU forward batch
        encoder(input_ids=ids[first:first + 16], attention_mask=mask[first:first + 16])
    return time.perf_counter() - start


def run(quick: bool) -> dict:
    n_tokenize, n_forward = (300, 6) if quick else (2000, 24)
    cfg = ModelConfig()
    tokenizer, encoder, fingerprint = load_encoder(cfg)
    encoder.eval()
    texts, source = resume_texts(n_tokenize)
    tokenize_s, windows = tokenize_seconds(tokenizer, texts, cfg)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        forward_s = forward_seconds(encoder, tokenizer, texts[:n_forward], cfg)
    finally:
        torch.set_num_threads(threads)
    tokenize_per_resume = tokenize_s / len(texts)
    forward_per_resume = forward_s / n_forward
    return {"name": "tokenize_throughput", "quick": quick, "source": source, "model": fingerprint,
            "resumes": len(texts), "windows_per_resume": round(windows / len(texts), 2),
            "tokenize_resumes_per_s": round(1 / tokenize_per_resume, 1),
            "forward_resumes_per_s_1thread": round(1 / forward_per_resume, 2),
            "ratio": round(tokenize_per_resume / forward_per_resume, 4),
            "ratio_meaning": "tokenize time / CPU forward time per resume (1 thread each)"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    hf_logging.set_verbosity_error()  # whole resumes are tokenized on purpose, then windowed
    result = run(quick)
    from _results import publish
    return publish(result, "python bench/tokenize_throughput.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
