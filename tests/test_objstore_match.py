"""The match job and the stages after it on an object store: a pool read from s3://bucket/pool and
matched into s3://bucket/match equals the same run on local paths; a run that fails in the middle
of a commit resumes to the same outputs, every row matched or quarantined once; interview packs,
the schedule and the audit read their inputs from the bucket and write there what a local run
writes. The S3 API is moto's server on 127.0.0.1 in this process."""
from __future__ import annotations

import json
import re
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

SETTINGS = ["experiment=smoke", "match.batch_size=8", "match.target_max_block_mb=1",
            "match.block_rows=3", "match.top_k_jobs=2", "match.top_n_resumes=4", "match.rerank_top=3"]
# run_id: which run computed a row; config_hash: hashes inputs.resumes, which names the storage
RUN_COLUMNS = ("run_id", "config_hash")


@pytest.fixture(scope="module")
def pool(tmp_path_factory, object_store) -> tuple[Path, str]:
    """The same pool on disk and in the bucket: 40 resumes over two files (one in a subfolder),
    plus a null text and a repeated id (both quarantined), 6 requisitions and self-reported
    demographics for the audit."""
    local = tmp_path_factory.mktemp("pool")
    good, _ = resume_tables(load_builtin(), 3, 0, 40, 0.15, 0.0)
    text, ids = good.column("text").to_pylist(), good.column("resume_id").to_pylist()
    files = {
        "resumes/a.parquet": pa.table({"resume_id": ids[:20] + ["N1"], "text": text[:20] + [None]}),
        "resumes/more/b.parquet": pa.table({"resume_id": ids[20:] + [ids[0]],
                                            "text": text[20:] + [text[0]]}),
        "jobs.parquet": job_table(load_builtin(), 3, 6)}
    for name, table in files.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, local / name, row_group_size=5)
    (local / "self_id.csv").write_text("resume_id,sex,race_ethnicity\n" + "".join(
        f"{rid},{('Female', 'Male')[i % 2]},{('White', 'Asian', '')[i % 3]}\n"
        for i, rid in enumerate(ids)))
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        storage.put(path.read_bytes(), f"{object_store}/pool/{path.relative_to(local).as_posix()}")
    return local, f"{object_store}/pool"


def _config(pool_root: str, output: str, *extra: str):
    return compose_config([*SETTINGS, f"inputs.resumes={pool_root}/resumes",
                           f"inputs.jobs={pool_root}/jobs.parquet", f"match.output_dir={output}",
                           *extra])


def _files(root: str) -> dict[str, str]:
    """Every file below `root` (a folder or a prefix) by its name under it -> its path or URI."""
    if storage.is_remote(root):
        return {uri[len(root) + 1:]: uri for uri in storage.files_under(root)}
    return {p.relative_to(root).as_posix(): str(p) for p in Path(root).rglob("*") if p.is_file()}


def _read_text(path: str) -> str:
    """The file's text as stored (line ends kept: an .ics file's are CRLF)."""
    return (storage.read_bytes(path) if storage.is_remote(path) else Path(path).read_bytes()).decode()


def _tables(root: str, pool_root: str) -> dict[str, pa.Table]:
    """Every Parquet output by its name under `root`, the pool's root in paths cut to `POOL` and
    the run's own columns dropped."""
    tables = {}
    for name, path in _files(root).items():
        if not name.endswith(".parquet"):
            continue
        table = pq.read_table(path)
        for column in ("input_file", "detail"):
            if column in table.column_names:
                table = table.set_column(table.column_names.index(column), column, pc.replace_substring(
                    table.column(column), pool_root, "POOL"))
        tables[name] = table.drop_columns([c for c in RUN_COLUMNS if c in table.column_names])
    return tables


def _assert_same_tables(expected: dict[str, pa.Table], found: dict[str, pa.Table]) -> None:
    assert sorted(found) == sorted(expected)
    for name, table in expected.items():
        assert found[name].equals(table), name


@pytest.fixture(scope="module")
def matched(ray_with_endpoint, pool, tmp_path_factory, object_store) -> dict:
    """The pool matched on disk and in the bucket."""
    from recruit_core.match import job_ray
    local_pool, s3_pool = pool
    local_out = str(tmp_path_factory.mktemp("match") / "out")
    local = job_ray.run(_config(str(local_pool), local_out))
    remote = job_ray.run(_config(s3_pool, f"{object_store}/match"))
    return {"local": local, "remote": remote, "local_out": local_out,
            "remote_out": f"{object_store}/match"}


