"""What an ingest run writes, and how a work unit's files are committed: staged by the parse task,
renamed into place by the driver once the earlier units are in, so duplicates resolve in file order.

    <out>/resumes/<unit>.parquet     the scoring job's input (`inputs.resumes=<out>/resumes`):
                                     resume_id, text, then provenance: source_path, source_id (the
                                     file stem), file_sha256, size_bytes, pages, extractor,
                                     extractor_version, characters, word_share, language
                                     [+ split, category with ingest.labels_from_path]
    <out>/quarantine/<unit>.parquet  one row per file not used: source_path, reason, detail,
                                     size_bytes, file_sha256, resume_id, extractor
    <out>/manifest.jsonl             one line per finished file: a rerun skips it
    <out>/summary.json               files_in = ingested + quarantined, checked; counts per reason

resume_id is the first 16 hex digits of the sha256 of the file's bytes, so ingesting a file again
never makes a second candidate. The same bytes under a second path give no second row: that file is
quarantined as `duplicate_file`, naming the path ingested first.

In an object store (ingest.output_dir=s3://...) there is no rename: a unit's files are written whole
from the staged tables, each in one upload, and the manifest is one object per finished file
(recruit_core/score/manifest.py), written after the unit's files, as on disk.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.ingest.extract import ID_HEX_DIGITS, Extraction, Limits, extract_file
from recruit_core.io import write_parquet_atomic, write_text_atomic
from recruit_core.score.manifest import STAGING_DIR, Manifest, _entry_path

RESUMES_DIR, QUARANTINE_DIR = "resumes", "quarantine"
RESUME_SCHEMA = pa.schema([
    ("resume_id", pa.string()), ("text", pa.string()), ("source_path", pa.string()),
    ("source_id", pa.string()), ("file_sha256", pa.string()), ("size_bytes", pa.int64()),
    ("pages", pa.int32()), ("extractor", pa.string()), ("extractor_version", pa.string()),
    ("characters", pa.int64()), ("word_share", pa.float32()), ("language", pa.string())])
LABEL_FIELDS = [pa.field("split", pa.string()), pa.field("category", pa.string())]
QUARANTINE_SCHEMA = pa.schema([
    ("source_path", pa.string()), ("reason", pa.string()), ("detail", pa.string()),
    ("size_bytes", pa.int64()), ("file_sha256", pa.string()), ("resume_id", pa.string()),
    ("extractor", pa.string())])


def resume_schema(labels_from_path: bool) -> pa.Schema:
    schema = RESUME_SCHEMA
    for label in LABEL_FIELDS if labels_from_path else []:
        schema = schema.append(label)
    return schema


def path_labels(path: str) -> dict[str, str]:
    """split and category from `<split>/<CATEGORY>/<file>`: the names of the file's two folders."""
    parent = Path(path).parent
    return {"split": parent.parent.name, "category": parent.name}


def resume_rows(found: list[Extraction], labels_from_path: bool) -> pa.Table:
    rows = [{"resume_id": e.resume_id, "text": e.text, "source_path": e.path,
             "source_id": Path(e.path).stem, "file_sha256": e.file_sha256, "size_bytes": e.size_bytes,
             "pages": e.pages, "extractor": e.extractor, "extractor_version": e.extractor_version,
             "characters": len(e.text or ""), "word_share": e.word_share, "language": e.language,
             **(path_labels(e.path) if labels_from_path else {})} for e in found]
    return pa.Table.from_pylist(rows, schema=resume_schema(labels_from_path))


def quarantine_rows(found: list[Extraction]) -> pa.Table:
    rows = [{"source_path": e.path, "reason": e.reason, "detail": e.detail, "size_bytes": e.size_bytes,
             "file_sha256": e.file_sha256, "resume_id": e.resume_id, "extractor": e.extractor}
            for e in found]
    return pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)


def stage_unit(output_dir: str | Path, key: str, found: list[Extraction], labels_from_path: bool) -> None:
    """A parse task's outputs, before duplicates across units are known: `_staging/<key>/`."""
    staged = storage.join(output_dir, STAGING_DIR, key)
    write_parquet_atomic(resume_rows([e for e in found if e.reason is None], labels_from_path),
                         storage.join(staged, f"{RESUMES_DIR}.parquet"))
    write_parquet_atomic(quarantine_rows([e for e in found if e.reason is not None]),
                         storage.join(staged, f"{QUARANTINE_DIR}.parquet"))


OUTCOME_SCHEMA = pa.schema([("unit", pa.string()), ("position", pa.int32()), ("source_path", pa.string()),
                           ("file_sha256", pa.string()), ("reason", pa.string())])


def parse_units(units: pa.Table, *, output_dir: str, limits: Limits, labels_from_path: bool) -> pa.Table:
    """The parse task: extract every file of each unit (columns key, paths), stage the unit's
    outputs, return one small OUTCOME_SCHEMA row per file (no text) for the driver."""
    outcomes = []
    for unit in units.to_pylist():
        found = [extract_file(path, limits) for path in unit["paths"]]
        stage_unit(output_dir, unit["key"], found, labels_from_path)
        outcomes += [{"unit": unit["key"], "position": i, "source_path": e.path,
                      "file_sha256": e.file_sha256, "reason": e.reason} for i, e in enumerate(found)]
    return pa.Table.from_pylist(outcomes, schema=OUTCOME_SCHEMA)


