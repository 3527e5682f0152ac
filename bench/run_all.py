"""Run every benchmark, one subprocess each, and report what each measured or why it failed.

    make bench                                   # = python bench/run_all.py: the suite, < 20 min on 2 cores
    make bench ARGS=--quick                      # every script with RECRUIT_BENCH_QUICK=1: a few minutes
    python bench/run_all.py --only limits tokenize_throughput
    python bench/run_all.py --skip demo_stages --budget 600

Runs `bench/*.py` except `_*.py`, this file, the soaks (OWN_RUN), and `gpu_score.py` when torch sees no CUDA device;
`limits.py` first (the run's own ceiling for MFU), `demo_stages.py` last (the longest). Every script
gets RECRUIT_BENCH_SUITE=1 and a timeout, capped by what is left of the suite's budget; a script that
fails or times out is listed with the last lines of its stderr and the exit status is 1. Each
script records its own rows in bench/results.jsonl; this runner adds one `run_all` row naming the
scripts that failed, so a broken benchmark shows in bench/RESULTS.md instead of silently vanishing.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
from recruit_core.env import LOCAL_RAY_ENV, OFFLINE_ENV  # noqa: E402

# 19 minutes: the suite's promise is under 20 on the 2-core dev machine, with a minute for startup.
DEFAULT_BUDGET_S = 19 * 60
DEFAULT_TIMEOUT_S = 240  # a benchmark that needs more than 4 minutes belongs behind its own flag
TIMEOUTS_S = {"demo_stages": 480, "gpu_score": 480, "score_throughput": 420, "train_throughput": 300}
# The suite runs the heavy benchmarks at smaller sizes so all of them fit in its 20 minutes; each
# row records the exact command, and every script's docstring gives the full-size command.
SUITE_ARGS = {
    "generate_pool": ["--rows", "20000"],
    "score_throughput": ["--resumes", "160", "--shard-rows", "20"],
    "score_memory": ["--small", "1000", "--large", "10000", "--shard-rows", "500"],
    "train_throughput": ["--steps", "6"],
    "match_topk": ["--resumes", "200000"],
    "counterfactual": ["--resumes", "12", "--jobs", "30"],
    "drift_demo": ["--resumes", "400"],
}
FIRST, LAST = ("limits",), ("demo_stages",)
# Longer than the suite's whole budget: run on their own.
OWN_RUN = {"determinism_soak": "a soak of ~50 min: python bench/determinism_soak.py",
           "fault_soak": "a multi-node soak of ~15 min: python bench/fault_soak.py",
           "real_matching": "~15 min of MiniLM on the real postings: python bench/real_matching.py",
           "cheaper_models": "fp32 and int8 MiniLM over livecareer and the postings, ~10 CPU-min: "
                             "python bench/cheaper_models.py",
           "livecareer_classifier": "MiniLM over ~13,000 token windows of real resumes: "
                                    "python bench/livecareer_classifier.py",
           "synthetic_vs_real": "MiniLM on the real postings and a synthetic sample: "
                                "python bench/synthetic_vs_real.py"}
STDERR_TAIL_LINES = 15
NO_TIME_LEFT_S = 30  # below this a script cannot even load its model: skip it, say so


def has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def discover(only: list[str], skip: list[str]) -> tuple[list[str], dict[str, str]]:
    """(benchmarks to run in order, {benchmark: why skipped})."""
    names = sorted(p.stem for p in BENCH_DIR.glob("*.py")
                   if not p.name.startswith("_") and p.stem != "run_all")
    unknown = sorted(set(only + skip) - set(names))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}: choose from {names}")
    skipped = {n: "--skip" for n in skip}
    skipped.update({n: why for n, why in OWN_RUN.items() if n in names and n not in only})
    if only:
        skipped.update({n: "not in --only" for n in names if n not in only})
    if "gpu_score" in names and "gpu_score" not in skipped and not has_cuda():
        skipped["gpu_score"] = "no CUDA device (run `python bench/gpu_score.py --device cpu --quick`)"
    order = [n for n in FIRST if n in names] + [n for n in names if n not in FIRST + LAST] \
        + [n for n in LAST if n in names]
    return [n for n in order if n not in skipped], skipped


def json_lines(stdout: str) -> list[dict]:
    rows = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "name" in row:
                rows.append(row)
    return rows


def run_script(name: str, timeout_s: float, env: dict, args: list[str] | None = None) -> dict:
    """Run bench/<name>.py; its process group is killed on timeout (it may have started Ray)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(BENCH_DIR / f"{name}.py"), *(args or [])],
                            cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
        status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        status = f"timed out after {timeout_s:.0f} s"
    rows = json_lines(stdout)
    skipped = [r["skipped"] for r in rows if "skipped" in r]
    if status == "ok" and skipped:
        status = f"skipped itself: {skipped[0]}"
    elif status == "ok" and not rows:
        status = "failed (no JSON line on stdout)"
    return {"name": name, "status": status, "seconds": round(time.perf_counter() - started, 1),
            "rows": rows, "stderr_tail": (stderr.strip() or stdout.strip()).splitlines()[-STDERR_TAIL_LINES:]}