def test_match_job_reads_and_writes_s3_like_local(matched, pool, object_store):
    local_pool, s3_pool = pool
    local, remote = matched["local"], matched["remote"]
    assert remote["invariant_ok"] and remote["rows_in"] == local["rows_in"] == 42
    assert remote["rows_matched"] == 40 and remote["rows_quarantined"] == 2
    assert remote["reasons"] == local["reasons"] == {"duplicate_id": 1, "null_text": 1}
    local_tables = _tables(matched["local_out"], str(local_pool))
    remote_tables = _tables(matched["remote_out"], s3_pool)
    # 4 kinds x 2 input files, and the shortlists
    assert len(local_tables) == 9 and "shortlists/part-00000.parquet" in local_tables
    _assert_same_tables(local_tables, remote_tables)
    assert (json.loads(_read_text(f"{matched['remote_out']}/requisitions.json"))
            == json.loads(_read_text(f"{matched['local_out']}/requisitions.json")))
    names = _files(matched["remote_out"])
    assert len([n for n in names if n.startswith("manifest/")]) == 2
    assert not [n for n in names if n.startswith("_staging/")]
    summary = json.loads(_read_text(names["summary.json"]))
    assert summary["shortlists"] == f"{matched['remote_out']}/shortlists/part-00000.parquet"


def test_a_rerun_into_the_same_prefix_matches_nothing_again(matched, pool):
    from recruit_core.match import job_ray
    _, s3_pool = pool
    again = job_ray.run(_config(s3_pool, matched["remote_out"]))
    assert again["files_matched_now"] == 0 and again["files_skipped_finished"] == 2
    assert again["invariant_ok"] and again["rows_matched"] == 40


@pytest.mark.slow  # more whole job runs: make test-all
def test_an_incremental_run_reuses_an_earlier_run_in_the_store(matched, pool, object_store):
    """match.previous_run=<a prefix>: every unchanged resume takes its earlier embedding, and the
    outputs are the earlier run's."""
    from recruit_core.match import job_ray
    _, s3_pool = pool
    output = f"{object_store}/incremental"
    summary = job_ray.run(_config(s3_pool, output, f"match.previous_run={matched['remote_out']}"))
    assert summary["reused"] == 40 and summary["rematched"] == 0 and summary["removed"] == 0
    assert summary["jobs_unchanged"] == 6 and summary["invariant_ok"]
    _assert_same_tables(_tables(matched["remote_out"], s3_pool), _tables(output, s3_pool))


