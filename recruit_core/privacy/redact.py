"""Personal data out of resume text before any model sees it: typed placeholders, counts, no values.

    from recruit_core.privacy.redact import redact
    redacted = redact("Jane Okafor\\njane@example.org | +44 20 7946 0958\\n...")
    redacted.text    # "[NAME]\\n[EMAIL] | [PHONE]\\n..."
    redacted.counts  # {"NAME": 1, "EMAIL": 1, "PHONE": 1}: how many, never what

    python bench/redaction_quality.py     # recall and precision per type, resumes/s
    python -m pytest -q tests/test_redact.py

Types (`PII_TYPES`): NAME (by context, `names.py`), EMAIL (also "jane at example dot com"), PHONE
(international formats), URL (with or without scheme, profile handles), ADDRESS (street lines,
US city/state/ZIP, UK postcodes), DOB, AGE, and the explicit protected attributes GENDER ("Sex:
Female", "Pronouns: she/her"), MARITAL, NATIONALITY (also citizenship, place of birth, ethnicity),
RELIGION, PHOTO (photo captions), and PRONOUN (he/she/him/her...: they name a gender too). Shapes
are in `patterns.py`. Offline and pure Python: no model, nothing downloaded. Overlapping finds are
merged into one span of the type found first in `PII_TYPES` order, so nothing flagged survives.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from recruit_core import storage
from recruit_core.privacy.names import find_names
from recruit_core.privacy.patterns import find_shaped

# Order: a span found as two types (a name inside an e-mail address) counts as the earlier one.
PII_TYPES = ("EMAIL", "URL", "PHONE", "DOB", "AGE", "ADDRESS", "GENDER", "MARITAL", "NATIONALITY",
             "RELIGION", "PHOTO", "NAME", "PRONOUN")
_RANK = {kind: rank for rank, kind in enumerate(PII_TYPES)}
# What scoring outputs record per resume, in column REDACTED_COLUMN: one count per type, never a value.
REDACTED_COLUMN = "pii_redacted"
COUNTS_TYPE = pa.struct([(kind.lower(), pa.int32()) for kind in PII_TYPES])


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: dict[str, int] = field(default_factory=dict)  # type -> spans replaced; no zeros


def check_types(types) -> frozenset[str]:
    """The requested types, upper-case; an unknown one is an error naming the known ones."""
    chosen = frozenset(t.upper() for t in types)
    unknown = sorted(chosen - set(PII_TYPES))
    if unknown:
        raise ValueError(f"privacy.types: unknown {unknown}; use any of {list(PII_TYPES)}")
    return chosen


def find_spans(text: str, types=PII_TYPES) -> list[tuple[int, int, str]]:
    """(start, end, type) of every personal-data span, sorted and non-overlapping."""
    chosen = check_types(types)
    spans = find_shaped(text, chosen)
    if "NAME" in chosen:
        spans += find_names(text)
    return _merged(spans)


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans as one, typed by the earliest type in PII_TYPES among them."""
    merged: list[list] = []
    for start, end, kind in sorted(spans):
        if start >= end:
            continue
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = min(last[2], kind, key=_RANK.__getitem__)
        else:
            merged.append([start, end, kind])
    return [(s, e, k) for s, e, k in merged]


def redact(text: str, types=PII_TYPES) -> Redaction:
    """`text` with each span replaced by `[TYPE]`, and how many of each type were replaced."""
    spans = find_spans(text, types)
    parts, counts, position = [], {}, 0
    for start, end, kind in spans:
        parts += [text[position:start], f"[{kind}]"]
        counts[kind] = counts.get(kind, 0) + 1
        position = end
    parts.append(text[position:])
    return Redaction("".join(parts), counts)


def redact_texts(texts: list[str | None], types=PII_TYPES) -> tuple[list[str | None], pa.Array]:
    """Redacted texts (None stays None) and a COUNTS_TYPE column of what each lost."""
    redacted, counts = [], []
    for text in texts:
        if text is None:
            redacted.append(None)
            counts.append(None)
            continue
        result = redact(text, types)
        redacted.append(result.text)
        counts.append({kind.lower(): result.counts.get(kind, 0) for kind in PII_TYPES})
    return redacted, pa.array(counts, COUNTS_TYPE)


def redact_resumes(batch: pa.Table, privacy) -> pa.Table:
    """A validated batch (VALIDATED_SCHEMA, `privacy`: PrivacyConfig) with the text of its good rows
    redacted and a `pii_redacted` column (COUNTS_TYPE) appended; quarantined rows, and every row
    when `privacy.redact` is off, get null counts. The one place resume text is redacted for
    scoring and matching (`data.reader_ray.read_resumes`)."""
    if not privacy.redact:
        return batch.append_column(REDACTED_COLUMN, pa.nulls(batch.num_rows, COUNTS_TYPE))
    texts = batch.column("text").to_pylist()
    good = batch.column("reason").is_null().to_pylist()
    redacted, counts = redact_texts([t if ok else None for t, ok in zip(texts, good)], privacy.types)
    index = batch.schema.get_field_index("text")
    return (batch.set_column(index, batch.schema.field(index), pa.array(redacted, pa.string()))
                 .append_column(REDACTED_COLUMN, counts))


def redact_column(texts: list[str], privacy) -> list[str]:
    """Resume texts redacted as `privacy` says (unchanged when it is off): training examples,
    interview packs and reranked pairs, which read resumes outside the score/match reader."""
    if not privacy.redact:
        return list(texts)
    return [redact(t, privacy.types).text if t is not None else None for t in texts]


def redaction_totals(scores_dir) -> dict[str, int]:
    """Spans redacted per type over every committed scores file of a run: summary.json's figure."""
    if storage.is_remote(scores_dir):
        files = [p for p in storage.files_under(str(scores_dir)) if p.endswith(".parquet")]
    else:
        files = sorted(str(p) for p in Path(scores_dir).glob("*.parquet"))
    if not files:
        return {}
    filesystem = storage.resolve(files[0])[0] if storage.is_remote(files[0]) else None
    dataset = pads.dataset([storage.resolve(f)[1] for f in files] if filesystem else files,
                           format="parquet", filesystem=filesystem)
    if REDACTED_COLUMN not in dataset.schema.names:
        return {}
    counts = dataset.to_table(columns=[REDACTED_COLUMN]).column(REDACTED_COLUMN)
    return {kind.lower(): int(pc.sum(pc.struct_field(counts, kind.lower())).as_py() or 0)
            for kind in PII_TYPES}
