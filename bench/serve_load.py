"""Load on the scoring service: requests/s and latency at 1, 8 and 32 concurrent clients, beside
the batch scorer's rows/s on the same texts.

    .venv/bin/python bench/serve_load.py                         # MiniLM, 1 replica, 200 requests per level
    .venv/bin/python bench/serve_load.py --model tiny --requests 100 --seconds 30

Starts the service (`recruit_core/serve/job_ray.py`, the code `recruit serve` runs) on 127.0.0.1
on a local Ray, sends synthetic resumes as POST /score JSON from N client threads, each request
timed end to end, and stops each level after --requests requests or --seconds seconds, whichever
comes first. Errors (any answer but 200, or no answer within the timeout) must be 0. Beside it,
`bench/score_throughput.py`'s bare loop scores the same texts with `ResumeScorer` in this process
(model loading included, as there). CPU seconds of this process and every Ray process it started
are recorded with the wall time: the machine is shared.
"""
from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from _process_tree import CpuSeconds  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402
from recruit_core.data.synth import job_table, resume_tables  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from score_throughput import bare_loop  # noqa: E402  (also sets the offline environment)

CLIENTS = (1, 8, 32)
REQUEST_TIMEOUT_S = 120  # a request with no answer by then counts as an error


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(url: str, body: bytes) -> bool:
    request = urllib.request.Request(url + "/score", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            response.read()
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def load_level(url: str, bodies: list[bytes], clients: int, max_requests: int,
               max_seconds: float) -> dict:
    """`clients` threads send requests back to back until `max_requests` or `max_seconds`."""
    numbers, lock = itertools.count(), threading.Lock()
    latencies, errors = [], [0]
    deadline = time.monotonic() + max_seconds

    def client() -> None:
        while True:
            n = next(numbers)
            if n >= max_requests or time.monotonic() > deadline:
                return
            started = time.perf_counter()
            ok = _post(url, bodies[n % len(bodies)])
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    with CpuSeconds() as cpu:
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {"clients": clients, "requests": len(latencies), "errors": errors[0],
            "seconds": round(seconds, 1), "cpu_s": round(cpu.seconds, 1),
            "requests_per_s": round(len(latencies) / seconds, 2),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1)}


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm", help="minilm | tiny")
    parser.add_argument("--requests", type=int, default=200, help="most requests per level")
    parser.add_argument("--seconds", type=float, default=90, help="most seconds per level")
    parser.add_argument("--texts", type=int, default=200, help="distinct synthetic resumes")
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="serve_bench_"))
    resumes, _ = resume_tables(load_builtin(), 0, 0, args.texts, 0.15, 0.0)
    pq.write_table(resumes, work / "resumes.parquet")
    pq.write_table(job_table(load_builtin(), 0, 60), work / "jobs.parquet")
    cfg = compose_config([f"model={args.model}", f"inputs.resumes={work / 'resumes.parquet'}",
                          f"inputs.jobs={work / 'jobs.parquet'}", "cluster.num_cpus=2",
                          f"serve.port={_free_port()}", f"serve.num_replicas={args.replicas}"])
    threads = cfg.serve.torch_threads * cfg.serve.num_replicas
    rows, batch_seconds, batch_cpu = bare_loop(cfg, work / "bare", threads)

    from recruit_core.serve.job_ray import start, stop
    with CpuSeconds() as start_cpu:
        started = time.perf_counter()
        url = start(cfg)
        start_seconds = time.perf_counter() - started
    bodies = [json.dumps({"text": t}).encode() for t in resumes.column("text").to_pylist()]
    try:
        levels = [load_level(url, bodies, n, args.requests, args.seconds) for n in CLIENTS]
    finally:
        stop()
    result = {"name": "serve_load", "model": args.model, "replicas": args.replicas,
              "max_batch_size": cfg.serve.max_batch_size, "batch_wait_s": cfg.serve.batch_wait_s,
              "start_seconds": round(start_seconds, 1), "start_cpu_s": round(start_cpu.seconds, 1),
              "levels": levels, "errors": sum(level["errors"] for level in levels),
              "batch_rows_per_s": round(rows / batch_seconds, 2), "batch_threads": threads,
              "batch_seconds": round(batch_seconds, 1), "batch_cpu_s": round(batch_cpu, 1),
              "ratio": round(levels[-1]["requests_per_s"] / (rows / batch_seconds), 3),
              "ratio_meaning": f"requests/s at {CLIENTS[-1]} clients / batch scorer rows/s"}
    print(json.dumps(result))
    from _results import record
    record(result, command="python bench/serve_load.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
