"""Pooled text vectors of a frozen encoder, kept on disk between runs that read the same texts.

    python ray_jobs/train.py data=postings train=biencoder   # fills <output_root>/cache/pooled
    python ray_jobs/evaluate.py data=postings eval.model_path=<that run's model>   # reads it back

An embedding head (recruit_core/train/embed_head.py) is trained and judged on the encoder's pooled
vectors, which do not change while the encoder is frozen. A file holds one list of texts' vectors
and is named by the encoder's fingerprint, its window settings and the texts themselves, so a
changed model, setting or text can never read another's vectors. Written under a temporary name,
then renamed: a reader sees a whole file or none.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from recruit_core.model.forward import TextEncoder


def cache_dir(output_root: str) -> Path:
    return Path(output_root) / "cache" / "pooled"


def cached_pooled(encoder: TextEncoder, fingerprint: str, texts: list[str], cache: Path) -> np.ndarray:
    """`encoder.pooled_texts(texts)`, read back from `cache` when these texts were encoded before."""
    settings = encoder.model_cfg
    digest = hashlib.sha256(f"{fingerprint}|{settings.max_length}|{settings.window_stride}|"
                            f"{settings.max_windows}".encode())
    for text in texts:
        digest.update(hashlib.sha256(text.encode()).digest())
    path = cache / f"pooled-{digest.hexdigest()[:24]}.npy"
    if path.is_file():
        return np.load(path)
    vectors = encoder.pooled_texts(texts)
    cache.mkdir(parents=True, exist_ok=True)
    staging = cache / f".{path.stem}.{os.getpid()}.tmp.npy"
    np.save(staging, vectors)
    os.replace(staging, path)
    return vectors
