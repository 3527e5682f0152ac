"""The interview-pack job: ranked questions with rubrics for every shortlisted pair, on Ray Data.

    python ray_jobs/interview_pack.py experiment=smoke            # shortlist from the pool's truth
    python ray_jobs/interview_pack.py experiment=demo interview.shortlist_path=outputs/demo/match/shortlists
    python ray_jobs/interview_pack.py interview.generator=hf_local interview.generator_model_path=DIR

Reads the shortlist (the best `interview.top_candidates_per_job` per job), the jobs table
(`inputs.jobs`) and only the shortlisted resumes (from `inputs.resumes`); an actor pool builds the
packs. Writes `<interview.output_dir>/questions/` (one row per question) and
`<interview.output_dir>/packs/<job_id>/<resume_id>.md`, each id made a safe file name
(`recruit_core.io.safe_file_name`); the `pack` column of a question names its file. Every path
(inputs, the shortlist, interview.output_dir) may be an s3:// or gs:// prefix (recruit_core/storage.py):
each pack and the questions file is then one object, stored whole.
"""
from __future__ import annotations

import time

import pyarrow as pa
import ray
from ray.data import ActorPoolStrategy

from recruit_core import storage
from recruit_core.config import RecruitConfig
from recruit_core.interview.pipeline_ray import (
    QUESTION_SCHEMA,
    InterviewPackBuilder,
    load_shortlist,
    shortlisted_pairs,
    top_of_shortlist,
)
from recruit_core.io import remove_tree, write_parquet_atomic
from recruit_core.privacy.redact import redact_column
from recruit_core.ray_env import connect
from recruit_core.text.requisition_skills import open_requisitions

BLOCKS_PER_ACTOR = 4  # enough blocks that a slow pair on one actor does not idle the others


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster)
    started = time.perf_counter()
    out = cfg.interview.output_dir  # a folder, or an object-store prefix (s3://bucket/prefix)
    jobs = open_requisitions(cfg.inputs.jobs, cfg.data).to_pylist()  # real postings: skills from text
    shortlist, source = load_shortlist(cfg.interview, cfg.data, jobs)
    pairs = shortlisted_pairs(top_of_shortlist(shortlist, cfg.interview.top_candidates_per_job),
                              cfg.inputs.resumes)
    pairs = pairs.set_column(pairs.schema.get_field_index("text"), "text", pa.array(
        redact_column(pairs.column("text").to_pylist(), cfg.privacy), pa.string()))
    if pairs.num_rows == 0:
        raise ValueError(f"shortlist {source} has no pairs: nothing to prepare interviews for")
    remove_tree(storage.join(out, "packs"))  # packs of pairs no longer shortlisted
    blocks = min(pairs.num_rows, cfg.interview.pool_size * BLOCKS_PER_ACTOR)
    questions = (ray.data.from_arrow(pairs).repartition(blocks)
                 .map_batches(InterviewPackBuilder, batch_size=cfg.interview.batch_size,
                              fn_constructor_kwargs={"data": cfg.data, "model": cfg.model,
                                                     "interview": cfg.interview, "jobs": jobs},
                              compute=ActorPoolStrategy(size=cfg.interview.pool_size),
                              num_cpus=cfg.interview.cpus_per_actor)
                 .take_all())
    table = pa.Table.from_pylist(questions, schema=QUESTION_SCHEMA).sort_by(
        [("job_id", "ascending"), ("resume_id", "ascending"), ("question_no", "ascending")])
    path = write_parquet_atomic(table, storage.join(out, "questions", "part-00000.parquet"))
    seconds = time.perf_counter() - started
    return {"questions": str(path), "packs": storage.join(out, "packs"), "shortlist": source,
            "pairs": pairs.num_rows, "rows": table.num_rows, "seconds": round(seconds, 2),
            "pairs_per_s": round(pairs.num_rows / seconds, 2)}

