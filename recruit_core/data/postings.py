"""Real job postings for the matching benchmark, split into a training half and an evaluation half.

    python ray_jobs/evaluate.py data=postings          # the benchmark on the evaluation half
    python -m recruit_core.data.postings --to-jobs OUT/jobs.parquet --half eval   # for `recruit match`

`data.postings_path` (../shared/data/jobs/google_postings_dev.parquet: 455 Google postings; read its
SOURCE.txt) lists for each posting the livecareer categories whose resumes count as relevant.
The halves are fixed by a hash, never by a model: postings whose text is identical (the same job
posted in several locations) form one group named by its smallest job_id, and the group's half is
the parity of sha256(that job_id). So the same text never sits in both halves, and a posting keeps
its half whatever else is added to the file. Training may read the `train` half (with the livecareer
train resumes); only the `eval` half (against the dev resumes) is reported as held out.
"""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from recruit_core.text.requisition import job_text

COLUMNS = ("job_id", "title", "responsibilities", "minimum_qualifications",
           "preferred_qualifications", "relevant_livecareer_categories")
HALVES = ("train", "eval")


@dataclass
class Postings:
    """One half: parallel lists of posting ids, the text the model reads, and relevant categories."""

    job_ids: list[str]
    texts: list[str]
    relevant: list[frozenset[str]]
    categories: list[str]  # the posting's own category (Google's), for per-category figures

    def __len__(self) -> int:
        return len(self.job_ids)


def posting_description(row) -> str:
    """Responsibilities and qualifications, in the order a reader meets them on the posting."""
    parts = [("Responsibilities", row["responsibilities"]),
             ("Minimum qualifications", row["minimum_qualifications"]),
             ("Preferred qualifications", row["preferred_qualifications"])]
    return "\n".join(f"{name}:\n{text.strip()}" for name, text in parts
                     if isinstance(text, str) and text.strip())


def half_of(group_job_id: str) -> str:
    return HALVES[hashlib.sha256(group_job_id.encode("utf-8")).digest()[-1] & 1]


def load_postings(path: str | Path, half: str) -> Postings:
    """The `half` ("train" or "eval") of the postings file."""
    part = postings_frame(path, half)
    return Postings(part["job_id"].astype(str).tolist(), part["text"].tolist(),
                    [frozenset(c) for c in part["relevant_livecareer_categories"]],
                    part["category"].astype(str).tolist() if "category" in part else [""] * len(part))


def postings_frame(path: str | Path, half: str) -> pd.DataFrame:
    """The rows of the `half`, by job_id, with `text` (what the model reads) added."""
    if half not in HALVES:
        raise ValueError(f"half={half!r}: use train or eval")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data.postings_path={path}: no such file; run from the repository "
                                "root or point it at jobs/google_postings_dev.parquet")
    frame = pd.read_parquet(path)
    missing = sorted(set(COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(f"{path}: columns {missing} are missing; expected {list(COLUMNS)}")
    frame = frame.sort_values("job_id", kind="stable").reset_index(drop=True)
    frame["text"] = [job_text(row["title"], posting_description(row)) for _, row in frame.iterrows()]
    group = frame.groupby("text", sort=False)["job_id"].transform("min")
    return frame[group.map(half_of) == half]


def postings_as_jobs(path: str | Path, half: str, extractor) -> pa.Table:
    """The half's postings as requisitions (JOB_SCHEMA, what `recruit match` reads), skill ids
    read from the text (recruit_core/text/requisition_skills.py). Seniority and occupation stay
    empty: a posting names neither in the taxonomy's terms."""
    from recruit_core.data.synth import JOB_SCHEMA
    from recruit_core.text.requisition_skills import with_text_skills

    part = postings_frame(path, half)
    location = part["location"] if "location" in part else [None] * len(part)
    jobs = pa.table({"job_id": part["job_id"].astype(str).tolist(), "title": part["title"].tolist(),
                     "description": [posting_description(row) for _, row in part.iterrows()],
                     "required_skills": [[]] * len(part), "preferred_skills": [[]] * len(part),
                     "location": list(location), "seniority": [None] * len(part),
                     "occupation": [None] * len(part)}, schema=JOB_SCHEMA)
    return with_text_skills(jobs, extractor)


def main(argv: list[str] | None = None) -> dict:
    from recruit_core.config import DataConfig
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.io import write_parquet_atomic
    from recruit_core.text.skills import SkillExtractor

    parser = argparse.ArgumentParser(description="Real postings -> requisitions for recruit match.")
    parser.add_argument("--to-jobs", required=True, help="the Parquet file to write (JOB_SCHEMA)")
    parser.add_argument("--half", default="eval", choices=HALVES)
    parser.add_argument("--postings", default=DataConfig().postings_path)
    parser.add_argument("--taxonomy", default="builtin", choices=("builtin", "onet"))
    args = parser.parse_args(argv)
    extractor = SkillExtractor.from_taxonomy(load_taxonomy(DataConfig(taxonomy=args.taxonomy)))
    jobs = postings_as_jobs(args.postings, args.half, extractor)
    write_parquet_atomic(jobs, args.to_jobs)
    no_skills = sum(not (r or p) for r, p in zip(jobs.column("required_skills").to_pylist(),
                                                  jobs.column("preferred_skills").to_pylist()))
    summary = {"jobs": jobs.num_rows, "without_skills": no_skills, "path": str(args.to_jobs)}
    print(summary)
    return summary


if __name__ == "__main__":
    main()
