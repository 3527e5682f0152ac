"""The first stage of the score and match pipelines: resumes read per (file, row group), validated,
with duplicate resume_ids found across all input files.

Rows are read per (file, row group) rather than by `ray.data.read_parquet`, for two reasons: each
row knows its position in its file, so "keep the first occurrence of a resume_id" means the first
row, exactly; and a row group that fails to decode is quarantined with its path and row range
instead of failing the whole dataset. Only `resume_id` and `text` are read. Footers are checked
first (intake.check_files), so an unreadable file is reported by path before anything runs.

Duplicate resume_ids across blocks and files: before the work starts, a map/reduce over the id
column only (tiny next to the text): one task per file splits its ids into hash buckets, one task per
bucket finds every occurrence after the first in (file order, row) order. The driver never holds the
ids, and the read tasks fetch the (small) list of duplicates themselves, so the pipeline starts
without waiting for it. A Ray Data groupby would shuffle the same ids but loses the row order that
says which occurrence came first; a set of seen ids on the driver would grow with the resumes.
"""
from __future__ import annotations

import math
from collections import defaultdict

import pyarrow as pa
import ray

from recruit_core.config import PrivacyConfig
from recruit_core.data.intake import id_buckets, later_occurrences, read_ids, read_row_group
from recruit_core.privacy.redact import redact_resumes

# Resume ids per duplicate-detection bucket: ~2M ids (~100 MB as Arrow + pandas) fits any worker.
IDS_PER_BUCKET = 2_000_000


# ---- duplicate resume_ids: hash-partitioned map/reduce over the id column only ----------------

@ray.remote
def _bucket_ids(path: str, file_index: int, n_buckets: int):
    buckets = id_buckets(read_ids(path), file_index, n_buckets)
    return buckets[0] if n_buckets == 1 else tuple(buckets)


@ray.remote
def _later_in_bucket(paths: list[str], *buckets: pa.Table) -> pa.Table:
    return later_occurrences(pa.concat_tables(buckets), paths)


def search_duplicates(paths: list[str], total_rows: int, cpus: float) -> list:
    """Start the search for every resume_id occurrence after the first, over ALL `paths` in order
    (finished files too, so a resumed run keeps the same first occurrences); `collect_duplicates`
    gathers the result. Only duplicates reach the driver; the ids stay in the object store."""
    n_buckets = max(1, math.ceil(total_rows / IDS_PER_BUCKET))
    maps = [_bucket_ids.options(num_cpus=cpus, num_returns=n_buckets).remote(p, i, n_buckets)
            for i, p in enumerate(paths)]
    maps = [[m] if n_buckets == 1 else m for m in maps]
    return [_later_in_bucket.options(num_cpus=cpus).remote(paths, *[m[b] for m in maps])
            for b in range(n_buckets)]


_DUPLICATES: dict[tuple, dict[int, dict[int, str]]] = {}  # per worker process, per search


def duplicate_rows(search: list, file_index: int) -> dict[int, str]:
    """{row: detail} of one file from `search_duplicates`; waits for the search on first use, so
    the pipeline starts without waiting for it, and fetches it once per worker process."""
    key = tuple(ref.hex() for ref in search)
    if key not in _DUPLICATES:
        found: dict[int, dict[int, str]] = defaultdict(dict)
        for table in ray.get(search):
            for row in table.to_pylist():
                found[row["file_index"]][row["position"]] = row["detail"]
        _DUPLICATES.clear()  # one search per run: drop the previous run's
        _DUPLICATES[key] = dict(found)
    return _DUPLICATES[key].get(file_index, {})


# ---- the reading stage -----------------------------------------------------------------------

def read_resumes(units: pa.Table, *, max_text_chars: int, chunk_rows: int, search: list,
                 privacy: PrivacyConfig):
    """Read and validate each unit's rows in chunks; yields VALIDATED_SCHEMA tables with the text
    redacted (privacy.redact) and a `pii_redacted` count column: no model sees the raw text."""
    for unit in units.to_pylist():
        for chunk in read_row_group(unit["path"], unit["row_group"], unit["first_row"], unit["rows"],
                                    chunk_rows, max_text_chars,
                                    duplicate_rows(search, unit["file_index"])):
            yield redact_resumes(chunk, privacy)


def resume_reader(units: list[dict], search: list, max_text_chars: int, chunk_rows: int,
                  tasks: dict, privacy: PrivacyConfig) -> ray.data.Dataset:
    """The first stage of the score and match pipelines: one block per work unit (file, row
    group), read and validated in chunks of `chunk_rows` (VALIDATED_SCHEMA)."""
    ds = ray.data.from_items(units, override_num_blocks=max(1, len(units)))
    return ds.map_batches(read_resumes, batch_size=1, **tasks,
                          fn_kwargs={"max_text_chars": max_text_chars, "chunk_rows": chunk_rows,
                                     "search": search, "privacy": privacy})
