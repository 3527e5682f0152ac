"""The livecareer resumes (24 job categories) as labelled train/dev splits, read by path, never copied.

    python ray_jobs/train.py data=livecareer          # fine-tunes on split=train, reports on split=dev
    python ray_jobs/train.py data=livecareer data.livecareer_path=/tmp/ingest-livecareer/resumes
                                                      # the same, on text ingested from the PDFs

The file's own `split` column is the split (the held-out test part is not distributed). Empty texts
are dropped and counted. `drop_headline` removes each text's first line: the resume's headline title,
which is often the category itself and lets a model score well without reading the resume.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recruit_core.config import DataConfig
from recruit_core.io import parquet_files

COLUMNS = ("resume_id", "category", "text", "split")


@dataclass
class LabelledResumes:
    """One split: parallel lists of resume ids, texts and category indices into `categories`."""

    resume_ids: list[str]
    texts: list[str]
    labels: list[int]
    categories: list[str]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class LivecareerSplits:
    train: LabelledResumes
    dev: LabelledResumes
    dropped_empty: int  # resumes without any text, left out of both splits


def strip_headline(text: str) -> str:
    """The text without its first non-blank line."""
    lines = text.lstrip().split("\n", 1)
    return lines[1] if len(lines) > 1 else ""


def _read_frame(path: Path) -> pd.DataFrame:
    """One Parquet file, or a folder of them (`recruit ingest ... ingest.labels_from_path=true`
    writes `<out>/resumes/*.parquet`), read by the one rule for input folders."""
    if path.is_file():
        return pd.read_parquet(path)
    files = parquet_files(path, "data.livecareer_path")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def load_livecareer(cfg: DataConfig) -> LivecareerSplits:
    """Train and dev splits of `data.livecareer_path`, categories sorted by name."""
    path = Path(cfg.livecareer_path)
    if not path.exists():
        raise FileNotFoundError(f"data.livecareer_path={cfg.livecareer_path}: no such file; run from "
                                "the repository root or point it at livecareer/resumes.parquet")
    frame = _read_frame(path)
    missing = sorted(set(COLUMNS) - set(frame.columns))
    if missing:
        raise ValueError(f"{path}: columns {missing} are missing; expected {list(COLUMNS)}")
    frame["text"] = frame["text"].fillna("").astype(str)
    if cfg.drop_headline:
        frame["text"] = frame["text"].map(strip_headline)
    empty = frame["text"].str.strip() == ""
    frame = frame[~empty]
    categories = sorted(frame["category"].unique().tolist())
    index = {name: i for i, name in enumerate(categories)}

    def split(name: str) -> LabelledResumes:
        part = frame[frame["split"] == name]
        if part.empty:
            raise ValueError(f"{path}: no rows with split={name!r}")
        return LabelledResumes(part["resume_id"].astype(str).tolist(), part["text"].tolist(),
                               [index[c] for c in part["category"]], categories)

    return LivecareerSplits(split("train"), split("dev"), int(empty.sum()))
