"""Pattern finders for the personal data that has a shape: e-mail, phone, URL, street address, date of
birth, age, and labelled protected attributes (gender, marital status, nationality, religion, photo).

    python -m pytest -q tests/test_redact.py

Each finder returns (start, end, type) spans of one text; `redact.py` merges them with the names
(`names.py`). The value is the span, a label before it stays: "Sex: Female" becomes "Sex: [GENDER]",
so a reader still sees that something was there. Patterns are compiled once, at import.
"""
from __future__ import annotations

import re

from recruit_core.privacy.lexicon import dotted_skills

Span = tuple[int, int, str]

TLDS = ("com|org|net|edu|gov|mil|io|co|uk|de|fr|in|me|dev|ai|app|info|biz|us|ca|au|eu|nl|es|it|ch|"
        "se|no|dk|fi|pl|br|mx|jp|cn|za|ng|ke|sg|nz|ie|tv|ly|page|site|xyz|tech|online|blog|design|pro")
_DOT = r"(?:\s*\.\s*|\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+)"
_AT = r"(?:\s*@\s*|\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+)"
# a spelled-out address needs a spelled-out dot or a bracketed at: "worked at example.com" is a site
_SPELLED = re.compile(r"[\[({]\s*(?:at|dot)\s*[\])}]|\sdot\s", re.IGNORECASE)
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+(?:\s+dot\s+[A-Za-z0-9_%+-]+)*" + _AT + r"[A-Za-z0-9-]+(?:"
                   + _DOT + r"[A-Za-z0-9-]+)*" + _DOT + rf"(?:{TLDS})\b", re.IGNORECASE)
URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"'()\[\]{}]+", re.IGNORECASE)
# labels of two characters or more: "B.Com." and "M.Sc." are degrees
DOMAIN = re.compile(r"\b(?:[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]\.)+(?:" + TLDS
                    + r")\b(?:/[^\s<>\"'()\[\]{}]*)?", re.IGNORECASE)
# Dotted names that are skills, not sites (with the taxonomy's dotted skills: salesforce.com, gong.io)
TECH_DOTTED = {"asp.net", "vb.net", "ado.net", "socket.io", "ml.net"}
PROFILE = re.compile(r"\b(?:linked\s?in|github|gitlab|twitter|instagram|facebook|behance|dribbble|"
                     r"medium|stack\s?overflow|kaggle|skype|telegram)\b(?:\s+(?:profile|handle|id|"
                     r"username))?[ \t]*:[ \t]*(@?[A-Za-z0-9_.\-/]{2,60})", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_])\b")
_SEP = r"(?:[ \t.\-]{1,2}|-\n)"
PHONE = re.compile(r"(?<![\w+.\-/])(?:\(\s*\+?\d{1,4}\s*\)[ \t.\-]?|\+\s?\d{1,4}" + _SEP
                   + r"?|00\d{1,3}" + _SEP + r")?(?:\(\d{1,5}\)[ \t.\-]?)?\d{1,5}(?:" + _SEP
                   + r"?\(?\d{1,6}\)?){1,6}(?:\s*(?:ext\.?|x|extension)\s*\d{1,5})?(?![\w/])",
                   re.IGNORECASE)
PHONE_LABEL = re.compile(r"(?:phone|tel|mobile|mob|cell|ph|fax|dsn|contact|whats\s?app)\W{0,4}$",
                         re.IGNORECASE)
