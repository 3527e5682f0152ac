"""Files in and out: every output file appears whole or not at all; the one rule for which input
files are read (`list_input_files`); and an id or input path becomes a
file name only through `safe_file_name` / `hashed_file_name`.

Ids are arbitrary strings from upstream systems: `../../etc/x`, `/tmp/x`, `a/b` and `a_b` are all
legal resume ids. Used raw in a path they escape the output folder or overwrite each other.

Whole or not at all, on each kind of storage. A local (or NFS) file is written to a temp name beside
it, then renamed onto its name: rename is atomic. An object store (s3://, gs://; recruit_core/
storage.py) has no rename (a "move" is a copy, then a delete), and needs none: the file is first
serialised whole in memory, then stored in one upload, and an upload is atomic: readers see the
old object or the new one, never half. (pyarrow's S3 stream sends it as a multipart upload, which
the store publishes only on CompleteMultipartUpload, after the last part: as atomic as one PUT.)
A writer that fails before the upload completes leaves no object behind. The
score job writes its manifest entry for an input file only after that file's outputs are stored,
so a crash at any point leaves whole outputs and a manifest that lists only finished files.
`exists`, `is_folder`, `read_text`, `files_in`, `remove_tree` and `parquet_dataset` do the same for a
local path (through os and pathlib, as before) and for a URI, so a job needs no branch of its own.
"""
from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core import storage

# 64 characters of stem keep a name readable, and with '-', 12 hex digits and an extension it
# stays far below the 255-byte file name limit of every common file system.
MAX_STEM_CHARS = 64
# 48 bits: two of 100,000 names (input files, packs of one job) share a digest with odds of about
# 1 in 56,000, and to collide they must share the readable stem as well.
DIGEST_CHARS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_KEPT_AS_IS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_LOOKS_HASHED = re.compile(rf"-[0-9a-f]{{{DIGEST_CHARS}}}$")
# Windows opens a device, not a file, for these names whatever the extension.
_DEVICE_NAMES = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)


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


def write_parquet_atomic(table: pa.Table, path: str | Path) -> Path | str:
    """Write `table` to `path` whole (zstd); a URI comes back as the same string, a local path as a Path."""
    if storage.is_remote(path):
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        storage.put(sink.getvalue().to_pybytes(), str(path))
        return str(path)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return Path(path)


