"""Near-duplicate resumes: MinHash signatures of word shingles and an LSH index over them.

    sigs = signatures(texts, DedupConfig())                   # list<uint64>[num_perm] per resume
    found = find_near_duplicates(resume_ids, sigs, DedupConfig())

The same person sent twice (a new phone number, a bullet dropped, the whitespace changed; see
data/synth.py `_near_duplicate`) fills two slots of a shortlist. A resume's signature is the
MinHash of its set of `dedup.shingle_words`-word shingles (lower-cased words), `dedup.num_perm`
values; two signatures agree in a share of places that estimates the Jaccard similarity of the two
shingle sets. MinHashLSH (datasketch) finds the candidates at `dedup.threshold` without comparing
every pair; a candidate is kept when its estimated Jaccard is >= the threshold too. The index is
tuned to miss few pairs (LSH_WEIGHTS): every candidate is checked anyway.

Which one is "the duplicate": resumes are taken in resume_id order and each is flagged as a
near-duplicate of the earliest resume_id among the earlier ones it matches, so the answer does
not depend on how the rows were spread over files, blocks or workers. Used by the scoring job
(score/near_duplicates_ray.py) and the shortlists of matching (match/job_ray.py).
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import LeanMinHash, MinHash, MinHashLSH

from recruit_core.config import DedupConfig

SIGNATURE_TYPE = pa.list_(pa.uint64())
NEAR_DUPLICATE_SCHEMA = pa.schema([("resume_id", pa.string()), ("near_duplicate_of", pa.string()),
                                   ("jaccard_estimate", pa.float32())])
_WORD = re.compile(r"\w+")
# datasketch's (false positive, false negative) weights for its bands and rows. An extra candidate
# costs one signature comparison; a missed pair is a duplicate left on a shortlist. At the even
# default (0.5, 0.5) and threshold 0.7 the bands (14 of 9 rows) miss a pair of Jaccard 0.72 47% of
# the time; at (0.1, 0.9) (20 of 6) 5%, and a pair of 0.4 becomes a candidate 8% of the time.
LSH_WEIGHTS = (0.1, 0.9)
# Named, not left to the library's default: signatures written by one run are compared with those
# of another, and datasketch 2.0 changed its default scheme.
SCHEME = "affine32"


def shingles(text: str, words: int) -> set[bytes]:
    """The text's runs of `words` consecutive lower-cased words; a shorter text is one shingle."""
    tokens = _WORD.findall(text.lower())
    if len(tokens) <= words:
        return {" ".join(tokens).encode()}
    return {" ".join(tokens[i:i + words]).encode() for i in range(len(tokens) - words + 1)}


@lru_cache(maxsize=4)
def _empty_minhash(num_perm: int, seed: int) -> MinHash:
    # building the permutations is most of a MinHash's cost: once per process and setting
    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)


def signature(text: str, dedup: DedupConfig) -> np.ndarray:
    """The MinHash values (uint64, num_perm of them) of one resume text."""
    minhash = _empty_minhash(dedup.num_perm, dedup.seed).copy()
    minhash.update_batch(list(shingles(text, dedup.shingle_words)))
    return minhash.hashvalues.astype(np.uint64)


def signatures(texts: list[str | None], dedup: DedupConfig) -> pa.Array:
    """One signature per text as a list<uint64> column (~1 KB a resume at num_perm=128); null
    where the text is None (a quarantined row)."""
    values = [signature(t, dedup) for t in texts if t is not None]
    offsets = np.cumsum([0] + [0 if t is None else dedup.num_perm for t in texts], dtype=np.int32)
    mask = pa.array([t is None for t in texts], pa.bool_())
    flat = pa.array(np.concatenate(values) if values else np.array([], np.uint64), pa.uint64())
    return pa.ListArray.from_arrays(pa.array(offsets), flat, mask=mask)


