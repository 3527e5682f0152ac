"""The generate job: the synthetic talent pool (resumes, ground truth, requisitions) as Parquet, on Ray.

    python ray_jobs/generate.py                                  # 2,000 resumes, 60 jobs -> outputs/pool
    python ray_jobs/generate.py data.n_resumes=200000 data.dir=outputs/pool200k
    ray job submit --working-dir . -- python ray_jobs/generate.py cluster=remote data.n_resumes=2000000

Each shard is one Ray task that writes its own files atomically; the driver only sees row counts.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import ray

from recruit_core.config import RecruitConfig
from recruit_core.data.pool import (
    PoolPaths,
    remove_stale_shards,
    shard_count,
    write_jobs,
    write_manifest,
    write_shard_batch,
)
from recruit_core.ray_env import connect


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster)
    started = time.perf_counter()
    shards = shard_count(cfg.data)
    remove_stale_shards(cfg.data)
    stats = (ray.data.range(shards, override_num_blocks=shards)
             .map_batches(write_shard_batch, batch_size=1, fn_kwargs={"data": asdict(cfg.data)},
                          num_cpus=1)
             .take_all())
    write_jobs(cfg.data)
    rows = sum(s["rows"] for s in stats)
    if rows != cfg.data.n_resumes:
        raise RuntimeError(f"generated {rows} resumes, expected {cfg.data.n_resumes}")
    seconds = time.perf_counter() - started
    paths = PoolPaths(Path(cfg.data.dir))
    write_manifest(cfg.data, rows, seconds)
    return {"resumes": str(paths.resumes), "truth": str(paths.truth), "jobs": str(paths.jobs),
            "rows": rows, "shards": shards, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds, 1)}

