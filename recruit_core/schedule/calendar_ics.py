"""Exports of an interview `Schedule`: invitations and calendars (.ics), and an Arrow table.

    paths = write_invitations(schedule, interviewers, candidates, "outputs/interview/invitations",
                              organizer="recruiting@example.com")     # one per interview
    paths = write_ics(schedule, interviewers, "outputs/interview/calendars")   # i01.ics, ...
    table = schedule_to_table(schedule)                                        # one row per interview

Both kinds of file are written with the `icalendar` library (RFC 5545). An invitation is
METHOD:REQUEST with the ORGANIZER and every ATTENDEE (the panel and the candidate, each
REQ-PARTICIPANT, PARTSTAT=NEEDS-ACTION, RSVP=TRUE), so a calendar shows accept / decline; its
times are in the candidate's zone, and the file carries a VTIMEZONE for every zone it names, so
a daylight-saving change inside the schedule shows the right local hour on every client. An
interviewer's calendar lists their interviews in their own zone (METHOD:PUBLISH). An interview's
UID is made of its candidate and job, so importing a new schedule moves the event instead of
adding a second one, and the same UID in every file is the same meeting. An attendee without an
email gets a placeholder under the reserved `.invalid` domain, which no mail server delivers to.
A folder may be an s3:// or gs:// prefix (recruit_core/storage.py): each file is then one object.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
from icalendar import Calendar, Event, vCalAddress

from recruit_core import storage
from recruit_core.io import files_in, remove_tree, safe_file_name, write_bytes_atomic
from recruit_core.schedule import Candidate, Interview, Interviewer, Schedule

PRODID = "-//recruit//interview scheduling//EN"
# One row per interview; the panel is a list column, so a panel of any size stays one row and
# `pyarrow.compute.list_flatten` gives the per-interviewer view when needed.
INTERVIEW_SCHEMA = pa.schema([
    ("candidate_id", pa.string()), ("job_id", pa.string()),
    ("start", pa.timestamp("s", tz="UTC")), ("end", pa.timestamp("s", tz="UTC")),
    ("interviewer_ids", pa.list_(pa.string())), ("covered_skills", pa.list_(pa.string())),
    ("uncovered_skills", pa.list_(pa.string())), ("location", pa.string()),
    ("video_link", pa.string())])


ATTENDEE_PARAMS = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE",
                   "CUTYPE": "INDIVIDUAL"}
# VTIMEZONE rules are written for this many days around the schedule: every offset change inside
# it is there, without fifty years of past switches.
ZONE_MARGIN_DAYS = 366


def _address(email: str, who: str, placeholder_domain: str) -> str:
    if any(ch in email for ch in "\r\n"):
        raise ValueError(f"{who}: email {email!r} contains a line break; fix the input record")
    return f"mailto:{email or safe_file_name(who) + '@' + placeholder_domain}"


def _person(email: str, who: str, name: str, domain: str, **params: str) -> vCalAddress:
    address = vCalAddress(_address(email, who, domain))
    address.params["CN"] = name
    address.params.update(params)
    return address


def _event(interview: Interview, stamp: datetime, zone: str) -> Event:
    if any(ch in interview.video_link for ch in "\r\n"):
        raise ValueError(f"interview of candidate {interview.candidate_id}: video_link "
                         f"{interview.video_link!r} contains a line break; fix the interviewer's "
                         "video_link")
    about = [f"Panel: {', '.join(interview.interviewer_ids)}",
             f"Covers: {', '.join(sorted(interview.covered_skills)) or '-'}"]
    if interview.uncovered_skills:
        about.append(f"Not covered by this panel: {', '.join(sorted(interview.uncovered_skills))}")
    local = ZoneInfo(zone)
    event = Event()
    event.add("uid", f"interview-{interview.candidate_id}-{interview.job_id}@recruit")
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", interview.start.astimezone(local))
    event.add("dtend", interview.end.astimezone(local))
    event.add("summary", f"Interview: {interview.candidate_id} for {interview.job_id}")
    event.add("description", "\n".join(about))
    if interview.location:
        event.add("location", interview.location)
    if interview.video_link:
        event.add("url", interview.video_link)
    return event


def _calendar(method: str, events: list[Event], name: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event)
    days = [e.decoded("dtstart").date() for e in events]
    margin = timedelta(days=ZONE_MARGIN_DAYS)
    calendar.add_missing_timezones(first_date=min(days) - margin, last_date=max(days) + margin)
    return calendar.to_ical()


def _write(path: Path | str, data: bytes) -> Path | str:
    write_bytes_atomic(data, path)  # readers see the old file or the new one, never half
    return path


def _folder(out_dir: str | Path) -> Path | str:
    """A local folder, made if missing; an object-store prefix as it is (nothing to make)."""
    if storage.is_remote(out_dir):
        return str(out_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _file(out_dir: Path | str, name: str) -> Path | str:
    return storage.join(out_dir, name) if isinstance(out_dir, str) else out_dir / name


def _check_ids(schedule: Schedule, interviewers: list[Interviewer]) -> None:
    known = {i.interviewer_id for i in interviewers}
    strangers = sorted({p for iv in schedule.interviews for p in iv.interviewer_ids} - known)
    if strangers:
        raise ValueError(f"interviewers {strangers} sit on scheduled panels but are not in "
                         "`interviewers`; pass the list the schedule was solved with")
    ids = [i.interviewer_id for i in interviewers]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"interviewer ids {repeated} appear more than once in `interviewers`; "
                         "give each interviewer one record")


def write_ics(schedule: Schedule, interviewers: list[Interviewer], out_dir: str | Path,
              stamp: datetime | None = None) -> list[Path]:
    """One `<interviewer_id>.ics` per interviewer with interviews, in `interviewers` order, times
    in the interviewer's zone; an id that is not a plain file name gets a safe one
    (`recruit_core.io.safe_file_name`).

    RFC 5545 needs at least one event per calendar, so an interviewer without interviews gets no
    file, and a file of theirs left by an earlier schedule is removed: the folder mirrors this
    schedule. `stamp` is the DTSTAMP of every event (default: now); fix it for identical bytes."""
    out_dir = _folder(out_dir)
    stamp = stamp or datetime.now(timezone.utc)
    _check_ids(schedule, interviewers)
    written = []
    for interviewer in interviewers:
        mine = sorted((iv for iv in schedule.interviews
                       if interviewer.interviewer_id in iv.interviewer_ids),
                      key=lambda iv: (iv.start, iv.candidate_id))
        path = _file(out_dir, safe_file_name(interviewer.interviewer_id) + ".ics")
        if not mine:
            remove_tree(path)
            continue
        events = [_event(iv, stamp, interviewer.timezone) for iv in mine]
        written.append(_write(path, _calendar("PUBLISH", events, f"Interviews: {interviewer.name}")))
    return written


def invitation(interview: Interview, panel: list[Interviewer], candidate: Candidate,
               organizer: str, stamp: datetime) -> bytes:
    """One interview as a METHOD:REQUEST calendar: times in the candidate's zone, the panel's
    local times in the description, every attendee asked to reply."""
    event = _event(interview, stamp, candidate.timezone)
    event.add("organizer", _person(organizer, "recruiting", "Recruiting", "recruit.invalid"))
    for person in panel:
        event.add("attendee", _person(person.email, person.interviewer_id, person.name,
                                      "interviewers.invalid", **ATTENDEE_PARAMS))
    resume_id = candidate.candidate_id.split("@", 1)[0]
    event.add("attendee", _person(candidate.email, resume_id, f"Candidate {resume_id}",
                                  "candidates.invalid", **ATTENDEE_PARAMS))
    local = [f"{p.name}: {interview.start.astimezone(ZoneInfo(p.timezone)):%a %d %b %H:%M} "
             f"{p.timezone}" for p in panel]
    event["description"] = event["description"] + "\nLocal times: " + "; ".join(local)
    event.add("sequence", 0)
    event.add("status", "CONFIRMED")
    return _calendar("REQUEST", [event])


def write_invitations(schedule: Schedule, interviewers: list[Interviewer],
                      candidates: list[Candidate], out_dir: str | Path, organizer: str,
                      stamp: datetime | None = None) -> list[Path]:
    """`<candidate_id>.ics` per scheduled interview (ids made safe file names); files of
    candidates no longer scheduled are removed, so the folder mirrors this schedule."""
    out_dir = _folder(out_dir)
    stamp = stamp or datetime.now(timezone.utc)
    _check_ids(schedule, interviewers)
    people = {i.interviewer_id: i for i in interviewers}
    by_id = {c.candidate_id: c for c in candidates}
    written = []
    for interview in sorted(schedule.interviews, key=lambda iv: (iv.start, iv.candidate_id)):
        if interview.candidate_id not in by_id:
            raise ValueError(f"candidate {interview.candidate_id} is scheduled but not in "
                             "`candidates`; pass the list the schedule was solved with")
        data = invitation(interview, [people[i] for i in interview.interviewer_ids],
                          by_id[interview.candidate_id], organizer, stamp)
        written.append(_write(_file(out_dir, safe_file_name(interview.candidate_id) + ".ics"), data))
    for stale in set(files_in(out_dir, ".ics")) - set(written):
        remove_tree(stale)
    return written

def schedule_to_table(schedule: Schedule) -> pa.Table:
    """The interviews as an Arrow table (INTERVIEW_SCHEMA), one row per interview, by start."""
    rows = [{"candidate_id": iv.candidate_id, "job_id": iv.job_id, "start": iv.start, "end": iv.end,
             "interviewer_ids": list(iv.interviewer_ids),
             "covered_skills": sorted(iv.covered_skills),
             "uncovered_skills": sorted(iv.uncovered_skills), "location": iv.location,
             "video_link": iv.video_link}
            for iv in sorted(schedule.interviews, key=lambda iv: (iv.start, iv.candidate_id))]
    return pa.Table.from_pylist(rows, schema=INTERVIEW_SCHEMA)
