"""Peak memory of a scoring run at 20k vs 200k resumes: streaming means it must not grow with the data.

    .venv/bin/python bench/score_memory.py                     # tiny model: minutes, not hours
    .venv/bin/python bench/score_memory.py --small 2000 --large 20000

Both pools are generated first (ray_jobs/generate.py's run); each run then gets a fresh local Ray,
and a thread samples every 0.5 s the memory of the driver plus all its descendants (the
Ray head processes and every worker). RSS sums count pages shared between processes (the object
store) once per process that maps them, so the sum overstates the total, equally for both sizes;
the PSS sum splits shared pages between their processes and is reported beside it.
ratio = peak RSS sum (large) / (small), goal <= 1.2; pss_ratio the same for PSS.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import ray  # noqa: E402

from _process_tree import PeakMemory  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402  (also sets the offline environment)
from recruit_core.config import RecruitConfig  # noqa: E402


def config(overrides: list[str]) -> RecruitConfig:
    return compose_config(overrides)


def measure(base: list[str], pool: Path, output: Path) -> dict:
    from recruit_core.score import job_ray as score
    ray.shutdown()  # a fresh Ray: no idle workers or objects left from the previous run
    cfg = config([*base, f"data.dir={pool}", f"score.output_dir={output}", "score.overwrite=true"])
    with PeakMemory() as memory:
        started = time.perf_counter()
        summary = score.run(cfg)
        seconds = time.perf_counter() - started
    return {"rows": summary["rows_in"], "seconds": round(seconds, 1),
            **{f"peak_{k}_mb": round(v / 2**20) for k, v in memory.peak.items()},
            "samples": memory.samples}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--shard-rows", type=int, default=5000)  # DataConfig.shard_rows
    parser.add_argument("--model", default="tiny")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="score_memory_"))
    base = [f"model={args.model}", "data.n_jobs=60", f"data.shard_rows={args.shard_rows}",
            "cluster.num_cpus=2"]
    from recruit_core.data import job_ray as generate
    for n in (args.small, args.large):
        generate.run(config([*base, f"data.n_resumes={n}", f"data.dir={work / f'pool{n}'}"]))
    small = measure(base, work / f"pool{args.small}", work / "out_small")
    large = measure(base, work / f"pool{args.large}", work / "out_large")
    result = {"name": "score_memory", "model": args.model, "small": small, "large": large,
              "peak_rss_mb_small": small["peak_rss_mb"], "peak_rss_mb_large": large["peak_rss_mb"],
              "peak_pss_mb_small": small["peak_pss_mb"], "peak_pss_mb_large": large["peak_pss_mb"],
              "pss_ratio": round(large["peak_pss_mb"] / small["peak_pss_mb"], 3),
              "rows_ratio": round(large["rows"] / small["rows"], 1),
              "ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3)}
    print(json.dumps(result))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/score_memory.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
