"""Span-level recall and precision of the redactor, per type: how bench/redaction_quality.py counts.

    python bench/redaction_quality.py

Planted corpus (`planted.py`, bodies without personal data):
  recall     a planted span counts as found when every letter and digit of it lies inside redacted
             spans (of any type: an e-mail address removed as a URL is gone all the same)
  precision  a redacted span of type T is right when it overlaps a planted span (of any type)
  kept       planted look-alikes (skills, places, dates, versions) with no character redacted
Real resumes, which nobody labelled: `INDEPENDENT` holds simpler regexes for e-mail, phone and URL,
written apart from `patterns.py`; a match of one that the redactor left (partly) in place is a miss.
"""
from __future__ import annotations

import re
from collections import defaultdict

Span = tuple[int, int, str]

# Deliberately plain and broad: they over-match, and what they over-match is judged by eye.
INDEPENDENT = {
    "EMAIL": re.compile(r"\S+@\S+\.[a-z]{2,}", re.IGNORECASE),
    "PHONE": re.compile(r"(?<![\d/])(?:\+?\d[\s().-]{0,2}){9,14}\d(?![\d/])"),
    "URL": re.compile(r"(?:https?://|www\.)\S+|\b\S+\.(?:com|org|net|edu|gov|io)/\S*", re.IGNORECASE),
}


def is_covered(text: str, span: tuple[int, int], redacted: list[Span]) -> bool:
    inside = [False] * (span[1] - span[0])
    for start, end, _ in redacted:
        for i in range(max(start, span[0]), min(end, span[1])):
            inside[i - span[0]] = True
    return all(inside[i - span[0]] or not text[i].isalnum() for i in range(span[0], span[1]))


def _overlaps(span: tuple[int, int], others) -> bool:
    return any(start < span[1] and span[0] < end for start, end, *_ in others)


def planted_scores(text: str, planted: list[Span], keep: list[tuple[int, int]],
                   redacted: list[Span]) -> dict:
    """Counts for one resume: {type: {planted, found, redacted, right}}, plus kept / keep."""
    counts: dict = defaultdict(lambda: {"planted": 0, "found": 0, "redacted": 0, "right": 0})
    for start, end, kind in planted:
        counts[kind]["planted"] += 1
        counts[kind]["found"] += is_covered(text, (start, end), redacted)
    for start, end, kind in redacted:
        counts[kind]["redacted"] += 1
        counts[kind]["right"] += _overlaps((start, end), planted)
    kept = sum(not _overlaps(span, redacted) for span in keep)
    return {"types": dict(counts), "kept": kept, "keep": len(keep)}


def independent_misses(text: str, redacted: list[Span]) -> dict[str, list[tuple[int, int]]]:
    """Spans the independent regexes find that the redactor did not fully remove, per type."""
    misses = {}
    for kind, pattern in INDEPENDENT.items():
        found = [(m.start(), m.end()) for m in pattern.finditer(text)]
        misses[kind] = [s for s in found if not is_covered(text, s, redacted)]
    return misses


def summarise(per_resume: list[dict]) -> dict:
    """Per type: planted, recall, redacted, precision (None where nothing to divide by)."""
    totals: dict = defaultdict(lambda: defaultdict(int))
    for scores in per_resume:
        for kind, c in scores["types"].items():
            for key, value in c.items():
                totals[kind][key] += value
    table = {}
    for kind, c in sorted(totals.items()):
        table[kind] = {"planted": c["planted"], "redacted": c["redacted"],
                       "recall": round(c["found"] / c["planted"], 4) if c["planted"] else None,
                       "precision": round(c["right"] / c["redacted"], 4) if c["redacted"] else None}
    keep = sum(s["keep"] for s in per_resume)
    return {"types": table, "lookalikes": keep,
            "lookalikes_kept": round(sum(s["kept"] for s in per_resume) / keep, 4) if keep else None}
