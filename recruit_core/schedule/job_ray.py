"""The scheduling job: panel interviews for the shortlisted candidates of the first jobs, a MILP on Ray.

    python ray_jobs/schedule.py experiment=smoke                       # synthetic interviewers
    python ray_jobs/schedule.py interview.interviewers_path=panel.json interview.jobs_to_schedule=3
    python ray_jobs/schedule.py interview.shortlist_path=outputs/demo/match/shortlists

Candidates are the best `interview.top_candidates_per_job` of the first `interview.jobs_to_schedule`
jobs of the shortlist (the same shortlist as the interview packs); their priority is the shortlist
score (else 1/rank). Interviewers come from `interview.interviewers_path` (Parquet or JSON records:
interviewer_id, name, skills, timezone, free_slots [{start, end} ISO-8601 with offset], max_per_day,
location, video_link) or, when it is empty, from `scheduling.synthetic_instance`, which also gives
candidates their availability. Writes `<interview.output_dir>/schedule/` (one row per interview), one
`.ics` calendar per interviewer under `calendars/`, and `unscheduled.json` with each reason.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import ray

from recruit_core.config import RecruitConfig
from recruit_core.interview.pipeline_ray import load_shortlist, read_table, top_of_shortlist
from recruit_core.io import write_json_atomic, write_parquet_atomic
from recruit_core.ray_env import connect
from recruit_core.schedule import (
    Candidate,
    Interviewer,
    SchedulingRules,
    Slot,
    SolverConfig,
    solve_schedule,
    synthetic_instance,
)
from recruit_core.schedule.calendar_ics import schedule_to_table, write_ics


def load_interviewers(path: str | Path) -> list[Interviewer]:
    """Interviewers from Parquet (a file or folder) or a JSON list of records."""
    path = Path(path)
    if path.suffix == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
    else:
        records = read_table(path).to_pylist()
    interviewers = []
    for number, r in enumerate(records):
        try:
            slots = [Slot(datetime.fromisoformat(str(s["start"])), datetime.fromisoformat(str(s["end"])))
                     for s in r["free_slots"]]
            interviewers.append(Interviewer(str(r["interviewer_id"]), r.get("name") or str(r["interviewer_id"]),
                                            frozenset(r["skills"]), r["timezone"], slots,
                                            int(r["max_per_day"]), r.get("location") or "",
                                            r.get("video_link") or ""))
        except KeyError as err:
            raise ValueError(f"{path}: interviewer record {number} has no {err}; each needs interviewer_id, "
                             "skills, timezone, free_slots and max_per_day") from None
    return interviewers


def shortlisted_candidates(cfg: RecruitConfig, jobs: list[dict]) -> list[dict]:
    """The candidates to schedule: job_id, resume_id and priority, best first within each job."""
    shortlist, _ = load_shortlist(cfg.interview, cfg.data, jobs)
    top = top_of_shortlist(shortlist, cfg.interview.top_candidates_per_job).to_pylist()
    chosen_jobs = sorted({row["job_id"] for row in top})[:cfg.interview.jobs_to_schedule]
    rows = [row for row in top if row["job_id"] in chosen_jobs]
    for row in rows:
        score = row.get("score")
        row["priority"] = float(score) if score is not None and score >= 0 else 1.0 / (1 + int(row["rank"]))
    return rows


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster)
    out = Path(cfg.interview.output_dir)
    jobs = read_table(cfg.inputs.jobs).to_pylist()
    shortlisted = shortlisted_candidates(cfg, jobs)
    required = {j["job_id"]: frozenset(j["required_skills"]) for j in jobs
                if j["job_id"] in {row["job_id"] for row in shortlisted}}
    synthetic_people, synthetic_candidates, _ = synthetic_instance(
        len(shortlisted), cfg.interview.interviewers, cfg.interview.days, cfg.interview.seed, required)
    interviewers = (load_interviewers(cfg.interview.interviewers_path) if cfg.interview.interviewers_path
                    else synthetic_people)
    # A resume shortlisted for two jobs is two candidates: the id carries the job.
    candidates = [Candidate(f"{row['resume_id']}@{row['job_id']}", row["job_id"], row["priority"],
                            synthetic.available)
                  for row, synthetic in zip(shortlisted, synthetic_candidates)]
    rules = SchedulingRules(interview_minutes=cfg.interview.interview_minutes,
                            buffer_minutes=cfg.interview.buffer_minutes,
                            panel_size=cfg.interview.panel_size, required_skills=required,
                            min_skill_coverage=cfg.interview.min_skill_coverage)
    solve = ray.remote(num_cpus=cfg.interview.cpus_per_actor)(solve_schedule)
    schedule = ray.get(solve.remote(interviewers, candidates, rules,
                                    SolverConfig(time_limit_s=cfg.interview.time_limit_s)))
    table = schedule_to_table(schedule)
    resume_ids = [candidate.split("@", 1)[0] for candidate in table.column("candidate_id").to_pylist()]
    table = table.append_column("resume_id", pa.array(resume_ids, pa.string()))
    table_path = write_parquet_atomic(table, out / "schedule" / "part-00000.parquet")
    calendars = write_ics(schedule, interviewers, out / "calendars")
    write_json_atomic(schedule.unscheduled, out / "unscheduled.json")
    return {"schedule": str(table_path), "calendars": str(out / "calendars"),
            "unscheduled": str(out / "unscheduled.json"), "candidates": len(candidates),
            "interviewers": len(interviewers), "scheduled": len(schedule.interviews),
            "not_scheduled": len(schedule.unscheduled), "status": schedule.status,
            "ics_files": len(calendars), "solve_seconds": round(schedule.solve_seconds, 2),
            "reasons": dict(sorted(schedule.unscheduled.items()))}

