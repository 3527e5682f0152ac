"""Interview scheduling: which panel interviews which candidate, and when, as an integer program.

`solve_schedule` gives each candidate at most one interview by `panel_size` interviewers who are all
free for the whole interview, cover the job's required skills, are never double-booked (buffer
included) and stay within their per-day limit, counted in their own time zone. HiGHS solves it
through `scipy.optimize.milp`; every candidate left out gets a reason naming the constraint.

    python bench/schedule_solve.py      # 200 candidates x 30 interviewers x 2 weeks

The assignment model has y[c,t] (candidate c interviewed at start t) and x[c,t,i] (interviewer i on
that panel). Solved in that form (10x the rows, most of them skill coverage), HiGHS was 2-4x slower
on the benchmark and once stopped at the time limit 48% from optimal. So the variables are panels:
z[c,t,P] for a panel P of `panel_size` interviewers all free for [t, t + interview] and, checked
before the model is built, covering the job's skills. y[c,t] = sum_P z[c,t,P] and x[c,t,i] =
sum_{P holds i} z[c,t,P], so panel size, availability and skill coverage hold by construction.
Times are whole minutes since the epoch; starts lie on the rules' grid.
    maximise  sum (priority_c + PRIORITY_FLOOR) z  + tie-breaks (relevant panelists, early starts)
    subject to  per candidate c:  sum_{t,P} z[c,t,P] <= 1
                per interviewer i, start p:  sum of z[., t, P holds i] with t <= p < t + interview
                  + buffer  <= 1   (a sweep: a clash always shows at the later start)
                per interviewer i, day d in their own time zone:
                  sum of z[., t on d, P holds i] <= max_per_day
A required skill no interviewer has is not "coverable": the panel covers min_skill_coverage of the
coverable ones and the rest is reported as uncovered; a job whose required skills nobody has
cannot be interviewed.

Reduction: for each (job, start), every free interviewer keeps their `panels_per_interviewer` best
covering panels (most required skills covered, then most job skills known); None keeps them all,
the full model. Sweep rows inside another row are dropped. The MIP gap is relative to this model;
a greedy pass afterwards places anyone still placeable (possible within the gap or a time limit).
"""
from __future__ import annotations

import math
import random
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from itertools import combinations
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

PRIORITY_FLOOR = 1e-3  # a candidate scored 0 is still worth a slot nobody else can use
SKILL_WEIGHT = 1e-4  # per interview, at most: panelists who know the job's skills break ties only
EARLY_WEIGHT = 1e-6  # per interview, at most: earlier starts win ties, so equal optima don't flip
_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "solver_error"}


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

    def __post_init__(self) -> None:
        if self.max_per_day < 0:
            raise ValueError(f"interviewer {self.interviewer_id}: max_per_day={self.max_per_day} "
                             "is negative; use 0 for someone who cannot interview")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"interviewer {self.interviewer_id}: unknown time zone "
                             f"{self.timezone!r}; use an IANA name such as 'Europe/London'"
                             ) from None


@dataclass
class Candidate:
    candidate_id: str
    job_id: str
    priority: float  # e.g. the match score in [0, 1]; higher is scheduled first
    available: list[Slot]

    def __post_init__(self) -> None:
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
    # Per (job, start), each interviewer's best covering panels kept (module docstring); None = all.
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


def _first_minute(moment: datetime) -> int:
    return math.ceil(moment.timestamp() / 60)


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=timezone.utc)


