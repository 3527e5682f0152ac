"""The evaluation job on an object store: a synthetic pool read from s3://bucket/pool, the report
written to s3://bucket/eval, with the figures of the same evaluation on local paths. The S3 API is
moto's server on 127.0.0.1 in this process; no Ray."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import compose_config

from recruit_core import storage
from recruit_core.data.pool import shard_count, write_jobs, write_resume_shard

pytest.importorskip("moto.server")


def _config(pool: str, output: str):
    return compose_config(["experiment=smoke", "data=synthetic", f"data.dir={pool}",
                           "eval.sample_resumes=40", f"eval.output_dir={output}"])


def _figures(report: dict) -> dict:
    """The report without timings and without where the pool was."""
    rows = [{k: v for k, v in row.items() if k != "seconds"} for row in report["rows"]]
    return {"rows": rows, "data": {k: v for k, v in report["data"].items() if k != "pool"},
            "task": report["task"], "model": report["model"]}


def test_evaluate_reads_the_pool_from_s3_and_writes_the_report_there(object_store, tmp_path):
    from recruit_core.eval import job
    local_pool = tmp_path / "pool"
    data = _config(str(local_pool), str(tmp_path / "eval")).data
    for shard in range(shard_count(data)):
        write_resume_shard(data, shard)
    write_jobs(data)
    for path in sorted(p for p in local_pool.rglob("*") if p.is_file()):
        storage.put(path.read_bytes(), f"{object_store}/pool/{path.relative_to(local_pool).as_posix()}")
    local = job.run(_config(str(local_pool), str(tmp_path / "eval")))
    remote = job.run(_config(f"{object_store}/pool", f"{object_store}/eval"))
    assert remote["report_json"] == f"{object_store}/eval/report.json"
    stored = json.loads(storage.read_bytes(remote["report_json"]))
    assert _figures(stored) == _figures(local) == _figures(json.loads(
        Path(tmp_path / "eval" / "report.json").read_text()))
    assert stored["data"]["resumes"] == 40 and stored["data"]["pool"] == f"{object_store}/pool"
    markdown = storage.read_bytes(f"{object_store}/eval/report.md").decode()
    assert markdown.startswith("# Evaluation: synthetic screening and matching")
    # a pool missing from the store is an error naming it, never generated there
    with pytest.raises(FileNotFoundError, match="nowhere"):
        job.run(_config(f"{object_store}/nowhere", f"{object_store}/eval2"))
