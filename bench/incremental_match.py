"""Incremental matching vs a full rerun after 1% of the resumes changed: wall time and CPU seconds.

    .venv/bin/python bench/incremental_match.py                         # 3,000 resumes, tiny model
    .venv/bin/python bench/incremental_match.py --resumes 20000 --model minilm --changed 0.01

A pool is generated (`ray_jobs/generate.py`'s job into a temp dir) and matched once; then a share
`--changed` of the resumes, spread over the files, gets a line added to its text, and the pool is
matched twice more: in full and incrementally (match.previous_run=<the first run>). Both are whole
match job runs, each starting its own local Ray, as a job does; CPU seconds count this process and
every Ray worker (bench/_process_tree.py). The two outputs are checked to be equal, run_id aside,
before anything is recorded. ratio = full seconds / incremental seconds. No cross-encoder: the
shortlist rerank is the same work in both runs.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pyarrow.parquet as pq  # noqa: E402

from incremental_rescore import change_resumes, timed_job  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402  (also sets the offline environment)
from recruit_core.io import parquet_files  # noqa: E402


def match(base: list[str], output: Path, *extra: str) -> tuple[dict, float, float]:
    return timed_job("match", base, output, *extra)


def outputs(folder: Path) -> dict:
    return {str(p.relative_to(folder)): pq.read_table(p).drop_columns(["run_id"])
            for p in sorted(folder.glob("*/*.parquet"))}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=3000)
    parser.add_argument("--shard-rows", type=int, default=250)
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--start-timeout", type=int, default=600,  # a shared, loaded machine
                        help="cluster.start_timeout_s of each run's local Ray")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="incremental_match_bench_"))
    base = [f"model={args.model}", f"data.dir={work / 'pool'}", f"data.n_resumes={args.resumes}",
            f"data.shard_rows={args.shard_rows}", f"data.n_jobs={args.jobs}",
            f"cluster.num_cpus={args.threads}", f"cluster.start_timeout_s={args.start_timeout}"]
    from recruit_core.data import job_ray as generate
    generate.run(compose_config(base))
    first, first_s, first_cpu = match(base, work / "first")
    changed = change_resumes(compose_config(base).inputs.resumes, args.changed)
    full, full_s, full_cpu = match(base, work / "full")
    incr, incr_s, incr_cpu = match(base, work / "incremental", f"match.previous_run={work / 'first'}")
    if outputs(work / "full") != outputs(work / "incremental"):
        raise SystemExit("incremental and full outputs differ: nothing recorded")
    result = {"name": "incremental_match", "model": args.model, "resumes": args.resumes,
              "jobs": args.jobs, "files": len(parquet_files(compose_config(base).inputs.resumes)),
              "changed": changed, "threads": args.threads,
              "reused": incr["reused"], "rematched": incr["rematched"],
              "first_seconds": round(first_s, 1), "first_cpu_s": round(first_cpu, 1),
              "full_seconds": round(full_s, 1), "full_cpu_s": round(full_cpu, 1),
              "incremental_seconds": round(incr_s, 1), "incremental_cpu_s": round(incr_cpu, 1),
              "ratio": round(full_s / incr_s, 3), "cpu_ratio": round(full_cpu / incr_cpu, 3),
              "ratio_meaning": "full rerun seconds / incremental seconds"}
    print(json.dumps(result))
    from _results import record
    record(result, command="python bench/incremental_match.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
