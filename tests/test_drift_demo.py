"""The drift report between a generated pool's score run and a run on the same pool with a planted
shift (recruit_core/drift/planted.py, bench/drift_demo.py): the planted pool is what was asked for,
and the score job plus `recruit drift` flag the planted shifts and nothing else."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.pool import shard_count, write_jobs, write_resume_shard
from recruit_core.drift.planted import EMPTY_ID_PREFIX, plant_shift

FAMILY, EMPTY = "software", 20


@pytest.fixture(scope="module")
def pools(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("drift_demo")
    settings = ["experiment=smoke", f"data.dir={root / 'pool'}", "data.n_resumes=600"]
    data = compose_config(settings).data
    write_jobs(data)
    for shard in range(shard_count(data)):
        write_resume_shard(data, shard)
    planted = plant_shift(root / "pool", root / "shifted", FAMILY, EMPTY)
    return {"root": root, "settings": settings, "planted": planted}


def _family_ids(pool: Path) -> set[str]:
    truth = pq.read_table(pool / "truth").to_pylist()
    return {r["resume_id"] for r in truth if r["family"] == FAMILY}


def test_the_planted_pool_halves_one_family_adds_empty_resumes_and_keeps_the_rest(pools):
    root, planted = pools["root"], pools["planted"]
    before = {r["resume_id"]: r["text"] for r in pq.read_table(root / "pool" / "resumes").to_pylist()}
    after = {r["resume_id"]: r["text"] for r in pq.read_table(root / "shifted" / "resumes").to_pylist()}
    family = _family_ids(root / "pool")
    kept = family & set(after)
    assert len(kept) == len(family) - planted.dropped == (len(family) + 1) // 2
    assert sorted(i for i in after if i.startswith(EMPTY_ID_PREFIX)) == [
        f"{EMPTY_ID_PREFIX}{i:05d}" for i in range(EMPTY)]
    assert all(after[i] == "" for i in after if i.startswith(EMPTY_ID_PREFIX))
    others = set(before) - family
    assert all(after[i] == before[i] for i in others)  # every other resume, unchanged
    with pytest.raises(ValueError, match="family 'astronauts' is not in"):
        plant_shift(root / "pool", root / "nowhere", "astronauts", 1)


def _oracle_run(pool: Path, out: Path) -> Path:
    """A score run of a model that knows each resume's occupation (category_1 from the pool's
    truth, p_1 a hash of the text), empty resumes quarantined as the score job does."""
    truth = {r["resume_id"]: r["occupation"] for r in pq.read_table(pool / "truth").to_pylist()}
    rows = pq.read_table(pool / "resumes").to_pylist()
    scored = [r for r in rows if r["text"]]
    unit = [int(hashlib.sha256(r["text"].encode()).hexdigest()[:8], 16) / 2**32 for r in scored]
    for folder, table in (("scores", pa.table({
            "resume_id": [r["resume_id"] for r in scored],
            "category_1": [truth[r["resume_id"]] for r in scored],
            "p_1": pa.array([0.3 + 0.6 * u for u in unit], pa.float32()),
            "best_fit": pa.array([0.2 + 0.5 * u for u in unit], pa.float32())})),
            ("quarantine", pa.table({"resume_id": [r["resume_id"] for r in rows if not r["text"]],
                                     "reason": pa.array(["empty_text"] * (len(rows) - len(scored)),
                                                        pa.string())}))):
        (out / folder).mkdir(parents=True)
        pq.write_table(table, out / folder / "part-00000.parquet")
    return out


def test_a_halved_family_is_flagged_by_its_share_not_by_its_occupations(pools):
    from recruit_core.drift.job import run as drift
    root = pools["root"]
    report = drift(compose_config([
        *pools["settings"], f"drift.baseline={_oracle_run(root / 'pool', root / 'oracle_a')}",
        f"drift.current={_oracle_run(root / 'shifted', root / 'oracle_b')}",
        f"drift.output_dir={root / 'oracle_drift'}"]))
    family = report["family_mix"]
    assert family["flagged"] and family["largest_change"]["category"] == FAMILY
    assert family["largest_change"]["change"] < -0.05
    assert not report["category_mix"]["flagged"]  # spread over 7 occupations, each moves too little
    assert [line.split(":")[0] for line in report["flagged"]] == ["family mix", "quarantine empty_text"]
    assert "## Job family mix" in (root / "oracle_drift" / "drift.md").read_text()


@pytest.mark.slow
@pytest.mark.ray
def test_the_drift_report_flags_the_planted_shift_and_nothing_else(ray_local, pools):
    from recruit_core.drift.job import run as drift
    from recruit_core.score.job_ray import run as score
    root, settings = pools["root"], pools["settings"]
    for name in ("pool", "shifted"):
        score(compose_config([*settings, f"inputs.resumes={root / name / 'resumes'}",
                              f"inputs.jobs={root / name / 'jobs'}", f"score.output_dir={root / name / 'scores'}"]))
    report = drift(compose_config([*settings, f"drift.baseline={root / 'pool' / 'scores'}",
                                   f"drift.current={root / 'shifted' / 'scores'}",
                                   f"drift.output_dir={root / 'drift'}"]))
    quarantine = {r["reason"]: r for r in report["quarantine"]}
    assert quarantine["empty_text"]["flagged"]
    assert quarantine["empty_text"]["current_rate"] == pytest.approx(EMPTY / pools["planted"].resumes, abs=1e-6)
    assert not any(r["flagged"] for r in report["score_shift"])
    unplanted = [line for line in report["flagged"]
                 if not line.startswith(("category mix", "family mix", "quarantine empty_text"))]
    assert unplanted == []
    assert "quarantine empty_text" in (root / "drift" / "drift.md").read_text()
