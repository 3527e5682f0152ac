"""Interview scheduling: known optima, every constraint on random instances, reasons, calendars."""
from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from itertools import combinations
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_core.schedule import (
    Candidate,
    Interviewer,
    SchedulingRules,
    Slot,
    SolverConfig,
    solve_schedule,
    synthetic_instance,
)
from recruit_core.schedule.calendar_ics import INTERVIEW_SCHEMA, schedule_to_table, write_ics

UTC = timezone.utc
JOBS = {"data_engineer": frozenset({"python", "sql", "apache_spark"}),
        "frontend_engineer": frozenset({"typescript", "react"}),
        "site_reliability_engineer": frozenset({"kubernetes", "linux", "terraform"})}


def at(hour: float, day: int = 3) -> datetime:
    return datetime(2025, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def free(start: float, end: float, day: int = 3) -> Slot:
    return Slot(at(start, day), at(end, day))


def person(pid: str, skills: set[str], *slots: Slot, zone: str = "Europe/London", cap: int = 3,
           location: str = "") -> Interviewer:
    return Interviewer(pid, pid.upper(), frozenset(skills), zone, list(slots), cap, location,
                       f"https://meet.example.com/{pid}")


def candidate(cid: str, priority: float, *slots: Slot, job: str = "data_engineer") -> Candidate:
    return Candidate(cid, job, priority, list(slots))


def rules(**overrides) -> SchedulingRules:
    return SchedulingRules(required_skills={"data_engineer": frozenset({"python", "sql"}),
                                            **overrides.pop("jobs", {})}, **overrides)


def merged_cover(slots: list[Slot], start: datetime, end: datetime) -> bool:
    """Whether the union of `slots` holds [start, end] (touching slots count as one)."""
    reach = start
    for s in sorted(slots, key=lambda s: s.start):
        if s.start <= reach:
            reach = max(reach, s.end)
    return reach >= end


def panel_skill_needs(job_skills: frozenset[str], interviewers: list[Interviewer], coverage: float):
    coverable = job_skills & frozenset().union(*(i.skills for i in interviewers))
    return coverable, math.ceil(coverage * len(coverable) - 1e-9)


def check_schedule(schedule, interviewers, candidates, rule: SchedulingRules) -> None:
    """Every constraint, checked from the inputs alone, plus: nobody left out had an open panel."""
    by_id = {i.interviewer_id: i for i in interviewers}
    cands = {c.candidate_id: c for c in candidates}
    scheduled = Counter(iv.candidate_id for iv in schedule.interviews)
    assert max(scheduled.values(), default=1) == 1
    assert set(scheduled) | set(schedule.unscheduled) == set(cands)
    assert not set(scheduled) & set(schedule.unscheduled)
    length = timedelta(minutes=rule.interview_minutes)
    booked, per_day = defaultdict(list), Counter()
    for iv in schedule.interviews:
        cand = cands[iv.candidate_id]
        assert iv.job_id == cand.job_id and iv.end - iv.start == length
        assert iv.start.timestamp() % (60 * rule.slot_granularity_minutes) == 0
        assert merged_cover(cand.available, iv.start, iv.end)
        assert len(set(iv.interviewer_ids)) == len(iv.interviewer_ids) == rule.panel_size
        required = rule.required_skills[cand.job_id]
        known = frozenset().union(*(by_id[p].skills for p in iv.interviewer_ids))
        coverable, needed = panel_skill_needs(required, interviewers, rule.min_skill_coverage)
        assert coverable or not required
        assert len(known & coverable) >= needed
        assert iv.covered_skills == known & required and iv.uncovered_skills == required - known
        for pid in iv.interviewer_ids:
            assert merged_cover(by_id[pid].free_slots, iv.start, iv.end)
            booked[pid].append(iv)
            per_day[pid, iv.start.astimezone(ZoneInfo(by_id[pid].timezone)).date()] += 1
    for pid, ivs in booked.items():
        ivs.sort(key=lambda iv: iv.start)
        for a, b in zip(ivs, ivs[1:]):
            assert b.start >= a.end + timedelta(minutes=rule.buffer_minutes), (pid, a, b)
    for (pid, _), n in per_day.items():
        assert n <= by_id[pid].max_per_day
    for cid in schedule.unscheduled:
        assert not open_panel(cands[cid], interviewers, rule, booked, per_day), cid


def open_panel(cand, interviewers, rule, booked, per_day) -> bool:
    """Whether some grid start in the candidate's availability still has a free, covering panel."""
    step, length = rule.slot_granularity_minutes * 60, timedelta(minutes=rule.interview_minutes)
    coverable, needed = panel_skill_needs(rule.required_skills[cand.job_id], interviewers,
                                          rule.min_skill_coverage)
    if rule.required_skills[cand.job_id] and not coverable:
        return False
    for s in cand.available:
        start = datetime.fromtimestamp(math.ceil(s.start.timestamp() / step) * step, UTC)
        while start < s.end:
            ready = ready_at(start, interviewers, rule, booked, per_day)
            if merged_cover(cand.available, start, start + length) and any(
                    len(coverable & frozenset().union(*(i.skills for i in panel))) >= needed
                    for panel in combinations(ready, rule.panel_size)):
                return True
            start += timedelta(seconds=step)
    return False


def ready_at(start, interviewers, rule, booked, per_day) -> list[Interviewer]:
    """Interviewers free for the interview at `start`, clear of bookings and under their cap."""
    end = start + timedelta(minutes=rule.interview_minutes)
    gap = timedelta(minutes=rule.interview_minutes + rule.buffer_minutes)
    return [i for i in interviewers if merged_cover(i.free_slots, start, end)
            and all(abs(iv.start - start) >= gap for iv in booked[i.interviewer_id])
            and per_day[i.interviewer_id, start.astimezone(ZoneInfo(i.timezone)).date()]
            < i.max_per_day]


@pytest.fixture
def contested():
    """Three interviewers can seat one panel at 9:00; c1 and c2 both want it, c3 can wait."""
    interviewers = [person("a", {"python"}, free(9, 12)), person("b", {"sql"}, free(9, 12)),
                    person("c", {"python", "sql"}, free(9, 10))]
    candidates = [candidate("c1", 0.9, free(9, 10)), candidate("c2", 0.5, free(9, 10)),
                  candidate("c3", 0.2, free(9, 12))]
    return interviewers, candidates, rules()


def test_tiny_case_reaches_the_known_optimum(contested):
    schedule = solve_schedule(*contested)
    got = {iv.candidate_id: iv for iv in schedule.interviews}
    assert schedule.status == "optimal" and set(got) == {"c1", "c3"}
    assert schedule.objective == pytest.approx(0.9 + 0.2)
    assert got["c1"].start == at(9) and "c" in got["c1"].interviewer_ids  # c knows both skills
    # 9:00-10:00 plus the 15-minute buffer pushes a's or b's next interview to 10:30 on the grid
    assert got["c3"].start == at(10.5) and got["c3"].interviewer_ids == ("a", "b")
    reason = schedule.unscheduled["c2"]
    assert reason.startswith("candidate c2 (job data_engineer): every feasible slot is taken by "
                             "higher-priority candidates c1 (interviewer capacity)")
    check_schedule(schedule, *contested)


def test_same_input_gives_the_same_schedule():
    instance = synthetic_instance(24, 8, 5, seed=3, jobs=JOBS)
    first = solve_schedule(*instance)
    second = solve_schedule(*synthetic_instance(24, 8, 5, seed=3, jobs=JOBS))
    assert first.interviews == second.interviews and first.unscheduled == second.unscheduled
    assert len(first.interviews) >= 5  # the instance is not trivially empty


def test_skill_nobody_has_blocks_only_jobs_that_need_nothing_else():
    interviewers = [person("a", {"python"}, free(9, 12)), person("b", {"sql"}, free(9, 12))]
    candidates = [candidate("c17", 0.9, free(9, 12), job="spark_only"),
                  candidate("c18", 0.8, free(9, 12), job="spark_and_python")]
    rule = rules(jobs={"spark_only": frozenset({"apache_spark"}),
                       "spark_and_python": frozenset({"apache_spark", "python"})})
    schedule = solve_schedule(interviewers, candidates, rule)
    assert schedule.unscheduled == {"c17": "candidate c17 (job spark_only): no interviewer covers "
                                           "required skill 'apache_spark'"}
    (interview,) = schedule.interviews
    assert interview.covered_skills == {"python"} and interview.uncovered_skills == {"apache_spark"}


def test_max_per_day_is_named_when_it_is_what_blocks():
    interviewers = [person("a", {"python"}, free(9, 17), cap=1),
                    person("b", {"sql"}, free(9, 17), cap=1)]
    candidates = [candidate("c1", 0.9, free(9, 12)), candidate("c2", 0.4, free(13, 17))]
    schedule = solve_schedule(interviewers, candidates, rules())
    assert [iv.candidate_id for iv in schedule.interviews] == ["c1"]
    assert schedule.unscheduled["c2"] == ("candidate c2 (job data_engineer): interviewers a, b "
                                          "reached max_per_day")


@pytest.mark.parametrize("zone, expected", [("Asia/Kolkata", 2), ("Europe/London", 1)])
def test_max_per_day_counts_days_in_the_interviewers_time_zone(zone, expected):
    # 17:00 and 19:00 UTC are 22:30 and 00:30 in Kolkata (two days), 17:00 and 19:00 in London.
    interviewers = [person(p, {"python", "sql"}, free(17, 21), zone=zone, cap=1) for p in "ab"]
    candidates = [candidate("c1", 0.9, free(17, 18)), candidate("c2", 0.8, free(19, 20))]
    schedule = solve_schedule(interviewers, candidates, rules())
    assert len(schedule.interviews) == expected
    check_schedule(schedule, interviewers, candidates, rules())


@pytest.mark.parametrize("buffer, expected", [(0, 2), (15, 1)])
def test_buffer_keeps_back_to_back_interviews_apart(buffer, expected):
    interviewers = [person(p, {"python", "sql"}, free(9, 12)) for p in "ab"]
    candidates = [candidate("c1", 0.9, free(9, 11)), candidate("c2", 0.8, free(9, 11))]
    schedule = solve_schedule(interviewers, candidates, rules(buffer_minutes=buffer))
    assert len(schedule.interviews) == expected


def test_reasons_name_availability_and_panel_constraints():
    interviewers = [person("a", {"python"}, free(9, 11)), person("b", {"python"}, free(9, 11)),
                    person("c", {"sql"}, free(14, 16))]
    candidates = [candidate("early", 0.9, free(9.1, 10.05)),  # no 60 minutes on the 30-minute grid
                  candidate("lonely", 0.9, free(14, 16)),  # only c is free then
                  candidate("unskilled", 0.9, free(9, 11))]  # a and b both lack sql
    reasons = solve_schedule(interviewers, candidates, rules()).unscheduled
    assert reasons["early"] == ("candidate early (job data_engineer): no 60-minute interview on "
                                "the 30-minute grid fits the candidate's availability")
    assert reasons["lonely"] == ("candidate lonely (job data_engineer): no start time where 2 "
                                 "interviewers are free within the candidate's availability")
    assert reasons["unskilled"] == ("candidate unskilled (job data_engineer): no start time where "
                                    "2 interviewers covering ['python', 'sql'] are free within "
                                    "the candidate's availability")


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="timezone-aware"):
        Slot(datetime(2025, 3, 3, 9), datetime(2025, 3, 3, 10))
    with pytest.raises(ValueError, match="candidate c9: job 'nurse'"):
        solve_schedule([], [candidate("c9", 0.5, free(9, 10), job="nurse")], rules())
    with pytest.raises(ValueError, match="interviewer x: unknown time zone 'Mars/Olympus'"):
        person("x", set(), zone="Mars/Olympus")


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), n_candidates=st.integers(1, 10),
       n_interviewers=st.integers(2, 6),
       panel_size=st.integers(1, 3), buffer=st.sampled_from([0, 15, 30]),
       grid=st.sampled_from([15, 30, 60]), minutes=st.sampled_from([45, 60, 90]),
       coverage=st.sampled_from([1.0, 0.5, 0.0]), cap=st.integers(1, 3),
       per_interviewer=st.sampled_from([None, 1, 3]))