@pytest.mark.slow  # a whole extra job run: make test-all
def test_failed_match_commit_then_rerun_gives_the_same_outputs(matched, pool, object_store,
                                                               monkeypatch):
    """The store refuses every recommendations/ object after the first: the run fails in the
    middle of its commits; the rerun writes what the uninterrupted run wrote, no row twice."""
    from moto.s3.models import S3Backend

    from recruit_core.match import job_ray
    _, s3_pool = pool
    output = f"{object_store}/crash"
    put_object, stored = S3Backend.put_object, []

    def failing_put(self, bucket_name, key_name, *args, **kwargs):
        if key_name.startswith("crash/recommendations/"):
            if stored:
                raise RuntimeError(f"injected failure storing {key_name}")
            stored.append(key_name)
        return put_object(self, bucket_name, key_name, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", failing_put)
    with pytest.raises(Exception, match="crash/recommendations/"):
        job_ray.run(_config(s3_pool, output))
    monkeypatch.setattr(S3Backend, "put_object", put_object)
    entries = [n for n in _files(output) if n.startswith("manifest/")]
    assert len(stored) == 1 and len(entries) <= 1  # only a file whose outputs are stored is listed
    summary = job_ray.run(_config(s3_pool, output))
    assert summary["files_matched_now"] == 2 - len(entries)
    assert summary["invariant_ok"] and summary["rows_in"] == 42
    assert summary["rows_matched"] + summary["rows_quarantined"] == 42
    resumed = _tables(output, s3_pool)
    _assert_same_tables(_tables(matched["remote_out"], s3_pool), resumed)
    for kind in ("recommendations", "embeddings"):
        ids = pa.concat_tables([t for n, t in resumed.items() if n.startswith(kind)]).column("resume_id")
        assert len(set(ids.to_pylist())) == 40  # every matched resume once
    assert not [n for n in _files(output) if n.startswith("_staging/")]


def _without_stamps(text: str) -> str:
    """An .ics file without its DTSTAMP lines (the time it was written)."""
    return re.sub(r"^DTSTAMP:.*\r?\n", "", text, flags=re.MULTILINE)


def _after_match(pool_root: str, match_out: str, out: str, *extra: str):
    return compose_config([*SETTINGS, f"inputs.resumes={pool_root}/resumes",
                           f"inputs.jobs={pool_root}/jobs.parquet",
                           f"interview.shortlist_path={match_out}/shortlists",
                           f"interview.output_dir={out}/interview", "interview.time_limit_s=10",
                           f"audit.scores={match_out}", f"audit.demographics={pool_root}/self_id.csv",
                           f"audit.output_dir={out}/audit", "audit.bootstrap_resamples=50", *extra])


@pytest.mark.slow  # more whole job runs: make test-all
def test_interview_schedule_and_audit_on_s3_write_what_local_writes(matched, pool, object_store,
                                                                   tmp_path):
    from recruit_core.audit import job as audit
    from recruit_core.interview import job_ray as interview
    from recruit_core.schedule import job_ray as schedule
    local_pool, s3_pool = pool
    runs = {"local": _after_match(str(local_pool), matched["local_out"], str(tmp_path)),
            "remote": _after_match(s3_pool, matched["remote_out"], f"{object_store}/later")}
    results = {where: {"interview": interview.run(cfg), "schedule": schedule.run(cfg),
                       "audit": audit.run(cfg)} for where, cfg in runs.items()}
    assert results["remote"]["interview"]["pairs"] == results["local"]["interview"]["pairs"] == 18
    assert results["remote"]["schedule"]["scheduled"] == results["local"]["schedule"]["scheduled"] > 0
    local_files = _files(str(tmp_path))
    remote_files = _files(f"{object_store}/later")
    assert sorted(remote_files) == sorted(local_files)
    assert len([n for n in local_files if n.startswith("interview/packs/")]) == 18
    assert len([n for n in local_files if n.startswith("interview/invitations/")]) > 0
    _assert_same_tables(_tables(str(tmp_path), str(local_pool)),
                        _tables(f"{object_store}/later", s3_pool))
    for name, path in local_files.items():
        if name.endswith((".md", ".ics")) and not name.startswith("audit/"):
            assert (_without_stamps(_read_text(remote_files[name]))
                    == _without_stamps(_read_text(path))), name
    assert (json.loads(_read_text(remote_files["interview/unscheduled.json"]))
            == json.loads(_read_text(local_files["interview/unscheduled.json"])))
    local_audit, remote_audit = (json.loads(_read_text(files["audit/audit.json"]))
                                 for files in (local_files, remote_files))
    assert remote_audit.pop("source")["scores"] == matched["remote_out"]
    local_audit.pop("source")
    assert remote_audit == local_audit and remote_audit["candidates"] == 40


def test_a_cross_encoder_in_the_store_is_gated_by_its_own_gate_file(object_store, tmp_path,
                                                                    monkeypatch):
    """match.crossencoder_path=s3://...: the gate.json published with it decides, as on disk."""
    from recruit_core.train.gates import GATE_FILE, rerank_decision
    monkeypatch.setenv("RECRUIT_MODEL_CACHE", str(tmp_path / "cache"))
    gate = {"metric": "dev ndcg@10", "this_model": 0.61, "baseline": 0.55,
            "baseline_name": "pretrained bi-encoder order", "passed": True}
    for name, passed in (("good", True), ("bad", False)):
        storage.put(json.dumps({**gate, "passed": passed}).encode(),
                    f"{object_store}/cross/{name}/model/{GATE_FILE}")
    assert rerank_decision(f"{object_store}/cross/good/model")[0] is True
    use, why = rerank_decision(f"{object_store}/cross/bad/model")
    assert use is False and "did not beat" in why
