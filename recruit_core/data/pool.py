"""The talent pool on disk: `resumes/` and `truth/` as matching Parquet shards, `jobs/` as one file,
and with `data.demographics=true` the candidates' self-reported `demographics/` shards beside them.

`write_resume_shard` is the unit of work a Ray task runs; it holds one shard in memory at a time, so
generating millions of resumes needs no more memory than generating one shard.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from recruit_core.config import DataConfig
from recruit_core.data.demographics import demographics_table, parse_bias
from recruit_core.data.synth import job_table, resume_index, resume_tables
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.io import write_json_atomic, write_parquet_atomic


@dataclass(frozen=True)
class PoolPaths:
    root: Path

    @property
    def resumes(self) -> Path:
        return self.root / "resumes"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs"

    @property
    def demographics(self) -> Path:
        return self.root / "demographics"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"


def shard_count(cfg: DataConfig) -> int:
    return math.ceil(cfg.n_resumes / cfg.shard_rows)


def shard_name(shard: int) -> str:
    return f"part-{shard:05d}.parquet"


def write_resume_shard(cfg: DataConfig, shard: int) -> dict:
    """Generate shard `shard` and write its resumes and truth files; return its row count."""
    paths = PoolPaths(Path(cfg.dir))
    start = shard * cfg.shard_rows
    stop = min(cfg.n_resumes, start + cfg.shard_rows)
    resumes, truth = resume_tables(load_taxonomy(cfg), cfg.seed, start, stop,
                                   cfg.no_skills_section_rate, cfg.near_duplicate_rate,
                                   parse_bias(cfg.bias_against, cfg.bias_keep_skills), cfg.difficulty)
    write_parquet_atomic(resumes, paths.resumes / shard_name(shard))
    write_parquet_atomic(truth, paths.truth / shard_name(shard))
    if cfg.demographics:
        people = [(rid, resume_index(original or rid)) for rid, original in
                  zip(truth.column("resume_id").to_pylist(), truth.column("duplicate_of").to_pylist())]
        write_parquet_atomic(demographics_table(cfg.seed, people), paths.demographics / shard_name(shard))
    return {"shard": shard, "rows": stop - start, "text_bytes": resumes.column("text").nbytes}


def write_shard_batch(batch: dict, data: dict) -> dict:
    """Ray Data `map_batches` function: `batch["id"]` holds shard numbers; `data` is a DataConfig dict."""
    cfg = DataConfig(**data)
    stats = [write_resume_shard(cfg, int(shard)) for shard in batch["id"]]
    return {key: [s[key] for s in stats] for key in ("shard", "rows", "text_bytes")}


def write_jobs(cfg: DataConfig) -> Path:
    table = job_table(load_taxonomy(cfg), cfg.seed, cfg.n_jobs, cfg.difficulty)
    return write_parquet_atomic(table, PoolPaths(Path(cfg.dir)).jobs / shard_name(0))


def remove_stale_shards(cfg: DataConfig) -> list[Path]:
    """Delete shards left by an earlier, larger pool in the same folder, so readers see one pool;
    demographics of an earlier pool too when this one has none, so no audit reads them."""
    paths = PoolPaths(Path(cfg.dir))
    keep = {shard_name(s) for s in range(shard_count(cfg))}
    folders = (paths.resumes, paths.truth, paths.demographics)
    stale = [p for folder in folders if folder.is_dir() for p in folder.glob("part-*.parquet")
             if p.name not in keep or (folder == paths.demographics and not cfg.demographics)]
    for path in stale:
        path.unlink()
    return stale


def write_manifest(cfg: DataConfig, rows: int, seconds: float) -> Path:
    taxonomy = load_taxonomy(cfg)
    return write_json_atomic({
        "n_resumes": rows, "n_jobs": cfg.n_jobs, "seed": cfg.seed, "shards": shard_count(cfg),
        "difficulty": cfg.difficulty,
        "taxonomy": taxonomy.name, "occupations": len(taxonomy.occupations),
        "skills": len(taxonomy.skills), "demographics": cfg.demographics,
        "bias_against": cfg.bias_against,
        "bias_keep_skills": cfg.bias_keep_skills if cfg.bias_against else None,
        "seconds": round(seconds, 2)}, PoolPaths(Path(cfg.dir)).manifest)
