"""Row validation: each row of a resume batch is good or gets the first quarantine reason that
applies (the reasons and their order: recruit_core/data/intake.py). Pure pyarrow and numpy: the read
tasks of the score and match jobs run `validate_resumes` on every chunk they read.

`python -m pytest -q tests/test_quarantine.py` runs its tests.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def id_strings(column: pa.ChunkedArray | pa.Array) -> pa.Array:
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
    ids = id_strings(batch.column(ID_COLUMN))
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
