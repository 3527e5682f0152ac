"""The ingest job on an object store: resume files read from s3://bucket/cvs and ingested into
s3://bucket/ingested give what a local run gives, a list file in the bucket names the same files,
and a run that fails in the middle of its commits resumes to whole objects and no row twice. The
S3 API is moto's server on 127.0.0.1 in this process (tests/objstore_server.py)."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core import storage
from recruit_core.ingest import samples
from recruit_core.ingest.sources import list_sources

pytest.importorskip("moto.server")

NURSE = samples.SAMPLE_RESUME
FILES = {
    "a/nurse.txt": NURSE.encode(),
    "a/analyst.md": b"# Jane Doe\nAnalyst with experience in the reporting of sales and costs.",
    "b/chef.txt": b"Chef in a busy kitchen, cooking for the guests of the hotel since 2015.",
    "b/copy-of-nurse.txt": NURSE.encode(),  # the same bytes again: duplicate_file
    "b/photo.png": b"\x89PNG\r\n\x1a\n not a resume",  # unsupported_type
    "b/driver.txt": b"Truck driver with a clean licence, ten years of long-haul routes.",
    ".DS_Store": b"hidden",  # skipped, not counted
}


@pytest.fixture(scope="module")
def resume_files(tmp_path_factory, object_store) -> tuple[Path, str]:
    """The same resume files in a local folder and under s3://<bucket>/cvs."""
    local = tmp_path_factory.mktemp("cvs")
    for name, data in FILES.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(data)
        storage.put(data, f"{object_store}/cvs/{name}")
    return local, f"{object_store}/cvs"


def _config(source: str, output: str, *extra: str):
    return compose_config(["experiment=smoke", f"ingest.input={source}",
                           f"ingest.output_dir={output}", "ingest.files_per_unit=2", *extra])


def _tables(output: str, source: str) -> dict[str, pa.Table]:
    """resumes and quarantine, rows by source path, with the input's root cut to `IN`."""
    tables = {}
    for kind in ("resumes", "quarantine"):
        table = pq.read_table(storage.join(output, kind))
        for column in ("source_path", "detail"):
            if column in table.column_names:
                index = table.column_names.index(column)
                table = table.set_column(index, column, pc.replace_substring(
                    table.column(column), str(source), "IN"))
        tables[kind] = table.sort_by("source_path")
    return tables


def test_a_list_file_in_the_bucket_names_the_files_the_prefix_holds(resume_files, object_store):
    _, cvs = resume_files
    listed = list_sources(cvs)
    assert listed.kind == "folder" and list(listed.skipped) == [f"{cvs}/.DS_Store"]
    names = [f.path[len(cvs) + 1:] for f in listed.files]
    assert names == sorted(n for n in FILES if not n.startswith("."))
    assert [f.size_bytes for f in listed.files] == [len(FILES[n]) for n in names]
    storage.put(("path\n" + "\n".join(reversed(names)) + "\n").encode(), f"{object_store}/list.csv")
    from_list = list_sources(f"{object_store}/list.csv")
    assert from_list.kind == "list"
    assert [f.path for f in from_list.files] == [f"{object_store}/{n}" for n in names]
    globbed = list_sources(f"{cvs}/**/*.txt")
    assert [f.path[len(cvs) + 1:] for f in globbed.files] == [n for n in names if n.endswith(".txt")]


@pytest.mark.ray
def test_ingest_from_s3_into_s3_equals_ingest_on_disk(ray_with_endpoint, resume_files, tmp_path,
                                                      object_store):
    from recruit_core.ingest import job_ray as ingest
    local_in, s3_in = resume_files
    local = ingest.run(_config(str(local_in), str(tmp_path / "out")))
    remote = ingest.run(_config(s3_in, f"{object_store}/ingested"))
    assert (remote["files_in"], remote["ingested"], remote["quarantined"]) == (6, 4, 2)
    assert remote["reasons"] == local["reasons"] == {"duplicate_file": 1, "unsupported_type": 1}
    local_tables = _tables(str(tmp_path / "out"), str(local_in))
    remote_tables = _tables(f"{object_store}/ingested", s3_in)
    for kind, table in local_tables.items():
        assert remote_tables[kind].equals(table), kind
    assert storage.is_file(f"{object_store}/ingested/summary.json")
    again = ingest.run(_config(s3_in, f"{object_store}/ingested"))  # the manifest is in the bucket
    assert (again["files_parsed_now"], again["files_skipped_finished"]) == (0, 6)


@pytest.mark.ray
def test_a_failed_commit_then_a_rerun_leaves_whole_objects_and_no_row_twice(
        ray_with_endpoint, resume_files, object_store, monkeypatch):
    """The store refuses every resumes/ object after the first: the run fails mid-commit; the
    rerun ends with what a clean run writes."""
    from moto.s3.models import S3Backend

    from recruit_core.ingest import job_ray as ingest
    _, s3_in = resume_files
    output = f"{object_store}/ingest-crash"
    put_object, stored = S3Backend.put_object, []

    def failing_put(self, bucket_name, key_name, *args, **kwargs):
        if key_name.startswith("ingest-crash/resumes/"):
            if stored:
                raise RuntimeError(f"injected failure storing {key_name}")
            stored.append(key_name)
        return put_object(self, bucket_name, key_name, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", failing_put)
    with pytest.raises(Exception, match="ingest-crash/resumes/"):
        ingest.run(_config(s3_in, output))
    monkeypatch.setattr(S3Backend, "put_object", put_object)
    finished = [p for p in storage.files_under(output) if "/manifest/" in p]
    assert len(stored) == 1 and 0 < len(finished) < 6  # only the first unit's files are recorded
    resumed = ingest.run(_config(s3_in, output))
    assert resumed["invariant_ok"] and resumed["files_parsed_now"] == 6 - len(finished)
    ingest.run(_config(s3_in, f"{object_store}/clean"))
    after, clean = _tables(output, s3_in), _tables(f"{object_store}/clean", s3_in)
    for kind, table in clean.items():
        assert after[kind].equals(table), kind
    ids = after["resumes"].column("resume_id").to_pylist()
    assert len(ids) == len(set(ids)) == 4
    assert not [p for p in storage.files_under(output) if "/_staging/" in p]
