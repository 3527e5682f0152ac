"""Incremental rescoring vs a full rerun after 1% of the resumes changed: wall time and CPU seconds.

    .venv/bin/python bench/incremental_rescore.py                         # 3,000 resumes, tiny model
    .venv/bin/python bench/incremental_rescore.py --resumes 20000 --model minilm --changed 0.01

A pool is generated (`ray_jobs/generate.py`'s job into a temp dir) and scored once; then a share
`--changed` of the resumes, spread over the files, gets a line added to its text, and the pool is
scored twice more: in full (score.overwrite=true) and incrementally (score.previous_run=<the first
run>). Both are whole score job runs, each starting its own local Ray, as a job does; CPU seconds
count this process and every Ray worker (bench/_process_tree.py). The two outputs are checked to be
equal, run_id aside, before anything is recorded. ratio = full seconds / incremental seconds.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from _process_tree import CpuSeconds  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402  (also sets the offline environment)
from recruit_core.io import parquet_files  # noqa: E402


def timed_job(job: str, base: list[str], output: Path, *extra: str) -> tuple[dict, float, float]:
    """(summary, wall s, CPU s) of one run of recruit_core.<job>.job_ray into `output`."""
    import importlib

    import ray
    run = importlib.import_module(f"recruit_core.{job}.job_ray").run
    ray.shutdown()  # each run starts its own Ray, as a job does: start-up is part of its cost
    with CpuSeconds() as cpu:
        started = time.perf_counter()
        summary = run(compose_config([*base, f"{job}.output_dir={output}", *extra]))
        seconds = time.perf_counter() - started
    ray.shutdown()
    return summary, seconds, cpu.seconds


def score(base: list[str], output: Path, *extra: str) -> tuple[dict, float, float]:
    return timed_job("score", base, output, *extra)


def change_resumes(resumes: str, share: float, seed: int = 0) -> int:
    """Add a line to the text of `share` of the resumes (rewriting the files that hold them)."""
    files = parquet_files(resumes)
    total = sum(pq.read_metadata(f).num_rows for f in files)
    rng = random.Random(seed)
    chosen = set(rng.sample(range(total), max(1, round(total * share))))
    offset = 0
    for path in files:
        table = pq.read_table(path)
        rows = range(offset, offset + table.num_rows)
        if chosen.intersection(rows):
            texts = [t + "\nAlso: certified scrum master." if offset + i in chosen else t
                     for i, t in enumerate(table.column("text").to_pylist())]
            table = table.set_column(table.schema.get_field_index("text"), "text",
                                     pa.array(texts, table.schema.field("text").type))
            pq.write_table(table, path)
        offset += table.num_rows
    return len(chosen)


def outputs(folder: Path) -> dict:
    return {str(p.relative_to(folder)): pq.read_table(p).drop_columns(["run_id"])
            for p in sorted(folder.glob("scores/*.parquet"))}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=3000)
    parser.add_argument("--shard-rows", type=int, default=250)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--start-timeout", type=int, default=600,  # a shared, loaded machine
                        help="cluster.start_timeout_s of each run's local Ray")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="incremental_bench_"))
    base = [f"model={args.model}", f"data.dir={work / 'pool'}", f"data.n_resumes={args.resumes}",
            f"data.shard_rows={args.shard_rows}", "data.n_jobs=60", f"cluster.num_cpus={args.threads}",
            f"cluster.start_timeout_s={args.start_timeout}"]
    from recruit_core.data import job_ray as generate
    generate.run(compose_config(base))
    first, first_s, first_cpu = score(base, work / "first")
    changed = change_resumes(compose_config(base).inputs.resumes, args.changed)
    full, full_s, full_cpu = score(base, work / "full")
    incr, incr_s, incr_cpu = score(base, work / "incremental", f"score.previous_run={work / 'first'}")
    if outputs(work / "full") != outputs(work / "incremental"):
        raise SystemExit("incremental and full outputs differ: nothing recorded")
    result = {"name": "incremental_rescore", "model": args.model, "resumes": args.resumes,
              "files": len(parquet_files(compose_config(base).inputs.resumes)),
              "changed": changed, "threads": args.threads,
              "reused": incr["reused"], "rescored": incr["rescored"],
              "first_seconds": round(first_s, 1), "first_cpu_s": round(first_cpu, 1),
              "full_seconds": round(full_s, 1), "full_cpu_s": round(full_cpu, 1),
              "incremental_seconds": round(incr_s, 1), "incremental_cpu_s": round(incr_cpu, 1),
              "ratio": round(full_s / incr_s, 3), "cpu_ratio": round(full_cpu / incr_cpu, 3),
              "ratio_meaning": "full rerun seconds / incremental seconds"}
    print(json.dumps(result))
    from _results import record
    record(result, command="python bench/incremental_rescore.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
