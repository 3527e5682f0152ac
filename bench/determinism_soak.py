"""Soak: the determinism tests (`pytest -m determinism`) run N times, each in a fresh process and a
fresh local Ray; a run passes when every test in it passes. Bitwise equality that holds only most of
the time is a bug report waiting to happen, so the bar is N of N.

    .venv/bin/python bench/determinism_soak.py                 # 20 runs, ~2.5 min each on 2 cores
    .venv/bin/python bench/determinism_soak.py --runs 3 -k match

Each run's tests score, match and build interview packs the same input several ways (batch sizes,
actor counts, tokenizing in the actors or before them, one input file or many, a crash and resume)
and compare the outputs bit for bit (tests/test_scoring.py, test_matching.py, test_score_ray.py,
test_interview.py). Not part of `make bench`'s suite: it takes longer than the suite's budget.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

SUMMARY = re.compile(r"(\d+) (passed|failed|error|errors)")


def one_run(extra: list[str]) -> tuple[bool, dict, float]:
    """(passed, {outcome: count}, seconds) of one `pytest -m determinism` in a new process."""
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-m", "determinism", *extra], cwd=ROOT, capture_output=True, text=True)
    counts = {outcome: int(n) for n, outcome in SUMMARY.findall(run.stdout.splitlines()[-1]
                                                                   if run.stdout else "")}
    if run.returncode != 0:
        print(run.stdout[-4000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
    return run.returncode == 0 and counts.get("passed", 0) > 0, counts, time.perf_counter() - started


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("-k", default="", help="pytest -k expression: a subset of the tests")
    args = parser.parse_args()
    extra = ["-k", args.k] if args.k else []
    passed, tests, seconds = 0, {}, []
    for index in range(args.runs):
        ok, counts, took = one_run(extra)
        passed += ok
        tests = counts if ok else tests or counts
        seconds.append(took)
        print(f"run {index + 1}/{args.runs}: {'passed' if ok else 'FAILED'} {counts} {took:.0f} s",
              flush=True)
    result = {"name": "determinism_soak", "runs": args.runs, "runs_passed": passed,
              "tests_per_run": tests.get("passed", 0), "seconds_per_run": round(sum(seconds) / len(seconds), 1),
              "ratio": round(passed / args.runs, 3), "ratio_meaning": "runs with every test passing / runs"}
    from _results import publish
    publish(result, "python bench/determinism_soak.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
