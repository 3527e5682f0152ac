"""A small run's output folder, written with pyarrow in the shapes the jobs write (no Ray).

    root = write_run(tmp_path / "demo")     # pool/, scores/, match/, interview/, train/, audit/

Shapes from: score/job_ray.py (scores/, quarantine/, manifest.jsonl, summary.json), match/topk.py
`shortlist_table` + match/outputs.py EVIDENCE_FIELDS, interview/job_ray.py (questions/, packs/),
train/job_ray.py (eval.json), audit/job.py (audit.json), demo_ray.py (demo_summary.json).
One resume id and its text are hostile HTML: the report must show them as text.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.data.synth import JOB_SCHEMA

HOSTILE_ID = "<script>alert('id')</script>"
JOB_TITLE = "Data Engineer & Analyst"
TEXTS = {
    "R1": "Summary\nBuilt ETL pipelines in Python and SQL with Apache Airflow for five years.\n",
    HOSTILE_ID: "Experience\n<img src=x onerror=alert(1)> wrote Python every day.\n",
    "R3": "Teacher of history.\n",
}


def _parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def _json(payload, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def _shortlist() -> pa.Table:
    skills = pa.list_(pa.string())
    rows = [("J1", 1, "R1", 0.81, 1, 0.92, ["python", "sql"], ["apache_airflow"], 1.0),
            ("J1", 2, HOSTILE_ID, 0.64, 2, 0.40, ["python"], ["sql"], 0.5),
            ("J2", 1, "R3", 0.30, 1, None, [], ["python", "sql"], 0.0)]
    columns = list(zip(*rows))
    return pa.table({"job_id": pa.array(columns[0], pa.string()), "rank": pa.array(columns[1], pa.int32()),
                     "resume_id": pa.array(columns[2], pa.string()),
                     "bi_score": pa.array(columns[3], pa.float32()), "bi_rank": pa.array(columns[4], pa.int32()),
                     "rerank_score": pa.array(columns[5], pa.float32()),
                     "matched_skills": pa.array(columns[6], skills), "missing_skills": pa.array(columns[7], skills),
                     "matched_preferred": pa.array([[], [], []], skills),
                     "missing_preferred": pa.array([[], [], []], skills),
                     "seniority_gap": pa.array([0, -1, 0], pa.int32()),
                     "required_coverage": pa.array(columns[8], pa.float32()),
                     "near_duplicate_of": pa.array([None, "R1", None], pa.string()),
                     "rerank_model": ["cross@abc"] * 3, "biencoder": ["bi@def"] * 3, "run_id": ["r"] * 3})


def write_run(root: Path) -> Path:
    jobs = [{"job_id": "J1", "title": JOB_TITLE, "description": "Pipelines.",
             "required_skills": ["python", "sql"], "preferred_skills": ["apache_airflow"],
             "location": "Remote", "seniority": "mid", "occupation": "data_engineer"},
            {"job_id": "J2", "title": "History Teacher", "description": "Teach.",
             "required_skills": ["python", "sql"], "preferred_skills": [], "location": "Leeds",
             "seniority": "junior", "occupation": "secondary_teacher"}]
    _parquet(pa.Table.from_pylist(jobs, schema=JOB_SCHEMA), root / "pool" / "jobs" / "part-0.parquet")
    _parquet(pa.table({"resume_id": list(TEXTS), "text": list(TEXTS.values())}),
             root / "pool" / "resumes" / "part-0.parquet")
    _parquet(pa.table({"resume_id": list(TEXTS), "category_1": ["data_engineer", "data_engineer", "secondary_teacher"],
                       "p_1": [0.9, 0.6, 0.8], "best_job_id": ["J1", "J1", "J2"], "best_fit": [0.81, 0.64, 0.3],
                       "jobs_above_threshold": [1, 1, 0], "model": ["m@1"] * 3}),
             root / "scores" / "scores" / "part-abc.parquet")
    _parquet(pa.table({"resume_id": ["R9"], "input_file": ["a.parquet"], "reason": ["empty_text"],
                       "detail": ["text is empty"], "input_row": [7]}),
             root / "scores" / "quarantine" / "part-abc.parquet")
    _parquet(pa.table({"resume_id": [HOSTILE_ID], "near_duplicate_of": ["R1"],
                       "jaccard_estimate": pa.array([0.85], pa.float32())}),
             root / "scores" / "near_duplicates.parquet")
    (root / "scores" / "manifest.jsonl").write_text('{"input_file": "a.parquet", "rows": 4}\n')
    _json({"files": 1, "rows_in": 4, "rows_scored": 3, "rows_quarantined": 1, "reasons": {"empty_text": 1},
           "model": "m@1", "config_hash": "c0ffee", "seconds": 12.5}, root / "scores" / "summary.json")
    _parquet(_shortlist(), root / "match" / "shortlists" / "part-00000.parquet")
    _json({"jobs": 2, "shortlisted_pairs": 3, "rerank_model": "cross@abc", "biencoder": "bi@def",
           "seconds": 8.0}, root / "match" / "summary.json")
    pack = root / "interview" / "packs" / "J1" / "R1.md"
    pack.parent.mkdir(parents=True)
    pack.write_text("# Interview pack: Data Engineer (J1), candidate R1\n\n## Questions\n\n"
                    "### 1. skill gap · Apache Airflow\n\nHow would you schedule a DAG?\n\n- **Strong:** backfills\n")
    _parquet(pa.table({"job_id": ["J1"], "resume_id": ["R1"], "pack": ["packs/J1/R1.md"]}),
             root / "interview" / "questions" / "part-00000.parquet")
    per_class = {"data_engineer": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2},
                 "secondary_teacher": {"precision": 0.5, "recall": 1.0, "f1": 0.667, "support": 1}}
    _json({"task": "classify", "model": "train/run/model", "train_rows": 10, "dev_rows": 3,
           "dev": {"windows": {"accuracy": 0.667, "macro_f1": 0.667, "ece": 0.1, "n": 3, "per_class": per_class}}},
          root / "train" / "demo-classify-1" / "eval.json")
    group = {"group": "Female", "count": 2, "share": 0.5, "rate": 0.5, "rate_ci": [0.1, 0.9], "impact_ratio": 0.5,
             "impact_ratio_ci": [0.2, 1.0], "compared": True, "four_fifths_flag": True, "beyond_noise": False}
    _json({"candidates": 4, "recommended": 2, "tables": {"selection": {"sex": [group]}}},
          root / "audit" / "audit.json")
    _json({"experiment": "demo", "stage_seconds": {"score": 12.5, "match": 8.0},
           "outputs": {"score": {"model": "m@1"}, "match": {"biencoder": "bi@def", "rerank_model": "cross@abc"}}},
          root / "demo_summary.json")
    return root
