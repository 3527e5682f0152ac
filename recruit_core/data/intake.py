"""Resume intake: every input row is either scored or quarantined with a reason, never dropped.

Pure pyarrow, no Ray: footers are checked per file (`check_files`), rows are read per row group and
validated (`read_row_group`; the row checks are `validate.py`), and duplicate ids are found by hash buckets
(`id_buckets`, `later_occurrences`). The Ray jobs (`score/job_ray.py`, `match/job_ray.py`) run
these in tasks.

Reasons, in the order they are checked (a row gets the first one that applies):

    missing_id      resume_id is null, empty or blank (whitespace only)
    invalid_id      resume_id holds control or invisible characters (ANSI escape, tab, newline,
                    NUL, zero-width; Unicode Cc, Cf, Zl, Zp); the detail shows it escaped
    duplicate_id    a resume_id seen earlier (earlier file in sorted path order, or earlier row)
    not_text        the text column holds numbers or other non-text values (wrong Parquet type);
                    dictionary-encoded text (Spark, pandas categoricals) is decoded and read
    null_text       text is null
    invalid_utf8    text bytes are not UTF-8, or contain U+FFFD (text decoded lossily upstream)
    oversized_text  more than inputs.max_text_chars characters
    empty_text      nothing visible: empty after NFKC normalisation and whitespace collapsing, or
                    only format/control characters (zero-width spaces, BOM, NUL)
    unreadable_row_group  the file's footer is fine but a row group fails to decode (one row each)
    unreadable_file the footer cannot be read: one row with the path, resume_id null (rows unknown)
    missing_column  no resume_id or text column: one row per row of the file, so every row is
                    counted (resume_id filled when that column is there)

`python -m pytest -q tests/test_quarantine.py` runs its tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.data.validate import (
    ID_COLUMN,
    QUARANTINE_SCHEMA,
    TEXT_COLUMN,
    id_strings,
    unreadable_rows,
    validate_resumes,
)


@dataclass(frozen=True)
class FileCheck:
    """What a Parquet footer says about an input file, before any row is read."""

    path: str
    rows: int = 0
    row_groups: tuple[int, ...] = ()  # rows per row group
    problem: str | None = None  # unreadable_file | missing_column
    detail: str = ""
    columns: tuple[str, ...] = field(default=())

    @property
    def readable(self) -> bool:
        return self.problem is None


def check_file(path: str | Path) -> FileCheck:
    """Read only the footer: a truncated or non-Parquet file, or one without the columns, is named here."""
    path = str(path)
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException) as err:
        return FileCheck(path, problem="unreadable_file",
                         detail=f"{path}: not a readable Parquet file ({err}); rewrite or remove it")
    columns = tuple(meta.schema.to_arrow_schema().names)
    missing = [c for c in (ID_COLUMN, TEXT_COLUMN) if c not in columns]
    groups = tuple(meta.row_group(i).num_rows for i in range(meta.num_row_groups))
    if missing:
        return FileCheck(path, meta.num_rows, groups, "missing_column",
                         f"{path}: no column {', '.join(missing)} (has {', '.join(columns)}); "
                         f"its {meta.num_rows} rows are quarantined unread: add the column or "
                         "remove the file", columns)
    return FileCheck(path, meta.num_rows, groups, columns=columns)


@dataclass(frozen=True)
class InputFiles:
    """Every input file's footer check, sorted once into the files that can be read and those that
    cannot; the jobs plan from these lists instead of asking each file again."""

    checks: tuple[FileCheck, ...]
    readable: tuple[FileCheck, ...]
    problems: tuple[FileCheck, ...]
    paths: tuple[str, ...]  # the readable files in input order: the order duplicates are judged in
    rows_in: int  # from the footers, so a file without the columns counts too
    readable_rows: int


def check_files(paths: list[str | Path], threads: int = 8) -> InputFiles:
    """Footers of many files, read in parallel: footer reads wait on storage, not on the CPU
    (8 threads keep a network filesystem busy without flooding it)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        checks = tuple(pool.map(check_file, paths))
    readable = tuple(c for c in checks if c.readable)
    return InputFiles(checks, readable, tuple(c for c in checks if not c.readable),
                      tuple(c.path for c in readable), sum(c.rows for c in checks),
                      sum(c.rows for c in readable))


