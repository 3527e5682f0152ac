"""Why a candidate got no interview: the constraints checked one at a time for that candidate
alone, against the bookings made, naming the first one that stops them."""
from __future__ import annotations

from recruit_core.schedule._instance import _Bookings, _Instance


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
    return f"{who}: " + ("; ".join(parts) or "the solver found no slot; book one by hand")