def commit_unit(output_dir: str | Path, key: str, outcomes: list[dict], first_path: dict[str, str],
                manifest: "IngestManifest") -> dict[str, int]:
    """Move a staged unit into place and record its files in the manifest, in listing order.

    `outcomes`: one {source_path, file_sha256, reason} per file of the unit, in listing order.
    `first_path`: sha256 -> the path ingested first, over all earlier units and runs; updated here.
    A file whose bytes were ingested before under another path is quarantined as duplicate_file.
    A file ingested by an earlier run and read again (it changed since) loses its old rows.
    """
    output_dir, staged = str(output_dir), storage.join(output_dir, STAGING_DIR, key)
    resumes = pq.read_table(storage.join(staged, f"{RESUMES_DIR}.parquet"))
    quarantine = pq.read_table(storage.join(staged, f"{QUARANTINE_DIR}.parquet"))
    duplicates = []
    for outcome in outcomes:
        sha, path = outcome["file_sha256"], outcome["source_path"]
        if outcome["reason"] is None and sha in first_path:
            duplicates.append({"source_path": path, "reason": "duplicate_file",
                               "detail": f"{path}: the same bytes as {first_path[sha]}, ingested "
                               "first; not a second candidate", "file_sha256": sha,
                               "resume_id": sha[:ID_HEX_DIGITS]})
        elif outcome["reason"] is None:
            first_path[sha] = path
    if duplicates:
        dropped = pa.array([d["source_path"] for d in duplicates], pa.string())
        quarantine = _merged_quarantine(quarantine, resumes, duplicates, outcomes)
        resumes = resumes.filter(pc.invert(pc.is_in(resumes.column("source_path"), dropped)))
    _remove_earlier_rows(output_dir, manifest, [o["source_path"] for o in outcomes], key)
    _place(resumes, storage.join(staged, f"{RESUMES_DIR}.parquet"),
           storage.join(output_dir, RESUMES_DIR, f"{key}.parquet"))
    _place(quarantine, storage.join(staged, f"{QUARANTINE_DIR}.parquet"),
           storage.join(output_dir, QUARANTINE_DIR, f"{key}.parquet"), rewrite=bool(duplicates))
    quarantined = dict(zip(quarantine.column("source_path").to_pylist(),
                           quarantine.column("reason").to_pylist()))
    counts = {"ingested": 0, "quarantined": 0}
    for outcome in outcomes:
        reason = quarantined.get(outcome["source_path"])
        manifest.record(outcome["source_path"], {
            "ingested": int(reason is None), "quarantined": int(reason is not None),
            "reason": reason, "file_sha256": outcome["file_sha256"], "unit": key})
        counts["ingested" if reason is None else "quarantined"] += 1
    _remove_tree(staged)
    return counts


def _remove_earlier_rows(output_dir: str, manifest: "IngestManifest", paths: list[str], key: str) -> None:
    """Files read again (changed since an earlier run) leave no rows in that run's unit files."""
    earlier: dict[str, set[str]] = {}
    for path in paths:
        unit = manifest.files.get(path, {}).get("unit")
        if unit and unit != key:
            earlier.setdefault(unit, set()).add(path)
    for unit, stale in earlier.items():
        for kind in (RESUMES_DIR, QUARANTINE_DIR):
            final = storage.join(output_dir, kind, f"{unit}.parquet")
            if _exists(final):
                table = pq.read_table(final)
                kept = table.filter(pc.invert(pc.is_in(table.column("source_path"),
                                                       pa.array(sorted(stale), pa.string()))))
                _place(kept, final, final, rewrite=kept.num_rows != table.num_rows)


def _merged_quarantine(quarantine: pa.Table, resumes: pa.Table, duplicates: list[dict],
                       outcomes: list[dict]) -> pa.Table:
    """The unit's quarantine rows plus its duplicates, in listing order."""
    sizes = {}
    for path, size in zip(resumes.column("source_path").to_pylist(), resumes.column("size_bytes").to_pylist()):
        sizes[path] = size
    extra = pa.Table.from_pylist([{**d, "size_bytes": sizes.get(d["source_path"])} for d in duplicates],
                                 schema=QUARANTINE_SCHEMA)
    merged = pa.concat_tables([quarantine, extra])
    order = {outcome["source_path"]: i for i, outcome in enumerate(outcomes)}
    return merged.take(sorted(range(merged.num_rows),
                              key=lambda i: order[merged.column("source_path")[i].as_py()]))


def _place(table: pa.Table, staged: str, final: str, rewrite: bool = True) -> None:
    """Rename the staged file into place (no rows: none is written); rewrite it if rows changed.
    An object store cannot rename: there the table is always written, in one upload."""
    if table.num_rows == 0:
        storage.delete(final) if storage.is_remote(final) else Path(final).unlink(missing_ok=True)
        return
    if rewrite or storage.is_remote(final):
        write_parquet_atomic(table, final)
    else:
        Path(final).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)


def _exists(path: str) -> bool:
    return storage.exists(path) if storage.is_remote(path) else os.path.exists(path)


def _remove_tree(path: str) -> None:
    storage.delete(path) if storage.is_remote(path) else shutil.rmtree(path, ignore_errors=True)


class IngestManifest(Manifest):
    """The scoring job's manifest, keyed by resume file, where a file may vanish after listing:
    it is recorded without the size and mtime that cannot be read, and stays finished (and
    quarantined) while it is still missing. Should it come back, it is read again."""

    def record(self, input_file: str, counts: dict) -> None:
        if _exists(input_file):
            return super().record(input_file, counts)
        entry = {"input_file": input_file, "size": None, "mtime_ns": None, **counts}
        if self.remote:  # one object per finished file, as Manifest.record_many writes them
            write_text_atomic(json.dumps(entry, sort_keys=True) + "\n",
                              _entry_path(self.output_dir, input_file))
            self.files[input_file] = entry
            return
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.files[input_file] = entry

    def is_finished(self, input_file: str, remote: bool | None = None) -> bool:
        entry = self.files.get(input_file)
        if entry is not None and entry.get("size") is None:
            return not _exists(input_file)
        return super().is_finished(input_file, remote)