NANP = re.compile(r"\(?\d{3}\)?[ \t.\-]{0,2}\d{3}[ \t.\-]{1,2}\d{4}(?:\s*(?:ext\.?|x)\s*\d{1,5})?",
                  re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_DATE = re.compile(r"\d{1,2}[.\-]\d{1,2}[.\-]\d{2,4}|\d{4}[.\-]\d{1,2}[.\-]\d{1,2}")
_STREET_TYPES = (r"Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Lane|Ln|Boulevard|Blvd|Way|Court|Ct|Place|"
                 r"Pl|Terrace|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Close|Crescent|"
                 r"Plaza|Row|Mews|Gardens|Walk")
_CITY_STATE_ZIP = r"[A-Z][A-Za-z .'-]{1,30},?\s+[A-Z]{2},?\s+\d{5}(?:-\d{4})?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*[\w\-]+"
ADDRESS = re.compile(
    r"(?:\b" + _UNIT + r",?\s+)?(?<![$\d.,])\b\d{1,6}[A-Za-z]?[ \t]+(?:[A-Z][A-Za-z'\u2019.\-]*[ \t]+){1,4}(?:"
    + _STREET_TYPES + r")\b\.?(?:,?\s*" + _UNIT + r")?(?:,?\s*" + _CITY_STATE_ZIP
    + r"|,\s*[A-Z][A-Za-z'\-]+(?:\s[A-Z][a-z'\-]+)?(?:,?\s+" + _UK_POSTCODE + r")?)?"
    r"|\b[A-Z][a-z\u00e4\u00f6\u00fc\u00df]+(?:stra(?:ss|\u00df)e|str\.|weg|platz|allee|gasse)\s+\d+[a-z]?"
    r"(?:,\s*\d{5}\s+[A-Z][a-z]+)?"
    r"|\b\d{1,4},?\s+(?:rue|avenue|boulevard|chemin|all\u00e9e|calle|via)\s+[^\n,|;]{2,40}"
    r"|\bP\.?\s?O\.?\s+Box\s+\d+"
    r"|(?m:^" + _CITY_STATE_ZIP + r"$)"
    r"|\b" + _UK_POSTCODE + r"\b")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE_VALUE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}"
               r"|\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r"\.?,?\s*-?\s*\d{2,4}"
               r"|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|" + _MONTH
               + r"\.?,?\s+\d{4}|(?:19|20)\d\d)")
_LABEL_SEP = r"\s*[:\-\u2013]?\s*"
DOB = re.compile(r"\b(?:date\s+of\s+birth|d\.?o\.?b\.?|birth\s*date|birthday|born(?:\s+on|\s+in)?)"
                 + _LABEL_SEP + "(" + _DATE_VALUE + ")", re.IGNORECASE)
AGE = re.compile(r"\bage\s*[:\-\u2013]\s*(\d{1,2})\b|(?<![\d\-\u2013])\b(\d{2}\s*(?:years?|yrs?)[\s\-]*old|\d{2}\s*y/o)"
                 r"\b|\baged\s+(\d{2})\b", re.IGNORECASE)
