"""Ray glue for the match job's per-file commits: stage a block's parts, commit finished files,
merge the committed top-N lists into the shortlists.

    actor rows -> stage_match_parts (CPU task): per input file, recommendations with evidence,
    embeddings, per-job top-N candidates and quarantine records as parts under _staging/<key>/
    -> driver (MatchCommits): a file whose rows are all in is committed (outputs.commit_file, in a
       task) and only then recorded in the manifest (score/manifest.py), so a rerun after a crash
       skips it -> shortlist_candidates: every file's committed top-N merged into jobs x N

Run it with `python ray_jobs/match.py`; the driver is `recruit_core/match/job_ray.py`.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray
import torch

from recruit_core import storage
from recruit_core.data.intake import FileCheck
from recruit_core.io import files_in
from recruit_core.match.accounting import POSITION_BITS, quarantine_records
from recruit_core.match.outputs import (
    EMBEDDING_ROWS,
    PARTIAL_ROWS,
    RECOMMENDATION_ROWS,
    commit_file,
    fit_probability,
    stage_part,
    with_provenance,
)
from recruit_core.match.pipeline_ray import QUARANTINE, RESUME, REUSED, evidence, job_rows
from recruit_core.match.topk import JobShortlists
from recruit_core.score.manifest import Manifest, output_key

STATS = pa.schema([("input_file", pa.string()), ("part", pa.string()), ("rows", pa.int64()),
                   ("reused", pa.int64())])
ROW_MASK = (1 << POSITION_BITS) - 1


def stage_match_parts(batch: pa.Table, *, output_dir: str, input_root: str, jobs_ref: list,
                      provenance: dict, paths: list[str], calibration: dict | None = None) -> pa.Table:
    """Stage the block's rows per input file and kind; return one STATS row per file for the
    driver, counting the file's resumes and quarantined rows in the block."""
    files = batch.column("resume_key").to_numpy() >> POSITION_BITS
    jobs = job_rows(jobs_ref)
    stats = []
    for file_index in np.unique(files):
        rows = batch.filter(pa.array(files == file_index))
        path = paths[int(file_index)]
        resumes = rows.filter(pc.equal(rows.column("kind"), RESUME))
        rejected = rows.filter(pc.equal(rows.column("kind"), QUARANTINE))
        input_rows = (rows.column("resume_key").to_numpy() & ROW_MASK).tolist()
        # a retried task writes the same names; distinct blocks never share one
        name = f"{min(input_rows):012d}-{_digest(sorted(input_rows))}"
        tables = {"recommendations": _recommendations(resumes, jobs, calibration), "embeddings": _embeddings(resumes),
                  "partials": _partials(resumes, jobs), "quarantine": quarantine_records(rejected, paths)}
        for kind, table in tables.items():
            if table.num_rows:
                stage_part(with_provenance(table, provenance) if kind != "quarantine" else table,
                           kind, output_dir, input_root, path, name)
        reused = pc.sum(pc.fill_null(pc.equal(resumes.column("reason"), REUSED), False)
                        .cast(pa.int64())).as_py() or 0
        stats.append({"input_file": path, "part": name, "rows": rows.num_rows, "reused": reused})
    return pa.Table.from_pylist(stats, schema=STATS)


def _digest(values: list) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:12]


def _input_rows(rows: pa.Table) -> pa.Array:
    return pc.bit_wise_and(rows.column("resume_key"), ROW_MASK)


def _recommendations(resumes: pa.Table, jobs: list[dict], calibration: dict | None) -> pa.Table:
    """Top-k rows with each pair's fit probability and skill evidence (outputs.RECOMMENDATION_ROWS)."""
    rows = []
    for r, input_row in zip(resumes.to_pylist(), _input_rows(resumes).to_pylist()):
        probabilities = fit_probability(r["top_scores"], calibration)
        for rank, (job_index, score, probability) in enumerate(
                zip(r["top_jobs"], r["top_scores"], probabilities), start=1):
            job = jobs[job_index]
            rows.append({"resume_id": r["resume_id"], "rank": rank, "job_id": job["job_id"],
                         "score": score, "fit_probability": probability,
                         **evidence(job, set(r["skills"] or ()), r["seniority"]),
                         "input_row": input_row})
    return pa.Table.from_pylist(rows, schema=RECOMMENDATION_ROWS)


