"""`recruit report` on a run whose output_root is in an object store: the same pages as for the
run on disk, written into the store beside the outputs. The S3 API is moto's server on 127.0.0.1
in this process (tests/objstore_server.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from run_outputs import write_run

from ray_jobs.cli import main as recruit
from recruit_core import storage
from recruit_core.report.build import write_report

pytest.importorskip("moto.server")


def test_report_of_a_run_in_s3_is_written_there_with_the_pages_of_the_local_run(
        object_store, tmp_path, capsys):
    local = write_run(tmp_path / "demo")
    for path in local.rglob("*"):
        if path.is_file():
            storage.put(path.read_bytes(), f"{object_store}/runs/demo/{path.relative_to(local).as_posix()}")
    local_pages = write_report(local).parent
    assert recruit(["report", f"{object_store}/runs/demo"]) == 0
    out = f"{object_store}/runs/demo/report"
    assert capsys.readouterr().out.strip() == f"report: {out}/index.html"
    stored = {uri[len(out) + 1:]: storage.read_bytes(uri) for uri in storage.files_under(out)}
    expected = {p.relative_to(local_pages).as_posix(): p.read_bytes()
                for p in local_pages.rglob("*") if p.is_file()}
    assert sorted(stored) == sorted(expected) and any(n.startswith("jobs/") for n in stored)
    for name, page in expected.items():
        if name != "index.html":  # the index names the folder and the time it was written
            assert stored[name] == page, name
    index = stored["index.html"].decode()
    assert f"Output folder: {object_store}/runs/demo." in index and "Recruit run: demo" in index


def test_a_prefix_without_a_runs_outputs_is_refused_in_one_line(object_store, tmp_path, capsys):
    storage.put(b"x", f"{object_store}/not-a-run/notes.txt")
    assert recruit(["report", f"{object_store}/not-a-run"]) == 2
    assert "none of a run's outputs" in capsys.readouterr().err
    assert recruit(["report", str(write_run(tmp_path / "demo")), "-o", f"{object_store}/copy"]) == 0
    assert storage.is_file(f"{object_store}/copy/index.html")
    assert Path(tmp_path / "demo").is_dir() and not (tmp_path / "demo" / "report").exists()
