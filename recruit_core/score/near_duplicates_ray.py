"""The scoring job's last pass: near-duplicate resumes among everything scored into one folder.

    python ray_jobs/score.py ...      # writes <score.output_dir>/near_duplicates.parquet at the end

Each scored row carries its MinHash signature (`minhash`, computed where the text was read:
score/pipeline_ray.py). When every input file is committed, one task reads only the resume_id and
minhash columns of the committed scores, builds the LSH index (text/near_duplicates.py) and writes
near_duplicates.parquet (resume_id, near_duplicate_of, jaccard_estimate; resumes without a
near-duplicate are not listed) atomically. Why a separate file rather than a column of the scores:
scores are committed file by file and a rerun resumes from them, so a flag that depends on other
files would mean rewriting committed outputs; this small file is rewritten whole on every run, from
the same committed rows, so it always describes what scores/ holds. The driver holds no texts and
no signatures: ~1 KB a resume is read in the task (about 1 GB per million resumes).
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import ray

from recruit_core import storage
from recruit_core.config import DedupConfig
from recruit_core.io import write_parquet_atomic
from recruit_core.text.near_duplicates import NEAR_DUPLICATE_SCHEMA, find_near_duplicates

NEAR_DUPLICATES_FILE = "near_duplicates.parquet"


def committed_signatures(scores_dir: str) -> pa.Table:
    """resume_id and minhash of every committed score row (scores without signatures: none);
    `scores_dir` a local folder or an object-store prefix."""
    if storage.is_remote(scores_dir):
        paths = [p for p in storage.files_under(scores_dir) if p.endswith(".parquet")]
    else:
        paths = sorted(str(p) for p in Path(scores_dir).glob("*.parquet"))
    tables = []
    for path in paths:
        if "minhash" in pq.read_schema(path).names:
            tables.append(pq.read_table(path, columns=["resume_id", "minhash"]))
    if not tables:
        return pa.table({"resume_id": pa.array([], pa.string()),
                         "minhash": pa.array([], pa.list_(pa.uint64()))})
    return pa.concat_tables(tables)


def write_near_duplicates(output_dir: str, dedup: DedupConfig) -> dict:
    """Find the near-duplicates among the committed scores of `output_dir` and write them."""
    rows = committed_signatures(storage.join(output_dir, "scores"))
    found = (find_near_duplicates(rows.column("resume_id").to_pylist(), rows.column("minhash"), dedup)
             if rows.num_rows else NEAR_DUPLICATE_SCHEMA.empty_table())
    path = write_parquet_atomic(found, storage.join(output_dir, NEAR_DUPLICATES_FILE))
    return {"near_duplicates": str(path), "near_duplicates_flagged": found.num_rows}


@ray.remote
def near_duplicates_task(output_dir: str, dedup: DedupConfig) -> dict:
    return write_near_duplicates(output_dir, dedup)