def _embeddings(resumes: pa.Table) -> pa.Table:
    return pa.table({"resume_id": resumes.column("resume_id"), "input_row": _input_rows(resumes),
                     "content_hash": resumes.column("content_hash"),
                     "embedding": resumes.column("embedding"), "skills": resumes.column("skills"),
                     "seniority": resumes.column("seniority")}, schema=EMBEDDING_ROWS)


def _partials(resumes: pa.Table, jobs: list[dict]) -> pa.Table:
    """The (job, resume, score) entries each resume won in its file's running top-N."""
    rows = [{"job_id": jobs[job]["job_id"], "resume_id": resume_id, "input_row": input_row,
             "bi_score": score}
            for resume_id, input_row, admitted_jobs, scores in zip(
                resumes.column("resume_id").to_pylist(), _input_rows(resumes).to_pylist(),
                resumes.column("admitted_jobs").to_pylist(),
                resumes.column("admitted_scores").to_pylist())
            for job, score in zip(admitted_jobs, scores)]
    return pa.Table.from_pylist(rows, schema=PARTIAL_ROWS)


@ray.remote
def _commit(output_dir: str, input_root: str, input_file: str, top_n: int) -> dict:
    return commit_file(output_dir, input_root, input_file, top_n)


class MatchCommits:
    """Counts staged rows per input file; commits a file (in a task) once all its rows are in and
    records it in the manifest once its outputs are in place."""

    def __init__(self, checks: list[FileCheck], manifest: Manifest, input_root: str, top_n: int,
                 cpus: float):
        self.expected = {c.path: c.rows for c in checks}
        self.parts: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)  # part -> rows, reused
        self.manifest, self.input_root, self.top_n, self.cpus = manifest, input_root, top_n, cpus
        self.in_flight: dict = {}  # commit task ref -> input path
        self.committing: set[str] = set()

    def add(self, stats: pa.Table) -> None:
        for row in stats.to_pylist():
            path = row["input_file"]
            # keyed by its rows: a part reported twice (a retried task) is counted once
            self.parts[path][row["part"]] = (row["rows"], row["reused"])
            if sum(rows for rows, _ in self.parts[path].values()) == self.expected[path]:
                self.commit(path)
        self.record(wait=False)

    def commit(self, path: str) -> None:
        if path not in self.committing:
            self.committing.add(path)
            task = _commit.options(num_cpus=self.cpus).remote(self.manifest.output_dir,
                                                               self.input_root, path, self.top_n)
            self.in_flight[task] = path

    def record(self, wait: bool) -> None:
        """Append finished commits to the manifest; with `wait`, all of them."""
        if not self.in_flight:
            return
        refs = list(self.in_flight)
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=None if wait else 0)
        paths = [self.in_flight.pop(ref) for ref in ready]
        self.manifest.record_many([
            (path, {"rows_in": self.expected[path], **counts,
                    "reused": sum(reused for _, reused in self.parts[path].values())})
            for path, counts in zip(paths, ray.get(ready))])


def shortlist_candidates(output_dir: str, input_root: str, paths: list[str], job_ids: list[str],
                         n: int) -> JobShortlists:
    """The jobs x N shortlists merged from every input file's committed top-N (`partials/`), keyed
    by this run's resume_key (file index << 32 | row), so ties go to the smaller key as in one pass."""
    shortlists = JobShortlists(len(job_ids), n)
    job_index = {job: i for i, job in enumerate(job_ids)}
    committed = {str(p) for p in files_in(storage.join(output_dir, "partials"))}  # one listing
    for file_index, path in enumerate(paths):
        partial = storage.join(output_dir, "partials", f"{output_key(input_root, path)}.parquet")
        if partial not in committed:  # no valid resume in that file
            continue
        table = pq.read_table(partial, columns=["job_id", "input_row", "bi_score"])
        jobs = torch.tensor([job_index[j] for j in table.column("job_id").to_pylist()], dtype=torch.int64)
        keys = (file_index << POSITION_BITS) | table.column("input_row").to_numpy()
        shortlists.add_entries(jobs, torch.from_numpy(keys.astype(np.int64)),
                               torch.from_numpy(table.column("bi_score").to_numpy().copy()))
    return shortlists
