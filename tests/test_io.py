"""Which input files are read: every file under an input folder is read or reported, never ignored."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recruit_core.io import NoInputFilesError, list_input_files, parquet_files


def _parquet(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"resume_id": ["r1"], "text": ["Nurse"]}), path)


def test_spark_folders_upper_case_and_nested_files_are_read_and_the_rest_reported(tmp_path):
    spark = tmp_path / "x.parquet"
    for name in ("a.parquet", "X.PARQUET", "deep/b.parquet",
                 "x.parquet/part-00000-1f.snappy.parquet", "x.parquet/part-00001-1f.snappy.parquet"):
        _parquet(tmp_path / name)
    for name in ("x.parquet/_SUCCESS", "x.parquet/.part-00000-1f.snappy.parquet.crc",
                 "x.parquet/_committed_42", ".hidden.parquet", "_temporary/0/part-0.parquet",
                 "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    listing = list_input_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in listing.files] == [
        "X.PARQUET", "a.parquet", "deep/b.parquet",
        "x.parquet/part-00000-1f.snappy.parquet", "x.parquet/part-00001-1f.snappy.parquet"]
    assert spark not in listing.files  # the folder itself is not a file to read
    reasons = listing.skipped
    assert sorted(reasons) == sorted(str(tmp_path / n) for n in (
        "x.parquet/_SUCCESS", "x.parquet/.part-00000-1f.snappy.parquet.crc", "x.parquet/_committed_42",
        ".hidden.parquet", "_temporary/0/part-0.parquet", "notes.txt"))
    assert reasons[str(tmp_path / ".hidden.parquet")].startswith("hidden")
    assert reasons[str(tmp_path / "x.parquet/_SUCCESS")].startswith("metadata")
    assert reasons[str(tmp_path / "notes.txt")] == "not named *.parquet"


def test_empty_input_folder_is_an_error_naming_the_setting_and_path(tmp_path):
    with pytest.raises(NoInputFilesError, match=f"inputs.resumes={tmp_path}: no \\*.parquet files"):
        list_input_files(tmp_path, "inputs.resumes")
    (tmp_path / "_SUCCESS").write_bytes(b"")
    with pytest.raises(NoInputFilesError, match="1 other files skipped: .*_SUCCESS"):
        parquet_files(tmp_path)


def test_missing_input_is_an_error_and_a_named_file_is_read_whatever_its_name(tmp_path):
    with pytest.raises(FileNotFoundError, match="inputs.jobs=.*nowhere"):
        parquet_files(tmp_path / "nowhere", "inputs.jobs")
    _parquet(tmp_path / "jobs.snapshot")
    assert parquet_files(tmp_path / "jobs.snapshot") == [tmp_path / "jobs.snapshot"]
