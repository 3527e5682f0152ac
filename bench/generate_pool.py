"""Synthetic pool generation on Ray: rows/s and peak memory (driver + every Ray process, summed).

    python bench/generate_pool.py                 # 200,000 resumes (RECRUIT_BENCH_QUICK=1: 20,000)
    python bench/generate_pool.py --rows 2000000

Runs `ray_jobs/generate.py` in a subprocess and samples the RSS of its whole process tree (the
driver, GCS, raylet and workers of its local Ray) every 0.2 s; shared object-store pages are counted
in every process that maps them, so the sum is an upper bound.
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

from _results import machine_info, record

ROOT = Path(__file__).resolve().parent.parent


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


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
        handle, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            peak = max(peak, tree_rss(handle))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        output = child.stdout.read()
        if child.returncode:
            raise SystemExit(f"generate failed:\n{output[-3000:]}")
        size = sum(p.stat().st_size for p in Path(out, "pool").rglob("*.parquet"))
    result = {"name": "generate_pool", "rows": args.rows, "seconds": round(seconds, 1),
              "rows_per_s": round(args.rows / seconds, 1), "peak_rss_mb": round(peak / 2**20),
              "parquet_mb": round(size / 2**20, 1), "machine": machine_info()}
    print(json.dumps(result))
    record(result, command=f"python bench/generate_pool.py --rows {args.rows}")
    return result


if __name__ == "__main__":
    main()
