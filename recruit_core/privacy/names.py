"""Person names in resume text, found by context, never by a bare lexicon hit.

    python -m pytest -q tests/test_redact.py

Where a name is taken from:
  header      a line among the first four of 2-4 capitalised words with a given name or surname
              among them and no job-title or heading word ("Jane Okafor", "JANE OKAFOR, MBA",
              "Jane Okafor | jane@x.org"; not "GRANT WRITER", "HEALTH COACH")
  label       after "Name:" (one word is enough), or two words or more after "Supervisor:",
              "Reference:", "Contact:" and the like
  honorific   after Mr, Mrs, Ms, Miss, Mx, Dr, Prof ("Ms. Okafor")
  signature   the line after "Regards," / "Sincerely," and similar closings
  references  the name each line of a "References" section starts with
  pair        anywhere: a common given name, an optional initial, and a surname or a rare word
              (none of the ~20k words of MiniLM's vocabulary: "Bollettieri"), neither of them a
              skill, title word or place (lexicon.not_names) nor followed by an institution word:
              "Laurel Harris" but not "Grant Writer", "Austin Texas", "Franklin Pierce College"
In all but the last, a name in no list ("Thandeka Nkosi") is taken too when none of its words is
a skill, place or common resume word (`looks_like_name`).
Every word of a name found so is then also taken wherever else it stands capitalised: "Lakisha
Washington ... Lakisha led" loses both (a word that is also a skill, title or place only before a
verb: "Paris led", not "in Paris").
"""
from __future__ import annotations

import re

from recruit_core.privacy.lexicon import (
    INSTITUTION_WORDS,
    PLACES,
    common_given_names,
    common_words,
    given_names,
    not_names,
    surnames,
    title_words,
    vocabulary_words,
)

Span = tuple[int, int, str]
_WORD = r"[A-Z][A-Za-z'\u2019]*(?:-[A-Z][A-Za-z'\u2019]*)?"
_TITLE_WORD = r"[A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?"  # "Okafor", not "MAS" or "PowerPoint"
_INITIAL = r"[A-Z]\.?"
NAME_RUN = re.compile(rf"(?:{_WORD}|{_INITIAL})(?:[ \t]+(?:{_WORD}|{_INITIAL})){{0,3}}")
_SAME_LINE_LABEL = r"[ \t]*[:\-\u2013][ \t]*\n?[ \t]*"  # "Supervisor:\nKayla Danks" too
NAME_LABEL = re.compile(r"(?im)(?:^|\|)[ \t]*(?:full\s+name|name|candidate|applicant)"
                        + _SAME_LINE_LABEL)
# other labels often stand before one capitalised word that is no name ("Manager: Led ...")
PERSON_LABEL = re.compile(r"\b(?:contact\s+person|contact|supervisor|manager|reference|referee|"
                          r"advisor|prepared\s+by|submitted\s+by)[ \t]*:[ \t]*\n?[ \t]*", re.IGNORECASE)
HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+")
CLOSING = re.compile(r"(?im)^[ \t]*(?:regards|best regards|kind regards|warm regards|sincerely|"
                     r"yours sincerely|yours truly|respectfully|thank you|thanks),?[ \t]*\n[ \t]*")
REFERENCES = re.compile(r"(?im)^[ \t]*(?:professional\s+)?references?\b[^\n]{0,30}\n")
AS_SUBJECT = (r"(?=['\u2019]s\b|\s+(?:is|was|has|had|have|led|leads|managed|manages|brings|worked|"
              r"works|joined|holds|held|served|built|created|designed|developed|delivered|"
              r"received|earned|completed|also|will|can)\b)")
_GAP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # one line break too: PDF text wraps "Kevin L.\nTrostle"
# a lookahead, so that a pair the lexicon turns down ("State Ronald") does not hide the next one
# ("Ronald Buckman")
PAIR = re.compile(rf"\b(?=({_TITLE_WORD}){_GAP}(?:{_INITIAL}{_GAP})?({_TITLE_WORD})\b"
                  rf"(?!\s+(?:[A-Z][\w'\u2019]+\s+){{0,2}}(?:{'|'.join(w.title() for w in INSTITUTION_WORDS)})\b))")
HEADER_LINES = 4
_SEGMENTS = re.compile(r"[|;\u00b7\u2022\t]")
_CREDENTIALS = re.compile(r"(?:,\s*[A-Z][A-Za-z.]{1,6})+$")  # "Jane Okafor, MBA, PMP"


def _key(word: str) -> str:
    return word.strip(".'\u2019").lower()


def _name_words(value: str) -> list[str]:
    return [w for w in re.split(r"[ \t]+", value) if w]


