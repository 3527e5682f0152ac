"""Building and solving the integer program (package docstring): one variable per (candidate,
start, panel) option, HiGHS through `scipy.optimize.milp`, then a greedy pass; `solve_schedule`."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from recruit_core.schedule._instance import _Bookings, _Instance, _moment, _relevance
from recruit_core.schedule._reasons import _why_unscheduled
from recruit_core.schedule._types import (
    Candidate,
    Interview,
    Interviewer,
    Schedule,
    SchedulingRules,
    SolverConfig,
)

PRIORITY_FLOOR = 1e-3  # a candidate scored 0 is still worth a slot nobody else can use
SKILL_WEIGHT = 1e-4  # per interview, at most: panelists who know the job's skills break ties only
EARLY_WEIGHT = 1e-6  # per interview, at most: earlier starts win ties, so equal optima don't flip
_STATUS = {0: "optimal", 1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "solver_error"}


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
