"""Pooled window vectors of resumes from the jobs' forward pass, the features of a category probe.

    python bench/livecareer_classifier.py         # embeds the livecareer resumes once, then reuses

Each resume is read as up to `model.max_windows` windows (`recruit_core.model.forward.TextEncoder`,
the pass the score job runs); a window's vector is its mean-pooled encoder states before any
normalisation. The score job's category logits are the head applied to each window and averaged
over the resume's windows, which for a linear head equals the head applied to the mean window
vector (`mean_windows`): a probe fitted on that mean is exactly what `category_head` computes.

MiniLM takes many minutes on 2 cores for the 1,967 livecareer resumes (~11,000 windows), so a study
may pass `cache_dir`: the vectors are kept there in parts, under a key of the model fingerprint,
the window settings and the texts themselves; any change to one of those computes them again.
"""
from __future__ import annotations

import hashlib
import logging
import os
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


def _claim(path: Path) -> bool:
    """Whether this process may compute the part `path`: a claim file names the process that holds
    it, so several studies sharing one cache split the parts, and a dead holder's claim lapses."""
    claim = path.with_suffix(".claim")
    try:
        fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        holder = claim.read_text().strip()
        if holder.isdigit() and not Path(f"/proc/{holder}").exists():
            claim.unlink(missing_ok=True)
            return _claim(path)
        return False
    with os.fdopen(fd, "w") as out:
        out.write(str(os.getpid()))
    return True


def _compute_part(encoder: TextEncoder, texts: list[str], start: int, path: Path) -> None:
    if path.is_file():  # finished by another process between the listing and the claim
        path.with_suffix(".claim").unlink(missing_ok=True)
        return
    pooled, owner = window_vectors(encoder, texts[start:start + TEXTS_PER_STEP])
    with atomic_path(path) as partial, open(partial, "wb") as out:
        np.savez(out, pooled=pooled, owner=owner + start)
    path.with_suffix(".claim").unlink(missing_ok=True)


def cached_window_vectors(encoder: TextEncoder, texts: list[str], fingerprint: str,
                          cache_dir: str | Path | None, poll_s: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """`window_vectors`, kept under `cache_dir` (when given) in parts of TEXTS_PER_STEP texts, so an
    interrupted run resumes and concurrent runs share the work; bits as `window_vectors` gives."""
    if not cache_dir:
        return window_vectors(encoder, texts)
    folder = Path(cache_dir) / f"windows-{cache_key(fingerprint, encoder, texts)}"
    folder.mkdir(parents=True, exist_ok=True)
    parts = {start: folder / f"{start:06d}.npz" for start in range(0, len(texts), TEXTS_PER_STEP)}
    for start, path in parts.items():
        if not path.is_file() and _claim(path):
            _compute_part(encoder, texts, start, path)
    while missing := [p for p in parts.values() if not p.is_file()]:
        if _claim(missing[0]):  # its holder died
            _compute_part(encoder, texts, int(missing[0].stem), missing[0])
        else:
            time.sleep(poll_s)
    loaded = [np.load(path) for path in parts.values()]
    hidden = encoder.model.encoder.config.hidden_size
    if not loaded:
        return np.zeros((0, hidden), np.float32), np.zeros(0, np.int64)
    return (np.concatenate([part["pooled"] for part in loaded]),
            np.concatenate([part["owner"] for part in loaded]))


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