def suite_env(quick: bool) -> dict:
    env = {**os.environ, **OFFLINE_ENV, **LOCAL_RAY_ENV, "RECRUIT_BENCH_SUITE": "1",
           "PYTHONUNBUFFERED": "1"}
    if quick:
        env["RECRUIT_BENCH_QUICK"] = "1"
    return env


def run_suite(names: list[str], budget_s: float, quick: bool, timeout_s: float | None) -> list[dict]:
    deadline = time.monotonic() + budget_s
    env = suite_env(quick)
    outcomes = []
    for name in names:
        left = deadline - time.monotonic()
        if left < NO_TIME_LEFT_S:
            outcomes.append({"name": name, "status": "not run: suite budget spent", "rows": [],
                             "seconds": 0.0, "stderr_tail": []})
            continue
        limit = min(timeout_s or TIMEOUTS_S.get(name, DEFAULT_TIMEOUT_S), left)
        args = [] if quick else SUITE_ARGS.get(name, [])
        print(f"[run_all] {name} {' '.join(args)} (timeout {limit:.0f} s) ...", flush=True)
        outcome = run_script(name, limit, env, args)
        print(f"[run_all] {name}: {outcome['status']} in {outcome['seconds']} s", flush=True)
        for row in outcome["rows"]:
            print(json.dumps(row), flush=True)
        outcomes.append(outcome)
    return outcomes


def report(outcomes: list[dict], skipped: dict[str, str]) -> list[str]:
    """Print the summary; return the names of benchmarks that failed or timed out."""
    print("\n| benchmark | status | seconds |\n|---|---|---|")
    for o in outcomes:
        print(f"| {o['name']} | {o['status']} | {o['seconds']} |")
    for name, why in skipped.items():
        print(f"| {name} | skipped: {why} | 0 |")
    failed = [o["name"] for o in outcomes if o["status"].startswith(("failed", "timed out", "not run"))]
    for o in outcomes:
        if o["name"] in failed and o["stderr_tail"]:
            print(f"\n--- {o['name']}: last lines of stderr ---\n" + "\n".join(o["stderr_tail"]))
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="RECRUIT_BENCH_QUICK=1 for every script")
    parser.add_argument("--only", nargs="*", default=[], metavar="NAME")
    parser.add_argument("--skip", nargs="*", default=[], metavar="NAME")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the suite")
    parser.add_argument("--timeout", type=float, help="seconds per script (default: per script)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    names, skipped = discover(args.only, args.skip)
    outcomes = run_suite(names, args.budget, args.quick, args.timeout)
    failed = report(outcomes, skipped)
    summary = {"name": "run_all", "quick": args.quick, "ok": sum(o["status"] == "ok" for o in outcomes),
               "failed": ", ".join(failed) or "none", "skipped": ", ".join(sorted(skipped)) or "none",
               "wall_s": round(time.perf_counter() - started, 1),
               "seconds_by_benchmark": {o["name"]: o["seconds"] for o in outcomes}}
    sys.path.insert(0, str(BENCH_DIR))
    from _results import record
    record(summary, "python bench/run_all.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    print(f"\n{summary['ok']} ok, failed: {summary['failed']}; {summary['wall_s']} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
