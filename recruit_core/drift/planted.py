"""A second pool with a planted shift, made from a generated one, for the drift report to find.

    python bench/drift_demo.py            # generate, plant, score both pools, `recruit drift` them

The pool's own Parquet files are transformed; the generator is not touched. Two shifts are planted:
one job family's share halved (every second resume of that family, in resume-id order, is left out:
an order the scores know nothing about) and a batch of empty resumes added (the score job
quarantines them as empty_text). Every other resume stays as it was, byte for byte, so anything else
the drift report flags is a false alarm.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recruit_core.data.pool import PoolPaths
from recruit_core.io import write_parquet_atomic

EMPTY_ID_PREFIX = "EMPTY-"  # ids of the planted empty resumes; the generator's ids start with R


@dataclass(frozen=True)
class PlantedShift:
    family: str  # the job family whose share is halved
    dropped: int  # its resumes left out
    empty: int  # empty resumes added
    resumes: int  # rows of the shifted pool's resumes table


def _read(folder: Path) -> pa.Table:
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder}: no Parquet files; generate a pool first "
                                "(`recruit generate data.dir=...`)")
    return pa.concat_tables([pq.read_table(f) for f in files])


def plant_shift(pool: Path, shifted: Path, family: str, empty: int) -> PlantedShift:
    """Write `shifted`/{resumes,truth,jobs} from `pool` with `family` halved and `empty` empty resumes."""
    source, target = PoolPaths(Path(pool)), PoolPaths(Path(shifted))
    resumes, truth = _read(source.resumes), _read(source.truth)
    families = set(truth.column("family").to_pylist())
    if family not in families:
        raise ValueError(f"family {family!r} is not in {source.truth}; pick one of {sorted(families)}")
    in_family = sorted(truth.filter(pc.equal(truth.column("family"), family))
                       .column("resume_id").to_pylist())
    dropped = set(in_family[1::2])
    keep = pc.invert(pc.is_in(resumes.column("resume_id"), pa.array(sorted(dropped), pa.string())))
    kept = resumes.filter(keep).select(["resume_id", "text"])
    blanks = pa.table({"resume_id": [f"{EMPTY_ID_PREFIX}{i:05d}" for i in range(empty)],
                       "text": [""] * empty}, schema=kept.schema)
    out = pa.concat_tables([kept, blanks])
    write_parquet_atomic(out, target.resumes / "part-00000.parquet")
    write_parquet_atomic(truth.filter(pc.invert(pc.is_in(
        truth.column("resume_id"), pa.array(sorted(dropped), pa.string())))),
        target.truth / "part-00000.parquet")
    write_parquet_atomic(_read(source.jobs), target.jobs / "part-00000.parquet")
    return PlantedShift(family, len(dropped), empty, out.num_rows)
