"""Pooled window vectors of resumes from the jobs' forward pass, the features of a category probe.

    python bench/livecareer_classifier.py         # embeds the livecareer resumes once, then reuses

Each resume is read as up to `model.max_windows` windows (`recruit_core.model.forward.TextEncoder`,
the pass the score job runs); a window's vector is its mean-pooled encoder states before any
normalisation. The score job's category logits are the head applied to each window and averaged
over the resume's windows, which for a linear head equals the head applied to the mean window
vector (`mean_windows`): a probe fitted on that mean is exactly what `category_head` computes.

MiniLM takes minutes on 2 cores for the 1,967 livecareer resumes (~11,000 windows), so a study may
pass `cache_dir`: the vectors are saved as .npy under a key of the model fingerprint, the window
settings and the texts themselves, and any change to one of those computes them again.
"""
from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import torch

from recruit_core.io import atomic_path
from recruit_core.model.forward import TEXTS_PER_STEP, TextEncoder

log = logging.getLogger(__name__)


def window_vectors(encoder: TextEncoder, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(pooled [n_windows, hidden] float32, owner [n_windows] int64) of `texts`, windows in text
    order; a window's vector depends on that window alone (`RecruitModel.pooled_exact`)."""
    pooled, owners, started = [], [], time.perf_counter()
    for start in range(0, len(texts), TEXTS_PER_STEP):
        windows = encoder.tokenize(texts[start:start + TEXTS_PER_STEP])
        pooled.append(encoder.pooled_windows(windows).cpu().numpy())
        owners.append(windows.owner + start)
        log.info("embedded %d/%d resumes (%d windows, %.0f s)", min(start + TEXTS_PER_STEP, len(texts)),
                 len(texts), sum(len(o) for o in owners), time.perf_counter() - started)
    hidden = encoder.model.encoder.config.hidden_size
    if not pooled:
        return np.zeros((0, hidden), np.float32), np.zeros(0, np.int64)
    return np.concatenate(pooled).astype(np.float32), np.concatenate(owners).astype(np.int64)


def cache_key(fingerprint: str, encoder: TextEncoder, texts: list[str]) -> str:
    """What the vectors depend on: the weights, the window settings and every text."""
    cfg = encoder.model_cfg
    digest = hashlib.sha256(f"{fingerprint}|{cfg.max_length}|{cfg.window_stride}|"
                            f"{cfg.max_windows}".encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()[:20]


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path) as partial, open(partial, "wb") as out:
        np.save(out, array)


def cached_window_vectors(encoder: TextEncoder, texts: list[str], fingerprint: str,
                          cache_dir: str | Path | None) -> tuple[np.ndarray, np.ndarray]:
    """`window_vectors`, read from / written to `cache_dir` when one is given."""
    if not cache_dir:
        return window_vectors(encoder, texts)
    key = cache_key(fingerprint, encoder, texts)
    pooled_file = Path(cache_dir) / f"windows-{key}.pooled.npy"
    owner_file = Path(cache_dir) / f"windows-{key}.owner.npy"
    if pooled_file.is_file() and owner_file.is_file():
        log.info("window vectors from %s", pooled_file)
        return np.load(pooled_file), np.load(owner_file)
    pooled, owner = window_vectors(encoder, texts)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    _save_npy(pooled_file, pooled)
    _save_npy(owner_file, owner)
    return pooled, owner


def mean_windows(pooled: np.ndarray, owner: np.ndarray, n_texts: int) -> np.ndarray:
    """[n_texts, hidden]: each resume's mean window vector (what a linear category head sees)."""
    summed = np.zeros((n_texts, pooled.shape[1]), np.float64)
    np.add.at(summed, owner, pooled)
    counts = np.maximum(np.bincount(owner, minlength=n_texts), 1)
    return (summed / counts[:, None]).astype(np.float32)


def first_windows(pooled: np.ndarray, owner: np.ndarray, n_texts: int) -> np.ndarray:
    """[n_texts, hidden]: each resume's first window only (what `model.max_windows=1` reads)."""
    first = np.zeros((n_texts, pooled.shape[1]), np.float32)
    # windows come in text order, so the first row of each owner is its first window
    seen = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    first[owner[seen]] = pooled[seen]
    return first


def to_tensor(features: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
