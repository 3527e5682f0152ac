"""The ingest job: resume files (PDF, DOCX, .txt, .md) in, the scoring job's Parquet out, on Ray Data.

    python ray_jobs/ingest.py ingest.input=<folder, glob or list file> ingest.output_dir=<out>
    recruit ingest ingest.input=../shared/data/livecareer/pdf ingest.labels_from_path=true

    list -> work units (paths, sizes) -> parse tasks (ingest.cpus_per_task CPUs each): extract,
    check, stage the unit -> the driver commits units in listing order -> summary.json

Outputs and their columns: recruit_core/ingest/outputs.py; which files are read:
recruit_core/ingest/sources.py; every quarantine reason: recruit_core/ingest/extract.py. A file that
cannot be used never stops the job: it gets a quarantine row. files_in = ingested + quarantined is
checked at the end, and the job fails if it does not hold.

Both ends may be in an object store (`ingest.input=s3://bucket/cvs/`, `ingest.output_dir=s3://bucket/
ingested`; recruit_core/storage.py): objects are listed and read by the parse tasks, outputs are
uploaded whole, and the manifest is kept there, so a rerun resumes on the store.

Resumable like scoring: a file is finished when its unit's outputs are renamed into place and it has
a line in manifest.jsonl; a rerun skips finished files. Outputs made with other extractor versions
or settings are not mixed in: such a rerun fails unless ingest.overwrite=true. The driver sees one
small row per file (path, sha256, reason), never the texts, except to rewrite a unit that holds a
duplicate.
"""
from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from dataclasses import asdict

import ray

from recruit_core import storage
from recruit_core.config import IngestConfig, RecruitConfig, config_hash
from recruit_core.ingest.extract import Limits, extractor_versions
from recruit_core.ingest.outputs import RESUMES_DIR, IngestManifest, commit_unit, parse_units
from recruit_core.ingest.sources import SourceListing, list_sources, work_units
from recruit_core.io import write_json_atomic
from recruit_core.ray_env import connect
from recruit_core.score.manifest import SUMMARY_FILE, ProvenanceMismatchError, clear_outputs

log = logging.getLogger(__name__)
# the settings that change what a file's rows are; unit sizes and CPUs do not
OUTPUT_SETTINGS = ("max_file_mb", "min_word_share", "layout", "labels_from_path")


def limits(ingest: IngestConfig) -> Limits:
    return Limits(int(ingest.max_file_mb * 2**20), ingest.min_word_share, ingest.layout)


def provenance(ingest: IngestConfig) -> dict:
    settings = {name: getattr(ingest, name) for name in OUTPUT_SETTINGS}
    return {"extractors": extractor_versions(), "settings_hash": config_hash(settings)}


def open_manifest(ingest: IngestConfig) -> IngestManifest:
    output = ingest.output_dir
    if ingest.overwrite:
        clear_outputs(output)  # the folders and files scoring and ingest both write
        resumes = storage.join(output, RESUMES_DIR)
        storage.delete(resumes) if storage.is_remote(resumes) else shutil.rmtree(resumes, ignore_errors=True)
    try:
        return IngestManifest.open(output, provenance(ingest))
    except ProvenanceMismatchError as error:
        raise ProvenanceMismatchError(
            f"{output}: holds resumes ingested with other extractors or settings ({error}); ingest "
            "into a new ingest.output_dir, or set ingest.overwrite=true to start over") from error


def run(cfg: RecruitConfig) -> dict:
    ingest = cfg.ingest
    started = time.perf_counter()
    listing = list_sources(ingest.input)  # a wrong path fails here, before Ray starts
    manifest = open_manifest(ingest)
    clear_outputs(ingest.output_dir, staging_only=True)
    paths = [f.path for f in listing.files]
    todo = [(i, f) for i, f in enumerate(listing.files) if not manifest.is_finished(f.path)]
    if todo:
        connect(cfg.cluster)
        _parse_and_commit(todo, ingest, manifest)
        clear_outputs(ingest.output_dir, staging_only=True)
    summary = _summary(listing, paths, manifest, len(todo), ingest)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    write_json_atomic(summary, storage.join(ingest.output_dir, SUMMARY_FILE))
    print(f"files in {summary['files_in']} = ingested {summary['ingested']} + quarantined "
          f"{summary['quarantined']}: {'ok' if summary['invariant_ok'] else 'VIOLATED'}")
    if not summary["invariant_ok"]:
        raise RuntimeError(f"files in ({summary['files_in']}) != ingested + quarantined; see "
                           f"{manifest.path}")
    return summary


def _parse_and_commit(todo: list, ingest: IngestConfig, manifest: IngestManifest) -> None:
    """Parse the units in Ray tasks; commit each on the driver once it and all before it are in."""
    units = work_units([f for _, f in todo], ingest.files_per_unit, ingest.unit_mb * 2**20,
                       [i for i, _ in todo])
    ds = ray.data.from_items([{"key": u.key, "paths": u.paths} for u in units],
                             override_num_blocks=len(units))
    ds = ds.map_batches(parse_units, batch_size=1, batch_format="pyarrow", num_cpus=ingest.cpus_per_task,
                        fn_kwargs={"output_dir": ingest.output_dir, "limits": limits(ingest),
                                   "labels_from_path": ingest.labels_from_path})
    first_path = _first_paths(manifest, {f.path for _, f in todo})
    expected = {u.key: len(u.paths) for u in units}
    arrived: dict[str, list[dict]] = {}
    next_unit = 0
    for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        for row in batch.to_pylist():
            arrived.setdefault(row["unit"], {})[row["position"]] = row  # a retried task: once
        while next_unit < len(units) and len(arrived.get(units[next_unit].key, ())) == \
                expected[units[next_unit].key]:
            key = units[next_unit].key
            rows = arrived.pop(key)
            outcomes = [rows[i] for i in range(expected[key])]
            commit_unit(ingest.output_dir, key, outcomes, first_path, manifest)
            next_unit += 1
    if next_unit != len(units):
        raise RuntimeError(f"{len(units) - next_unit} work units never reported back; rerun to "
                           "resume (finished files are skipped)")


def _first_paths(manifest: IngestManifest, redone: set[str]) -> dict[str, str]:
    """sha256 -> path of every file ingested by earlier runs (in the order they were recorded),
    leaving out files about to be read again."""
    first: dict[str, str] = {}
    for path, entry in manifest.files.items():
        if entry.get("ingested") and path not in redone:
            first.setdefault(entry["file_sha256"], path)
    return first


def _summary(listing: SourceListing, paths: list[str], manifest: IngestManifest, parsed_now: int,
             ingest: IngestConfig) -> dict:
    entries = [manifest.files[p] for p in paths if p in manifest.files]
    reasons = Counter(e["reason"] for e in entries if e.get("quarantined"))
    ingested = sum(int(e.get("ingested", 0)) for e in entries)
    quarantined = sum(int(e.get("quarantined", 0)) for e in entries)
    output = ingest.output_dir
    return {"input": ingest.input, "input_kind": listing.kind,
            "resumes": storage.join(output, RESUMES_DIR), "quarantine": storage.join(output, "quarantine"),
            "manifest": str(manifest.path),
            "files_in": len(paths), "ingested": ingested, "quarantined": quarantined,
            "reasons": dict(sorted(reasons.items())), "files_parsed_now": parsed_now,
            "files_skipped_finished": len(paths) - parsed_now, "skipped_files": listing.skipped,
            "settings": asdict(ingest), **manifest.provenance,
            "invariant_ok": len(paths) == ingested + quarantined}
