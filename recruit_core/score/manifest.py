"""The manifest of finished input files: what makes a crashed scoring run resumable.

An input file is finished when its outputs (`scores/<key>.parquet`, `quarantine/<key>.parquet`)
have been renamed into place; only then is a line appended to `manifest.jsonl`. A rerun skips the
files listed there (same path, size and modification time), so a crash costs at most the files that
were in flight. The manifest is JSON Lines, appended one line per file and fsynced, rather than one
JSON rewritten per file: rewriting is O(files^2) bytes over a run of thousands of files. A line torn
by a crash is ignored on load, which just means that file is scored again (its outputs are
overwritten whole). The first line is the provenance the outputs were made with; a rerun with a
different model or config refuses to mix outputs unless `score.overwrite=true`.

In an object store (score.output_dir=s3://...) nothing can be appended to: an object is written
whole or not at all. Rewriting manifest.jsonl whole per finished batch would bring back the
O(files^2) bytes, so there `manifest.jsonl` holds only the provenance line, written once, and each
finished input file gets one small object, `manifest/<key>.json` (the same line), PUT after its
outputs are stored; a rerun lists `manifest/` (one LIST per 1,000 files) and reads them.

`python -m pytest -q tests/test_score_ray.py -k resume` exercises it.
"""
from __future__ import annotations

import json
import os
import posixpath
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.io import hashed_file_name, write_parquet_atomic, write_text_atomic

MANIFEST_FILE = "manifest.jsonl"
MANIFEST_ENTRIES = "manifest"  # in an object store: one object per finished input file
STAGING_DIR = "_staging"  # parts of files still in flight; a rerun clears it
SUMMARY_FILE = "summary.json"


class ProvenanceMismatchError(RuntimeError):
    """The output folder holds results made with another model or config."""


def output_key(input_root: str | Path, path: str | Path) -> str:
    """File name stem for an input file's outputs, distinct for distinct input files.

    Its path under the input root with '/' -> '__' is readable but not unique (`a/b.parquet` and
    `a__b.parquet` both give `a__b`, and would share one staging folder), so the hash of the
    relative POSIX path follows: `a__b-<12 hex>`. A file outside the root (or the root itself,
    when the input is one file) is named by its absolute path, so it collides with nothing.
    """
    if storage.is_remote(input_root) or storage.is_remote(path):
        return _object_key(str(input_root), str(path))
    root, path = Path(os.path.normpath(input_root)), Path(os.path.normpath(path))
    inside = root.is_dir() and path.is_relative_to(root) and path != root
    relative = path.relative_to(root) if inside else Path(os.path.abspath(path))
    readable = "__".join(relative.with_suffix("").parts) if inside else path.stem
    return hashed_file_name(readable, relative.as_posix())


def _object_key(input_root: str, path: str) -> str:
    """output_key for URIs: the key under the root prefix, or the whole URI for one outside it."""
    root = input_root.rstrip("/") + "/"
    inside = path.startswith(root) and path != root
    relative = path[len(root):] if inside else path
    readable = relative.removesuffix(posixpath.splitext(relative)[1]).replace("/", "__")
    return hashed_file_name(readable if inside else posixpath.basename(readable), relative)


def file_identity(path: str | Path, remote: bool | None = None) -> dict | None:
    """Size and mtime, None when the file is gone: a finished input that was rewritten since is
    scored again. `remote`: whether `path` is an object-store URI, when the caller knows (the files
    of one input listing share their root, so one check serves them all)."""
    if storage.is_remote(path) if remote is None else remote:
        found = storage.info(str(path))
        if found.type == storage.NOT_FOUND:
            return None
        return {"size": found.size, "mtime_ns": found.mtime_ns}
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