_VALUE = r"([^\n|;,.]{1,40}?)(?=\s*(?:[\n|;,.]|$))"
ATTRIBUTES = (
    ("GENDER", re.compile(r"\b(?:gender|sex|pronouns)\s*[:\-\u2013]\s*" + _VALUE, re.IGNORECASE)),
    ("MARITAL", re.compile(r"\b(?:marital|civil|family)\s+status\s*[:\-\u2013]\s*" + _VALUE
                           + r"|\bstatus\s*[:\-\u2013]\s*(single|married|divorced|widowed|separated|"
                           r"engaged|unmarried)\b|\b((?:married|divorced|widowed|single)(?:,|\s+with)\s+"
                           r"(?:\w+\s+){0,2}(?:children|kids|child|sons?|daughters?))\b|\b(?:number\s+"
                           r"of\s+)?(?:children|dependents)\s*[:\-\u2013]\s*(\d{1,2}|none|\w+)\b",
                           re.IGNORECASE)),
    ("NATIONALITY", re.compile(r"\b(?:nationality|citizenship|citizen\s+of|place\s+of\s+birth|"
                               r"country\s+of\s+(?:birth|origin)|ethnicity|ethnic\s+origin|race)"
                               r"\s*[:\-\u2013]\s*" + _VALUE, re.IGNORECASE)),
    ("RELIGION", re.compile(r"\b(?:religion|religious\s+affiliation|faith|caste)\s*[:\-\u2013]\s*"
                            + _VALUE, re.IGNORECASE)),
    ("PHOTO", re.compile(r"(?im)^[ \t]*[\[(]?(?:photo(?:graph)?|picture|headshot|portrait|"
                         r"profile\s+(?:photo|picture))\b\s*(?:[:\])]|attached|enclosed|of\s+"
                         r"(?:me|the\s+candidate|candidate))[^\n]*")),
)
PRONOUN = re.compile(r"\b(?:he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)


def _group_spans(pattern: re.Pattern, text: str, kind: str) -> list[Span]:
    """The first group that took part in each match, else the whole match."""
    spans = []
    for match in pattern.finditer(text):
        group = next((g for g in range(1, (pattern.groups or 0) + 1) if match.group(g)), 0)
        spans.append((match.start(group), match.end(group), kind))
    return spans


def _trimmed(text: str, start: int, end: int) -> int:
    """End of a URL or domain without the sentence punctuation after it."""
    while end > start and text[end - 1] in ".,;:!?'\"":
        end -= 1
    return end


def find_emails(text: str) -> list[Span]:
    spans = []
    for match in EMAIL.finditer(text):
        if "@" in match.group() or _SPELLED.search(match.group()):
            spans.append((match.start(), match.end(), "EMAIL"))
    return spans


def find_urls(text: str) -> list[Span]:
    spans = [(m.start(), _trimmed(text, m.start(), m.end()), "URL") for m in URL.finditer(text)]
    for match in DOMAIN.finditer(text):
        host, _, path = match.group().partition("/")
        skill = not path and (host.lower() in TECH_DOTTED or host.lower() in dotted_skills())
        if not skill and not (match.start() and text[match.start() - 1] == "@"):
            spans.append((match.start(), _trimmed(text, match.start(), match.end()), "URL"))
    spans += _group_spans(PROFILE, text, "URL")
    spans += [(m.start(), m.end(), "URL") for m in HANDLE.finditer(text)]
    return spans


def find_phones(text: str) -> list[Span]:
    spans = []
    for match in PHONE.finditer(text):
        value = match.group()
        digits = sum(c.isdigit() for c in value)
        groups = re.findall(r"\d+", value)
        international = value.lstrip("( ").startswith(("+", "00"))
        labelled = PHONE_LABEL.search(text[max(0, match.start() - 16):match.start()]) is not None
        if not 7 <= digits <= 15 or _DATE.fullmatch(value.strip()):
            continue
        if all(len(g) == 4 and _YEAR.fullmatch(g) for g in groups):
            continue  # "2003 2007 2010": years, not a number
        if digits >= 10 or international or labelled:
            # a North American number ends after its 10 digits: "(919) 489-1116 60 hours"
            nanp = NANP.match(value)
            end = match.start() + nanp.end() if nanp and not international else match.end()
            spans.append((match.start(), end, "PHONE"))
    return spans


def find_shaped(text: str, types: frozenset[str]) -> list[Span]:
    """Every span of the requested types that has a shape (everything but names)."""
    spans: list[Span] = []
    if "EMAIL" in types:
        spans += find_emails(text)
    if "URL" in types:
        spans += find_urls(text)
    if "PHONE" in types:
        spans += find_phones(text)
    if "ADDRESS" in types:
        spans += [(m.start(), m.end(), "ADDRESS") for m in ADDRESS.finditer(text)]
    if "DOB" in types:
        spans += _group_spans(DOB, text, "DOB")
    if "AGE" in types:
        spans += _group_spans(AGE, text, "AGE")
    for kind, pattern in ATTRIBUTES:
        if kind in types:
            spans += _group_spans(pattern, text, kind)
    if "PRONOUN" in types:
        spans += [(m.start(), m.end(), "PRONOUN") for m in PRONOUN.finditer(text)]
    return spans
