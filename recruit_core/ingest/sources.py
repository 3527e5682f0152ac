"""Which resume files an ingest run reads, and how they are cut into work units.

    python ray_jobs/ingest.py ingest.input=<folder, glob or list file> ingest.output_dir=<out>

`ingest.input` is one of
  - a folder: every file below it, at any depth, except hidden ones (a name starting with '.':
    `.DS_Store`, editor temp files), which are listed in the summary as skipped;
  - a glob (`resumes/**/*.pdf`; `**` matches any depth): the files it matches;
  - a list file, `.parquet` or `.csv` with a `path` column (and optionally `size_bytes`): listing
    millions of files on an object store is slow, so large pools come with a list. Relative paths
    are taken from the list file's folder;
  - one resume file.
Each of these may be in an object store (`s3://bucket/resumes/`, recruit_core/storage.py): a prefix
is listed (one request per 1,000 objects, sizes included), a list file may be an object and may
name objects, and a glob's `*`, `?` and `**` match keys as they match paths.
Every listed file is counted in `files_in`, whatever its type: a file that cannot be read is
quarantined, not skipped. Files are sorted by path, so the first of two identical files is the same
on every run.
"""
from __future__ import annotations

import glob
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from recruit_core import storage
from recruit_core.io import short_digest, walk_files

LIST_SUFFIXES = (".parquet", ".csv")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class SourceFile:
    path: str
    size_bytes: int | None  # None: not known before the file is read (a list without sizes)


@dataclass
class SourceListing:
    files: list[SourceFile]
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why it is not read
    kind: str = "folder"  # folder | glob | list | file


def list_sources(spec: str, key: str = "ingest.input") -> SourceListing:
    """The resume files `spec` names (see the module docstring); an error when it names none."""
    if not spec:
        raise ValueError(f"{key} is not set: give a folder, a glob or a list file of resume files")
    path = Path(spec)
    if storage.is_remote(spec):
        listing = _list_objects(spec, key)
    elif path.is_dir():
        listing = _walk(path)
    elif path.is_file() and path.suffix.lower() in LIST_SUFFIXES:
        listing = SourceListing(_read_list(path, key), kind="list")
    elif path.is_file():
        listing = SourceListing([SourceFile(str(path), path.stat().st_size)], kind="file")
    elif _GLOB_CHARS & set(spec):
        matches = sorted(p for p in glob.glob(spec, recursive=True) if not os.path.isdir(p))
        listing = SourceListing([SourceFile(p, _size(p)) for p in matches], kind="glob")
    else:
        raise FileNotFoundError(f"{key}={spec}: no such folder, list file or resume file, and not "
                                "a glob; check the path")
    if not listing.files:
        raise FileNotFoundError(f"{key}={spec}: names no resume files ({len(listing.skipped)} "
                                "hidden files skipped); check the path")
    return listing


def _list_objects(spec: str, key: str) -> SourceListing:
    """list_sources for an object-store URI: a glob, a list file, one object, or a prefix."""
    if _GLOB_CHARS & set(spec):
        cut = min(spec.index(c) for c in _GLOB_CHARS if c in spec)
        matches = _key_glob(spec)
        found = storage.sizes_under(spec[:cut].rsplit("/", 1)[0])
        return SourceListing([SourceFile(p, n) for p, n in found.items() if matches(p)], kind="glob")
    found = storage.info(spec)
    if found.type == storage.pafs.FileType.File:
        if posixpath.splitext(spec)[1].lower() in LIST_SUFFIXES:
            return SourceListing(_read_list(spec, key), kind="list")
        return SourceListing([SourceFile(spec, found.size)], kind="file")
    files, skipped, prefix = [], {}, spec.rstrip("/") + "/"
    for path, size in storage.sizes_under(spec).items():
        if any(part.startswith(".") for part in path[len(prefix):].split("/")):
            skipped[path] = "hidden (a name starting with '.')"
        else:
            files.append(SourceFile(path, size))
    if not files and not skipped:
        raise FileNotFoundError(f"{key}={spec}: no such object or prefix; check the URI")
    return SourceListing(files, skipped)


def _key_glob(spec: str):
    """A matcher of keys for a glob: `**/` any folders (none included), `*` and `?` within one."""
    pattern = ""
    for token in re.split(r"(\*\*/|\*|\?)", spec):
        pattern += {"**/": "(?:.*/)?", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
    return re.compile(pattern + r"\Z").match


def _walk(folder: Path) -> SourceListing:
    files, skipped = [], {}
    for path in walk_files(folder):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            skipped[str(path)] = "hidden (a name starting with '.')"
        else:
            files.append(SourceFile(str(path), _size(path)))
    return SourceListing(sorted(files, key=lambda f: f.path), skipped)


def _size(path: str | Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None  # unreadable: the parse task quarantines it with the reason


def _read_list(path: Path | str, key: str) -> list[SourceFile]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    remote = storage.is_remote(path)
    source = pa.BufferReader(storage.read_bytes(str(path))) if remote else path
    is_parquet = posixpath.splitext(str(path))[1].lower() == ".parquet"
    table = pq.read_table(source) if is_parquet else pacsv.read_csv(source)
    if "path" not in table.column_names:
        raise ValueError(f"{key}={path}: a list file needs a `path` column (has "
                         f"{', '.join(table.column_names)})")
    paths = table.column("path").to_pylist()
    sizes = (table.column("size_bytes").to_pylist() if "size_bytes" in table.column_names
             else [None] * len(paths))
    files = {}
    for name, size in zip(paths, sizes):
        if name is None or not str(name).strip():
            continue
        resolved = _resolve_listed(path, str(name))
        files[resolved] = SourceFile(resolved, None if size is None else int(size))
    return sorted(files.values(), key=lambda f: f.path)  # a path listed twice is one file


def _resolve_listed(list_file: Path | str, name: str) -> str:
    """A path named in a list file: a URI or an absolute path as it is, any other from the list
    file's folder (its prefix, for a list file in an object store)."""
    if storage.is_remote(name) or os.path.isabs(name):
        return name
    if storage.is_remote(list_file):
        return posixpath.join(posixpath.dirname(str(list_file)), name)
    return str(Path(list_file).parent / name)


@dataclass(frozen=True)
class WorkUnit:
    """Files parsed by one task; `key` names its output files."""

    key: str
    paths: list[str]


def work_units(files: list[SourceFile], files_per_unit: int, unit_bytes: int,
               positions: list[int] | None = None) -> list[WorkUnit]:
    """Consecutive files, at most `files_per_unit` and `unit_bytes` per unit (a file larger than
    that is a unit of its own). The key is `u<position of its first file>-<digest of its paths>`,
    `positions` being the files' places in the whole listing (default: 0, 1, ...): sorted like the
    listing, distinct for distinct sets of files, and the same again when a crashed run is rerun
    (units are committed in order, so the rerun cuts the rest of the listing the same way)."""
    units, current, size = [], [], 0
    positions = list(range(len(files))) if positions is None else positions
    first = positions[0] if positions else 0
    for position, source in zip(positions, files):
        grows = size + (source.size_bytes or 0)
        if current and (len(current) >= files_per_unit or grows > unit_bytes):
            units.append(_unit(first, current))
            current, size, first = [], 0, position
        current.append(source.path)
        size += source.size_bytes or 0
    if current:
        units.append(_unit(first, current))
    return units


def _unit(first: int, paths: list[str]) -> WorkUnit:
    return WorkUnit(f"u{first:09d}-{short_digest(chr(0).join(paths))}", list(paths))
