"""Resume intake: every input row is either scored or quarantined with a reason, never dropped.

Pure pyarrow, no Ray: footers are checked per file (`check_files`), rows are read per row group and
validated (`read_row_group`, `validate_resumes`), and duplicate ids are found by hash buckets
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

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ID_COLUMN, TEXT_COLUMN = "resume_id", "text"
QUARANTINE_SCHEMA = pa.schema([("resume_id", pa.string()), ("input_file", pa.string()),
                               ("reason", pa.string()), ("detail", pa.string())])
# Validated batches: text is null on quarantined rows, reason is null on good ones.
VALIDATED_SCHEMA = pa.schema([("resume_id", pa.string()), ("text", pa.string()),
                              ("input_file", pa.string()), ("position", pa.int64()),
                              ("reason", pa.string()), ("detail", pa.string())])
REPLACEMENT_CHAR = "\ufffd"
_BLANKS = re.compile(r"[^\S\n]+")  # runs of whitespace other than newlines
_LINE_BREAKS = re.compile(r" ?\n[\s]*")  # a line break and any blank lines or indent after it
# Control (Cc: tab, NUL, ANSI ESC) and format (Cf: zero-width, BOM, bidi) characters, and the
# Unicode line/paragraph separators: in an id they garble logs and terminals or hide a difference.
_INVISIBLE = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


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


def normalise_text(text: str) -> str:
    """Unicode NFKC (full-width letters, ligatures, non-breaking spaces become plain) and collapsed
    whitespace; line breaks are kept because the first line is the headline and skills sections are
    line lists, which the skill extractor reads."""
    text = _BLANKS.sub(" ", unicodedata.normalize("NFKC", text))
    return _LINE_BREAKS.sub("\n", text).strip()


def _as_strings(column: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(text as a string array, mask of rows whose bytes are not UTF-8) for string or binary columns."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:
            column.validate(full=True)
            return column.cast(pa.string()), np.zeros(len(column), dtype=bool)
        except pa.ArrowInvalid:
            column = column.cast(pa.binary(), safe=False)  # decode row by row below
    values, bad = [], np.zeros(len(column), dtype=bool)
    for i, raw in enumerate(column.to_pylist()):
        try:
            values.append(None if raw is None else raw.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(None)
            bad[i] = True
    return pa.array(values, pa.string()), bad


def _decoded(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Dictionary-encoded values (what Spark and pandas categoricals write) as plain values."""
    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _visible(text: str) -> bool:
    """Whether any character is not whitespace, format (Cf: zero-width, BOM) or control (Cc: NUL):
    texts of only those would all score alike. Stops at the first visible character, at once
    for ordinary text; the text itself is left as it is."""
    return any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc") for c in text)


def _is_textual(data_type: pa.DataType) -> bool:
    return any(check(data_type) for check in (pa.types.is_string, pa.types.is_large_string,
                                              pa.types.is_binary, pa.types.is_large_binary))


def _ids(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_integer(column.type):
        return column.cast(pa.string())  # numeric ids are ids all the same
    strings, _ = _as_strings(column) if _is_textual(column.type) else (column.cast(pa.string()), None)
    return strings


def validate_resumes(batch: pa.Table, input_file: str, first_position: int, max_text_chars: int,
                     duplicates: dict[int, str] | None = None) -> pa.Table:
    """Rows of one file, `first_position` being the row index of the batch's first row in that file.

    `duplicates` maps row positions in this file to the detail of the earlier occurrence they repeat.
    Returns VALIDATED_SCHEMA: good rows carry normalised text, quarantined rows a reason and detail.
    """
    n = batch.num_rows
    positions = np.arange(first_position, first_position + n, dtype=np.int64)
    ids = _ids(batch.column(ID_COLUMN))
    reasons: list[str | None] = [None] * n
    details: list[str | None] = [None] * n

    def flag(mask, reason: str, detail) -> None:
        for i in np.flatnonzero(mask):
            if reasons[i] is None:
                reasons[i], details[i] = reason, detail(i)

    id_list = ids.to_pylist()
    _flag_id_problems(ids, input_file, positions, flag)
    duplicates = duplicates or {}
    flag([int(p) in duplicates for p in positions], "duplicate_id",
         lambda i: f"resume {id_list[i]}: {duplicates[int(positions[i])]}")
    text_column = _decoded(batch.column(TEXT_COLUMN))
    if not _is_textual(text_column.type):
        flag(np.ones(n, dtype=bool), "not_text",
             lambda i: f"resume {id_list[i]}: column text is {text_column.type}, not text")
        texts = pa.nulls(n, pa.string())
    else:
        texts, bad_bytes = _as_strings(text_column)
        _flag_text_problems(texts, bad_bytes, max_text_chars, flag, id_list)
    normalised = [normalise_text(t) if reasons[i] is None else None
                  for i, t in enumerate(texts.to_pylist())]
    flag([t is not None and not _visible(t) for t in normalised], "empty_text",
         lambda i: f"resume {id_list[i]}: text is empty, or only whitespace and invisible "
                   "characters (zero-width, BOM, NUL)")
    return pa.table({"resume_id": ids, "text": [t if reasons[i] is None else None
                                                 for i, t in enumerate(normalised)],
                     "input_file": [input_file] * n, "position": positions,
                     "reason": reasons, "detail": details}, schema=VALIDATED_SCHEMA)


def _flag_id_problems(ids: pa.Array, input_file: str, positions: np.ndarray, flag) -> None:
    """missing_id for null, empty or blank ids, invalid_id for ids with control characters;
    details show such ids escaped, so no tab, escape sequence or NUL reaches a log or terminal."""
    id_list = ids.to_pylist()
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(ids), ""), True)
    invisible = pc.fill_null(pc.match_substring_regex(ids, _INVISIBLE), False)

    def where(i: int) -> str:
        return f"{input_file} row {positions[i]}: resume_id"

    flag(blank.to_numpy(zero_copy_only=False), "missing_id",
         lambda i: (f"{where(i)} is null or empty" if not id_list[i]
                    else f"{where(i)} {_escaped(id_list[i])} is blank; give the resume an id"))
    flag(invisible.to_numpy(zero_copy_only=False), "invalid_id",
         lambda i: f"{where(i)} {_escaped(id_list[i])} contains control or invisible characters "
                   "(shown escaped); remove them from the id upstream")