def _merged(slots: list[Slot]) -> list[tuple[int, int]]:
    """Slots as sorted, disjoint (start, end) minutes; touching slots join, so 9-10 and 10-11
    hold a 9:30 interview."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((_first_minute(s.start), int(s.end.timestamp()) // 60) for s in slots):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif start < end:
            merged.append((start, end))
    return merged


@dataclass
class _Job:
    coverable: tuple[str, ...]  # required skills some interviewer has
    uncoverable: tuple[str, ...]
    needed: int  # how many of `coverable` a panel must cover
    masks: list[int]  # per interviewer: the `coverable` skills they know, as bits
    relevance: list[float]  # per interviewer: share of the job's required + preferred skills known

    @property
    def blocked(self) -> bool:
        return bool(self.uncoverable) and not self.coverable


def _coverage(job: _Job, panel: tuple[int, ...]) -> int:
    mask = 0
    for i in panel:
        mask |= job.masks[i]
    return mask


def _relevance(job: _Job, panel: tuple[int, ...]) -> float:
    return sum(job.relevance[i] for i in panel) / len(panel)


class _Instance:
    """The inputs in solver units (epoch minutes, interviewer positions), with per-start caches."""

    def __init__(self, interviewers: list[Interviewer], candidates: list[Candidate],
                 rules: SchedulingRules) -> None:
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
        self.interviewers, self.candidates, self.rules = interviewers, candidates, rules
        self.length = rules.interview_minutes
        self.spacing = rules.interview_minutes + rules.buffer_minutes  # start to next start
        self.free = [_merged(i.free_slots) if i.max_per_day > 0 else [] for i in interviewers]
        self.zones = [ZoneInfo(i.timezone) for i in interviewers]
        self.jobs = {j: self._job(j) for j in sorted({c.job_id for c in candidates})}
        self.starts = [self._grid_starts(c) for c in candidates]
        self._free_at: dict[int, tuple[int, ...]] = {}

    def _job(self, job_id: str) -> _Job:
        required = self.rules.required_skills[job_id]
        known = frozenset().union(*(i.skills for i in self.interviewers))
        coverable = tuple(sorted(required & known))
        wanted = required | self.rules.preferred_skills.get(job_id, frozenset())
        # The epsilon keeps 0.5 * 4 skills at 2, not 3, after float rounding.
        needed = math.ceil(self.rules.min_skill_coverage * len(coverable) - 1e-9)
        return _Job(coverable, tuple(sorted(required - known)), needed,
                    [sum(1 << b for b, s in enumerate(coverable) if s in i.skills)
                     for i in self.interviewers],
                    [len(i.skills & wanted) / max(1, len(wanted)) for i in self.interviewers])

    def _grid_starts(self, candidate: Candidate) -> list[int]:
        step, starts = self.rules.slot_granularity_minutes, set()
        for start, end in _merged(candidate.available):
            starts.update(range(-(-start // step) * step, end - self.length + 1, step))
        return sorted(starts)

    def free_at(self, t: int) -> tuple[int, ...]:
        """Interviewers free for the whole interview starting at t."""
        if t not in self._free_at:
            self._free_at[t] = tuple(
                i for i, windows in enumerate(self.free)
                if (k := bisect_right(windows, (t, math.inf)) - 1) >= 0
                and windows[k][1] >= t + self.length)
        return self._free_at[t]

    def day(self, i: int, t: int) -> date:
        return _moment(t).astimezone(self.zones[i]).date()

    def panels(self, job: _Job, members: tuple[int, ...] | list[int]) -> list[tuple[int, ...]]:
        """Every panel among `members` that covers enough of the job's coverable skills."""
        if job.blocked:
            return []
        return [panel for panel in combinations(members, self.rules.panel_size)
                if _coverage(job, panel).bit_count() >= job.needed]

    @staticmethod
    def rank(job: _Job, panel: tuple[int, ...]) -> tuple:
        """Sort key, best panel first: most required skills covered, then most job skills known."""
        return -_coverage(job, panel).bit_count(), -_relevance(job, panel), panel

    def shortlist(self, job_id: str, t: int, per_interviewer: int | None) -> list[tuple[int, ...]]:
        """The covering panels free at t that the model considers: each interviewer's
        `per_interviewer` best ones, so nobody drops out when a better colleague is booked."""
        job = self.jobs[job_id]
        panels = sorted(self.panels(job, self.free_at(t)), key=lambda p: self.rank(job, p))
        if per_interviewer is None:
            return panels
        kept, seats = [], Counter()
        for panel in panels:  # a panel is in some member's top n iff that member has < n so far
            if any(seats[i] < per_interviewer for i in panel):
                kept.append(panel)
                seats.update(panel)
        return kept


@dataclass
class _Model:
    """One binary variable per (candidate, start, panel) option; rows are sets of options of which
    at most `upper` may be chosen."""
    cand: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    panel: list[tuple[int, ...]] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)

    def offer(self, c: int, t: int, panel: tuple[int, ...]) -> None:
        self.cand.append(c)
        self.start.append(t)
        self.panel.append(panel)

    def at_most(self, options, upper: int) -> None:
        self.rows.append(list(options))
        self.upper.append(upper)


