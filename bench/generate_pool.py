"""Synthetic pool generation on Ray: rows/s and peak memory (driver + every Ray process, summed).

    python bench/generate_pool.py                 # 200,000 resumes (RECRUIT_BENCH_QUICK=1: 20,000)
    python bench/generate_pool.py --rows 2000000

Runs `ray_jobs/generate.py` in a subprocess and samples the memory of its whole process tree (the
driver, GCS, raylet, dashboard and workers of its local Ray) every 0.5 s. RSS counts shared pages
(the object store, shared libraries) once per process that maps them, so its sum is an upper bound;
PSS splits each shared page among the processes that map it, so its sum is the tree's real
footprint. `peak_pss_mb_work` is the driver and the generator tasks alone; the rest is Ray's own
processes, whose size does not depend on the number of rows.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from _process_tree import PeakMemory
from _results import machine_info, record

ROOT = Path(__file__).resolve().parent.parent


def main() -> dict:
    parser = argparse.ArgumentParser()
    quick = os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    parser.add_argument("--rows", type=int, default=20_000 if quick else 200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(ROOT / "ray_jobs/generate.py"), f"data.n_resumes={args.rows}",
                   f"data.dir={out}/pool", f"output_root={out}", "cluster.num_cpus=2"]
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with PeakMemory(psutil.Process(child.pid)) as memory:
            output, _ = child.communicate()
        seconds = time.perf_counter() - started
        peak = memory.peak
        if child.returncode:
            raise SystemExit(f"generate failed:\n{output[-3000:]}")
        size = sum(p.stat().st_size for p in Path(out, "pool").rglob("*.parquet"))
    result = {"name": "generate_pool", "rows": args.rows, "seconds": round(seconds, 1),
              "rows_per_s": round(args.rows / seconds, 1), "peak_rss_mb": round(peak["rss"] / 2**20),
              "peak_pss_mb": round(peak["pss"] / 2**20), "peak_pss_mb_work": round(peak["pss_work"] / 2**20),
              "parquet_mb": round(size / 2**20, 1), "machine": machine_info()}
    print(json.dumps(result))
    record(result, command=f"python bench/generate_pool.py --rows {args.rows}")
    return result


if __name__ == "__main__":
    main()