@dataclass
class Manifest:
    path: Path | str  # a URI when score.output_dir is in an object store
    provenance: dict
    files: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.remote = storage.is_remote(self.path)  # asked once: every record and lookup needs it

    @property
    def output_dir(self) -> str:
        return posixpath.dirname(self.path) if self.remote else str(Path(self.path).parent)

    @classmethod
    def open(cls, output_dir: str | Path, provenance: dict, overwrite: bool = False) -> "Manifest":
        """Load the manifest in `output_dir`, or start one; refuse one made with other provenance.
        Parts staged by an interrupted run are cleared; `overwrite` clears every earlier output."""
        clear_outputs(output_dir, staging_only=not overwrite)
        path = storage.join(output_dir, MANIFEST_FILE)
        path = path if storage.is_remote(path) else Path(path)
        lines = _read_lines(path)
        if not lines:
            write_text_atomic(json.dumps({"provenance": provenance}, sort_keys=True) + "\n", path)
            return cls(path, provenance)
        recorded = lines[0].get("provenance")
        if recorded != provenance:
            raise ProvenanceMismatchError(
                f"{path}: outputs there were made with {recorded}, this run is {provenance}; "
                "score into a new score.output_dir, or set score.overwrite=true to start over")
        files = {entry["input_file"]: entry for entry in lines[1:] if "input_file" in entry}
        return cls(path, provenance, files)

    def is_finished(self, input_file: str, remote: bool | None = None) -> bool:
        entry = self.files.get(input_file)
        identity = None if entry is None else file_identity(input_file, remote)
        return identity is not None and all(entry.get(k) == v for k, v in identity.items())

    def unfinished(self, input_files) -> list[str]:
        """The files of `input_files` (one listing: one root) that still have to be done, in order."""
        input_files = list(input_files)
        remote = bool(input_files) and storage.is_remote(input_files[0])
        return [f for f in input_files if not self.is_finished(f, remote)]

    def record(self, input_file: str, counts: dict) -> None:
        """Append one finished file; call only after its outputs are in place."""
        self.record_many([(input_file, counts)])

    def record_many(self, finished: list[tuple[str, dict]]) -> None:
        """Append finished files (input path, counts), one line each, with one fsync."""
        if not finished:
            return
        remote = storage.is_remote(finished[0][0])  # one listing: one root
        entries = [{"input_file": path, **(file_identity(path, remote) or {}), **counts}
                   for path, counts in finished]
        if self.remote:
            for entry in entries:  # each its own object: written whole, never appended to
                write_text_atomic(json.dumps(entry, sort_keys=True) + "\n",
                                  _entry_path(self.output_dir, entry["input_file"]))
            self.files.update((entry["input_file"], entry) for entry in entries)
            return
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)
            handle.flush()
            os.fsync(handle.fileno())
        self.files.update((entry["input_file"], entry) for entry in entries)

    def totals(self, input_files: list[str] | None = None) -> dict:
        """rows_in / scored (reused rows included) / quarantined / reused summed over
        `input_files` (default: all finished files), and `reasons`: quarantined rows per reason."""
        keys = self.files if input_files is None else [f for f in input_files if f in self.files]
        totals: dict = {name: sum(int(self.files[f].get(name, 0)) for f in keys)
                        for name in ("rows_in", "scored", "quarantined", "reused")}
        reasons: dict[str, int] = {}
        for entry in (self.files[f] for f in keys):
            for reason, n in (entry.get("reasons") or {}).items():
                reasons[reason] = reasons.get(reason, 0) + n
        return {**totals, "reasons": reasons}


def staging_folder(output_dir: str | Path, input_root: str, input_file: str) -> str:
    """Where an input file's parts wait until all its rows are in."""
    return f"{output_dir}/{STAGING_DIR}/{output_key(input_root, input_file)}"


def commit_outputs(output_dir: str | Path, input_root: str, input_file: str) -> dict:
    """Merge an input file's staged parts into `scores/<key>.parquet` and `quarantine/<key>.parquet`,
    rows in input order, each renamed into place whole; returns the counts for the manifest.

    Parts are named by their first input row, so a retried task overwrote its own part and the
    merge is the same whatever order the parts were written in.
    """
    key = output_key(input_root, input_file)
    staged = staging_folder(output_dir, input_root, input_file)
    counts: dict = {"scored": 0, "quarantined": 0, "reasons": {}}
    for kind, column in (("scores", "scored"), ("quarantine", "quarantined")):
        parts = staged_parts(staged, kind)
        if not parts:
            continue
        # reused parts were written from an earlier run's file: same columns, maybe other metadata
        table = pa.concat_tables([pq.read_table(part) for part in parts], promote_options="default")
        table = table.take(pc.sort_indices(table, [("input_row", "ascending")]))
        write_parquet_atomic(table, storage.join(output_dir, kind, f"{key}.parquet"))
        counts[column] = table.num_rows
        if kind == "quarantine":
            reasons = pc.value_counts(table.column("reason")).to_pylist()
            counts["reasons"] = {r["values"]: r["counts"] for r in reasons}
    remove_staged(staged)
    return counts