def _build(inst: _Instance, per_interviewer: int | None) -> _Model:
    model, shortlists = _Model(), {}
    for c, candidate in enumerate(inst.candidates):
        first = len(model.cand)
        for t in inst.starts[c]:
            key = (candidate.job_id, t)
            if key not in shortlists:
                shortlists[key] = inst.shortlist(candidate.job_id, t, per_interviewer)
            for panel in shortlists[key]:
                model.offer(c, t, panel)
        if len(model.cand) - first > 1:  # one interview per candidate
            model.at_most(range(first, len(model.cand)), 1)
    seats = defaultdict(list)  # interviewer -> options with them on the panel, by start
    for option, panel in enumerate(model.panel):
        for i in panel:
            seats[i].append(option)
    for i in sorted(seats):
        _interviewer_rows(inst, model, i, sorted(seats[i], key=model.start.__getitem__))
    return model


def _interviewer_rows(inst: _Instance, model: _Model, i: int, options: list[int]) -> None:
    """No double booking, buffer included, and max_per_day in the interviewer's own time zone."""
    starts = np.array([model.start[o] for o in options])
    points = np.unique(starts)  # a clash always shows at the later start, so starts suffice
    lo = np.searchsorted(starts, points - inst.spacing, side="right")
    hi = np.searchsorted(starts, points, side="right")
    maximal = np.append(lo[1:] > lo[:-1], True)  # row p lies inside row p+1 when both begin alike
    for a, b in zip(lo[maximal], hi[maximal]):
        if b - a > 1:
            model.at_most(options[a:b], 1)
    by_day = defaultdict(list)
    for o, t in zip(options, starts):
        by_day[inst.day(i, int(t))].append(o)
    for day in sorted(by_day):
        if len(by_day[day]) > inst.interviewers[i].max_per_day:
            model.at_most(by_day[day], inst.interviewers[i].max_per_day)


def _run_highs(inst: _Instance, model: _Model, config: SolverConfig, seconds: float):
    """The chosen (candidate, start, panel) options, HiGHS's status and its MIP gap."""
    if not model.cand:
        return [], "optimal", 0.0
    start = np.array(model.start)
    lateness = (start - start.min()) / max(1, int(start.max() - start.min()))
    cost = -np.array([inst.candidates[c].priority + PRIORITY_FLOOR
                      + SKILL_WEIGHT * _relevance(inst.jobs[inst.candidates[c].job_id], p)
                      for c, p in zip(model.cand, model.panel)]) - EARLY_WEIGHT * (1 - lateness)
    indptr = np.cumsum([0] + [len(r) for r in model.rows])
    matrix = sparse.csr_array((np.ones(indptr[-1]), np.concatenate(model.rows or [[]]).astype(int),
                               indptr), shape=(len(model.rows), len(model.cand)))
    result = milp(cost, integrality=np.ones(len(cost)), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(matrix, -np.inf, model.upper) if model.rows else (),
                  options={"time_limit": seconds, "mip_rel_gap": config.mip_rel_gap, "disp": False})
    status = _STATUS.get(result.status, "solver_error")
    if result.x is None:
        return [], status, None
    chosen = [(model.cand[o], model.start[o], model.panel[o])
              for o in np.flatnonzero(result.x > 0.5)]
    return chosen, status, getattr(result, "mip_gap", None)


class _Bookings:
    """Interviews placed so far, indexed as the constraints ask: by interviewer, by local day."""

    def __init__(self, inst: _Instance) -> None:
        self.inst = inst
        self.placed: dict[int, tuple[int, tuple[int, ...]]] = {}  # candidate -> (start, panel)
        self.by_interviewer: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.per_day: Counter = Counter()

    def add(self, c: int, t: int, panel: tuple[int, ...]) -> None:
        self.placed[c] = (t, panel)
        for i in panel:
            self.by_interviewer[i].append((t, c))
            self.per_day[i, self.inst.day(i, t)] += 1

    def blocks(self, t: int) -> tuple[list[int], set[int], set[int]]:
        """Of the interviewers free at t: those still open, the candidates holding the others
        (interviews too close, buffer included), and those at max_per_day on that local day."""
        open_, holders, full = [], set(), set()
        for i in self.inst.free_at(t):
            near = {c for s, c in self.by_interviewer[i] if abs(s - t) < self.inst.spacing}
            if near:
                holders |= near
            elif self.per_day[i, self.inst.day(i, t)] >= self.inst.interviewers[i].max_per_day:
                full.add(i)
            else:
                open_.append(i)
        return open_, holders, full