def looks_like_name(value: str, min_words: int = 2, strong: bool = False) -> bool:
    """2-4 capitalised words (or initials), none a title, heading or institution word, one a
    given name or surname that is no common word; where the context is `strong` (header,
    labels, references, signature), also two words or more each of which is a name or in no
    list at all ("Julia King", "Thandeka Nkosi"), but not "Customer Service"."""
    words = _name_words(value)
    if not min_words <= len(words) <= 4 or not NAME_RUN.fullmatch(value.strip()):
        return False
    keys = [_key(w) for w in words]
    if any(k in title_words() for k in keys) or value.strip().lower() in PLACES:
        return False
    full = [k for k in keys if len(k) > 1]
    known = [k in given_names() or k in surnames() for k in full]
    if any(is_name and k not in vocabulary_words() for k, is_name in zip(full, known)):
        return True
    return strong and len(full) >= 2 and all(
        is_name or k not in vocabulary_words() for k, is_name in zip(full, known))


def _is_heading(line: str) -> bool:
    words = [_key(w) for w in re.findall(r"[A-Za-z]+", line)]
    return 0 < len(words) <= 4 and all(w in title_words() for w in words)


def _header(text: str) -> list[Span]:
    """Names among the first lines, up to the first heading."""
    spans, seen = [], 0
    for line in re.finditer(r"[^\n]+", text):
        seen += 1
        if seen > HEADER_LINES or (seen > 1 and _is_heading(line.group())):
            break
        offset = line.start()
        for segment in _SEGMENTS.split(line.group()):
            start = offset + len(segment) - len(segment.lstrip())
            value = _CREDENTIALS.sub("", segment.strip())
            if looks_like_name(value, strong=True):
                spans.append((start, start + len(value), "NAME"))
            offset += len(segment) + 1
    return spans


def _after(pattern: re.Pattern, text: str, min_words: int) -> list[Span]:
    spans = []
    for match in pattern.finditer(text):
        run = NAME_RUN.match(text, match.end())
        if run and looks_like_name(run.group(), min_words, strong=True):
            spans.append((match.start() if pattern is HONORIFIC else run.start(), run.end(), "NAME"))
    return spans


def _references(text: str) -> list[Span]:
    """The name a line of a references section starts with ("Laurel Harris, Director at ...")."""
    spans = []
    for heading in REFERENCES.finditer(text):
        start = heading.end()
        for line in text[start:start + 2000].split("\n"):
            if not line.strip():
                break
            indent = len(line) - len(line.lstrip())
            run = NAME_RUN.match(line, indent)
            if run and looks_like_name(run.group(), 2, strong=True):
                spans.append((start + indent, start + run.end(), "NAME"))
            start += len(line) + 1
    return spans


def _pairs(text: str) -> list[Span]:
    spans = []
    stop = not_names()
    for match in PAIR.finditer(text):
        first, last = _key(match.group(1)), _key(match.group(2))
        rare = len(last) > 3 and last not in common_words()
        if first in common_given_names() and (last in surnames() or rare) and first not in stop \
                and last not in stop:
            spans.append((match.start(1), match.end(2), "NAME"))
    return spans


def _other_mentions(text: str, spans: list[Span]) -> list[Span]:
    """Each word of the names found, wherever else it stands capitalised (also in capitals). A
    word that is also a skill, title or place ("Grant", "Paris", "Ruby") only where a verb or a
    possessive follows it: "Paris led the team", "Ruby's", not "Ruby on Rails" or "in Paris"."""
    words = {w.strip(".") for s, e, _ in spans for w in _name_words(text[s:e])}
    words = {w for w in words if len(w) > 2 and _key(w) not in HONORIFICS}
    plain = {w for w in words if _key(w) not in vocabulary_words()}
    mentions = []
    for group, after in ((plain, ""), (words - plain, AS_SUBJECT)):
        if group:
            forms = sorted({f for w in group for f in (w, w.title(), w.upper())}, key=len,
                           reverse=True)
            pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b" + after)
            mentions += [(m.start(), m.end(), "NAME") for m in pattern.finditer(text)]
    return mentions


HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof"}


def find_names(text: str) -> list[Span]:
    """Names from context, then their other mentions; pairs found without context are not
    looked for elsewhere (a wrong pair would spread)."""
    spans = _header(text) + _after(NAME_LABEL, text, 1) + _after(PERSON_LABEL, text, 2)
    spans += _after(CLOSING, text, 2) + _references(text) + _after(HONORIFIC, text, 1)
    return spans + _other_mentions(text, spans) + _pairs(text)
