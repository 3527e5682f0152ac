"""End-to-end demo time by stage: runs `ray_jobs/demo.py` and reads its `stage <name>: <s> s` lines.

    python bench/demo_stages.py                    # the full demo: experiment=demo (240 resumes)
    python bench/demo_stages.py --quick            # experiment=smoke (also RECRUIT_BENCH_QUICK=1)
    python bench/demo_stages.py -- data.n_resumes=20000 score.pool_size=2   # extra overrides

Inside `bench/run_all.py` (RECRUIT_BENCH_SUITE=1) it runs the demo on 80 resumes and 8 jobs, 2 steps per fine-tuning, so
the whole suite stays under 20 minutes on 2 cores; the row names the overrides it used. Outputs go to
a temporary output_root, never over `outputs/demo`. ratio = the slowest stage's share of the total:
the stage to optimise first.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from recruit_core.env import LOCAL_RAY_ENV, OFFLINE_ENV  # noqa: E402

DEMO = REPO_ROOT / "ray_jobs" / "demo.py"
STAGE_LINE = re.compile(r"^stage (\S+): ([0-9.]+) s\s*$")
# Every stage's code path with real MiniLM at about half the demo's cost, so the suite's other
# benchmarks fit in its 20 minutes too; the demo's own time: `python bench/demo_stages.py`.
SUITE_OVERRIDES = ["experiment=demo", "data.n_resumes=80", "data.n_jobs=8", "data.shard_rows=20",
                   "train.max_steps=2", "train.n_train_pairs=32"]
QUICK_OVERRIDES = ["experiment=smoke"]
FULL_OVERRIDES = ["experiment=demo"]
STDERR_TAIL_LINES = 20


def parse_stages(stdout: str) -> dict[str, float]:
    """{stage: seconds} from the demo's output, in the order the stages ran."""
    stages = {}
    for line in stdout.splitlines():
        match = STAGE_LINE.match(line.strip())
        if match:
            stages[match.group(1)] = float(match.group(2))
    return stages


def choose_mode(quick: bool) -> tuple[str, list[str]]:
    """(mode, overrides): quick beats suite, suite beats the full demo."""
    if quick:
        return "quick", QUICK_OVERRIDES
    if os.environ.get("RECRUIT_BENCH_SUITE") == "1":
        return "suite", SUITE_OVERRIDES
    return "full", FULL_OVERRIDES


def run_demo(mode: str, overrides: list[str], timeout_s: float) -> dict:
    env = {**os.environ, **OFFLINE_ENV, **LOCAL_RAY_ENV, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryDirectory(prefix="recruit-demo-bench-") as output_root:
        command = [sys.executable, str(DEMO), *overrides, f"output_root={output_root}"]
        started = time.perf_counter()
        # Own session: on timeout the whole group (the demo and the local Ray it started) is stopped.
        demo = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = demo.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.communicate()
            raise
        wall_s = time.perf_counter() - started
    result = {"name": "demo_stages", "mode": mode, "overrides": " ".join(overrides),
              "wall_s": round(wall_s, 1)}
    if demo.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()[-STDERR_TAIL_LINES:]
        result.update(failed=demo.returncode, stderr_tail="\n".join(tail))
        return result
    stages = parse_stages(stdout)
    if not stages:
        result.update(failed="no `stage <name>: <seconds> s` lines in the demo's output")
        return result
    total = sum(stages.values())
    slowest = max(stages, key=stages.get)
    result.update(stage_seconds=stages, total_s=round(total, 1), slowest_stage=slowest,
                  ratio=round(stages[slowest] / total, 3) if total else None,
                  ratio_meaning=f"share of the slowest stage ({slowest}) in the stage total")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds before the demo is stopped (default: 30 minutes)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides, after --")
    args = parser.parse_args(argv)
    if not DEMO.is_file():
        print(json.dumps({"name": "demo_stages", "skipped": f"{DEMO} does not exist yet"}))
        return 0
    quick = args.quick or os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    try:
        mode, overrides = choose_mode(quick)
        result = run_demo(mode, [*overrides, *args.overrides], args.timeout)
    except subprocess.TimeoutExpired:
        print(json.dumps({"name": "demo_stages", "failed": f"demo ran past --timeout {args.timeout} s"}))
        return 1
    if "failed" in result:
        print(json.dumps(result))
        return 1
    command = "python bench/demo_stages.py " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        from _results import machine_info, record
    except ImportError:
        print(json.dumps(result), flush=True)
        return 0
    result["machine"] = machine_info()
    print(json.dumps(result), flush=True)
    record(result, command.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