def _lean(values, dedup: DedupConfig) -> LeanMinHash:
    values = np.asarray(values, dtype=np.uint64)
    if values.shape != (dedup.num_perm,):
        raise ValueError(f"a signature has {values.size} values, dedup.num_perm={dedup.num_perm}: "
                         "signatures written with another num_perm; score again with overwrite=true")
    return LeanMinHash(seed=dedup.seed, hashvalues=values, scheme=SCHEME)


def _signature_rows(column, dedup: DedupConfig) -> list:
    """A list<uint64> column as one numpy row per resume (no Python ints: ~1 KB a resume)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if column.null_count:
        raise ValueError(f"{column.null_count} resumes have no signature: only scored rows have one")
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if len(column) and (lengths != dedup.num_perm).any():
        return [np.asarray(v, np.uint64) for v in column.to_pylist()]  # _lean names the bad length
    return list(column.flatten().to_numpy().reshape(len(column), dedup.num_perm))


def find_near_duplicates(resume_ids: list[str], sigs, dedup: DedupConfig) -> pa.Table:
    """(resume_id, near_duplicate_of, jaccard_estimate) of every resume that near-duplicates an
    earlier one in resume_id order; resumes without one are not listed. `sigs`: a list<uint64>
    column or a list of arrays, in the order of `resume_ids` (which must be unique)."""
    if isinstance(sigs, (pa.Array, pa.ChunkedArray)):
        sigs = _signature_rows(sigs, dedup)
    index = MinHashLSH(threshold=dedup.threshold, num_perm=dedup.num_perm, weights=LSH_WEIGHTS)
    seen: dict[str, LeanMinHash] = {}
    found = []
    for position in sorted(range(len(resume_ids)), key=lambda i: resume_ids[i]):
        resume_id, minhash = resume_ids[position], _lean(sigs[position], dedup)
        if resume_id in seen:
            raise ValueError(f"resume {resume_id}: listed twice; near-duplicates need unique ids")
        matches = []
        for earlier in index.query(minhash):
            similarity = minhash.jaccard(seen[earlier])
            if similarity >= dedup.threshold:
                matches.append((earlier, similarity))
        if matches:
            earlier, similarity = min(matches)
            found.append({"resume_id": resume_id, "near_duplicate_of": earlier,
                          "jaccard_estimate": similarity})
        index.insert(resume_id, minhash)
        seen[resume_id] = minhash
    return pa.Table.from_pylist(found, schema=NEAR_DUPLICATE_SCHEMA)


def mark_ranked(resume_ids: list[str], sigs: list, dedup: DedupConfig) -> list[str | None]:
    """For a list in rank order (one job's shortlist): each entry's first higher-ranked entry whose
    estimated Jaccard (share of equal MinHash values) is at or above dedup.threshold, else None.
    A shortlist holds N entries, so comparing each with those above it is N^2/2 small checks."""
    values = [np.asarray(s, dtype=np.uint64) if s is not None else None for s in sigs]
    marks: list[str | None] = []
    for i, own in enumerate(values):
        found = None
        if own is not None:
            for j in range(i):
                if values[j] is not None and float(np.mean(values[j] == own)) >= dedup.threshold:
                    found = resume_ids[j]
                    break
        marks.append(found)
    return marks


def mark_shortlists(shortlists: pa.Table, dedup: DedupConfig) -> pa.Table:
    """Shortlists in (job, rank) order with their `minhash` column -> the same rows with
    `near_duplicate_of` (the resume ranked above on the same shortlist that this one nearly
    copies, else null) instead of the signatures."""
    jobs = shortlists.column("job_id").to_pylist()
    ids = shortlists.column("resume_id").to_pylist()
    sigs = shortlists.column("minhash").to_pylist()
    marks: list[str | None] = []
    start = 0
    for end in range(1, len(jobs) + 1):
        if end == len(jobs) or jobs[end] != jobs[start]:
            marks += mark_ranked(ids[start:end], sigs[start:end], dedup)
            start = end
    return (shortlists.drop_columns(["minhash"])
            .append_column("near_duplicate_of", pa.array(marks, pa.string())))
