"""Ray Data scoring throughput vs a bare single-process loop: same model, data and total threads.

    .venv/bin/python bench/score_throughput.py                          # 4,000 resumes, the default
    .venv/bin/python bench/score_throughput.py --resumes 800 --variants all   # the variant table

The pool comes from `ray_jobs/generate.py`'s run into a temp dir. The bare loop reads Parquet
batches, validates them, scores them with the same `ResumeScorer` (same tokenizer, same model) using
all threads, and writes Parquet; each Ray variant is a whole `ray_jobs/score.py` run. Both timings
include loading the model and embedding the requisitions. Baselines run first and last and are
averaged (the machine is shared); ratio = Ray rows/s / bare rows/s, goal >= 0.95.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "ray_jobs"), str(ROOT / "bench")]
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

import _entry  # noqa: E402,F401  (offline environment)
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import torch  # noqa: E402
from hydra import compose, initialize_config_dir  # noqa: E402

from recruit_core.config import RecruitConfig, to_plain  # noqa: E402
from recruit_core.io import parquet_files  # noqa: E402
from recruit_core.quarantine import validate_resumes  # noqa: E402
from recruit_core.scoring import ResumeScorer  # noqa: E402

# (name, overrides): where tokenization runs, batch size, and how the threads are split.
VARIANTS = {
    "2 actors x 1 thread, tokenize in CPU tasks, batch 64": [],
    "2 actors x 1 thread, tokenize in actor, batch 64": ["score.tokenize_in_actor=true"],
    "1 actor x 2 threads, tokenize in CPU tasks, batch 64": ["score.pool_size=1", "score.torch_threads=2",
                                                             "score.cpus_per_actor=1"],
    "2 actors x 1 thread, tokenize in CPU tasks, batch 16": ["score.batch_size=16"],
    "2 actors x 1 thread, tokenize in CPU tasks, batch 128": ["score.batch_size=128"],
}


def config(overrides: list[str]) -> RecruitConfig:
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return to_plain(compose(config_name="config", overrides=overrides))


def bare_loop(cfg: RecruitConfig, output: Path, threads: int) -> tuple[int, float]:
    """The single-process reference: Parquet batches -> validate -> tokenize + model -> Parquet."""
    torch.set_num_threads(threads)
    started = time.perf_counter()
    scorer = ResumeScorer.from_config(cfg.score, cfg.model, cfg.data)
    rows = 0
    output.mkdir(parents=True, exist_ok=True)
    for path in parquet_files(cfg.score.input):
        writer, position = None, 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=cfg.score.batch_size,
                                                       columns=["resume_id", "text"]):
            validated = validate_resumes(pa_table(batch), str(path), position, cfg.score.max_text_chars)
            position += batch.num_rows
            good = validated.filter(pc.is_null(validated.column("reason")))
            with torch.inference_mode():
                scored = scorer.score_table(good.select(["resume_id", "text"]))
            writer = writer or pq.ParquetWriter(output / path.name, scored.schema, compression="zstd")
            writer.write_table(scored)
            rows += scored.num_rows
        if writer:
            writer.close()
    return rows, time.perf_counter() - started


def pa_table(batch):
    import pyarrow as pa
    return pa.Table.from_batches([batch])


def ray_run(base: list[str], overrides: list[str], output: Path) -> tuple[int, float]:
    import score
    started = time.perf_counter()
    summary = score.run(config([*base, f"score.output_dir={output}", "score.overwrite=true", *overrides]))
    return summary["rows_scored"], time.perf_counter() - started


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=4000)
    parser.add_argument("--shard-rows", type=int, default=250)  # 16 files for 4,000: work for every actor
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--variants", default="default", help="default | all")
    parser.add_argument("--threads", type=int, default=2)  # the cores of this machine
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="score_bench_"))
    base = [f"model={args.model}", f"data.dir={work / 'pool'}", f"data.n_resumes={args.resumes}",
            f"data.shard_rows={args.shard_rows}", "data.n_jobs=60", f"cluster.num_cpus={args.threads}"]
    import generate
    generate.run(config(base))
    cfg = config(base)
    names = list(VARIANTS) if args.variants == "all" else list(VARIANTS)[:1]
    first = bare_loop(cfg, work / "bare_first", args.threads)
    runs = {name: ray_run(base, VARIANTS[name], work / f"ray_{i}") for i, name in enumerate(names)}
    last = bare_loop(cfg, work / "bare_last", args.threads)
    bare_rate = (first[0] / first[1] + last[0] / last[1]) / 2
    table = [{"variant": name, "rows": rows, "seconds": round(seconds, 1),
              "rows_per_s": round(rows / seconds, 2), "ratio": round(rows / seconds / bare_rate, 3)}
             for name, (rows, seconds) in runs.items()]
    result = {"name": "score_throughput", "model": args.model, "resumes": args.resumes,
              "files": len(parquet_files(cfg.score.input)), "threads": args.threads,
              "bare_rows_per_s": round(bare_rate, 2),
              "bare_seconds_first_last": [round(first[1], 1), round(last[1], 1)],
              "ray_rows_per_s": table[0]["rows_per_s"], "variants": table, "ratio": table[0]["ratio"]}
    print(json.dumps(result))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/score_throughput.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
