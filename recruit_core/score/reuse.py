"""Incremental rescoring: reuse an earlier run's rows for resumes whose text did not change.

    python ray_jobs/score.py score.previous_run=<earlier score.output_dir> ...

Every scored row carries `content_hash`, 16 hex digits of the sha256 of the text the model read
(validated, normalised and redacted). With `score.previous_run`, a stage between reading and the
model looks each valid row up by (resume_id, content_hash) in the earlier run's scores of the same
input file (`scores/<key>.parquet`; the key is the input file, so one file is read per input file,
never the whole earlier run). A hit is written to staging as it was scored before and goes on to
the model as a marker row without text (reason `reused`), which the model actor passes through and
the staging stage counts. So a nightly rerun with 1% of resumes edited runs the model on 1%.

Reuse is allowed only when the earlier run's provenance (model fingerprint, result config hash,
hash of the open requisitions) equals this run's; otherwise everything is rescored and the
summary says which of them changed. Reused rows keep the earlier `run_id` (the run that computed
them) and take this run's `input_row` and `pii_redacted` (the same redacted text can come from
differently redacted originals); every other value is the earlier bits, which equal a rescore's
because the forward pass does not depend on batch composition (recruit_core/model/forward.py).
"""
from __future__ import annotations

import hashlib
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recruit_core import storage
from recruit_core.data.validate import TEXT_COLUMN
from recruit_core.io import exists, files_in, read_text, write_parquet_atomic
from recruit_core.privacy.redact import REDACTED_COLUMN
from recruit_core.score.manifest import MANIFEST_FILE, output_key, staging_folder

HASH_COLUMN = "content_hash"
REUSED = "reused"  # the `reason` of a marker row: scored before, already staged
PROVENANCE_KEYS = ("model", "config_hash", "jobs_hash")
_PREVIOUS: dict[str, dict] = {}  # per worker: the last earlier output file read, by path


def content_hashes(texts: list[str | None]) -> pa.Array:
    """sha256 of each text, 16 hex digits. Reuse also needs the same resume_id, so an edit goes
    unnoticed only if the edited text's 64-bit hash equals the old one's: odds 2**-64 per edit."""
    return pa.array([None if t is None else hashlib.sha256(t.encode()).hexdigest()[:16]
                     for t in texts], pa.string())


def jobs_hash(jobs) -> str:
    """Hash of the open requisitions as the model sees them (job_id and title + description):
    a reposted or edited requisition changes every resume's fit, so it blocks reuse."""
    from recruit_core.text.requisition import requisition_texts
    digest = hashlib.sha256()
    if jobs is not None:
        for job_id, text in zip(jobs.column("job_id").to_pylist(), requisition_texts(jobs)):
            digest.update(f"{job_id}\0{text}\0".encode())
    return digest.hexdigest()[:12]


def reuse_decision(previous_run: str, provenance: dict) -> tuple[str, str]:
    """(the earlier run's folder to reuse from, or "", and why): reuse only with equal provenance."""
    return reuse_from(previous_run, provenance, PROVENANCE_KEYS, "score",
                      "every resume scored", "everything rescored", "unchanged resumes reused from ")


def reuse_from(previous_run: str, provenance: dict, keys, job: str, without: str, redo: str,
               reuse: str) -> tuple[str, str]:
    """What `job`.previous_run allows: ("", why) when it is unset or its manifest's provenance
    differs from `provenance` in one of `keys`, else (previous_run, why)."""
    if not previous_run:
        return "", f"no {job}.previous_run: {without}"
    manifest = storage.join(previous_run, MANIFEST_FILE)
    if not exists(manifest):
        raise FileNotFoundError(f"{job}.previous_run={previous_run}: no {MANIFEST_FILE} there; "
                                f"give the {job}.output_dir of a finished {job} run")
    if storage.is_remote(manifest):  # in an object store it holds the provenance line only
        first_line = read_text(manifest)
    else:
        with open(manifest, encoding="utf-8") as handle:
            first_line = handle.readline()
    earlier = json.loads(first_line).get("provenance", {})
    changed = [f"{k} changed ({earlier.get(k)} -> {provenance.get(k)})"
               for k in keys if earlier.get(k) != provenance.get(k)]
    if changed:
        return "", f"{redo}: " + "; ".join(changed)
    return previous_run, reuse + previous_run