def test_every_constraint_holds_on_random_instances(seed, n_candidates, n_interviewers, panel_size,
                                                    buffer, grid, minutes, coverage, cap,
                                                    per_interviewer):
    interviewers, candidates, rule = synthetic_instance(n_candidates, n_interviewers, 3, seed, JOBS)
    interviewers = [dataclasses.replace(i, max_per_day=cap) for i in interviewers]
    rule = dataclasses.replace(rule, panel_size=panel_size, buffer_minutes=buffer,
                               slot_granularity_minutes=grid, interview_minutes=minutes,
                               min_skill_coverage=coverage)
    schedule = solve_schedule(interviewers, candidates, rule,
                              SolverConfig(time_limit_s=10, panels_per_interviewer=per_interviewer))
    assert schedule.status == "optimal"
    check_schedule(schedule, interviewers, candidates, rule)
    for cid, reason in schedule.unscheduled.items():
        assert reason.startswith(f"candidate {cid} (job ")


def parse_ics(data: bytes) -> list:
    """The events of one calendar, parsed by `icalendar`; asserts the line format on the way."""
    from icalendar import Calendar
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    return Calendar.from_ical(data).walk("VEVENT")


def test_ics_files_parse_back_and_are_stable(contested, tmp_path):
    interviewers, candidates, rule = contested
    location = "Zürich – Büro 4, Raum ☃; " + "sehr langer Flur " * 6
    for interviewer in interviewers:  # a shared location becomes the interview's LOCATION
        interviewer.location = location
    schedule = solve_schedule(interviewers, candidates, rule)
    stamp = datetime(2025, 3, 1, tzinfo=UTC)
    paths = write_ics(schedule, interviewers, tmp_path / "one", stamp=stamp)
    assert [p.name for p in paths] == ["a.ics", "b.ics", "c.ics"]
    for path in paths:
        mine = [iv for iv in schedule.interviews if path.stem in iv.interviewer_ids]
        events = parse_ics(path.read_bytes())
        assert len(events) == len(mine)
        assert [e.decoded("DTSTART") for e in events] == [iv.start for iv in mine]
        assert [str(e["SUMMARY"]) for e in events] == [f"Interview: {iv.candidate_id} for data_engineer"
                                                       for iv in mine]
    a_events = parse_ics(paths[0].read_bytes())
    assert str(a_events[-1]["LOCATION"]) == location  # escaped in the file, the same text back
    assert b"Raum \xe2\x98\x83\\;" in b"".join(paths[0].read_bytes().split(b"\r\n "))
    again = write_ics(solve_schedule(interviewers, candidates, rule), interviewers,
                      tmp_path / "two", stamp=stamp)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    assert not list((tmp_path / "one").glob(".*.tmp"))


