"""Where a path lives: on a local or network file system, or in an object store (`s3://bucket/key`,
`gs://bucket/key`), read and written through pyarrow's file systems.

    python ray_jobs/score.py inputs.resumes=s3://bucket/pool/resumes score.output_dir=s3://bucket/out
    python ray_jobs/match.py inputs.resumes=s3://bucket/pool/resumes match.output_dir=s3://bucket/match

Jobs whose inputs and outputs may be URIs: ingest, train (pool, checkpoints, published model),
score, match, interview_pack, schedule, audit, evaluate, report; model folders on s3:// load
through a local cache (recruit_core/model/store.py). Feedback and drift take local paths only.

An object store has no folders and no rename: a "folder" is a key prefix, and an object appears
whole when the PUT that carries it succeeds (readers see the old object or the new one, never half
of one). `recruit_core/io.py` builds its atomic writers on that. Local paths keep going through
`os` and `pathlib`, exactly as before; only a path with a scheme below comes here.

Endpoint and credentials come from the environment, as the AWS and Google SDKs read them:
AWS_ENDPOINT_URL (any S3-API server, e.g. MinIO or moto on 127.0.0.1; pyarrow's S3FileSystem reads
it since pyarrow 15), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_REGION or AWS_DEFAULT_REGION;
GOOGLE_APPLICATION_CREDENTIALS for gs://. `recruit_core.ray_env` ships the endpoint and region to
Ray workers (`recruit_core.env.object_store_env`). `python -m pytest -q tests/test_objstore*.py`
runs the jobs against an S3-API server on 127.0.0.1 (the match job: tests/test_objstore_match.py).
"""
from __future__ import annotations

import functools
import posixpath
from pathlib import Path

import pyarrow.fs as pafs

REMOTE_SCHEMES = ("s3", "gs", "gcs")


def scheme(path: str | Path) -> str:
    """`s3`, `gs` or `gcs` for an object-store URI, "" for a local path."""
    head, sep, _ = str(path).partition("://")
    return head.lower() if sep and head.lower() in REMOTE_SCHEMES else ""


def is_remote(path: str | Path) -> bool:
    return bool(scheme(path))


@functools.lru_cache(maxsize=32)
def _bucket_filesystem(uri_scheme: str, bucket: str) -> pafs.FileSystem:
    # one client per bucket and process: each S3FileSystem opens its own connection pool
    return pafs.FileSystem.from_uri(f"{uri_scheme}://{bucket}")[0]


def resolve(path: str | Path) -> tuple[pafs.FileSystem, str]:
    """(pyarrow file system, the path inside it) for an object-store URI."""
    uri_scheme = scheme(path)
    if not uri_scheme:
        raise ValueError(f"{path}: not an object-store URI (s3://bucket/key or gs://bucket/key)")
    inner = str(path).split("://", 1)[1].strip("/")
    if not inner:
        raise ValueError(f"{path}: no bucket named; write s3://bucket/key")
    return _bucket_filesystem(uri_scheme, inner.split("/", 1)[0]), inner


def uri(uri_scheme: str, inner: str) -> str:
    return f"{uri_scheme}://{inner}"


def join(base: str | Path, *names: str) -> str:
    """`base/name/...` for a URI (always '/'); for a local path, what os.path.join gives."""
    if is_remote(base):
        return posixpath.join(str(base).rstrip("/"), *names)
    return str(Path(base, *names))


NOT_FOUND = pafs.FileType.NotFound


def info(path: str) -> pafs.FileInfo:
    filesystem, inner = resolve(path)
    return filesystem.get_file_info(inner)


def exists(path: str) -> bool:
    return info(path).type != pafs.FileType.NotFound


def is_file(path: str) -> bool:
    return info(path).type == pafs.FileType.File


def is_dir(path: str) -> bool:
    """A prefix with at least one object below it (S3 has no empty folders)."""
    return info(path).type == pafs.FileType.Directory


def files_under(folder: str) -> list[str]:
    """Every object below the prefix `folder`, as URIs in sorted order; [] when there are none."""
    filesystem, inner = resolve(folder)
    selector = pafs.FileSelector(inner, recursive=True, allow_not_found=True)
    found = [entry.path for entry in filesystem.get_file_info(selector)
             if entry.type == pafs.FileType.File]
    return [uri(scheme(folder), path) for path in sorted(found)]


def sizes_under(folder: str) -> dict[str, int]:
    """Every object below the prefix `folder` -> its size in bytes, in sorted order (one LIST per
    1,000 objects, no request per object)."""
    filesystem, inner = resolve(folder)
    selector = pafs.FileSelector(inner, recursive=True, allow_not_found=True)
    found = {entry.path: entry.size for entry in filesystem.get_file_info(selector)
             if entry.type == pafs.FileType.File}
    return {uri(scheme(folder), path): found[path] for path in sorted(found)}


def put(data: bytes, path: str) -> None:
    """Store `data` as the object `path` in one write: the stream only makes the object visible when
    it closes after every byte was handed over (a single PUT, or for a large object the
    CompleteMultipartUpload that ends its parts), so no reader ever sees part of it."""
    filesystem, inner = resolve(path)
    stream = filesystem.open_output_stream(inner)
    stream.write(data)
    stream.close()


def read_bytes(path: str) -> bytes | None:
    """The object's bytes, or None when there is no such object."""
    filesystem, inner = resolve(path)
    try:
        with filesystem.open_input_stream(inner) as stream:
            return stream.read()
    except FileNotFoundError:
        return None


def delete(path: str) -> None:
    """Remove the object `path` and everything below the prefix `path/`; nothing there is fine."""
    filesystem, inner = resolve(path)
    kind = filesystem.get_file_info(inner).type
    if kind == pafs.FileType.Directory:
        filesystem.delete_dir(inner)
    elif kind == pafs.FileType.File:
        filesystem.delete_file(inner)
