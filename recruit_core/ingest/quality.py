"""What makes extracted text usable: one normalisation for every format, the garbage measure, and
the language.

    python bench/ingest_text_similarity.py      # measures word_share on the livecareer PDFs

Normalisation is the one the livecareer Parquet was made with (lines stripped, blank lines dropped,
runs of spaces collapsed), so texts from files and from that Parquet compare character for
character. Control characters and U+FFFD (a glyph the PDF did not map to any character) are
dropped: the scoring job quarantines a text holding U+FFFD as lossily decoded.

Garbage: a failed extraction (a font without a character map, a shifted encoding, binary read as
text) gives tokens that are not words. `word_share` is the share of whitespace-separated tokens that
are words: letters only, allowing inner apostrophes, hyphens and dots (`O'Brien`, `co-op`, `U.S.`),
with punctuation stripped from both ends. Numbers (dates, phone numbers) are tokens but not words,
which is why real resumes do not reach 1.0; what they do reach is measured in
bench/ingest_text_similarity.py and sets `ingest.min_word_share` (recruit_core/config.py).
"""
from __future__ import annotations

import re
from collections import Counter

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")
_SPACES = re.compile(r"[^\S\n]+")
_EDGE_PUNCTUATION = "\"'()[]{}<>.,;:!?*\u2022\u00b7\u2013\u2014\u2018\u2019\u201c\u201d"
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019.\-][^\W\d_]+)*\.?")

# A handful of the most frequent function words per language: enough to tell these languages apart
# on a resume's few hundred words, and nothing to download.
STOPWORDS = {
    "en": "the and of to in for with on as at by is from a an be or our are was this",
    "fr": "le la les et des du de en pour avec une un dans sur au aux est par ou",
    "es": "el la los las y de del en para con una un por que al se como sus",
    "de": "der die das und in zu mit von den des im für auf ist eine ein bei als",
    "it": "il lo la gli le e di del della per con una un che nel alla sono dei",
    "pt": "o a os as e de do da em para com uma um por que no na dos das",
    "nl": "de het een en van in op voor met te bij als aan zijn door uit",
}
_SHARED = {w for w, n in Counter(w for words in STOPWORDS.values() for w in set(words.split())).items()
           if n > 1}
# Only the words one language has: `de` or `la` say nothing about which of several languages it is.
_STOPWORD_SETS = {lang: frozenset(words.split()) - _SHARED for lang, words in STOPWORDS.items()}
MIN_LANGUAGE_HITS = 5  # fewer function words than this is too little text to name a language


def normalise(text: str) -> str:
    """Lines stripped, runs of spaces collapsed to one, blank lines dropped, control chars removed."""
    lines = (_SPACES.sub(" ", line).strip() for line in _CONTROL.sub("", text).split("\n"))
    return "\n".join(line for line in lines if line)


def word_share(text: str) -> tuple[float, int]:
    """(share of tokens that are words, number of tokens); (0.0, 0) for text without tokens."""
    tokens = text.split()
    if not tokens:
        return 0.0, 0
    words = sum(1 for token in tokens if _WORD.fullmatch(token.strip(_EDGE_PUNCTUATION)))
    return words / len(tokens), len(tokens)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language whose function words are most frequent, or None when fewer
    than MIN_LANGUAGE_HITS are found or the runner-up has more than half as many (mixed text)."""
    words = Counter(word.lower() for word in text.split())
    hits = sorted(((sum(words[w] for w in stop), lang) for lang, stop in _STOPWORD_SETS.items()),
                  reverse=True)
    (best, lang), (second, _) = hits[0], hits[1]
    if best < MIN_LANGUAGE_HITS or second * 2 > best:
        return None
    return lang