def earlier_rows(previous_dir: str, kind: str, input_root: str, input_file: str) -> dict:
    """The earlier run's `kind` rows (scores/, or the match job's embeddings/) of one input file
    and their index by (resume_id, content_hash), the last file read kept per worker."""
    path = f"{previous_dir}/{kind}/{output_key(input_root, input_file)}.parquet"
    if path not in _PREVIOUS:
        _PREVIOUS.clear()  # input files stream roughly in order: keep one, bound the memory
        table = pq.read_table(path) if exists(path) else None
        index = {}
        if table is not None and HASH_COLUMN in table.column_names:
            keys = zip(table.column("resume_id").to_pylist(), table.column(HASH_COLUMN).to_pylist())
            index = {key: row for row, key in enumerate(keys)}
        _PREVIOUS[path] = {"table": table, "index": index}
    return _PREVIOUS[path]


def mark_reused(batch: pa.Table, *, previous_dir: str, output_dir: str, input_root: str) -> pa.Table:
    """Add `content_hash`; with `previous_dir`, stage the earlier rows of unchanged resumes and
    turn them into text-free marker rows (reason `reused`) for the model to pass by."""
    batch = batch.append_column(HASH_COLUMN, content_hashes(batch.column(TEXT_COLUMN).to_pylist()))
    if not previous_dir or not batch.num_rows:
        return batch
    rows = batch.to_pydict()
    hit = [False] * batch.num_rows
    for path in set(rows["input_file"]):
        earlier = earlier_rows(previous_dir, "scores", input_root, path)
        found = [(i, earlier["index"].get((rows["resume_id"][i], rows[HASH_COLUMN][i])))
                 for i in range(batch.num_rows)
                 if rows["input_file"][i] == path and rows["reason"][i] is None]
        found = [(i, row) for i, row in found if row is not None]
        if found:
            _stage_reused(earlier["table"], found, batch, output_dir, input_root, path)
            for i, _ in found:
                hit[i] = True
    if not any(hit):
        return batch
    mask = pa.array(hit)
    return batch.set_column(batch.schema.get_field_index("reason"), "reason",
                            pc.if_else(mask, REUSED, batch.column("reason"))
                            ).set_column(batch.schema.get_field_index(TEXT_COLUMN), TEXT_COLUMN,
                                         pc.if_else(mask, pa.scalar(None, pa.string()),
                                                    batch.column(TEXT_COLUMN)))


def _stage_reused(earlier: pa.Table, found: list[tuple[int, int]], batch: pa.Table,
                  output_dir: str, input_root: str, input_file: str) -> None:
    """Write the earlier rows of `found` (batch row, earlier row) as a staged part of this run,
    named by its first input row so a retried task overwrites its own part."""
    new_rows = [i for i, _ in found]
    reused = earlier.take([row for _, row in found])
    positions = batch.column("position").take(new_rows).cast(pa.int64())
    reused = reused.set_column(reused.schema.get_field_index("input_row"), "input_row", positions)
    if REDACTED_COLUMN in reused.column_names and REDACTED_COLUMN in batch.column_names:
        redacted = batch.column(REDACTED_COLUMN).take(new_rows)
        field = reused.schema.field(REDACTED_COLUMN)
        reused = reused.set_column(reused.schema.get_field_index(REDACTED_COLUMN), field,
                                   redacted.cast(field.type))
    first = pc.min(positions).as_py()
    staged = staging_folder(output_dir, input_root, input_file)
    write_parquet_atomic(reused, f"{staged}/scores-reused-{first:012d}.parquet")


def removed_resumes(previous_dir: str, output_dir: str) -> int:
    """Resumes scored in the earlier run that this run's scores no longer hold."""
    def ids(folder: str) -> set:
        files = files_in(storage.join(folder, "scores"))
        return {i for f in files for i in pq.read_table(f, columns=["resume_id"])
                .column("resume_id").to_pylist()}
    return len(ids(previous_dir) - ids(output_dir))
