"""The scheduling job: panel interviews for the shortlisted candidates of the first jobs, a MILP on Ray.

    python ray_jobs/schedule.py interview.interviewers_path=panel.json \
        interview.availability_path=availability.csv interview.jobs_to_schedule=3
    python ray_jobs/schedule.py experiment=smoke interview.shortlist_from_truth=true   # all synthetic

Candidates are the best `interview.top_candidates_per_job` of the first `interview.jobs_to_schedule`
jobs of the match job's shortlist (`interview.shortlist_path`; the pool's ground truth only with
interview.shortlist_from_truth=true); their priority is the fit the shortlist carries
(`priority_from_fit`). Interviewers come from `interview.interviewers_path` (Parquet or JSON records:
interviewer_id, name, skills, timezone, free_slots [{start, end} ISO-8601 with offset], max_per_day,
location, video_link, email), candidates' free time from `interview.availability_path`
(schedule/availability.py); with neither, both are drawn by `scheduling.synthetic_instance`. A real
panel without a real availability file is refused. Writes `<interview.output_dir>/schedule/` (one
row per interview), one invitation per interview under `invitations/` (METHOD:REQUEST to the panel
and the candidate), one calendar per interviewer under `calendars/`, and `unscheduled.json` with
each reason. Any of these paths may be an s3:// or gs:// URI (recruit_core/storage.py): each output
file is then one object, stored whole.
"""
from __future__ import annotations

import json
import math
import posixpath
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import ray

from recruit_core import storage
from recruit_core.config import RecruitConfig
from recruit_core.interview.pipeline_ray import load_shortlist, read_table, top_of_shortlist
from recruit_core.io import read_text, write_json_atomic, write_parquet_atomic
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
from recruit_core.schedule.availability import Availability, load_availability
from recruit_core.schedule.calendar_ics import schedule_to_table, write_ics, write_invitations


def load_interviewers(path: str | Path) -> list[Interviewer]:
    """Interviewers from Parquet (a file or folder) or a JSON list of records, on disk or in an
    object store."""
    path = str(path) if storage.is_remote(path) else Path(path)
    suffix = posixpath.splitext(path)[1] if storage.is_remote(path) else path.suffix
    if suffix == ".json":
        records = json.loads(read_text(path, "interview.interviewers_path"))
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
                                            r.get("video_link") or "", r.get("email") or ""))
        except KeyError as err:
            raise ValueError(f"{path}: interviewer record {number} has no {err}; each needs interviewer_id, "
                             "skills, timezone, free_slots and max_per_day") from None
    return interviewers


def priority_from_fit(row: dict) -> float:
    """A shortlist row's fit as a priority >= 0: the cross-encoder's rerank_score (a sigmoid in
    [0, 1]) when the match job reranked the pair, else its bi_score (cosine, negatives as 0), else
    the ground-truth shortlist's score."""
    for column in ("rerank_score", "bi_score", "score"):
        value = row.get(column)
        if value is not None and math.isfinite(value):
            return max(float(value), 0.0)
    raise ValueError(f"shortlist row {row.get('job_id')}/{row.get('resume_id')} has no fit score "
                     "(rerank_score, bi_score or score); point interview.shortlist_path at the "
                     "match job's shortlists/")


def shortlisted_candidates(cfg: RecruitConfig, jobs: list[dict]) -> list[dict]:
    """The candidates to schedule: job_id, resume_id and priority, best first within each job."""
    shortlist, _ = load_shortlist(cfg.interview, cfg.data, jobs)
    top = top_of_shortlist(shortlist, cfg.interview.top_candidates_per_job).to_pylist()
    chosen_jobs = sorted({row["job_id"] for row in top})[:cfg.interview.jobs_to_schedule]
    rows = [row for row in top if row["job_id"] in chosen_jobs]
    for row in rows:
        row["priority"] = priority_from_fit(row)
    return rows


def people(cfg: RecruitConfig, shortlisted: list[dict], required: dict
           ) -> tuple[list[Interviewer], list[Candidate], str]:
    """(interviewers, candidates, where availability came from). A resume shortlisted for two
    jobs is two candidates: the id carries the job."""
    interview = cfg.interview
    if interview.interviewers_path and not interview.availability_path:
        raise ValueError("interview.interviewers_path is a real panel, but candidates' availability "
                         "would be synthetic; give interview.availability_path (resume_id, start, "
                         "end, timezone)")
    synthetic_panel, synthetic_candidates, _ = synthetic_instance(
        len(shortlisted), interview.interviewers, interview.days, interview.seed, required)
    interviewers = (load_interviewers(interview.interviewers_path) if interview.interviewers_path
                    else synthetic_panel)
    if not interview.availability_path:
        return interviewers, [
            Candidate(f"{row['resume_id']}@{row['job_id']}", row["job_id"], row["priority"],
                      synthetic.available, synthetic.timezone)
            for row, synthetic in zip(shortlisted, synthetic_candidates)], "synthetic"
    free = load_availability(interview.availability_path)
    candidates = []
    for row in shortlisted:
        mine = free.get(str(row["resume_id"]), Availability())  # no rows: unscheduled, with why
        candidates.append(Candidate(f"{row['resume_id']}@{row['job_id']}", row["job_id"],
                                    row["priority"], mine.slots, mine.timezone, mine.email))
    return interviewers, candidates, interview.availability_path


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster)
    out = cfg.interview.output_dir  # a folder, or an object-store prefix (s3://bucket/prefix)
    jobs = read_table(cfg.inputs.jobs).to_pylist()
    shortlisted = shortlisted_candidates(cfg, jobs)
    required = {j["job_id"]: frozenset(j["required_skills"]) for j in jobs
                if j["job_id"] in {row["job_id"] for row in shortlisted}}
    interviewers, candidates, availability = people(cfg, shortlisted, required)
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
    table_path = write_parquet_atomic(table, storage.join(out, "schedule", "part-00000.parquet"))
    calendars = write_ics(schedule, interviewers, storage.join(out, "calendars"))
    invitations = write_invitations(schedule, interviewers, candidates,
                                    storage.join(out, "invitations"), cfg.interview.organizer_email)
    write_json_atomic(schedule.unscheduled, storage.join(out, "unscheduled.json"))
    return {"schedule": str(table_path), "calendars": storage.join(out, "calendars"),
            "unscheduled": storage.join(out, "unscheduled.json"), "candidates": len(candidates),
            "interviewers": len(interviewers), "scheduled": len(schedule.interviews),
            "not_scheduled": len(schedule.unscheduled), "status": schedule.status,
            "ics_files": len(calendars), "invitations": len(invitations),
            "invitations_dir": storage.join(out, "invitations"),
            "availability": availability, "solve_seconds": round(schedule.solve_seconds, 2),
            "reasons": dict(sorted(schedule.unscheduled.items()))}

