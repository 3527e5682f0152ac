"""The inputs in solver units (epoch minutes, interviewer positions): per-job skill masks, the
start grid, who is free when, the panels that cover a job, and the bookings placed so far."""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import combinations
from zoneinfo import ZoneInfo

from recruit_core.schedule._types import Candidate, Interviewer, SchedulingRules, Slot, _check_inputs


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
        _check_inputs(interviewers, candidates, rules)
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
