"""Incremental matching: reuse an earlier match run's work for resumes whose text did not change.

    python ray_jobs/match.py match.previous_run=<earlier match.output_dir> ...

Every matched resume leaves a row in `embeddings/<key>.parquet`: its content_hash (of the text the
model read: validated, normalised, redacted; score/reuse.py `content_hashes`), its bi-encoder
embedding, skill ids and seniority. With `match.previous_run`, the prepare stage looks each valid
resume up by (resume_id, content_hash) in the earlier run's file of the same input file; a hit
skips tokenizing, skill extraction and the bi-encoder, and goes on with the earlier embedding.
Everything after the embedding (top-k jobs, per-file top-N, evidence, shortlists) is recomputed
from embeddings, which is cheap next to the encoder and exact: the forward pass does not depend on
batch composition (model/forward.py), so a reused embedding is the bits a new one would be. That
is what keeps new and changed requisitions, deleted resumes and a new better candidate on an
unchanged job's shortlist right without bookkeeping.

Reuse is allowed only when the earlier run's provenance (bi-encoder and cross-encoder
fingerprints, config hash) equals this run's; otherwise every resume is embedded again and the
summary says which of them changed.
"""
from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.io import exists, files_in, read_text
from recruit_core.score.reuse import earlier_rows, reuse_from

REUSE_KEYS = ("biencoder", "rerank_model", "config_hash")  # requisitions may change: see above
JOB_HASHES_FILE = "requisitions.json"


def reuse_decision(previous_run: str, provenance: dict) -> tuple[str, str]:
    """(the earlier run's folder to reuse from, or "", and why)."""
    return reuse_from(previous_run, provenance, REUSE_KEYS, "match", "every resume embedded",
                      "everything recomputed", "embeddings of unchanged resumes reused from ")


def previous_embeddings(previous_dir: str, input_root: str, input_file: str) -> dict:
    """The earlier run's embedding rows of one input file, indexed by (resume_id, content_hash)."""
    return earlier_rows(previous_dir, "embeddings", input_root, input_file)


def job_hashes(jobs: pa.Table) -> dict[str, str]:
    """Per requisition, a hash of everything matching reads of it (text, skills, seniority)."""
    return {row["job_id"]: hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode())
            .hexdigest()[:16] for row in jobs.to_pylist()}


def job_changes(previous_dir: str, current: dict[str, str]) -> dict:
    """Requisitions unchanged since the earlier run, and new or changed ones."""
    path = storage.join(previous_dir, JOB_HASHES_FILE) if previous_dir else None
    earlier = json.loads(read_text(path)) if path and exists(path) else {}
    unchanged = sum(1 for job, digest in current.items() if earlier.get(job) == digest)
    return {"jobs_unchanged": unchanged, "jobs_new_or_changed": len(current) - unchanged,
            "jobs_removed": len(set(earlier) - set(current))}


def removed_resumes(previous_dir: str, output_dir: str) -> int:
    """Resumes matched in the earlier run that this run's outputs no longer hold."""
    def ids(folder: str) -> set:
        return {i for f in files_in(storage.join(folder, "embeddings"))
                for i in pq.read_table(f, columns=["resume_id"]).column("resume_id").to_pylist()}
    return len(ids(previous_dir) - ids(output_dir))