def file_problem_rows(check: FileCheck) -> pa.Table:
    """Quarantine records of a file that cannot be scored, in QUARANTINE_SCHEMA plus input_row.

    A file without the columns gets one record per row, so its rows count in rows_in and as
    quarantined like any other (its resume_ids too, when it has that column); an unreadable file,
    whose row count is unknown, gets one record with the path, resume_id and input_row null."""
    rows = check.rows if check.problem == "missing_column" else 0
    if not rows:
        ids, positions = pa.nulls(1, pa.string()), pa.nulls(1, pa.int64())
    else:
        ids = read_ids(check.path) if ID_COLUMN in check.columns else pa.nulls(rows, pa.string())
        positions = pa.array(np.arange(rows, dtype=np.int64))
    count = len(positions)
    return pa.table({"resume_id": ids, "input_file": [check.path] * count,
                     "reason": [check.problem] * count, "detail": [check.detail] * count,
                     "input_row": positions},
                    schema=QUARANTINE_SCHEMA.append(pa.field("input_row", pa.int64())))


def read_units(checks: list[FileCheck], paths: list[str]) -> list[dict]:
    """One unit of reading work per (file, row group); `file_index` is the file's place in
    `paths`, the order in which duplicates are judged."""
    index = {path: i for i, path in enumerate(paths)}
    units = []
    for check in checks:
        first = 0
        for group, rows in enumerate(check.row_groups):
            units.append({"path": check.path, "file_index": index[check.path], "row_group": group,
                          "first_row": first, "rows": rows})
            first += rows
    return units


def read_row_group(path: str, group: int, first_row: int, rows: int, chunk_rows: int,
                   max_text_chars: int, duplicates: dict[int, str]):
    """Validated chunks (VALIDATED_SCHEMA) of one row group; if it fails to decode, its remaining
    rows come back as `unreadable_row_group` quarantine rows instead of an exception."""
    def chunks():  # a generator, so that even opening the file fails inside the try below
        yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, row_groups=[group],
                                                     columns=[ID_COLUMN, TEXT_COLUMN],
                                                     use_threads=False)
    position, end, batches = first_row, first_row + rows, chunks()
    while position < end:
        try:
            chunk = pa.Table.from_batches([next(batches)])
        except StopIteration:
            break
        except (OSError, pa.ArrowException) as err:
            yield unreadable_rows(path, position, end - position, err)
            break
        yield validate_resumes(chunk, path, position, max_text_chars, duplicates)
        position += chunk.num_rows


def read_ids(path: str) -> pa.Array:
    """The resume_id column as strings; rows of a row group that fails to decode are null."""
    parquet = pq.ParquetFile(path)
    parts = []
    for group in range(parquet.num_row_groups):
        try:
            parts.append(id_strings(parquet.read_row_group(group, columns=[ID_COLUMN]).column(0)))
        except (OSError, pa.ArrowException):
            parts.append(pa.nulls(parquet.metadata.row_group(group).num_rows, pa.string()))
    return pa.chunked_array(parts, pa.string()).combine_chunks() if parts else pa.array([], pa.string())


def id_buckets(ids: pa.Array | pa.ChunkedArray, file_index: int, n_buckets: int) -> list[pa.Table]:
    """A file's resume ids split by hash into `n_buckets` tables of (resume_id, file_index, position):
    the map side of duplicate detection, so each bucket can be checked on its own."""
    import pandas as pd

    values = id_strings(ids)
    frame = pd.DataFrame({"resume_id": values.to_pandas(), "file_index": np.int32(file_index),
                          "position": np.arange(len(values), dtype=np.int64)}).dropna()
    frame = frame[frame["resume_id"] != ""]
    bucket = pd.util.hash_array(frame["resume_id"].to_numpy(dtype=object)) % np.uint64(n_buckets)
    return [pa.Table.from_pandas(frame[bucket == b], preserve_index=False) for b in range(n_buckets)]


def later_occurrences(bucket: pa.Table, paths: list[str]) -> pa.Table:
    """Rows whose resume_id appeared before (earlier file in `paths` order, or earlier row): the first
    occurrence is kept and every later one is returned as (file_index, position, detail)."""
    frame = bucket.to_pandas().sort_values(["file_index", "position"], kind="stable")
    repeated = frame.duplicated("resume_id", keep="first")
    firsts = frame[~repeated].set_index("resume_id")
    later = frame[repeated]
    details = [f"duplicate of {paths[int(firsts.at[rid, 'file_index'])]} row "
               f"{int(firsts.at[rid, 'position'])} (the first occurrence is kept)"
               for rid in later["resume_id"]]
    return pa.table({"file_index": later["file_index"].to_numpy(np.int32),
                     "position": later["position"].to_numpy(np.int64), "detail": details})
