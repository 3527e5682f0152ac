"""Training with its data, checkpoints and model in an object store, and scoring with that model:
a tiny run reads its pool from s3://bucket/pool, Ray Train keeps checkpoints under
s3://bucket/train, the model is published there and scores with the fingerprint a local copy of
it has. The S3 API is moto's server on 127.0.0.1 in this process (tests/objstore_server.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core import storage
from recruit_core.config import DataConfig
from recruit_core.data.pool import write_jobs, write_resume_shard

pytest.importorskip("moto.server")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def pools(tmp_path_factory, object_store) -> tuple[Path, str]:
    """The smoke pool (120 resumes, 12 jobs) on disk and the same files under s3://<bucket>/pool."""
    cfg = DataConfig(dir=str(tmp_path_factory.mktemp("pool")), n_resumes=120, n_jobs=12,
                     shard_rows=120)
    write_resume_shard(cfg, 0)
    write_jobs(cfg)
    for path in Path(cfg.dir).rglob("*"):
        if path.is_file():
            storage.put(path.read_bytes(), f"{object_store}/pool/{path.relative_to(cfg.dir).as_posix()}")
    return Path(cfg.dir), f"{object_store}/pool"


@pytest.mark.slow  # a Ray Train run and a score run: 345 s on the 2-core machine at load ~100
def test_a_run_on_s3_publishes_a_model_that_scores_like_its_local_copy(
        ray_with_endpoint, pools, object_store, tmp_path):
    from recruit_core.model.forward import model_fingerprint
    from recruit_core.score import job_ray as score
    from recruit_core.train import job_ray as train
    local_pool, s3_pool = pools
    result = train.run(compose_config([
        "experiment=smoke", f"output_root={tmp_path}", f"data.dir={s3_pool}",
        f"train.storage_path={object_store}/train", "train.run_name=on-s3", "train.num_workers=1",
        "train.max_steps=2"]))
    run = f"{object_store}/train/on-s3"
    assert result["model"] == f"{run}/model" and result["eval"] == f"{run}/eval.json"
    assert result["final_step"] == 2
    published = storage.files_under(f"{run}/model")
    assert {f"{run}/model/{n}" for n in ("config.json", "model.safetensors", "README.md")} <= set(published)
    assert [p for p in storage.files_under(run) if "/checkpoint_" in p]  # Ray Train's, in the bucket
    assert json.loads(storage.read_bytes(result["eval"]))["model"] == result["model"]
    assert not Path(tmp_path, "train").exists()  # nothing of the run went to local disk
    copy = tmp_path / "copy" / "model"
    for uri in published:
        (copy / uri[len(run) + 7:]).parent.mkdir(parents=True, exist_ok=True)
        (copy / uri[len(run) + 7:]).write_bytes(storage.read_bytes(uri))
    assert model_fingerprint(result["model"], None) == model_fingerprint(str(copy), None)
    few = tmp_path / "few.parquet"  # a handful of resumes: scoring is not what is tested here
    pq.write_table(pq.read_table(f"{local_pool}/resumes").slice(0, 6), few)
    summary = score.run(compose_config([
        "experiment=smoke", f"inputs.resumes={few}", f"inputs.jobs={local_pool}/jobs",
        f"score.model_path={result['model']}", f"score.output_dir={tmp_path / 'scores'}",
        "score.pool_size=1"]))
    assert summary["rows_scored"] == 6
    # the fingerprint is the local copy's: read from the store or from disk, the same model
    assert summary["model"] == model_fingerprint(str(copy), None)
    scores = pq.read_table(tmp_path / "scores" / "scores")
    assert set(scores.column("model").to_pylist()) == {summary["model"]}
    assert scores.column("category_1").null_count == 0  # the trained head's categories
