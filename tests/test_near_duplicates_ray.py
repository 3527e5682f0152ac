"""Scoring on a local Ray flags the near-duplicates the generator planted: near_duplicates.parquet
under the score output names each near-copy with its original, across input files."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin

pytestmark = pytest.mark.ray


def _root(resume_id: str, duplicate_of: dict) -> str:
    while resume_id in duplicate_of:
        resume_id = duplicate_of[resume_id]
    return resume_id


def test_scoring_flags_the_planted_near_duplicates(ray_local, tmp_path):
    from recruit_core.score import job_ray as score
    taxonomy = load_builtin()
    resumes, truth = resume_tables(taxonomy, 3, 0, 24, 0.1, 0.35)
    pq.write_table(job_table(taxonomy, 0, 4), tmp_path / "jobs.parquet")
    planted = {r: o for r, o in zip(truth.column("resume_id").to_pylist(),
                                    truth.column("duplicate_of").to_pylist()) if o}
    assert len(planted) >= 3, "the generator planted too few near-copies to test with"
    folder = tmp_path / "resumes"
    folder.mkdir()
    pq.write_table(resumes.slice(0, 12), folder / "a.parquet")  # originals and copies split over files
    pq.write_table(pa.concat_tables([resumes.slice(12), pa.table({"resume_id": ["EMPTY"], "text": [""]})]),
                   folder / "b.parquet")
    cfg = compose_config(["experiment=smoke", f"inputs.resumes={folder}", "score.batch_size=4",
                          f"inputs.jobs={tmp_path / 'jobs.parquet'}",
                          f"score.output_dir={tmp_path / 'out'}"])
    summary = score.run(cfg)
    flags = pq.read_table(tmp_path / "out" / "near_duplicates.parquet")
    found = dict(zip(flags.column("resume_id").to_pylist(), flags.column("near_duplicate_of").to_pylist()))
    assert summary["near_duplicates_flagged"] == len(found)
    assert set(found) == set(planted)
    assert all(_root(r, planted) == _root(o, planted) for r, o in found.items())
    assert min(flags.column("jaccard_estimate").to_pylist()) >= cfg.dedup.threshold
    scores = pq.read_table(tmp_path / "out" / "scores")
    assert scores.column("minhash").null_count == 0 and "EMPTY" not in scores.column("resume_id").to_pylist()
