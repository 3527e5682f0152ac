"""The text the model reads for a requisition: its title, a line break, its description.

Training pairs, scoring fits, matching, reranking and evaluation all build it here, so a job the
model was trained on reads the same when it is scored.
"""
from __future__ import annotations

import pyarrow as pa


def job_text(title: str, description: str) -> str:
    return f"{title}\n{description}"


def requisition_texts(jobs: pa.Table) -> list[str]:
    """`job_text` of every row of a table with `title` and `description` columns (JOB_SCHEMA)."""
    return [job_text(title, description) for title, description in
            zip(jobs.column("title").to_pylist(), jobs.column("description").to_pylist())]
