"""Model folders in an object store: published by the training job, read back through a local cache.

    python ray_jobs/train.py experiment=smoke train.storage_path=s3://bucket/train
    python ray_jobs/score.py experiment=smoke score.model_path=s3://bucket/train/recruit-train/model

transformers and safetensors read local files only, so a model under s3:// (or gs://) is
downloaded once per machine into `<cache>/<key>/model` and loaded from there. The key is the
sha256 of the folder's URI and of each object's name, size and modification time (one LIST gives
them all): a model published again under the same URI gets a new key, an unchanged one is not
downloaded again. The folder keeps its name (`model`), and the fingerprint is the name and the
sha256 of the weights' bytes, so a model has the same fingerprint read from the store or from disk.
A download goes to a temp folder renamed into place when complete, so a crashed download is never
used. The cache is RECRUIT_MODEL_CACHE, else ~/.cache/recruit/models.

Publishing uploads each file of the folder as one object (each appears whole). The old weights
are removed first and the new ones go last, so a reader listing the folder mid-publish finds no
weights and is refused by `check_model_folder` rather than loading a mix.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tempfile
from pathlib import Path

from recruit_core import storage
from recruit_core.model.encoder import WEIGHTS_FILE

CACHE_ENV = "RECRUIT_MODEL_CACHE"


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "recruit" / "models")


def upload_folder(folder: Path, target: str) -> str:
    """Put every file below `folder` under the prefix `target`, the weights last; returns `target`.
    Objects left from an earlier publish that this folder lacks are removed first."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()),
                   key=lambda p: (p.name == WEIGHTS_FILE, p.as_posix()))
    names = {p.relative_to(folder).as_posix() for p in files}
    prefix = target.rstrip("/") + "/"
    for stale in storage.files_under(target):  # the old weights too: none until the new are in
        if stale[len(prefix):] not in names or posixpath.basename(stale) == WEIGHTS_FILE:
            storage.delete(stale)
    for path in files:
        storage.put(path.read_bytes(), storage.join(target, path.relative_to(folder).as_posix()))
    return target


def local_model_folder(model_path: str) -> str:
    """`model_path` itself when it is local; for a URI, the cached copy of that folder."""
    if not storage.is_remote(model_path):
        return model_path
    objects = _listing(model_path)
    prefix = model_path.rstrip("/") + "/"
    identity = "\n".join([model_path, *(f"{uri[len(prefix):]} {size} {mtime}"
                                        for uri, (size, mtime) in objects.items())])
    target = cache_root() / hashlib.sha256(identity.encode()).hexdigest()[:32] / _name(model_path)
    if target.is_dir():
        return str(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download.", dir=target.parent))
    try:
        for uri in objects:
            local = staging / uri[len(prefix):]
            local.parent.mkdir(parents=True, exist_ok=True)
            data = storage.read_bytes(uri)
            if data is None:
                raise FileNotFoundError(f"{uri}: removed while {model_path} was downloaded; "
                                        "was the model being published again? Retry")
            local.write_bytes(data)
        try:
            os.replace(staging, target)
        except OSError:  # another process finished the same download first: keep its copy
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)


def _name(model_path: str) -> str:
    return posixpath.basename(model_path.rstrip("/")) or "model"


def _listing(model_path: str) -> dict[str, tuple[int, int | None]]:
    filesystem, inner = storage.resolve(model_path)
    selector = storage.pafs.FileSelector(inner, recursive=True, allow_not_found=True)
    found = {storage.uri(storage.scheme(model_path), e.path): (e.size, e.mtime_ns)
             for e in filesystem.get_file_info(selector) if e.type == storage.pafs.FileType.File}
    if not found:
        raise FileNotFoundError(f"{model_path}: no model folder there; point it at the `model` "
                                "prefix a training run published")
    return dict(sorted(found.items()))
