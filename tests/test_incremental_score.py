"""Incremental rescoring (score.previous_run): after one input file changed, reusing the earlier
run's rows gives the same outputs, bit for bit, as scoring everything again, and a changed config
rescores everything."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin

pytestmark = pytest.mark.ray
SMOKE = ["experiment=smoke", "score.batch_size=4", "score.target_max_block_mb=1"]


def _write_pool(root: Path, texts: list[str], ids: list[str]) -> None:
    """File a: 6 resumes and an empty one (quarantined); file b: the next 6."""
    (root / "resumes").mkdir(exist_ok=True)
    pq.write_table(pa.table({"resume_id": ids[:6] + ["EMPTY"], "text": texts[:6] + [""]}),
                   root / "resumes" / "a.parquet", row_group_size=3)
    pq.write_table(pa.table({"resume_id": ids[6:12], "text": texts[6:12]}),
                   root / "resumes" / "b.parquet", row_group_size=3)


def _score(root: Path, output: Path, *extra: str) -> dict:
    from recruit_core.score import job_ray
    return job_ray.run(compose_config([*SMOKE, f"inputs.resumes={root / 'resumes'}",
                                       f"inputs.jobs={root / 'jobs.parquet'}",
                                       f"score.output_dir={output}", *extra]))


def _outputs(output: Path) -> dict[str, pa.Table]:
    """Every output file of a run, without run_id (which run computed a row)."""
    return {str(p.relative_to(output)): pq.read_table(p).drop_columns(["run_id"])
            if "run_id" in pq.read_schema(p).names else pq.read_table(p)
            for p in sorted(output.glob("*/*.parquet"))}


@pytest.fixture(scope="module")
def changed_pool(ray_local, tmp_path_factory):
    """A pool scored once, then file b changed: 2 resumes edited, 1 removed, 1 added."""
    root = tmp_path_factory.mktemp("pool")
    taxonomy = load_builtin()
    good, _ = resume_tables(taxonomy, 0, 0, 14, 0.15, 0.0)
    texts, ids = good.column("text").to_pylist(), good.column("resume_id").to_pylist()
    pq.write_table(job_table(taxonomy, 0, 4), root / "jobs.parquet")
    _write_pool(root, texts, ids)
    first = _score(root, root / "first")
    edited = texts[:12]
    edited[6] = texts[12]  # resume ids[6] now has another text
    edited[8] = texts[8] + "\nCertified in project management."
    b = pa.table({"resume_id": ids[6:9] + ids[10:12] + ["NEW"],  # ids[9] removed, NEW added
                  "text": edited[6:9] + edited[10:12] + [texts[13]]})
    pq.write_table(b, root / "resumes" / "b.parquet", row_group_size=3)
    return root, first


def test_incremental_run_equals_a_full_rerun_bit_for_bit(changed_pool):
    root, first = changed_pool
    assert first["reused"] == 0 and first["rescored"] == 12
    incremental = _score(root, root / "incremental", f"score.previous_run={root / 'first'}")
    full = _score(root, root / "full")
    assert _outputs(root / "incremental") == _outputs(root / "full")
    assert (incremental["reused"], incremental["rescored"], incremental["removed"]) == (9, 3, 1)
    assert incremental["rows_quarantined"] == 1 and incremental["invariant_ok"]
    assert full["reused"] == 0 and full["rescored"] == 12
    scores = pq.read_table(root / "incremental" / "scores").to_pydict()
    assert len(set(scores["content_hash"])) == 12 and "EMPTY" not in scores["resume_id"]
    # the drift report reads the score job's real outputs: two equal runs, nothing flagged
    from recruit_core.config import DriftConfig
    from recruit_core.drift.compare import compare_runs
    drift = compare_runs(DriftConfig(baseline=str(root / "incremental"), current=str(root / "full")))
    assert drift["flagged"] == [] and drift["rows"] == {"baseline": 12, "current": 12}


def test_a_changed_config_rescores_everything_and_says_why(changed_pool, tmp_path):
    root, _ = changed_pool
    summary = _score(root, tmp_path / "out", f"score.previous_run={root / 'first'}",
                     "score.fit_threshold=0.3")
    assert (summary["reused"], summary["rescored"]) == (0, 12)
    assert "config_hash changed" in summary["reuse"]
    assert "model changed" not in summary["reuse"] and "jobs_hash changed" not in summary["reuse"]
