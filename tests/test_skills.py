"""Skill extraction: surface variants, offsets, leftmost-longest matching, and recall/precision on the pool."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recruit_core.data.synth import resume_tables
from recruit_core.data.synth_text import misspell
from recruit_core.data.taxonomy import Skill, Taxonomy, load_builtin
from recruit_core.text.skills import SkillExtractor, SkillMention, misspellings

ROOT = Path(__file__).resolve().parent.parent
SKILLS = {
    "nodejs": Skill("nodejs", "Node.js", "framework", ("node", "nodejs")),
    "cicd": Skill("cicd", "CI/CD", "method", ()),
    "sklearn": Skill("sklearn", "scikit-learn", "framework", ("sklearn",)),
    "cpp": Skill("cpp", "C++", "language", ()),
    "csharp": Skill("csharp", "C#", "language", ()),
    "dotnet": Skill("dotnet", ".NET", "framework", ()),
    "java": Skill("java", "Java", "language", ()),
    "javascript": Skill("javascript", "JavaScript", "language", ("js",)),
    "spark": Skill("spark", "Spark", "framework", ()),
    "apache_spark": Skill("apache_spark", "Apache Spark", "framework", ()),
    "go": Skill("go", "Go", "language", ("golang",)),
    "kubernetes": Skill("kubernetes", "Kubernetes", "tool", ("k8s",)),
    "painting": Skill("painting", "Painting", "domain", ()),
    "postgres": Skill("postgres", "PostgreSQL", "database", ("postgres",)),
}
HANDMADE = Taxonomy("handmade-test", {}, SKILLS, ())


@pytest.fixture(scope="module")
def extractor():
    return SkillExtractor.from_taxonomy(HANDMADE)


def found(extractor, text):
    return [(m.skill_id, m.surface) for m in extractor.extract(text)]


def test_aliases_case_and_punctuation_variants_with_offsets(extractor):
    text = ("Built APIs in Node.js, NODEJS and node js; CI/CD and cicd; Scikit Learn / scikit-learn / "
            "sklearn; C++, C# and .NET; k8s")
    mentions = extractor.extract(text)
    assert [(m.skill_id, m.surface) for m in mentions] == [
        ("nodejs", "Node.js"), ("nodejs", "NODEJS"), ("nodejs", "node js"), ("cicd", "CI/CD"),
        ("cicd", "cicd"), ("sklearn", "Scikit Learn"), ("sklearn", "scikit-learn"),
        ("sklearn", "sklearn"), ("cpp", "C++"), ("csharp", "C#"), ("dotnet", ".NET"),
        ("kubernetes", "k8s")]
    assert all(text[m.start:m.end] == m.surface for m in mentions)
    assert mentions[0] == SkillMention("nodejs", 14, 21, "Node.js")


def test_longest_match_wins_and_words_are_whole(extractor):
    assert found(extractor, "Apache Spark, then Spark") == [("apache_spark", "Apache Spark"),
                                                             ("spark", "Spark")]
    assert found(extractor, "JavaScript and Java") == [("javascript", "JavaScript"), ("java", "Java")]
    # Inside other words, or the word "net" without its dot, is no mention.
    assert found(extractor, "javas, Javanese, the net result, Sparks, postgresish") == []
    assert found(extractor, "Python+Java") == [("java", "Java")]


def test_prose_words_count_only_as_names(extractor):
    assert found(extractor, "ready to go live") == []
    assert found(extractor, "services in Go and golang") == [("go", "Go"), ("go", "golang")]


def test_every_typo_the_generator_makes_is_found(extractor):
    rng = random.Random(0)
    for skill_id in ("kubernetes", "postgres", "javascript", "apache_spark"):
        label = SKILLS[skill_id].label
        for _ in range(40):
            typo = misspell(rng, label)
            assert found(extractor, f"Skills: {typo}, Excel") == [(skill_id, typo)], typo


def test_typos_that_are_words_or_other_skills_are_not_used(extractor):
    assert "panting" in misspellings("painting")
    assert found(extractor, "panting after the run") == []  # an English word, not a typo of Painting
    assert found(extractor, "Paintng and Paiting") == [("painting", "Paintng"), ("painting", "Paiting")]
    rival = SkillExtractor.from_labels({"ansible": ["Ansible"], "ansble": ["Ansble"]}, with_typos=True)
    assert [m.skill_id for m in rival.extract("Ansble")] == ["ansble"]


def test_offsets_survive_characters_whose_lower_case_is_longer(extractor):
    text = "İstanbul team: Kubernetes"
    (mention,) = extractor.extract(text)
    assert text[mention.start:mention.end] == "Kubernetes"


def _leftmost_longest(patterns: dict[tuple[str, ...], str], words: list[str]) -> list[tuple[int, str]]:
    """The definition, spelled out: at each word, the longest pattern starting there, else move on."""
    out, i = [], 0
    while i < len(words):
        best = max((p for p in patterns if tuple(words[i:i + len(p)]) == p), key=len, default=None)
        if best:
            out.append((i, patterns[best]))
            i += len(best)
        else:
            i += 1
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from("ab cd ef".split()), min_size=1, max_size=3), min_size=1,
                max_size=6),
       st.lists(st.sampled_from("ab cd ef gh".split()), max_size=12))
def test_matches_are_leftmost_longest_and_non_overlapping(phrases, words):
    patterns = {tuple(p): "s" + "_".join(p) for p in phrases}
    extractor = SkillExtractor({sid: [" ".join(p)] for p, sid in patterns.items()})
    text = " ".join(words)
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    expected = [(starts[i], sid) for i, sid in _leftmost_longest(patterns, words)]
    assert [(m.start, m.skill_id) for m in extractor.extract(text)] == expected


def test_finds_the_generators_skills_on_the_builtin_pool():
    """Recall and precision against the ground truth of the easy pool, where every true skill is
    named (on the hard pool some are only implied, and names of skills not held are mentioned)."""
    taxonomy = load_builtin()
    extractor = SkillExtractor.from_taxonomy(taxonomy)
    resumes, truth = resume_tables(taxonomy, 11, 0, 200, 0.15, 0.03, difficulty="easy")
    hits = predicted = actual = 0
    for text, true_skills in zip(resumes.column("text").to_pylist(), truth.column("skills").to_pylist()):
        found_ids = extractor.skill_ids(text)
        hits += len(found_ids & set(true_skills))
        predicted += len(found_ids)
        actual += len(true_skills)
    recall, precision = hits / actual, hits / predicted
    print(f"skill extraction on 200 generated resumes: recall={recall:.4f} precision={precision:.4f}")
    assert recall >= 0.9 and precision >= 0.9


@pytest.mark.skipif(not (ROOT.parent / "shared/data/skills/skills.json").is_file(),
                    reason="../shared/data/skills/skills.json is not on this machine")
def test_open_skill_list_with_thirty_thousand_names():
    extractor = SkillExtractor.from_skill_names(ROOT.parent / "shared/data/skills/skills.json")
    assert extractor.n_skills > 25_000
    ids = extractor.skill_ids("Deployed .NET 6 services to Kubernetes with Terraform; SQL Server.")
    assert {"kubernetes", "terraform", "sql_server"} <= ids


def test_missing_skill_list_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.json"):
        SkillExtractor.from_skill_names(tmp_path / "nowhere.json")
