"""Synthetic scheduling problems for benchmarks, tests and demos: interviewers in three time
zones, candidates with a few half-days free, skills drawn from the jobs given."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from zoneinfo import ZoneInfo

from recruit_core.schedule._types import Candidate, Interviewer, SchedulingRules, Slot

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
                                    available, timezone=zone))
    return interviewers, candidates, SchedulingRules(required_skills=dict(jobs))
