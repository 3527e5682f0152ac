"""Validation: each kind of bad row gets its reason, bad files are named, the first duplicate is kept."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.data.intake import check_file, id_buckets, later_occurrences, read_ids, read_row_group
from recruit_core.data.validate import normalise_text, quarantined, reason_counts, validate_resumes

GOOD = "Data Engineer\nBuilt pipelines in Python and SQL."


def _reasons(table: pa.Table) -> dict[str, str | None]:
    return dict(zip(table.column("resume_id").to_pylist(), table.column("reason").to_pylist()))


def test_each_bad_row_gets_its_reason_and_good_rows_are_normalised():
    batch = pa.table({
        "resume_id": ["ok", "null", "empty", "blank", "huge", "lossy", None, "wide"],
        "text": [GOOD, None, "", " \t\n\u00a0 ", "x" * 5_000_001, "caf\ufffd latte", GOOD,
                 "ＰＹＴＨＯＮ  developer\n\n\n  SQL"]})
    out = validate_resumes(batch, "f.parquet", 10, max_text_chars=200_000)
    assert _reasons(out) == {"ok": None, "null": "null_text", "empty": "empty_text",
                             "blank": "empty_text", "huge": "oversized_text",
                             "lossy": "invalid_utf8", None: "missing_id", "wide": None}
    texts = dict(zip(out.column("resume_id").to_pylist(), out.column("text").to_pylist()))
    assert texts["wide"] == "PYTHON developer\nSQL"
    assert texts["huge"] is None  # quarantined rows carry no text downstream
    assert out.column("position").to_pylist() == list(range(10, 18))
    assert "5000001 characters" in out.column("detail")[4].as_py()


def test_blank_ids_are_missing_and_ids_with_control_characters_are_invalid():
    ids = ["ok", " ", "\t", "\u3000\n", "\x1b[31mR1\x1b[0m", "R\x002", "R\t3", "R\u200b4",
           "R\u20285", "../x", "/tmp/x", "Jos\u00e9"]
    out = validate_resumes(pa.table({"resume_id": ids, "text": [GOOD] * len(ids)}), "f.parquet", 0,
                           10_000)
    assert out.column("reason").to_pylist() == [
        None, "missing_id", "missing_id", "missing_id", "invalid_id", "invalid_id", "invalid_id",
        "invalid_id", "invalid_id", None, None, None]  # odd but printable ids are ids
    details = out.column("detail").to_pylist()
    assert details[1] == "f.parquet row 1: resume_id ' ' is blank; give the resume an id"
    assert details[4] == ("f.parquet row 4: resume_id '\\x1b[31mR1\\x1b[0m' contains control or "
                          "invisible characters (shown escaped); remove them from the id upstream")
    assert "'R\\x002'" in details[5] and "\x00" not in details[5] and "\x1b" not in details[4]
    assert out.column("text")[4].as_py() is None  # a quarantined row carries no text downstream


def test_an_invalid_id_is_reported_as_invalid_not_as_a_duplicate():
    batch = pa.table({"resume_id": ["a\x1b", "a\x1b"], "text": [GOOD] * 2})
    out = validate_resumes(batch, "f.parquet", 0, 10_000, duplicates={1: "duplicate of f row 0"})
    assert out.column("reason").to_pylist() == ["invalid_id", "invalid_id"]


def test_numbers_and_undecodable_bytes_where_text_belongs():
    numbers = validate_resumes(pa.table({"resume_id": ["a", "b"], "text": [1, 2]}), "n.parquet", 0, 100)
    assert set(numbers.column("reason").to_pylist()) == {"not_text"}
    assert "int64" in numbers.column("detail")[0].as_py()
    raw = pa.table({"resume_id": ["good", "bad"],
                    "text": pa.array([GOOD.encode(), b"\xff\xfe broken"], pa.binary())})
    assert _reasons(validate_resumes(raw, "b.parquet", 0, 10_000)) == {"good": None, "bad": "invalid_utf8"}


def test_string_column_holding_bytes_that_are_not_utf8(tmp_path):
    """Writers can put any bytes in a Parquet string column; reading does not check them."""
    unchecked = pa.array([GOOD.encode(), b"\xff\xfe bad"], pa.binary()).cast(pa.string(), safe=False)
    pq.write_table(pa.table({"resume_id": ["good", "bad"], "text": unchecked}), tmp_path / "s.parquet")
    batch = pq.read_table(tmp_path / "s.parquet")
    assert _reasons(validate_resumes(batch, "s.parquet", 0, 10_000)) == {"good": None, "bad": "invalid_utf8"}


def test_duplicates_flagged_by_position_keep_the_first():
    batch = pa.table({"resume_id": ["a", "b", "a"], "text": [GOOD] * 3})
    out = validate_resumes(batch, "f.parquet", 0, 10_000, duplicates={2: "duplicate of f row 0"})
    assert out.column("reason").to_pylist() == [None, None, "duplicate_id"]
    records = quarantined(out)
    assert records.schema.names == ["resume_id", "input_file", "reason", "detail"]
    assert records.num_rows == 1 and reason_counts(out) == {"duplicate_id": 1}


def test_later_occurrences_across_files_and_within_a_file():
    paths = ["a.parquet", "b.parquet"]
    first = id_buckets(pa.array(["x", "y", "x", None]), 0, 2)
    second = id_buckets(pa.array(["y", "z"]), 1, 2)
    found = pa.concat_tables([later_occurrences(pa.concat_tables([first[b], second[b]]), paths)
                              for b in range(2)])
    later = sorted(zip(found.column("file_index").to_pylist(), found.column("position").to_pylist()))
    assert later == [(0, 2), (1, 0)]  # second "x" in a; "y" of b (a has it first)
    details = " ".join(found.column("detail").to_pylist())
    assert "a.parquet row 0" in details and "a.parquet row 1" in details


def test_truncated_file_and_missing_column_are_named(tmp_path):
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"resume_id": ["a"], "text": [GOOD]}), good)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(good.read_bytes()[:-20])
    no_text = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"resume_id": ["a", "b"], "body": [GOOD, GOOD]}), no_text)
    assert check_file(good).readable and check_file(good).rows == 1
    bad = check_file(truncated)
    assert bad.problem == "unreadable_file" and str(truncated) in bad.detail
    missing = check_file(no_text)
    assert missing.problem == "missing_column" and "no column text" in missing.detail
    assert "2 rows" in missing.detail


def test_normalise_keeps_lines_and_collapses_blanks():
    assert normalise_text("  ﬁnance\u00a0 analyst \r\n\r\n\tExcel  ") == "finance analyst\nExcel"


def test_corrupt_row_group_is_quarantined_row_by_row_and_the_rest_is_read(tmp_path):
    path = tmp_path / "corrupt.parquet"
    pq.write_table(pa.table({"resume_id": ["a", "b", "c", "d"], "text": [GOOD * 20] * 4}), path,
                   row_group_size=2, compression="snappy")
    text_chunk = pq.ParquetFile(path).metadata.row_group(0).column(1)
    with open(path, "r+b") as handle:  # garble the first row group's text pages, keep the footer
        handle.seek(text_chunk.data_page_offset + 8)
        handle.write(b"\xde\xad\xbe\xef" * 16)
    first = pa.concat_tables(read_row_group(str(path), 0, 0, 2, 10, 10_000, {}))
    assert first.column("reason").to_pylist() == ["unreadable_row_group"] * 2
    assert first.column("position").to_pylist() == [0, 1] and "rows 0-1" in first.column("detail")[0].as_py()
    second = pa.concat_tables(read_row_group(str(path), 1, 2, 2, 10, 10_000, {}))
    assert second.column("reason").to_pylist() == [None, None]
    assert read_ids(str(path)).to_pylist() == ["a", "b", "c", "d"]  # ids live in their own column chunk


def test_dictionary_encoded_text_is_read_and_scored(tmp_path):
    """What Spark and pandas categoricals write: the text column as a dictionary of strings."""
    import pandas as pd

    path = tmp_path / "categorical.parquet"
    pd.DataFrame({"resume_id": ["a", "b", "c"],
                  "text": pd.Categorical([GOOD, "Nurse\nICU, triage", GOOD])}).to_parquet(path)
    assert pa.types.is_dictionary(pq.read_schema(path).field("text").type)
    out = pa.concat_tables(read_row_group(str(path), 0, 0, 3, 10, 10_000, {}))
    assert out.column("reason").to_pylist() == [None, None, None]
    assert out.column("text").to_pylist() == [normalise_text(GOOD), "Nurse\nICU, triage",
                                              normalise_text(GOOD)]


def test_text_of_only_invisible_characters_is_empty():
    batch = pa.table({"resume_id": ["zw", "bom", "nul", "mixed", "joined"],
                      "text": ["\u200b\u200c\u200d", "\ufeff\u2060 ", "\x00\x00",
                               " \u200b\n\x00\ufeff\t", "Data\u200dEngineer\nSQL"]})
    out = validate_resumes(batch, "z.parquet", 0, 10_000)
    assert _reasons(out) == {"zw": "empty_text", "bom": "empty_text", "nul": "empty_text",
                             "mixed": "empty_text", "joined": None}
    assert "invisible" in out.column("detail")[0].as_py()
    assert out.column("text")[4].as_py() == "Data\u200dEngineer\nSQL"  # ordinary text kept as it is


def test_file_without_text_column_quarantines_each_of_its_rows(tmp_path):
    from recruit_core.data.intake import file_problem_rows

    no_text = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"resume_id": ["a", "b", "c"], "body": [GOOD] * 3}), no_text)
    records = file_problem_rows(check_file(no_text))
    assert records.column("resume_id").to_pylist() == ["a", "b", "c"]
    assert records.column("input_row").to_pylist() == [0, 1, 2]
    assert set(records.column("reason").to_pylist()) == {"missing_column"}
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(no_text.read_bytes()[:-20])
    records = file_problem_rows(check_file(truncated))
    assert records.num_rows == 1 and records.column("resume_id").null_count == 1