def _escaped(resume_id: str, limit: int = 80) -> str:
    """The id as a Python literal (repr), cut to `limit` characters: a huge id stays one line."""
    shown = repr(resume_id[:limit])
    return shown + f" (+{len(resume_id) - limit} more characters)" if len(resume_id) > limit else shown


def _flag_text_problems(texts: pa.Array, bad_bytes: np.ndarray, max_text_chars: int, flag,
                        id_list: list) -> None:
    nulls = texts.is_null().to_numpy(zero_copy_only=False) & ~bad_bytes
    flag(nulls, "null_text", lambda i: f"resume {id_list[i]}: text is null")
    flag(bad_bytes, "invalid_utf8", lambda i: f"resume {id_list[i]}: text bytes are not UTF-8")
    lossy = pc.fill_null(pc.match_substring(texts, REPLACEMENT_CHAR), False).to_numpy(
        zero_copy_only=False)
    flag(lossy, "invalid_utf8",
         lambda i: f"resume {id_list[i]}: text contains U+FFFD, it was decoded lossily upstream")
    lengths = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False)
    flag(lengths > max_text_chars, "oversized_text",
         lambda i: f"resume {id_list[i]}: {lengths[i]} characters > inputs.max_text_chars="
                   f"{max_text_chars}")


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
            parts.append(_ids(parquet.read_row_group(group, columns=[ID_COLUMN]).column(0)))
        except (OSError, pa.ArrowException):
            parts.append(pa.nulls(parquet.metadata.row_group(group).num_rows, pa.string()))
    return pa.chunked_array(parts, pa.string()).combine_chunks() if parts else pa.array([], pa.string())


def unreadable_rows(input_file: str, first_position: int, rows: int, error: Exception) -> pa.Table:
    """A row group that fails to decode: one quarantine row per row it holds, so counts still add up."""
    detail = (f"{input_file} rows {first_position}-{first_position + rows - 1}: row group failed to "
              f"decode ({error}); rewrite the file")
    return pa.table({"resume_id": pa.nulls(rows, pa.string()), "text": pa.nulls(rows, pa.string()),
                     "input_file": [input_file] * rows,
                     "position": np.arange(first_position, first_position + rows, dtype=np.int64),
                     "reason": ["unreadable_row_group"] * rows, "detail": [detail] * rows},
                    schema=VALIDATED_SCHEMA)


def quarantined(validated: pa.Table) -> pa.Table:
    """The quarantine records of a validated batch, in QUARANTINE_SCHEMA."""
    bad = validated.filter(pc.is_valid(validated.column("reason")))
    return bad.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA)


def reason_counts(validated: pa.Table) -> dict[str, int]:
    reasons = validated.column("reason").drop_null()
    counts = pc.value_counts(reasons).to_pylist() if len(reasons) else []
    return {c["values"]: c["counts"] for c in counts}


def id_buckets(ids: pa.Array | pa.ChunkedArray, file_index: int, n_buckets: int) -> list[pa.Table]:
    """A file's resume ids split by hash into `n_buckets` tables of (resume_id, file_index, position):
    the map side of duplicate detection, so each bucket can be checked on its own."""
    import pandas as pd

    values = _ids(ids)
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