def write_text_atomic(text: str, path: str | Path) -> Path | str:
    if storage.is_remote(path):
        storage.put(text.encode("utf-8"), str(path))
        return str(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(data: bytes, path: str | Path) -> Path | str:
    if storage.is_remote(path):
        storage.put(data, str(path))
        return str(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json_atomic(payload: dict, path: str | Path) -> Path:
    return write_text_atomic(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n", path)


def exists(path: str | Path) -> bool:
    """A file, folder or (in an object store) an object or a prefix with objects below it."""
    return storage.exists(str(path)) if storage.is_remote(path) else os.path.exists(path)


def is_folder(path: str | Path) -> bool:
    """A local folder, or a prefix with at least one object below it."""
    return storage.is_dir(str(path)) if storage.is_remote(path) else Path(path).is_dir()


def read_text(path: str | Path, key: str = "") -> str:
    """The UTF-8 text of a local file or an object; FileNotFoundError naming it (and `key`)."""
    if not storage.is_remote(path):
        return Path(path).read_text(encoding="utf-8")
    data = storage.read_bytes(str(path))
    if data is None:
        raise FileNotFoundError(f"{key + '=' if key else ''}{path}: no such object; check the URI")
    return data.decode("utf-8")


def remove_tree(path: str | Path) -> None:
    """Delete a file or folder (an object, or every object below a prefix); nothing there is fine."""
    if storage.is_remote(path):
        storage.delete(str(path))
    elif Path(path).is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)


def files_in(folder: str | Path, suffix: str = ".parquet") -> list[Path] | list[str]:
    """The files directly in `folder` (not below it) whose name ends in `suffix`, sorted: Paths
    for a local folder, URIs for a prefix; [] when there is none."""
    if not storage.is_remote(folder):
        return sorted(Path(folder).glob(f"*{suffix}"))
    parent = str(folder).rstrip("/")
    return [p for p in storage.files_under(parent)
            if posixpath.dirname(p) == parent and p.endswith(suffix)]


def parquet_dataset(folder: str | Path, key: str = ""):
    """A pyarrow dataset of the Parquet files of `folder` (list_input_files' rule), local or in an
    object store (read through the bucket's file system)."""
    import pyarrow.dataset as pads

    files = parquet_files(folder, key)
    if not storage.is_remote(folder):
        return pads.dataset(files, format="parquet")
    filesystem = storage.resolve(files[0])[0]
    return pads.dataset([storage.resolve(f)[1] for f in files], format="parquet",
                        filesystem=filesystem)


class NoInputFilesError(FileNotFoundError):
    """An input folder with nothing to read: almost always a wrong path."""


@dataclass(frozen=True)
class InputListing:
    """What a dataset folder holds: the files read, and every other file with why it was not."""

    files: list[Path] | list[str]  # Paths for a local folder, URIs (str) for an object store
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason


def list_input_files(folder: str | Path, key: str = "") -> InputListing:
    """The one rule for which files under an input folder are read; every file is read or skipped.

    Read: every file whose name ends in `.parquet`, in any case, at any depth, so the part files
    inside a Spark or pandas output folder named `x.parquet/` are read. Skipped, with a reason:
    a path that has a name starting with '.' (hidden, Spark's `.crc` checksums, temp files) or '_'
    (Spark and Hive metadata: `_SUCCESS`, `_committed_*`, `_temporary/`), and any other file.
    A file passed directly is read whatever its name. `key` (e.g. "inputs.resumes") names the setting
    in errors. A folder with nothing to read is an error: it is almost always a wrong path.
    """
    if storage.is_remote(folder):
        return _list_objects(str(folder), f"{key}={folder}" if key else str(folder))
    folder, named = Path(folder), f"{key}={folder}" if key else str(folder)
    if folder.is_file():
        return InputListing([folder])
    if not folder.is_dir():
        raise FileNotFoundError(f"{named}: no such Parquet file or folder; check the path")
    files, skipped = [], {}
    for path in walk_files(folder):
        reason = _skip_reason(path.relative_to(folder))
        if reason:
            skipped[str(path)] = reason
        else:
            files.append(path)
    return _listing(files, skipped, named)


def _listing(files: list, skipped: dict[str, str], named: str) -> InputListing:
    if not files:
        found = f"; {len(skipped)} other files skipped: {_first(skipped)}" if skipped else ""
        raise NoInputFilesError(f"{named}: no *.parquet files to read{found}; check the path")
    return InputListing(sorted(files), skipped)


def _list_objects(folder: str, named: str) -> InputListing:
    """list_input_files for an object-store prefix: the same rule, on the keys below it."""
    if storage.is_file(folder):
        return InputListing([folder])
    prefix, files, skipped = folder.rstrip("/") + "/", [], {}
    for path in storage.files_under(folder):
        reason = _skip_reason(PurePosixPath(path[len(prefix):]))
        if reason:
            skipped[path] = reason
        else:
            files.append(path)
    if not files and not skipped:
        raise FileNotFoundError(f"{named}: no such Parquet object or prefix; check the URI")
    return _listing(files, skipped, named)


def walk_files(folder: Path) -> Iterator[Path]:
    """Every file below `folder`, following links, in sorted order; each folder once, so a
    symlink loop ends."""
    walked = set()
    for parent, dirs, names in os.walk(folder, followlinks=True):
        if os.path.realpath(parent) in walked:
            dirs.clear()
            continue
        walked.add(os.path.realpath(parent))
        dirs.sort()
        for name in sorted(names):
            yield Path(parent) / name


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


def short_digest(text: str) -> str:
    """The first DIGEST_CHARS hex digits of sha256(text): the same on every machine and run."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]


def readable_stem(text: str) -> str:
    """`text` cut down to letters, digits, '.', '_' and '-' (accents dropped, anything else '_'),
    never starting with '.' or '-', at most MAX_STEM_CHARS long; not unique on its own."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("_", ascii_text)[:MAX_STEM_CHARS]
    return "_" + stem[1:] if stem[:1] in ("", ".", "-") else stem


def hashed_file_name(readable: str, identity: str) -> str:
    """`<readable_stem(readable)>-<short_digest(identity)>`: distinct identities, distinct names."""
    return f"{readable_stem(readable)}-{short_digest(identity)}"


def safe_file_name(identifier: str) -> str:
    """A file or folder name for any id: never empty, '.', '..', nor holding '/' or '\\'.

    An id made of letters, digits, '.', '_' and '-' is kept as it is (`R000000001` stays
    `R000000001`); any other id gets a readable stem plus the hash of the whole id, so ids that
    differ only in unsafe characters (`a/b`, `a:b`) still get different names. Kept ids never end
    in '-' and 12 hex digits (such ids are hashed too), so they cannot meet a hashed name.
    """
    identifier = str(identifier)
    if (_KEPT_AS_IS.fullmatch(identifier) and len(identifier) <= MAX_STEM_CHARS
            and not identifier.endswith(".") and not _LOOKS_HASHED.search(identifier)
            and not _DEVICE_NAMES.fullmatch(identifier)):
        return identifier
    return hashed_file_name(identifier, identifier)
