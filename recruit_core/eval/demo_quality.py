"""The demo's category stage: which category model scores the pool, and how right it was.

    python ray_jobs/demo.py experiment=demo      # prints the gate's choice and the quality line

The gate keeps the fine-tuned classifier or the frozen-encoder probe, whichever has the higher
top-1 accuracy on the synthetic pool's dev split (ties: the probe, whose probabilities are
calibrated); the score job then runs with the model kept. The quality line compares each scored
resume's top category with the generator's truth table (`<data.dir>/truth`), over the whole pool.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.data.pool import PoolPaths
from recruit_core.io import parquet_files


def keep_better_classifier(fine_tuned: dict, probe: dict) -> dict:
    """{"model", "kept", "line"} from the two train stages' results (dev accuracy and macro-F1)."""
    kept, result = ("probe", probe) if probe["accuracy"] >= fine_tuned["accuracy"] else (
        "fine-tuned", fine_tuned)
    line = (f"category model: kept the {kept} (dev top-1: fine-tuned {fine_tuned['accuracy']:.3f}, "
            f"probe {probe['accuracy']:.3f}; dev macro-F1: fine-tuned {fine_tuned['macro_f1']:.3f}, "
            f"probe {probe['macro_f1']:.3f})")
    return {"model": result["model"], "kept": kept, "line": line,
            "dev_accuracy": {"fine-tuned": fine_tuned["accuracy"], "probe": probe["accuracy"]},
            "dev_macro_f1": {"fine-tuned": fine_tuned["macro_f1"], "probe": probe["macro_f1"]}}


def _read(folder: str | Path, columns: list[str]) -> pa.Table:
    return pa.concat_tables([pq.read_table(f, columns=columns) for f in parquet_files(folder)])


def category_quality(scores: str | Path, pool_dir: str | Path) -> dict:
    """Top-1 of the score job's `category_1` against the truth table's occupation, over the scored
    resumes (quarantined ones have no category to judge)."""
    scored = _read(scores, ["resume_id", "category_1"]).to_pylist()
    truth = {row["resume_id"]: row["occupation"]
             for row in _read(PoolPaths(Path(pool_dir)).truth, ["resume_id", "occupation"]).to_pylist()}
    judged = [row for row in scored if row["resume_id"] in truth]
    if not judged:
        raise ValueError(f"{scores}: no scored resume is in the truth table of {pool_dir}; score "
                         "the pool that data.dir names")
    top1 = sum(row["category_1"] == truth[row["resume_id"]] for row in judged) / len(judged)
    return {"category_top1": round(top1, 4), "resumes": len(judged),
            "line": f"quality: category top-1 {top1:.3f} ({len(judged)} resumes, generator truth)"}
