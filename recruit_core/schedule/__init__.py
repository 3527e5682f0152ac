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

# Submodules by responsibility; this package's public names are the ones the single module had.
#   _types      inputs and outputs (Slot ... Schedule) and the checks across inputs
#   _instance   the inputs in solver units, covering panels, bookings
#   _model      building and solving the MILP, the greedy pass, solve_schedule
#   _reasons    why a candidate was left out
#   _synthetic  synthetic_instance
from recruit_core.schedule._model import EARLY_WEIGHT, PRIORITY_FLOOR, SKILL_WEIGHT, solve_schedule
from recruit_core.schedule._synthetic import SYNTHETIC_MONDAY, SYNTHETIC_ZONES, synthetic_instance
from recruit_core.schedule._types import (
                                            Candidate,
                                            Interview,
                                            Interviewer,
                                            Schedule,
                                            SchedulingRules,
                                            Slot,
                                            SolverConfig,
)
