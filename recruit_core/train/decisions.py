"""Recruiters' decisions as training labels: who was advanced, hired or rejected for which job.

    python ray_jobs/train.py data=postings train=biencoder train.decisions=decisions.parquet \
        train.init_from=<the model now in use>

A decisions table (Parquet or CSV) has one row per (job_id, resume_id) a person decided on:
`decision` is advanced, rejected or hired; `decided_at` (when) and `decided_by` (who) are kept for
the record and never read as features. Advanced and hired pairs are positives; rejected pairs are
negatives a recruiter looked at and turned down, the hardest kind, so they are used first as the
hard negatives of the job. Any other column (a protected attribute, a note) is never read. The
latest decision on a pair wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DECISIONS = ("advanced", "rejected", "hired")
POSITIVE = ("advanced", "hired")
COLUMNS = ("job_id", "resume_id", "decision", "decided_at", "decided_by")


@dataclass
class DecisionLabels:
    """Relevance [jobs, resumes] from the decisions: +1 advanced or hired, -1 rejected, 0 none."""

    job_ids: list[str]
    labels: np.ndarray  # int8 [jobs, resumes]
    rows: int  # decisions read (after the latest-wins rule)


def read_decisions(path: str | Path) -> pd.DataFrame:
    """The table's five columns, checked: a missing column or an unknown decision names the row."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"train.decisions={path}: no such file; give a Parquet or CSV table "
                                f"with columns {list(COLUMNS)}")
    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path, columns=None)
    missing = sorted(set(COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(f"{path}: columns {missing} are missing; a decisions table has {list(COLUMNS)}")
    frame = frame[list(COLUMNS)].copy()
    frame["decision"] = frame["decision"].astype(str).str.strip().str.lower()
    bad = frame.index[~frame["decision"].isin(DECISIONS)]
    if len(bad):
        row = int(bad[0])
        raise ValueError(f"{path}: row {row} has decision {frame.loc[row, 'decision']!r}; use one of "
                         f"{list(DECISIONS)} ({len(bad)} row(s) like it)")
    for column in ("job_id", "resume_id"):
        empty = frame.index[frame[column].isna() | (frame[column].astype(str).str.strip() == "")]
        if len(empty):
            raise ValueError(f"{path}: row {int(empty[0])} has no {column}")
        frame[column] = frame[column].astype(str)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True, errors="raise")
    return frame.sort_values("decided_at", kind="stable").drop_duplicates(
        ["job_id", "resume_id"], keep="last")


def decision_labels(frame: pd.DataFrame, job_ids: list[str], resume_ids: list[str],
                    source: str) -> DecisionLabels:
    """Labels for the decided jobs (in `job_ids` order) against every resume of `resume_ids`; a
    decision on a job or resume the data does not hold is an error naming it."""
    job_index = {j: i for i, j in enumerate(job_ids)}
    resume_index = {r: i for i, r in enumerate(resume_ids)}
    for column, index in (("job_id", job_index), ("resume_id", resume_index)):
        unknown = sorted(set(frame[column]) - set(index))
        if unknown:
            raise ValueError(f"train.decisions: {len(unknown)} {column}(s) not in {source}, e.g. "
                             f"{unknown[0]!r}: decisions must be on jobs and resumes the training data holds")
    decided = [j for j in job_ids if j in set(frame["job_id"])]
    rows = {j: i for i, j in enumerate(decided)}
    labels = np.zeros((len(decided), len(resume_ids)), dtype=np.int8)
    sign = np.where(frame["decision"].isin(POSITIVE), 1, -1).astype(np.int8)
    labels[[rows[j] for j in frame["job_id"]], [resume_index[r] for r in frame["resume_id"]]] = sign
    return DecisionLabels(decided, labels, len(frame))