def _fill_gaps(inst: _Instance, book: _Bookings) -> None:
    """Place, best priority first, anyone left out although a panel is still open: HiGHS may stop
    that short of the optimum within its gap or at the time limit."""
    waiting = [c for c in range(len(inst.candidates)) if c not in book.placed]
    for c in sorted(waiting, key=lambda c: (-inst.candidates[c].priority, c)):
        job = inst.jobs[inst.candidates[c].job_id]
        for t in inst.starts[c]:
            panels = inst.panels(job, book.blocks(t)[0])
            if panels:
                book.add(c, t, min(panels, key=lambda p: inst.rank(job, p)))
                break


def _why_unscheduled(inst: _Instance, book: _Bookings, c: int) -> str:
    """Check the constraints one at a time for this candidate alone; name the one that stops it."""
    cand, rules = inst.candidates[c], inst.rules
    job, size = inst.jobs[cand.job_id], rules.panel_size
    who = f"candidate {cand.candidate_id} (job {cand.job_id})"
    if job.blocked:
        skills = ", ".join(repr(s) for s in job.uncoverable)
        plural = "s" * (len(job.uncoverable) > 1)
        return f"{who}: no interviewer covers required skill{plural} {skills}"
    if not inst.starts[c]:
        return (f"{who}: no {rules.interview_minutes}-minute interview on the "
                f"{rules.slot_granularity_minutes}-minute grid fits the candidate's availability")
    people, verb = (f"{size} interviewers", "are") if size > 1 else ("1 interviewer", "is")
    if all(len(inst.free_at(t)) < size for t in inst.starts[c]):
        return (f"{who}: no start time where {people} {verb} free within the candidate's "
                "availability")
    feasible = [t for t in inst.starts[c] if inst.panels(job, inst.free_at(t))]
    if not feasible:
        skills = list(job.coverable) if job.needed == len(job.coverable) else \
            f"at least {job.needed} of {list(job.coverable)}"
        return (f"{who}: no start time where {people} covering {skills} {verb} free "
                "within the candidate's availability")
    holders, full = set(), set()
    for t in feasible:
        _, near, at_cap = book.blocks(t)
        holders, full = holders | near, full | at_cap
    parts = []
    if holders:
        rivals = sorted(holders, key=lambda r: (-inst.candidates[r].priority, r))
        higher = all(inst.candidates[r].priority >= cand.priority for r in rivals)
        names = ", ".join(inst.candidates[r].candidate_id for r in rivals[:5])
        names += f" and {len(rivals) - 5} more" * (len(rivals) > 5)
        parts.append(f"every feasible slot is taken by {'higher-priority' if higher else 'other'} "
                     f"candidates {names} (interviewer capacity)")
    if full:
        names = ", ".join(inst.interviewers[i].interviewer_id for i in sorted(full))
        parts.append(f"interviewers {names} reached max_per_day")
    return f"{who}: " + ("; ".join(parts) or "left out by the solver")


def _interview(inst: _Instance, c: int, t: int, panel: tuple[int, ...]) -> Interview:
    cand, people = inst.candidates[c], [inst.interviewers[i] for i in panel]
    required = inst.rules.required_skills[cand.job_id]
    known = frozenset().union(*(p.skills for p in people))
    locations = {p.location for p in people}
    return Interview(cand.candidate_id, cand.job_id, _moment(t), _moment(t + inst.length),
                     tuple(p.interviewer_id for p in people), required & known, required - known,
                     locations.pop() if len(locations) == 1 else "",
                     next((p.video_link for p in people if p.video_link), ""))


