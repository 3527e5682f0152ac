"""Files in and out: atomic output (every file appears whole or not at all: write to a temp name,
then rename), and the one rule for which input files are read (`list_input_files`)."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet_atomic(table: pa.Table, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)


def write_text_atomic(text: str, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(payload: dict, path: str | Path) -> Path:
    return write_text_atomic(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n", path)


class NoInputFilesError(FileNotFoundError):
    """An input folder with nothing to read: almost always a wrong path."""


@dataclass(frozen=True)
class InputListing:
    """What a dataset folder holds: the files read, and every other file with why it was not."""

    files: list[Path]
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason


def list_input_files(folder: str | Path, key: str = "") -> InputListing:
    """The one rule for which files under an input folder are read; every file is read or skipped.

    Read: every file whose name ends in `.parquet`, in any case, at any depth, so the part files
    inside a Spark or pandas output folder named `x.parquet/` are read. Skipped, with a reason:
    a path that has a name starting with '.' (hidden, Spark's `.crc` checksums, temp files) or '_'
    (Spark and Hive metadata: `_SUCCESS`, `_committed_*`, `_temporary/`), and any other file.
    A file passed directly is read whatever its name. `key` (e.g. "score.input") names the setting
    in errors. A folder with nothing to read is an error: it is almost always a wrong path.
    """
    folder, named = Path(folder), f"{key}={folder}" if key else str(folder)
    if folder.is_file():
        return InputListing([folder])
    if not folder.is_dir():
        raise FileNotFoundError(f"{named}: no such Parquet file or folder; check the path")
    files, skipped, walked = [], {}, set()
    for parent, dirs, names in os.walk(folder, followlinks=True):
        if os.path.realpath(parent) in walked:  # a symlink loop: each folder is listed once
            dirs.clear()
            continue
        walked.add(os.path.realpath(parent))
        dirs.sort()
        for name in sorted(names):
            path = Path(parent) / name
            reason = _skip_reason(path.relative_to(folder))
            if reason:
                skipped[str(path)] = reason
            else:
                files.append(path)
    if not files:
        found = f"; {len(skipped)} other files skipped: {_first(skipped)}" if skipped else ""
        raise NoInputFilesError(f"{named}: no *.parquet files to read{found}; check the path")
    return InputListing(sorted(files), skipped)


def _skip_reason(relative: Path) -> str | None:
    if any(part.startswith(".") for part in relative.parts):
        return "hidden (a name starting with '.': checksum or temp file)"
    if any(part.startswith("_") for part in relative.parts):
        return "metadata (a name starting with '_': Spark/Hive _SUCCESS, _committed_*, _temporary)"
    if not relative.name.lower().endswith(".parquet"):
        return "not named *.parquet"
    return None


def _first(skipped: dict[str, str], shown: int = 3) -> str:
    listed = "; ".join(f"{path} ({why})" for path, why in list(skipped.items())[:shown])
    return listed + (" ..." if len(skipped) > shown else "")


def parquet_files(folder: str | Path, key: str = "") -> list[Path]:
    """The Parquet files of a dataset folder (or the file itself), sorted; see list_input_files."""
    return list_input_files(folder, key).files
