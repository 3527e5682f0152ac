"""The score job on an object store: a pool read from s3://bucket/pool and scored into s3://bucket/out
equals a local run, and a run that fails in the middle of its commits resumes to the same outputs,
with no half objects and no row twice. The S3 API is moto's server on 127.0.0.1 in this process."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core import storage
from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin

pytest.importorskip("moto.server")
pytestmark = pytest.mark.ray

SMOKE = ["experiment=smoke", "score.batch_size=4", "score.target_max_block_mb=1", "score.run_id=fixed"]


@pytest.fixture(scope="module")
def pool(tmp_path_factory, object_store) -> tuple[Path, str]:
    """The same pool on disk and in the bucket: good resumes over two files (one in a subfolder),
    a null text and a duplicate id, a _SUCCESS marker, and 3 requisitions."""
    local = tmp_path_factory.mktemp("pool")
    good, _ = resume_tables(load_builtin(), 0, 0, 7, 0.15, 0.0)
    text, ids = good.column("text").to_pylist(), good.column("resume_id").to_pylist()
    files = {
        "resumes/a.parquet": pa.table({"resume_id": ids[:4] + ["N1"], "text": text[:4] + [None]}),
        "resumes/more/b.parquet": pa.table({"resume_id": ids[4:] + [ids[0]], "text": text[4:] + [text[0]]}),
        "jobs.parquet": job_table(load_builtin(), 0, 3)}
    for name, table in files.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, local / name, row_group_size=2)
        storage.put((local / name).read_bytes(), f"{object_store}/pool/{name}")
    (local / "resumes" / "_SUCCESS").write_text("")
    storage.put(b"", f"{object_store}/pool/resumes/_SUCCESS")
    return local, f"{object_store}/pool"


def _config(pool_root: str, output: str):
    return compose_config([*SMOKE, f"inputs.resumes={pool_root}/resumes",
                           f"inputs.jobs={pool_root}/jobs.parquet", f"score.output_dir={output}"])


def _outputs(output: str, pool_root: str) -> dict[str, pa.Table]:
    """Every Parquet output by its name under `output`, with the pool's root in paths cut to
    `POOL` and config_hash dropped (it hashes inputs.resumes, which names the storage)."""
    if storage.is_remote(output):
        paths = storage.files_under(output)
        tables = {p[len(output) + 1:]: pq.read_table(p) for p in paths if p.endswith(".parquet")}
    else:
        tables = {str(p.relative_to(output)): pq.read_table(p) for p in Path(output).rglob("*.parquet")}
    cleaned = {}
    for name, table in tables.items():
        for column in ("input_file", "detail"):
            if column in table.column_names:
                index = table.column_names.index(column)
                table = table.set_column(index, column, pc.replace_substring(
                    table.column(column), str(pool_root), "POOL"))
        cleaned[name] = table.drop_columns([c for c in ("config_hash",) if c in table.column_names])
    return cleaned


def test_score_job_reads_and_writes_s3_like_local(ray_with_endpoint, pool, tmp_path, object_store):
    from recruit_core.score import job_ray as score
    local_pool, s3_pool = pool
    local = score.run(_config(str(local_pool), str(tmp_path / "out")))
    remote = score.run(_config(s3_pool, f"{object_store}/out"))
    assert remote["invariant_ok"] and remote["rows_in"] == local["rows_in"] == 9
    assert remote["reasons"] == local["reasons"] == {"null_text": 1, "duplicate_id": 1}
    assert list(remote["skipped_files"]) == [f"{s3_pool}/resumes/_SUCCESS"]
    local_tables = _outputs(str(tmp_path / "out"), str(local_pool))
    remote_tables = _outputs(f"{object_store}/out", s3_pool)
    # two scores files, two quarantine files, near_duplicates.parquet
    assert sorted(remote_tables) == sorted(local_tables) and len(local_tables) == 5
    for name, table in local_tables.items():
        assert remote_tables[name].equals(table), name
    summary = json.loads(storage.read_bytes(f"{object_store}/out/summary.json"))
    assert summary["rows_scored"] == 7 and summary["files_scored_now"] == 2
    # a rerun finds both files finished in the manifest objects and scores nothing
    again = score.run(_config(s3_pool, f"{object_store}/out"))
    assert again["files_scored_now"] == 0 and again["files_skipped_finished"] == 2


@pytest.mark.slow  # a whole extra job run: make test-all
def test_failed_commit_then_rerun_gives_the_same_outputs(ray_with_endpoint, pool, object_store,
                                                        monkeypatch):
    """The store refuses every scores/ object after the first: the run fails mid-commit; the rerun
    writes what a clean run writes, and nothing is half written or written twice."""
    from moto.s3.models import S3Backend

    from recruit_core.score import job_ray as score
    _, s3_pool = pool
    output = f"{object_store}/crash"
    put_object, stored = S3Backend.put_object, []

    def failing_put(self, bucket_name, key_name, *args, **kwargs):
        if key_name.startswith("crash/scores/"):
            if stored:
                raise RuntimeError(f"injected failure storing {key_name}")
            stored.append(key_name)
        return put_object(self, bucket_name, key_name, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", failing_put)
    with pytest.raises(Exception, match="crash/scores/"):
        score.run(_config(s3_pool, output))
    monkeypatch.setattr(S3Backend, "put_object", put_object)
    entries = [p for p in storage.files_under(output) if "/manifest/" in p]
    assert len(stored) == 1 and len(entries) <= 1  # only a file whose outputs are stored is listed
    summary = score.run(_config(s3_pool, output))
    assert summary["invariant_ok"] and summary["files_scored_now"] == 2 - len(entries)
    score.run(_config(s3_pool, f"{object_store}/clean"))
    resumed, clean = _outputs(output, s3_pool), _outputs(f"{object_store}/clean", s3_pool)
    assert sorted(resumed) == sorted(clean)
    for name, table in clean.items():
        assert resumed[name].equals(table), name
    scored = pa.concat_tables([t for n, t in resumed.items() if n.startswith("scores/")])
    assert len(set(scored.column("resume_id").to_pylist())) == scored.num_rows == 7
    assert not [p for p in storage.files_under(output) if "/_staging/" in p]
