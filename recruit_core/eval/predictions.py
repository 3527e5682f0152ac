"""The classifier's dev predictions, one row per resume: what the report's confusion matrix and
reliability diagram are drawn from.

    python ray_jobs/evaluate.py data=livecareer     # -> <eval.output_dir>/predictions.parquet

Columns: resume_id, category (the true one), predicted, p_predicted (top-class probability) and
probs (the whole vector, list<float32>, in the order of the `categories` key of the file's
metadata, a JSON list). The metadata's `method` names the model row of report.json they belong to.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.io import write_parquet_atomic

PREDICTIONS_FILE = "predictions.parquet"


def predictions_table(resume_ids: Sequence[str], labels: Sequence[int], probs: np.ndarray,
                      categories: Sequence[str], method: str) -> pa.Table:
    """One row per resume; `labels` index `categories`, as the columns of `probs` do."""
    probs = np.asarray(probs, dtype=np.float32)
    if probs.shape != (len(resume_ids), len(categories)):
        raise ValueError(f"probabilities of shape {probs.shape}: expected one row per resume "
                         f"({len(resume_ids)}) and one column per category ({len(categories)})")
    top = probs.argmax(axis=1)
    names = np.asarray(categories, dtype=object)
    table = pa.table({
        "resume_id": pa.array([str(r) for r in resume_ids], pa.string()),
        "category": pa.array(names[np.asarray(labels, dtype=int)].tolist(), pa.string()),
        "predicted": pa.array(names[top].tolist(), pa.string()),
        "p_predicted": pa.array(probs[np.arange(len(top)), top], pa.float32()),
        "probs": pa.array(list(probs), pa.list_(pa.float32())),
    })
    return table.replace_schema_metadata({"categories": json.dumps(list(categories)), "method": method})


def write_predictions(table: pa.Table, folder: str | Path) -> Path | str:
    return write_parquet_atomic(table, storage.join(folder, PREDICTIONS_FILE))


def read_predictions(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    """(probs [resumes, categories], true label indices, category names, method) of a written file."""
    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    if b"categories" not in metadata:
        raise ValueError(f"{path}: no `categories` in its metadata; write it with "
                         "recruit_core.eval.predictions.write_predictions")
    categories = json.loads(metadata[b"categories"])
    position = {name: i for i, name in enumerate(categories)}
    labels = np.array([position[c] for c in table.column("category").to_pylist()], dtype=int)
    probs = np.array(table.column("probs").to_pylist(), dtype=np.float32).reshape(len(labels), len(categories))
    return probs, labels, categories, metadata.get(b"method", b"").decode()
