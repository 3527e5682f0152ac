"""Scheduling from real inputs: candidates' availability files in their own time zones (a daylight
saving change inside the window), invitations calendars accept (parsed back with icalendar), the
match job's shortlist and its fit as priority, and rubric wording about the candidate."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config
from icalendar import Calendar

from recruit_core.io import safe_file_name
from recruit_core.schedule import SchedulingRules, solve_schedule
from recruit_core.schedule.availability import load_availability
from recruit_core.schedule.calendar_ics import write_invitations
from recruit_core.schedule.job_ray import people, priority_from_fit

UTC = timezone.utc
NEW_YORK_SWITCH = date(2025, 3, 9)  # clocks go from EST (-5) to EDT (-4); London stays on GMT
AVAILABILITY_CSV = """resume_id,start,end,timezone,email
R1,2025-03-07T09:00,2025-03-07T11:00,America/New_York,r1@example.org
R2,2025-03-10T09:00,2025-03-10T11:00,America/New_York,r2@example.org
R3,2025-03-10T18:30:00+05:30,2025-03-10T21:30:00+05:30,Asia/Kolkata,
"""
PANEL = [{"interviewer_id": f"i{n}", "name": f"Interviewer {n}", "skills": ["sql"],
          "timezone": "Europe/London", "max_per_day": 3, "email": f"i{n}@example.com",
          "free_slots": [{"start": "2025-03-07T13:00:00+00:00", "end": "2025-03-07T18:00:00+00:00"},
                         {"start": "2025-03-10T12:00:00+00:00", "end": "2025-03-10T18:00:00+00:00"}]}
         for n in range(4)]


def test_wall_clock_times_follow_the_daylight_saving_change(tmp_path):
    path = tmp_path / "availability.csv"
    path.write_text(AVAILABILITY_CSV)
    free = load_availability(path)
    assert free["R1"].slots[0].start == datetime(2025, 3, 7, 14, tzinfo=UTC)  # 09:00 EST
    assert free["R2"].slots[0].start == datetime(2025, 3, 10, 13, tzinfo=UTC)  # 09:00 EDT
    assert free["R3"].slots[0].end == datetime(2025, 3, 10, 16, tzinfo=UTC)
    assert (free["R2"].timezone, free["R2"].email, free["R3"].email) == (
        "America/New_York", "r2@example.org", "")


@pytest.mark.parametrize("kind", ["json", "parquet"])
def test_json_and_parquet_files_give_the_same_slots(tmp_path, kind):
    rows = [{"resume_id": "R9", "start": datetime(2025, 3, 10, 9, tzinfo=UTC),
             "end": datetime(2025, 3, 10, 11, tzinfo=UTC)}]
    path = tmp_path / f"free.{kind}"
    if kind == "json":
        path.write_text(json.dumps([{**r, "start": r["start"].isoformat(),
                                     "end": r["end"].isoformat()} for r in rows]))
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    (slot,) = load_availability(path)["R9"].slots
    assert (slot.start, slot.end) == (rows[0]["start"], rows[0]["end"])


@pytest.mark.parametrize("line, message", [
    ("R1,2025-03-10T09:00,2025-03-10T10:00,,", "has no UTC offset and the row no timezone"),
    ("R1,2025-03-09T02:30,2025-03-09T04:00,America/New_York,", "does not exist in America/New_York"),
    ("R1,2025-03-10T09:00,2025-03-10T10:00,Mars/Olympus,", "unknown time zone 'Mars/Olympus'"),
    ("R1,2025-03-10T10:00,2025-03-10T09:00,UTC,", "end is not after start"),
    (",2025-03-10T09:00,2025-03-10T10:00,UTC,", "no resume_id"),
], ids=["no_zone", "skipped_hour", "unknown_zone", "backwards", "no_id"])
def test_bad_availability_rows_are_refused_by_row(tmp_path, line, message):
    path = tmp_path / "availability.csv"
    path.write_text(AVAILABILITY_CSV.splitlines()[0] + "\n" + line + "\n")
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        load_availability(path)
    assert "row 0" in str(refused.value)


@pytest.fixture
def real_inputs(tmp_path):
    (tmp_path / "availability.csv").write_text(AVAILABILITY_CSV)
    (tmp_path / "panel.json").write_text(json.dumps(PANEL))
    cfg = compose_config(["experiment=smoke", f"interview.interviewers_path={tmp_path / 'panel.json'}",
                          f"interview.availability_path={tmp_path / 'availability.csv'}"])
    shortlisted = [{"job_id": "J1", "resume_id": rid, "priority": p}
                   for rid, p in (("R1", 0.9), ("R2", 0.8), ("R3", 0.7), ("R4", 0.6))]
    interviewers, candidates, source = people(cfg, shortlisted, {"J1": frozenset({"sql"})})
    schedule = solve_schedule(interviewers, candidates,
                              SchedulingRules(required_skills={"J1": frozenset({"sql"})}))
    return interviewers, candidates, schedule, source


def test_real_availability_is_used_and_a_candidate_without_rows_is_left_out(real_inputs):
    _, candidates, schedule, source = real_inputs
    assert source.endswith("availability.csv")
    assert {iv.candidate_id for iv in schedule.interviews} == {"R1@J1", "R2@J1", "R3@J1"}
    assert "R4@J1" in schedule.unscheduled and schedule.unscheduled["R4@J1"]
    assert {c.candidate_id: c.timezone for c in candidates}["R3@J1"] == "Asia/Kolkata"


def test_invitations_parse_back_with_every_field_and_inside_everyone_s_free_time(real_inputs, tmp_path):
    interviewers, candidates, schedule, _ = real_inputs
    stamp = datetime(2025, 3, 1, 12, tzinfo=UTC)
    paths = write_invitations(schedule, interviewers, candidates, tmp_path / "inv",
                              "recruiting@example.com", stamp=stamp)
    people_by_id = {i.interviewer_id: i for i in interviewers}
    by_candidate = {c.candidate_id: c for c in candidates}
    assert len(paths) == len(schedule.interviews) == 3
    for path in paths:
        calendar = Calendar.from_ical(path.read_bytes())
        (event,) = calendar.walk("VEVENT")
        interview = next(iv for iv in schedule.interviews
                         if path.name == safe_file_name(iv.candidate_id) + ".ics")
        candidate = by_candidate[interview.candidate_id]
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["ORGANIZER"]) == "mailto:recruiting@example.com"
        assert str(event["UID"]) == f"interview-{interview.candidate_id}-J1@recruit"
        assert event.decoded("DTSTAMP") == stamp
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert (start, end) == (interview.start, interview.end)
        assert str(start.tzinfo) == candidate.timezone  # shown in the candidate's own zone
        zones = {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")}
        assert zones == {candidate.timezone}
        attendees = {str(a): a.params for a in event["ATTENDEE"]}
        panel = {f"mailto:{people_by_id[i].email}" for i in interview.interviewer_ids}
        resume_id = candidate.candidate_id.split("@")[0]
        assert set(attendees) == panel | {f"mailto:{candidate.email or resume_id + '@candidates.invalid'}"}
        for params in attendees.values():
            assert (params["ROLE"], params["PARTSTAT"], params["RSVP"]) == (
                "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE")
        assert any(s.start <= start and end <= s.end for s in candidate.available)
        for interviewer_id in interview.interviewer_ids:
            assert any(s.start <= start and end <= s.end
                       for s in people_by_id[interviewer_id].free_slots)
    after_switch = Calendar.from_ical((tmp_path / "inv" / (safe_file_name("R2@J1") + ".ics")).read_bytes())
    local = after_switch.walk("VEVENT")[0].decoded("DTSTART")
    assert local.date() > NEW_YORK_SWITCH and 9 <= local.hour < 11  # 13:00-15:00 UTC is 9-11 EDT
    daylight = after_switch.walk("DAYLIGHT")
    assert daylight and daylight[0].decoded("TZOFFSETTO") == timedelta(hours=-4)


def test_the_uid_stays_when_the_invitation_is_written_again(real_inputs, tmp_path):
    interviewers, candidates, schedule, _ = real_inputs
    uids = []
    for hour in (1, 2):
        (path, *_) = write_invitations(schedule, interviewers, candidates, tmp_path / str(hour),
                                       "recruiting@example.com",
                                       stamp=datetime(2025, 3, 1, hour, tzinfo=UTC))
        uids.append(str(Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]["UID"]))
    assert uids[0] == uids[1]


def test_a_real_panel_with_synthetic_candidate_availability_is_refused(tmp_path):
    (tmp_path / "panel.json").write_text(json.dumps(PANEL))
    cfg = compose_config(["experiment=smoke", f"interview.interviewers_path={tmp_path / 'panel.json'}"])
    with pytest.raises(ValueError, match="interview.availability_path"):
        people(cfg, [{"job_id": "J1", "resume_id": "R1", "priority": 1.0}], {"J1": frozenset()})


def test_priority_is_the_fit_the_shortlist_carries():
    assert priority_from_fit({"rank": 1, "rerank_score": 0.83, "bi_score": 0.41}) == pytest.approx(0.83)
    assert priority_from_fit({"rank": 1, "rerank_score": float("nan"), "bi_score": 0.41}) == \
        pytest.approx(0.41)
    assert priority_from_fit({"rank": 2, "rerank_score": None, "bi_score": -0.2}) == 0.0
    assert priority_from_fit({"rank": 3, "score": 0.65}) == pytest.approx(0.65)
    with pytest.raises(ValueError, match="has no fit score"):
        priority_from_fit({"job_id": "J1", "resume_id": "R1", "rank": 1})


def test_stages_read_the_match_job_s_shortlist_unless_the_truth_is_asked_for(tmp_path):
    from recruit_core.interview.pipeline_ray import load_shortlist
    cfg = compose_config(["experiment=smoke", f"output_root={tmp_path}"])
    assert cfg.interview.shortlist_path == f"{tmp_path}/match/shortlists"
    with pytest.raises(FileNotFoundError, match="run `recruit match` first"):
        load_shortlist(cfg.interview, cfg.data, [])
    shortlists = tmp_path / "match" / "shortlists"
    shortlists.mkdir(parents=True)
    pq.write_table(pa.table({"job_id": ["J1"], "rank": [1], "resume_id": ["R1"], "bi_score": [0.5]}),
                   shortlists / "part-00000.parquet")
    table, source = load_shortlist(cfg.interview, cfg.data, [])
    assert source == str(shortlists) and table.column("resume_id").to_pylist() == ["R1"]


def test_no_rubric_line_mixes_second_and_third_person_about_the_candidate():
    from recruit_core.data.taxonomy import load_builtin
    from recruit_core.interview.packs import gap_question, verify_question
    taxonomy = load_builtin()
    kinds = {}
    for skill_id, skill in taxonomy.skills.items():
        kinds.setdefault(skill.kind, skill_id)
    second, third = re.compile(r"\b(you|your)\b", re.I), re.compile(r"\b(they|their|them)\b", re.I)
    lines = []
    for skill_id in kinds.values():
        for question in (gap_question(taxonomy, "J1", skill_id, True),
                         verify_question(taxonomy, "J1", skill_id, [(0, 3, "Git")])):
            lines += [question.rubric_weak, question.rubric_adequate, question.rubric_strong]
    assert len(kinds) >= 5 and lines
    mixed = [line for line in lines if second.search(line) and third.search(line)]
    assert not mixed, mixed[:3]
    assert not [line for line in lines if second.search(line)], "rubrics speak about the candidate"
