"""Scheduling inputs and outputs: time slots, interviewers, candidates, rules, solver settings, the
schedule, and the checks that need several inputs at once (unique ids, a skills entry per job)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Slot:
    """A stretch of time [start, end) in timezone-aware datetimes (UTC in, UTC out)."""
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError(f"slot {self.start}..{self.end}: datetimes must be timezone-aware; "
                             "attach one, e.g. datetime(..., tzinfo=timezone.utc)")
        if self.end <= self.start:
            raise ValueError(f"slot {self.start.isoformat()}..{self.end.isoformat()}: end is not "
                             "after start")


@dataclass
class Interviewer:
    interviewer_id: str
    name: str
    skills: frozenset[str]
    timezone: str  # IANA name; their max_per_day counts days in this zone
    free_slots: list[Slot]
    max_per_day: int
    location: str = ""
    video_link: str = ""
    email: str = ""  # the invitation's ATTENDEE; "" writes a placeholder address under .invalid

    def __post_init__(self) -> None:
        if self.max_per_day < 0:
            raise ValueError(f"interviewer {self.interviewer_id}: max_per_day={self.max_per_day} "
                             "is negative; use 0 for someone who cannot interview")
        _check_zone(f"interviewer {self.interviewer_id}", self.timezone)


def _check_zone(who: str, zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{who}: unknown time zone {zone!r}; use an IANA name such as "
                         "'Europe/London'") from None


@dataclass
class Candidate:
    candidate_id: str
    job_id: str
    priority: float  # e.g. the match score in [0, 1]; higher is scheduled first
    available: list[Slot]
    timezone: str = "UTC"  # IANA name: the invitation shows the candidate their own local time
    email: str = ""  # the invitation's ATTENDEE; "" writes a placeholder address under .invalid

    def __post_init__(self) -> None:
        _check_zone(f"candidate {self.candidate_id}", self.timezone)
        if not (math.isfinite(self.priority) and self.priority >= 0):
            raise ValueError(f"candidate {self.candidate_id}: priority={self.priority} must be a "
                             "finite number >= 0 (a match score in [0, 1])")


@dataclass
class SchedulingRules:
    interview_minutes: int = 60
    buffer_minutes: int = 15  # free time an interviewer keeps between two interviews
    panel_size: int = 2
    required_skills: dict[str, frozenset[str]] = field(default_factory=dict)  # job_id -> skills
    # Share of the job's coverable required skills (those some interviewer has) the panel covers.
    min_skill_coverage: float = 1.0
    slot_granularity_minutes: int = 30  # interviews start on this grid of UTC clock time
    preferred_skills: dict[str, frozenset[str]] = field(default_factory=dict)  # tie-break only

    def __post_init__(self) -> None:
        for name in ("interview_minutes", "panel_size", "slot_granularity_minutes"):
            if getattr(self, name) < 1:
                raise ValueError(f"SchedulingRules.{name}={getattr(self, name)} must be >= 1")
        if self.buffer_minutes < 0 or not 0.0 <= self.min_skill_coverage <= 1.0:
            raise ValueError(f"SchedulingRules: buffer_minutes={self.buffer_minutes} must be >= 0 "
                             f"and min_skill_coverage={self.min_skill_coverage} within [0, 1]")


@dataclass
class SolverConfig:
    time_limit_s: float = 60.0  # for the whole call: HiGHS gets what building the model left
    mip_rel_gap: float = 1e-4  # HiGHS's default: stop when within 0.01% of the best bound
    # Per (job, start), each interviewer's best covering panels kept (see package docstring);
    # None = all.
    panels_per_interviewer: int | None = 3

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0 or (self.panels_per_interviewer or 1) < 1:
            raise ValueError(f"SolverConfig: time_limit_s={self.time_limit_s} must be > 0 and "
                             f"panels_per_interviewer={self.panels_per_interviewer} >= 1 or None")


@dataclass(frozen=True)
class Interview:
    """One panel interview. `location` is the panel's shared location, "" when they differ (meet
    by video); `video_link` is the first link set among the panelists, in panel order."""
    candidate_id: str
    job_id: str
    start: datetime
    end: datetime
    interviewer_ids: tuple[str, ...]
    covered_skills: frozenset[str]
    uncovered_skills: frozenset[str]
    location: str = ""
    video_link: str = ""


@dataclass
class Schedule:
    interviews: list[Interview]
    unscheduled: dict[str, str]  # candidate_id -> why no interview could be given
    objective: float  # total priority of the candidates scheduled (tie-breaks left out)
    solve_seconds: float  # the whole call: building, HiGHS, greedy pass and reasons
    status: str  # optimal | time_limit | infeasible | unbounded | solver_error
    mip_gap: float | None = None  # HiGHS's relative gap to its bound, on the reduced model
    variables: int = 0
    constraints: int = 0


def _check_inputs(interviewers: list[Interviewer], candidates: list[Candidate],
                  rules: SchedulingRules) -> None:
    """What no single input can check alone: unique ids, and required skills for every job."""
    for kind, ids in (("interviewer", [i.interviewer_id for i in interviewers]),
                      ("candidate", [c.candidate_id for c in candidates])):
        twice = sorted(k for k, n in Counter(ids).items() if n > 1)
        if twice:
            raise ValueError(f"{kind} ids {twice} appear more than once; ids must be unique")
    for c in candidates:
        if c.job_id not in rules.required_skills:
            raise ValueError(f"candidate {c.candidate_id}: job {c.job_id!r} has no entry in "
                             "SchedulingRules.required_skills; add one (frozenset(): any "
                             "panel will do)")