def test_ics_removes_calendars_of_interviewers_left_without_interviews(contested, tmp_path):
    interviewers, candidates, rule = contested
    write_ics(solve_schedule(interviewers, candidates, rule), interviewers, tmp_path)
    assert (tmp_path / "c.ics").exists()
    late_c3 = candidate("c3", 0.2, free(10, 12))  # after c's free hour: a and b
    only_c3 = solve_schedule(interviewers, [late_c3], rule)
    assert [p.name for p in write_ics(only_c3, interviewers, tmp_path)] == ["a.ics", "b.ics"]
    assert not (tmp_path / "c.ics").exists()


def test_interviewer_ids_that_are_not_file_names_get_own_calendars_inside_the_folder(contested,
                                                                                    tmp_path):
    interviewers, candidates, rule = contested
    hostile = {"a": "team/a", "b": "team:a", "c": "../../c"}  # "team_a" for both, before
    renamed = [dataclasses.replace(i, interviewer_id=hostile[i.interviewer_id]) for i in interviewers]
    paths = write_ics(solve_schedule(renamed, candidates, rule), renamed, tmp_path / "calendars")
    assert len(set(paths)) == 3 and all(p.parent == tmp_path / "calendars" for p in paths)
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted(paths)
    assert not any(p.name.startswith(".") for p in paths)
    with pytest.raises(ValueError, match=r"interviewer ids \['team/a'\] appear more than once"):
        write_ics(solve_schedule(renamed, candidates, rule), renamed + renamed[:1], tmp_path)


def test_table_has_one_row_per_interview(contested):
    schedule = solve_schedule(*contested)
    table = schedule_to_table(schedule)
    assert table.schema == INTERVIEW_SCHEMA and table.num_rows == len(schedule.interviews) == 2
    assert table.column("interviewer_ids")[1].as_py() == ["a", "b"]
    assert table.column("start")[0].as_py() == at(9)
    assert schedule_to_table(dataclasses.replace(schedule, interviews=[])).num_rows == 0
    assert isinstance(table, pa.Table)