def staged_parts(staged: str, kind: str) -> list[str]:
    """The parts of `kind` staged in the folder (or prefix) `staged`, in name order."""
    if storage.is_remote(staged):
        return [p for p in storage.files_under(staged)
                if posixpath.basename(p).startswith(f"{kind}-") and p.endswith(".parquet")]
    return sorted(str(p) for p in Path(staged).glob(f"{kind}-*.parquet"))


def remove_staged(path: str | Path) -> None:
    """Delete a staging folder (or object prefix) and all below it; nothing there is fine."""
    if storage.is_remote(path):
        storage.delete(str(path))
    elif Path(path).is_dir():
        shutil.rmtree(path)


def record_file_problems(problems, manifest: Manifest, input_root: str) -> int:
    """Unreadable files and files without the needed columns (`InputFiles.problems`):
    `quarantine/<key>.parquet` naming the path (one record per row when the row count is known, see
    intake.file_problem_rows) and a manifest line counting those rows, so a rerun does not report
    them twice."""
    from recruit_core.data.intake import file_problem_rows

    recorded = 0
    for check in problems:
        if manifest.is_finished(check.path):
            continue
        key = output_key(input_root, check.path)
        records = file_problem_rows(check)
        write_parquet_atomic(records, storage.join(manifest.output_dir, "quarantine", f"{key}.parquet"))
        rows = check.rows if check.problem == "missing_column" else 0
        manifest.record(check.path, {"rows_in": rows, "scored": 0, "quarantined": rows,
                                     "reasons": {check.problem: records.num_rows},
                                     "file_problem": check.problem})
        recorded += 1
    return recorded


def clear_outputs(output_dir: str | Path, staging_only: bool = False) -> None:
    """Remove what earlier runs wrote into `output_dir` (only the folders and files a run writes)."""
    if storage.is_remote(output_dir):
        names = [STAGING_DIR] if staging_only else [STAGING_DIR, "scores", "quarantine",
                                                    MANIFEST_ENTRIES, MANIFEST_FILE, SUMMARY_FILE]
        for name in names:
            storage.delete(storage.join(output_dir, name))
        return
    output_dir = Path(output_dir)
    names = [STAGING_DIR] if staging_only else [STAGING_DIR, "scores", "quarantine"]
    for name in names:
        if (output_dir / name).is_dir():
            shutil.rmtree(output_dir / name)
    if not staging_only:
        for name in (MANIFEST_FILE, SUMMARY_FILE):
            (output_dir / name).unlink(missing_ok=True)


def _entry_path(output_dir: str, input_file: str) -> str:
    """The object recording one finished input file; named by the hash of its whole path."""
    return storage.join(output_dir, MANIFEST_ENTRIES, f"{hashed_file_name(input_file, input_file)}.json")


def _read_lines(path: Path | str) -> list[dict]:
    if storage.is_remote(path):
        return _read_objects(str(path))
    if not path.exists():
        return []
    return _parse_lines(path.read_text(encoding="utf-8"))


def _read_objects(path: str) -> list[dict]:
    """The provenance line, then one line per `manifest/*.json` object (read 16 at a time: each is
    a round trip to the store)."""
    head = storage.read_bytes(path)
    if head is None:
        return []
    entries = storage.files_under(storage.join(posixpath.dirname(path), MANIFEST_ENTRIES))
    with ThreadPoolExecutor(max_workers=16) as pool:
        bodies = list(pool.map(storage.read_bytes, entries))
    return _parse_lines(b"".join([head, *(b for b in bodies if b)]).decode("utf-8"))


def _parse_lines(text: str) -> list[dict]:
    entries = []
    for line in text.splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # torn by a crash mid-append: that file is simply not finished
    return entries
