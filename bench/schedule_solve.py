"""Interview scheduling at recruiting-team scale: 200 candidates, 30 interviewers, two weeks.

    python bench/schedule_solve.py                      # the standard case
    python bench/schedule_solve.py --panels-per-interviewer all   # the unreduced model, to compare

Builds the deterministic synthetic instance (interviewers in London, New York and Kolkata, free
about half of their 9-17 weekdays; candidates free 3-5 half-days), solves it with HiGHS through
scipy, prints one JSON line and appends it to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recruit_core.schedule import SolverConfig, solve_schedule, synthetic_instance  # noqa: E402

# Five openings with 3-4 required skills each: two interviewers of one team can cover a job, but
# not every pair can, so skills matter for who sits together.
JOBS = {"data_engineer": frozenset({"python", "sql", "apache_spark", "airflow"}),
        "backend_engineer": frozenset({"python", "go", "postgres", "system_design"}),
        "ml_engineer": frozenset({"python", "pytorch", "statistics"}),
        "frontend_engineer": frozenset({"typescript", "react", "css"}),
        "site_reliability_engineer": frozenset({"kubernetes", "linux", "terraform"})}


def main(candidates: int = 200, interviewers: int = 30, days: int = 14, seed: int = 0,
         time_limit_s: float = 60.0, panels_per_interviewer: int | None = 3) -> dict:
    people, pool, rules = synthetic_instance(candidates, interviewers, days, seed, JOBS)
    schedule = solve_schedule(people, pool, rules, SolverConfig(
        time_limit_s=time_limit_s, panels_per_interviewer=panels_per_interviewer))
    return {"name": "schedule_solve", "candidates": candidates, "interviewers": interviewers,
            "days": days, "variables": schedule.variables, "constraints": schedule.constraints,
            "scheduled": len(schedule.interviews),
            "solve_seconds": round(schedule.solve_seconds, 3),
            "status": schedule.status, "mip_gap": schedule.mip_gap,
            "objective": round(schedule.objective, 6), "time_limit_s": time_limit_s,
            "panels_per_interviewer": panels_per_interviewer,
            "machine": {"cores": os.cpu_count()}}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--interviewers", type=int, default=30)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0, help="HiGHS time limit, seconds")
    parser.add_argument("--panels-per-interviewer", default="3",
                        help="panels kept per interviewer and start; 'all' = unreduced model")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = _parse(sys.argv[1:])
    keep = None if args.panels_per_interviewer == "all" else int(args.panels_per_interviewer)
    result = main(args.candidates, args.interviewers, args.days, args.seed, args.time_limit, keep)
    print(json.dumps(result))
    try:
        from _results import record
    except ImportError:  # bench/_results.py belongs to the benchmark table; without it, print only
        record = None
    if record is not None:
        record(result, command=shlex.join(["python", "bench/schedule_solve.py", *sys.argv[1:]]))