def solve_schedule(interviewers: list[Interviewer], candidates: list[Candidate],
                   rules: SchedulingRules, config: SolverConfig | None = None) -> Schedule:
    """The best schedule HiGHS finds within `config.time_limit_s`, with a reason for each
    candidate left out. Same inputs, same schedule, unless the time limit cuts HiGHS short
    (status "time_limit")."""
    config = config or SolverConfig()
    began = time.perf_counter()
    inst = _Instance(interviewers, candidates, rules)
    model = _build(inst, config.panels_per_interviewer)
    # At least a second, so a slow build still ends with HiGHS's schedule rather than none.
    seconds = max(1.0, config.time_limit_s - (time.perf_counter() - began))
    chosen, status, gap = _run_highs(inst, model, config, seconds)
    book = _Bookings(inst)
    for c, t, panel in chosen:
        book.add(c, t, panel)
    _fill_gaps(inst, book)
    placed = sorted(book.placed.items(), key=lambda item: (item[1][0], item[0]))
    return Schedule(
        interviews=[_interview(inst, c, t, panel) for c, (t, panel) in placed],
        unscheduled={cand.candidate_id: _why_unscheduled(inst, book, c)
                     for c, cand in enumerate(candidates) if c not in book.placed},
        objective=sum(candidates[c].priority for c in book.placed),
        solve_seconds=time.perf_counter() - began, status=status, mip_gap=gap,
        variables=len(model.cand), constraints=len(model.rows))


SYNTHETIC_ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata")
SYNTHETIC_MONDAY = date(2025, 3, 3)  # two weeks from here cross New York's DST switch on 9 March


def _local(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def _synthetic_interviewer(rng: random.Random, k: int, jobs: dict[str, frozenset[str]],
                           workdays: list[date]) -> Interviewer:
    zone = SYNTHETIC_ZONES[k % len(SYNTHETIC_ZONES)]
    home = sorted(jobs)[k % len(jobs)]  # everyone knows part of one job's skills, maybe one more
    team = sorted(jobs[home])
    skills = set(rng.sample(team, rng.randint(min(2, len(team)), len(team))))
    others = sorted(frozenset().union(*jobs.values()) - skills)
    if others and rng.random() < 0.5:
        skills.add(rng.choice(others))
    free = []
    for day in workdays:  # 9-17 local, alternating free and busy blocks of 1-3 hours: ~half free
        hour = 9
        while hour < 17:
            length = min(rng.randint(1, 3), 17 - hour)
            if rng.random() < 0.5:
                free.append(Slot(_local(day, hour, zone), _local(day, hour + length, zone)))
            hour += length
    return Interviewer(f"i{k:02d}", f"Interviewer {k}", frozenset(skills), zone, free,
                       max_per_day=rng.randint(2, 4), location=f"{zone.split('/')[1]} office",
                       video_link=f"https://meet.example.com/i{k:02d}")


def synthetic_instance(n_candidates: int, n_interviewers: int, days: int, seed: int,
                       jobs: dict[str, frozenset[str]]
                       ) -> tuple[list[Interviewer], list[Candidate], SchedulingRules]:
    """A reproducible scheduling problem: interviewers in three time zones free ~half of their
    9-17 weekdays, candidates free for 3-5 half-days in their own zone, skills from `jobs`."""
    if not jobs or not all(jobs.values()):
        raise ValueError(f"synthetic_instance: jobs={jobs!r}; give at least one job, each with "
                         "at least one skill")
    rng = random.Random(seed)
    workdays = [d for d in (SYNTHETIC_MONDAY + timedelta(n) for n in range(days))
                if d.weekday() < 5]
    interviewers = [_synthetic_interviewer(rng, k, jobs, workdays) for k in range(n_interviewers)]
    half_days = [(d, h) for d in workdays for h in (9, 13)]
    candidates = []
    for k in range(n_candidates):
        zone = rng.choice(SYNTHETIC_ZONES)
        picked = sorted(rng.sample(half_days, min(len(half_days), rng.randint(3, 5))))
        available = [Slot(_local(d, h, zone), _local(d, h + 4, zone)) for d, h in picked]
        candidates.append(Candidate(f"c{k:03d}", rng.choice(sorted(jobs)), round(rng.random(), 3),
                                    available))
    return interviewers, candidates, SchedulingRules(required_skills=dict(jobs))
