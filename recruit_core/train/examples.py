"""Training and dev examples from the synthetic talent pool, deterministic for a seed.

    python ray_jobs/train.py train.task=biencoder     # reads data.dir, generating the pool if missing

Resumes split 80/20 into train/dev by a hash of the resume id (a near-duplicate goes where its
original went, so the same person is never on both sides). Labels come from the ground truth:
the occupation (classify) and `synth.is_fit` for every (resume, job) pair (biencoder, crossencoder).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.config import DataConfig
from recruit_core.data.pool import PoolPaths
from recruit_core.data.synth import is_fit
from recruit_core.data.taxonomy import Taxonomy
from recruit_core.io import parquet_files
from recruit_core.text.requisition import job_text

DEV_PERCENT = 20  # the dev share of resumes
DEV_PAIRS_SHARE = 0.25  # dev pairs per train pair: 20% of resumes against 80%


def in_dev_split(resume_id: str, duplicate_of: str | None = None) -> bool:
    key = duplicate_of if isinstance(duplicate_of, str) and duplicate_of else resume_id  # NaN: none
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100 < DEV_PERCENT


@dataclass
class PoolSplit:
    resumes: pd.DataFrame  # resume_id, text, occupation, family, seniority, skills, ...
    jobs: pd.DataFrame  # job_id, title, description, occupation, family, text, ...
    fit: np.ndarray  # [resumes, jobs] bool: the ground-truth fit label

    def subset(self, rows: np.ndarray) -> "PoolSplit":
        return PoolSplit(self.resumes[rows].reset_index(drop=True), self.jobs, self.fit[rows])

    def fit_keys(self, row: int, width: int) -> np.ndarray:
        """The job indices this resume fits, padded with -1 to `width`."""
        keys = np.flatnonzero(self.fit[row])[:width]
        return np.concatenate([keys, np.full(width - len(keys), -1)]).astype(np.int64)


def _read(folder: Path | str) -> pd.DataFrame:
    # pyarrow reads s3:// and gs:// itself; pandas would need s3fs or gcsfs for them
    return pd.concat([pq.read_table(f).to_pandas() if storage.is_remote(f) else pd.read_parquet(f)
                      for f in parquet_files(folder)], ignore_index=True)


def read_pool(cfg: DataConfig, taxonomy: Taxonomy) -> PoolSplit:
    """Resumes joined with their ground truth, the jobs, and the fit matrix; data.dir may be an
    object-store prefix (s3://bucket/pool)."""
    if storage.is_remote(cfg.dir):
        resumes, truth, jobs = (_read(storage.join(cfg.dir, name)) for name in ("resumes", "truth", "jobs"))
    else:
        paths = PoolPaths(Path(cfg.dir))
        resumes, truth, jobs = _read(paths.resumes), _read(paths.truth), _read(paths.jobs)
    resumes = resumes.merge(truth, on="resume_id", validate="one_to_one")
    jobs["family"] = [taxonomy.occupation(o).family for o in jobs["occupation"]]
    jobs["text"] = [job_text(t, d) for t, d in zip(jobs["title"], jobs["description"])]
    job_rows = jobs.to_dict("records")
    fit = np.array([[is_fit(taxonomy, r, j) for j in job_rows]
                    for r in resumes.to_dict("records")], dtype=bool).reshape(len(resumes), len(jobs))
    return PoolSplit(resumes, jobs, fit)


def pool_resume_texts(pool_dir: str) -> list[str]:
    """Every resume text of a synthetic pool folder, its ground truth unread (distillation's
    unlabelled texts)."""
    resumes = _read(storage.join(pool_dir, "resumes") if storage.is_remote(pool_dir)
                    else PoolPaths(Path(pool_dir)).resumes)
    return resumes.sort_values("resume_id")["text"].tolist()


def split_pool(pool: PoolSplit) -> tuple[PoolSplit, PoolSplit]:
    dev = np.array([in_dev_split(r, d) for r, d in zip(pool.resumes["resume_id"],
                                                      pool.resumes["duplicate_of"])], dtype=bool)
    if dev.all() or not dev.any():
        raise ValueError(f"{len(dev)} resumes give an empty train or dev split: generate more "
                         "(data.n_resumes)")
    return pool.subset(~dev), pool.subset(dev)


def classify_rows(split: PoolSplit, occupations: list[str]) -> dict[str, list]:
    index = {o: i for i, o in enumerate(occupations)}
    return {"text": split.resumes["text"].tolist(),
            "label": [index[o] for o in split.resumes["occupation"]]}


def _positive_pairs(split: PoolSplit, n: int, rng: np.random.Generator) -> np.ndarray:
    pairs = np.argwhere(split.fit)
    if len(pairs) == 0:
        raise ValueError(f"no (resume, job) pair of {len(split.resumes)} resumes x {len(split.jobs)} "
                         "jobs is a fit: generate more resumes or jobs")
    return pairs[rng.choice(len(pairs), size=n, replace=n > len(pairs))]


def _negative_job(split: PoolSplit, resume: int, family: str, occupation: str | None,
                  rng: np.random.Generator) -> int:
    """A job the resume does not fit in `family` (other than `occupation`); -1 when there is none."""
    jobs = split.jobs
    same = (jobs["family"].to_numpy() == family) & ~split.fit[resume]
    if occupation is not None:
        same &= jobs["occupation"].to_numpy() != occupation
    choices = np.flatnonzero(same)
    return int(rng.choice(choices)) if len(choices) else -1


def biencoder_rows(split: PoolSplit, n_pairs: int, seed: int, hard_negatives: bool) -> dict[str, list]:
    """(resume, fitting job) pairs; with hard negatives, a same-family other-occupation job each."""
    rng = np.random.default_rng(seed)
    pairs = _positive_pairs(split, n_pairs, rng)
    width = max(1, int(split.fit.sum(1).max()))
    texts, jobs = split.resumes["text"].tolist(), split.jobs
    rows = {"resume_text": [texts[r] for r, _ in pairs],
            "job_text": [jobs["text"][j] for _, j in pairs], "job_key": [int(j) for _, j in pairs],
            "fit_keys": [split.fit_keys(r, width) for r, _ in pairs]}
    if hard_negatives:
        hard = [_negative_job(split, r, jobs["family"][j], jobs["occupation"][j], rng) for r, j in pairs]
        rows["hard_key"] = hard
        rows["hard_text"] = [jobs["text"][h if h >= 0 else j] for h, (_, j) in zip(hard, pairs)]
    return rows


def crossencoder_rows(split: PoolSplit, n_pairs: int, seed: int) -> dict[str, list]:
    """Half fits, half not; of the non-fits, half from the resume's own family (hard negatives)."""
    rng = np.random.default_rng(seed)
    positives = _positive_pairs(split, n_pairs // 2, rng)
    negatives = []
    for index in range(n_pairs - len(positives)):
        resume = int(rng.integers(len(split.resumes)))
        job = -1
        if index % 2 == 0:
            job = _negative_job(split, resume, split.resumes["family"][resume], None, rng)
        if job < 0:
            non_fits = np.flatnonzero(~split.fit[resume])
            job = int(rng.choice(non_fits)) if len(non_fits) else int(rng.integers(len(split.jobs)))
        negatives.append((resume, job))
    pairs = [(int(r), int(j)) for r, j in positives] + negatives
    order = rng.permutation(len(pairs))
    texts, jobs = split.resumes["text"].tolist(), split.jobs["text"].tolist()
    return {"job_text": [jobs[pairs[i][1]] for i in order],
            "resume_text": [texts[pairs[i][0]] for i in order],
            "label": [float(split.fit[pairs[i]]) for i in order]}


def task_rows(task: str, split: PoolSplit, n_pairs: int, seed: int, hard_negatives: bool,
              occupations: list[str]) -> dict[str, list]:
    if task in ("classify", "probe", "lexical"):
        return classify_rows(split, occupations)
    if task == "biencoder":
        return biencoder_rows(split, n_pairs, seed, hard_negatives)
    return crossencoder_rows(split, n_pairs, seed)
