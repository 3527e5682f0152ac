"""Candidates' availability from a file: when each shortlisted resume's owner can be interviewed.

    python ray_jobs/schedule.py interview.availability_path=availability.csv \\
        interview.interviewers_path=panel.json

One row per free stretch of time: `resume_id`, `start`, `end`, and optionally `timezone` (an IANA
name such as America/New_York) and `email`. Parquet (a file or folder), CSV or JSON records.
A time with an offset ("2025-03-10T09:00:00-04:00", or a Parquet timestamp with a zone) is that
instant; a time without one is wall-clock time in the row's `timezone`, so "09:00" in New York is
14:00 UTC before the switch to daylight saving time and 13:00 UTC after it. A time with neither is
refused, as is a wall-clock time that does not exist (the hour skipped when clocks go forward).
The candidate's zone is the `timezone` of their rows ("UTC" without one): their invitation shows
times in it. The file may be an s3:// or gs:// object (a Parquet folder: a prefix).
"""
from __future__ import annotations

import csv
import io
import json
import posixpath
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from recruit_core import storage
from recruit_core.schedule._types import Slot

REQUIRED = ("resume_id", "start", "end")


@dataclass
class Availability:
    slots: list[Slot] = field(default_factory=list)
    timezone: str = "UTC"
    email: str = ""


def read_records(path: str | Path) -> list[dict]:
    """Rows of a Parquet file or folder, a CSV file or a JSON list of records (on disk, or an
    s3:// / gs:// object or prefix)."""
    if storage.is_remote(path):
        return _read_object_records(str(path))
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"interview.availability_path={path}: no such file; give a Parquet, "
                                "CSV or JSON file of resume_id, start, end[, timezone, email]")
    if path.suffix.lower() == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    import pyarrow.dataset as pads

    from recruit_core.io import parquet_files
    return pads.dataset(parquet_files(path, "interview.availability_path"),
                        format="parquet").to_table().to_pylist()


def _read_object_records(path: str) -> list[dict]:
    from recruit_core.io import parquet_dataset, read_text

    suffix = posixpath.splitext(path)[1].lower()
    if suffix in (".json", ".csv"):
        text = read_text(path, "interview.availability_path")
        return json.loads(text) if suffix == ".json" else list(csv.DictReader(io.StringIO(text, newline="")))
    return parquet_dataset(path, "interview.availability_path").to_table().to_pylist()


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{where}: unknown time zone {name!r}; use an IANA name such as "
                         "'America/New_York'") from None


def instant(value, zone_name: str, where: str) -> datetime:
    """An aware UTC datetime from an ISO-8601 string or a datetime, read as explained above."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is None:
        if not zone_name:
            raise ValueError(f"{where}: {value} has no UTC offset and the row no timezone; add "
                             "an offset (2025-03-10T09:00:00-04:00) or a timezone column")
        zone = _zone(zone_name, where)
        moment = moment.replace(tzinfo=zone)
        if moment.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != \
                moment.replace(tzinfo=None):
            raise ValueError(f"{where}: {value} does not exist in {zone_name} (the clocks skip it "
                             "when they go forward); give a time outside the gap")
    return moment.astimezone(timezone.utc)


def load_availability(path: str | Path) -> dict[str, Availability]:
    """resume_id -> its free slots (UTC), zone and email, from the file at `path`."""
    by_resume: dict[str, Availability] = {}
    for number, row in enumerate(read_records(path)):
        where = f"{path} row {number}"
        missing = [key for key in REQUIRED if row.get(key) in (None, "")]
        if missing:
            raise ValueError(f"{where}: no {', '.join(missing)}; each row needs resume_id, start "
                             "and end (timezone and email are optional)")
        zone_name = str(row.get("timezone") or "")
        if zone_name:
            _zone(zone_name, where)
        start, end = (instant(row[key], zone_name, f"{where} {key}") for key in ("start", "end"))
        try:
            slot = Slot(start, end)
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        entry = by_resume.setdefault(str(row["resume_id"]), Availability())
        entry.slots.append(slot)
        entry.timezone = zone_name or entry.timezone
        entry.email = str(row.get("email") or entry.email)
    return by_resume
