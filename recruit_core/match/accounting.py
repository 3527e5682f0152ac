"""Rows in = resumes matched + resumes quarantined: the match job's quarantine, counts and provenance.

Pure pyarrow, no Ray. The match pipeline (`match/pipeline_ray.py`) passes invalid rows on, keyed like
the valid ones (`resume_key` = file index << 32 | row); the staging stage turns them into quarantine
records in the scoring job's schema (`QUARANTINE_RECORD`: data/validate.QUARANTINE_SCHEMA plus
input_row); each committed input file's counts go into the manifest, the driver adds those up
(`MatchCounts`) and the job refuses to finish when they do not add up to the rows its input files
hold. `python -m pytest -q tests/test_match_quarantine.py` runs the tests.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pyarrow as pa

from recruit_core.config import (
    DataConfig,
    DedupConfig,
    InputsConfig,
    MatchConfig,
    ModelConfig,
    PrivacyConfig,
    config_hash,
)
from recruit_core.data.validate import QUARANTINE_SCHEMA

POSITION_BITS = 32  # resume_key = file index << 32 | row: 4 billion rows per file is plenty
QUARANTINE_RECORD = QUARANTINE_SCHEMA.append(pa.field("input_row", pa.int64()))
# Settings that change how a match run goes, not what it writes: left out of config_hash. The
# bits do not depend on them (tests/test_score_ray.py: the same bits however the work is spread).
OPERATIONAL_FIELDS = frozenset({
    "output_dir", "batch_size", "pool_size", "num_gpus", "cpus_per_actor", "torch_threads",
    "cpus_per_task", "rerank_batch_size", "target_max_block_mb", "actor_memory_mb", "block_rows",
    "windows_per_forward", "overwrite", "previous_run"})


def match_config_hash(match: MatchConfig, inputs: InputsConfig, model: ModelConfig,
                      data: DataConfig, dedup: DedupConfig | None = None,
                      privacy: PrivacyConfig | None = None) -> str:
    """Hash of the match, input and model settings (and the skill taxonomy the evidence uses, and
    the redaction that decides what text the model reads) that decide the outputs: the
    `config_hash` of every output row and of summary.json."""
    settings = {k: v for k, v in asdict(match).items() if k not in OPERATIONAL_FIELDS}
    model_settings = {k: v for k, v in asdict(model).items() if k not in OPERATIONAL_FIELDS}
    return config_hash({"match": settings, "inputs": asdict(inputs), "model": model_settings,
                        "taxonomy": {"taxonomy": data.taxonomy, "onet_dir": data.onet_dir},
                        "dedup": asdict(dedup or DedupConfig()),
                        "privacy": asdict(privacy or PrivacyConfig())})


def resume_keys(input_files: list[str], positions: np.ndarray, paths: list[str]) -> np.ndarray:
    index = {p: i for i, p in enumerate(paths)}
    files = np.array([index[p] for p in input_files], dtype=np.int64)
    return (files << POSITION_BITS) | positions.astype(np.int64)


def quarantine_records(rows: pa.Table, paths: list[str]) -> pa.Table:
    """QUARANTINE_RECORD rows from (resume_key, resume_id, reason, detail) rows."""
    keys = rows.column("resume_key").to_numpy()
    files = keys >> POSITION_BITS
    return pa.table({"resume_id": rows.column("resume_id").cast(pa.string()),
                     "input_file": pa.array([paths[int(f)] for f in files], pa.string()),
                     "reason": rows.column("reason").cast(pa.string()),
                     "detail": rows.column("detail").cast(pa.string()),
                     "input_row": pa.array(keys & ((1 << POSITION_BITS) - 1), pa.int64())},
                    schema=QUARANTINE_RECORD)


@dataclass
class MatchCounts:
    """Resumes matched and quarantined, summed over the blocks the driver streams."""

    matched: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add_reason(self, reason: str, rows: int, records: int | None = None) -> None:
        """`rows` quarantined input rows; `records` quarantine records (more than `rows` for an
        unreadable file, whose rows are unknown: one record, no rows)."""
        self.quarantined += rows
        self.reasons[reason] = self.reasons.get(reason, 0) + (rows if records is None else records)


def invariant(rows_in: int, counts: MatchCounts) -> dict:
    """The summary's counts; raises when rows in != matched + quarantined."""
    summary = {"rows_in": rows_in, "rows_matched": counts.matched,
               "rows_quarantined": counts.quarantined, "reasons": dict(sorted(counts.reasons.items())),
               "invariant_ok": rows_in == counts.matched + counts.quarantined}
    print(f"rows in {rows_in} = rows matched {counts.matched} + rows quarantined "
          f"{counts.quarantined}: {'ok' if summary['invariant_ok'] else 'VIOLATED'}")
    return summary


def require_invariant(summary: dict, summary_path) -> None:
    """Stop the job when its summary's counts do not add up."""
    if not summary["invariant_ok"]:
        raise RuntimeError(
            f"rows in ({summary['rows_in']}) != rows matched ({summary['rows_matched']}) + rows "
            f"quarantined ({summary['rows_quarantined']}): resumes were lost on the way; see "
            f"{summary_path} and rerun the match job")
