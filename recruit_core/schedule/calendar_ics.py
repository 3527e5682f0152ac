"""Exports of an interview `Schedule`: iCalendar files for the interviewers, and an Arrow table.

    paths = write_ics(schedule, interviewers, "outputs/calendars")   # i01.ics, i02.ics, ...
    table = schedule_to_table(schedule)                               # one row per interview

The .ics files follow RFC 5545 and import into Google Calendar, Outlook and Apple Calendar. An
interview's UID is made of its candidate and job, so importing a new schedule moves the event
instead of adding a second one, and the same UID in every panelist's file is the same meeting.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from recruit_core.io import atomic_path, safe_file_name
from recruit_core.schedule import Interview, Interviewer, Schedule

PRODID = "-//recruit//interview scheduling//EN"
# One row per interview; the panel is a list column, so a panel of any size stays one row and
# `pyarrow.compute.list_flatten` gives the per-interviewer view when needed.
INTERVIEW_SCHEMA = pa.schema([
    ("candidate_id", pa.string()), ("job_id", pa.string()),
    ("start", pa.timestamp("s", tz="UTC")), ("end", pa.timestamp("s", tz="UTC")),
    ("interviewer_ids", pa.list_(pa.string())), ("covered_skills", pa.list_(pa.string())),
    ("uncovered_skills", pa.list_(pa.string())), ("location", pa.string()),
    ("video_link", pa.string())])


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping (section 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> bytes:
    """One content line as octets with CRLF, folded so no physical line passes 75 octets
    (section 3.1), and never inside a UTF-8 character."""
    data, pieces, limit = line.encode("utf-8"), [], 75
    while len(data) > limit:
        cut = limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back off to the character start
            cut -= 1
        pieces.append(data[:cut])
        data, limit = data[cut:], 74  # a folded line starts with one space, which counts
    pieces.append(data)
    return b"\r\n ".join(pieces) + b"\r\n"


def _event(interview: Interview, stamp: datetime) -> list[str]:
    if any(ch in interview.video_link for ch in "\r\n"):
        raise ValueError(f"interview of candidate {interview.candidate_id}: video_link "
                         f"{interview.video_link!r} contains a line break; fix the interviewer's "
                         "video_link")
    about = [f"Panel: {', '.join(interview.interviewer_ids)}",
             f"Covers: {', '.join(sorted(interview.covered_skills)) or '-'}"]
    if interview.uncovered_skills:
        about.append(f"Not covered by this panel: {', '.join(sorted(interview.uncovered_skills))}")
    lines = ["BEGIN:VEVENT",
             f"UID:{_text(f'interview-{interview.candidate_id}-{interview.job_id}')}@recruit",
             f"DTSTAMP:{_utc(stamp)}",
             f"DTSTART:{_utc(interview.start)}",
             f"DTEND:{_utc(interview.end)}",
             f"SUMMARY:{_text(f'Interview: {interview.candidate_id} for {interview.job_id}')}",
             f"DESCRIPTION:{_text(chr(10).join(about))}"]
    if interview.location:
        lines.append(f"LOCATION:{_text(interview.location)}")
    if interview.video_link:
        lines.append(f"URL:{interview.video_link}")  # a URI value: no TEXT escaping
    return lines + ["END:VEVENT"]


def _filename(interviewer: Interviewer) -> str:
    return safe_file_name(interviewer.interviewer_id) + ".ics"


def write_ics(schedule: Schedule, interviewers: list[Interviewer], out_dir: str | Path,
              stamp: datetime | None = None) -> list[Path]:
    """One `<interviewer_id>.ics` per interviewer with interviews, in `interviewers` order; an id
    that is not a plain file name gets a safe one (`recruit_core.io.safe_file_name`).

    RFC 5545 needs at least one event per calendar, so an interviewer without interviews gets no
    file, and a file of theirs left by an earlier schedule is removed: the folder mirrors this
    schedule. `stamp` is the DTSTAMP of every event (default: now); fix it for identical bytes."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now(timezone.utc)
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
    names = [_filename(i) for i in interviewers]  # distinct ids, distinct names
    written = []
    for interviewer, name in zip(interviewers, names):
        mine = [iv for iv in schedule.interviews
                if interviewer.interviewer_id in iv.interviewer_ids]
        path = out_dir / name
        if not mine:
            path.unlink(missing_ok=True)
            continue
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
                 f"X-WR-CALNAME:{_text(f'Interviews: {interviewer.name}')}"]
        for interview in sorted(mine, key=lambda iv: (iv.start, iv.candidate_id)):
            lines += _event(interview, stamp)
        with atomic_path(path) as tmp:  # readers see the old file or the new one, never half
            tmp.write_bytes(b"".join(_fold(line) for line in lines + ["END:VCALENDAR"]))
        written.append(path)
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
