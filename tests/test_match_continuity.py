"""The match job's continuity: a driver SIGKILLed mid-run resumes to the uninterrupted run's bits,
outputs made with another config are never mixed in, and an incremental run (match.previous_run)
after resumes and requisitions changed equals a full rerun bit for bit."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from conftest import ROOT, compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.match.outputs import top_per_job
from recruit_core.match.topk import JobShortlists
from recruit_core.score.manifest import output_key
from recruit_core.text.requisition import requisition_texts

SETTINGS = ["experiment=smoke", "match.batch_size=4", "match.target_max_block_mb=1",
            "match.block_rows=3", "match.top_k_jobs=2", "match.top_n_resumes=4", "match.rerank_top=3"]
# Kills the driver (SIGKILL, no cleanup) right after the manifest records its first matched file.
CRASHING_DRIVER = """
import os, signal, sys
from ray_jobs._entry import compose_config
from recruit_core.score.manifest import Manifest
record = Manifest.record_many
def record_then_die(self, finished):
    matched = [entry for entry in finished if "file_problem" not in entry[1]]
    if matched:  # one file recorded; any other commit on disk is left unrecorded, as in a crash
        record(self, matched[:1])
        os.kill(os.getpid(), signal.SIGKILL)
    record(self, finished)
Manifest.record_many = record_then_die
from recruit_core.match import job_ray
job_ray.run(compose_config(sys.argv[1:]))
"""


def _write_pool(root: Path, resumes: list[tuple[str, str]], jobs: pa.Table) -> None:
    """Three files of resumes (the first with an empty text: quarantined) and the requisitions."""
    folder = root / "resumes"
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("a", resumes[:6] + [("EMPTY", "")]), ("b", resumes[6:12]),
                       ("c", resumes[12:])):
        pq.write_table(pa.table({"resume_id": [r[0] for r in rows], "text": [r[1] for r in rows]}),
                       folder / f"{name}.parquet", row_group_size=3)
    pq.write_table(jobs, root / "jobs.parquet")


def _config(root: Path, output: Path, *extra: str):
    return compose_config([*SETTINGS, f"inputs.resumes={root / 'resumes'}",
                           f"inputs.jobs={root / 'jobs.parquet'}", f"match.output_dir={output}",
                           *extra])


def _match(root: Path, output: Path, *extra: str) -> dict:
    from recruit_core.match import job_ray
    return job_ray.run(_config(root, output, *extra))


def _outputs(output: Path) -> dict[str, pa.Table]:
    """Every Parquet output of a run, without run_id (which run computed a row)."""
    tables = {str(p.relative_to(output)): pq.read_table(p) for p in sorted(output.glob("*/*.parquet"))}
    return {name: t.drop_columns(["run_id"]) if "run_id" in t.column_names else t
            for name, t in tables.items()}


def _assert_same_outputs(expected: Path, found: Path) -> None:
    clean, other = _outputs(expected), _outputs(found)
    assert sorted(clean) == sorted(other)
    assert {name.split("/")[0] for name in clean} == {
        "recommendations", "partials", "embeddings", "quarantine", "shortlists"}
    for name in clean:
        assert clean[name].equals(other[name]), name


@pytest.fixture(scope="module")
def patient_ray():
    """conftest's ray_local with up to 10 minutes to start: these tests run whole match jobs on a
    shared 2-core machine, where a local Ray has taken longer than the default 120 s to start."""
    from recruit_core.config import ClusterConfig
    from recruit_core.ray_env import connect
    connect(ClusterConfig(mode="local", num_cpus=2, include_dashboard=False, start_timeout_s=600))


@pytest.fixture(scope="module")
def pool(patient_ray, tmp_path_factory):
    """18 resumes in 3 files and 5 requisitions, matched once into `first`."""
    root = tmp_path_factory.mktemp("match_pool")
    taxonomy = load_builtin()
    good, _ = resume_tables(taxonomy, 5, 0, 20, 0.15, 0.0)
    resumes = list(zip(good.column("resume_id").to_pylist(), good.column("text").to_pylist()))
    _write_pool(root, resumes[:18], job_table(taxonomy, 5, 5))
    return root, resumes, _match(root, root / "first")


@pytest.mark.slow  # a whole extra job run: make test-all
@pytest.mark.ray
def test_a_killed_driver_resumes_to_the_uninterrupted_outputs_bit_for_bit(pool):
    """The killed driver runs its own local Ray in its own session, which is stopped by that
    process group afterwards (never `ray stop`, which would stop any Ray on this machine)."""
    root, *_ = pool
    output = root / "killed"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    driver = subprocess.Popen([sys.executable, "-c", CRASHING_DRIVER, *SETTINGS,
                               "cluster.start_timeout_s=600",  # a loaded machine
                               f"inputs.resumes={root / 'resumes'}",
                               f"inputs.jobs={root / 'jobs.parquet'}", f"match.output_dir={output}"],
                              env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = driver.communicate(timeout=900)
    finally:
        try:
            os.killpg(driver.pid, signal.SIGKILL)  # the Ray it started, if still there
        except ProcessLookupError:
            pass
    killed = subprocess.CompletedProcess(driver.args, driver.returncode, "", stderr)
    assert killed.returncode == -9, killed.stderr[-3000:]
    lines = [json.loads(line) for line in (output / "manifest.jsonl").read_text().splitlines()]
    recorded = [line for line in lines if "input_file" in line]
    assert len(recorded) == 1 and not (output / "shortlists").exists()
    finished = output / "embeddings" / f"{output_key(root / 'resumes', recorded[0]['input_file'])}.parquet"
    before = finished.stat().st_mtime_ns
    resumed = _match(root, output)
    assert (resumed["files_skipped_finished"], resumed["files_matched_now"]) == (1, 2)
    assert finished.stat().st_mtime_ns == before  # committed before the kill: not matched again
    assert (resumed["rows_matched"], resumed["rows_quarantined"]) == (18, 1)
    assert resumed["invariant_ok"]
    _assert_same_outputs(root / "first", output)


@pytest.mark.ray
def test_a_changed_config_is_refused_in_the_same_folder_unless_overwrite(pool, tmp_path):
    from recruit_core.score.manifest import ProvenanceMismatchError
    root, _, _ = pool
    output = tmp_path / "out"
    shutil.copytree(root / "first", output)
    with pytest.raises(ProvenanceMismatchError, match="match.overwrite=true"):
        _match(root, output, "match.top_k_jobs=3")
    again = _match(root, output, "match.top_k_jobs=3", "match.overwrite=true")
    assert again["files_matched_now"] == 3
    ranks = pq.read_table(output / "recommendations").column("rank").to_pylist()
    assert max(ranks) == 3
    assert set(pq.read_table(output / "partials").column("config_hash").to_pylist()) == {
        again["config_hash"]}


@pytest.mark.slow  # a whole extra job run: make test-all
@pytest.mark.ray
def test_a_changed_config_embeds_everything_again_and_says_why(pool, tmp_path):
    root, *_ = pool
    summary = _match(root, tmp_path / "out", f"match.previous_run={root / 'first'}",
                     "match.top_n_resumes=3")
    assert (summary["reused"], summary["rematched"]) == (0, 18)
    assert "config_hash changed" in summary["reuse"] and "biencoder changed" not in summary["reuse"]


@pytest.fixture(scope="module")
def changed_pool(pool):
    """The pool after a day of changes: one resume edited, one removed, two added (one of them a
    copy of requisition 0's text, the best candidate it can get), one requisition edited and
    one added. Matched incrementally from `first` and in full. Tests using `pool` as it was
    come before the first test using this."""
    root, resumes, _ = pool
    taxonomy = load_builtin()
    jobs = job_table(taxonomy, 5, 6).to_pylist()
    jobs[2]["description"] += " Also owns the quarterly roadmap."
    jobs = pa.Table.from_pylist(jobs, schema=job_table(taxonomy, 5, 1).schema)
    changed = list(resumes[:18])
    changed[1] = (changed[1][0], changed[1][1] + "\nCertified in project management.")
    del changed[8]  # removed from file b
    best = requisition_texts(jobs.slice(0, 1))[0]
    changed += [resumes[18], ("STAR", best)]  # file c grows by two
    _write_pool(root, changed, jobs)  # in place: the same inputs, as a nightly run sees them
    incremental = _match(root, root / "incremental", f"match.previous_run={root / 'first'}")
    full = _match(root, root / "full")
    return jobs, incremental, full


@pytest.mark.ray
def test_incremental_matching_equals_a_full_rerun_bit_for_bit(pool, changed_pool):
    root, *_ = pool
    _, incremental, full = changed_pool
    _assert_same_outputs(root / "full", root / "incremental")
    # 19 resumes: 1 edited and 2 new are matched again, and so is the one that moved from file c
    # to file b when a resume of b was removed (the earlier run is looked up per input file)
    assert (incremental["reused"], incremental["rematched"], incremental["removed"]) == (15, 4, 1)
    assert (full["reused"], full["rematched"]) == (0, 19)
    assert (incremental["jobs_unchanged"], incremental["jobs_new_or_changed"]) == (4, 2)
    assert incremental["invariant_ok"] and incremental["rows_quarantined"] == 1


@pytest.mark.ray
def test_a_new_better_candidate_enters_an_unchanged_jobs_shortlist(pool, changed_pool):
    root, *_ = pool
    jobs, *_ = changed_pool
    job = jobs.column("job_id")[0].as_py()

    def shortlist(folder: Path) -> list[str]:
        table = pq.read_table(folder / "shortlists").to_pylist()
        return [r["resume_id"] for r in sorted(table, key=lambda r: r["rank"]) if r["job_id"] == job]
    before, after = shortlist(root / "first"), shortlist(root / "incremental")
    assert after[0] == "STAR" and "STAR" not in before and len(after) == len(before) == 4


def test_top_n_of_per_file_top_n_lists_is_the_top_n_of_all_with_ties_to_the_smaller_row():
    """The merge the shortlists rest on: per file, each job's top-N (top_per_job); over files,
    JobShortlists on (file << 32 | row) keys. Scores are drawn from few values, so ties abound."""
    rng = np.random.default_rng(3)
    n, files, rows, jobs = 4, 3, 12, 5
    everything = JobShortlists(jobs, n)
    merged = JobShortlists(jobs, n)
    for f in range(files):
        scores = rng.choice([0.1, 0.2], size=(rows, jobs)).astype(np.float32)
        keys = torch.tensor([(f << 32) | r for r in range(rows)])
        everything.add_block(torch.from_numpy(scores), keys)
        table = pa.table({"job_id": [f"J{j}" for r in range(rows) for j in range(jobs)],
                          "input_row": [r for r in range(rows) for _ in range(jobs)],
                          "bi_score": pa.array(scores.ravel(), pa.float32())})
        top = top_per_job(table, n)
        assert top.num_rows == jobs * n
        merged.add_entries(torch.tensor([int(j[1:]) for j in top.column("job_id").to_pylist()]),
                           torch.tensor([(f << 32) | r for r in top.column("input_row").to_pylist()]),
                           torch.from_numpy(top.column("bi_score").to_numpy().copy()))
    for mine, theirs in zip(merged.result(), everything.result()):
        assert torch.equal(mine, theirs)
