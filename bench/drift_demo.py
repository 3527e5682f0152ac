"""The drift report between two demo runs, the second on a pool with a planted shift.

    python bench/drift_demo.py                          # tiny model, 1,000 resumes -> outputs/drift_demo
    RECRUIT_BENCH_QUICK=1 python bench/drift_demo.py    # 200 resumes
    python bench/drift_demo.py --model minilm --resumes 240   # the demo's pretrained MiniLM

Generates a pool (the generator's shard function, in this process), writes a copy with one job
family's share halved and a batch of empty resumes added (`recruit_core.drift.planted`), runs the
score job on both with the same model and settings, and then the drift job on the two runs.
Prints what the report flagged and where drift.md is; records one JSON line (bench/results.jsonl).
The report should flag the empty_text quarantine rate and, with a model whose top category follows
the resume's occupation, the job family mix; nothing else. The tiny model is random: its categories
barely follow the occupation, so the family it loses is not visible in its outputs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _results import record  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.data.pool import shard_count, write_jobs, write_resume_shard  # noqa: E402
from recruit_core.drift.planted import plant_shift  # noqa: E402


def score(settings: list[str], pool: Path, output: Path) -> dict:
    from recruit_core.score.job_ray import run
    return run(compose_config([*settings, f"inputs.resumes={pool / 'resumes'}",
                               f"inputs.jobs={pool / 'jobs'}", f"score.output_dir={output}",
                               "score.overwrite=true"]))


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=("tiny", "minilm"), default="tiny")
    quick = os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    parser.add_argument("--resumes", type=int, default=200 if quick else 1000)
    parser.add_argument("--family", default="software", help="the job family whose share is halved")
    parser.add_argument("--empty", type=int, default=40, help="empty resumes added")
    parser.add_argument("--out", default="outputs/drift_demo")
    args = parser.parse_args()
    out = Path(args.out)
    settings = ["experiment=demo", f"model={args.model}", f"output_root={out}",
                f"data.dir={out / 'pool'}", f"data.n_resumes={args.resumes}"]
    cfg = compose_config(settings)
    started, cpu_started = time.perf_counter(), time.process_time()
    write_jobs(cfg.data)
    for shard in range(shard_count(cfg.data)):
        write_resume_shard(cfg.data, shard)
    planted = plant_shift(out / "pool", out / "pool_shifted", args.family, args.empty)
    runs = {name: score(settings, pool, out / name / "scores")
            for name, pool in (("baseline", out / "pool"), ("shifted", out / "pool_shifted"))}
    from recruit_core.drift.job import run as drift
    report = drift(compose_config([*settings, f"drift.baseline={out / 'baseline' / 'scores'}",
                                   f"drift.current={out / 'shifted' / 'scores'}",
                                   f"drift.output_dir={out / 'drift'}"]))
    result = {"name": "drift_demo", "model": args.model, "resumes": args.resumes,
              "family_halved": planted.family, "family_dropped": planted.dropped,
              "empty_added": planted.empty, "scored": [runs[n]["rows_scored"] for n in runs],
              "flagged": report["flagged"], "drift_md": report["drift_md"],
              "seconds": round(time.perf_counter() - started, 1),
              "driver_cpu_s": round(time.process_time() - cpu_started, 1), "load_1m": os.getloadavg()[0]}
    print(json.dumps(result))
    record(result, command=f"python bench/drift_demo.py --model {args.model} --resumes {args.resumes}")
    return result


if __name__ == "__main__":
    main()
