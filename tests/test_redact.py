"""Redaction: personal data out, typed placeholders and counts in, skills and places that look like
names kept; measured on the planted corpus (bench/redaction_quality.py has the full figures)."""
from __future__ import annotations

import pytest

from recruit_core.privacy.planted import planted_corpus
from recruit_core.privacy.quality import planted_scores, summarise
from recruit_core.privacy.redact import PII_TYPES, find_spans, redact, redact_texts

RESUME = """Grant Okafor
Grant Writer
grant.okafor@example.org | +44 20 7946 0958 | linkedin.com/in/grant-okafor | 12 Oak Street, Apt 4B

Summary
Grant has eight years of fundraising experience. She led a team of 6.

Skills: Java, Julia, Jenkins, Ruby, Swift, Grant writing, ASP.NET, Node.js, MS Excel
Relocated to Austin, Texas in 2015. Managed a $1,250,000 budget from 2003 - 2007.

Personal Details
Date of Birth: 23rd of May, 1993
Age: 31
Sex: Female
Marital Status: Married
Nationality: Kenyan
Religion: Christian
Photo: attached

References
Laurel Harris, Director at Northwind Analytics, (646) 382-8408, laurel at example dot com
"""
VALUES = ["Okafor", "grant.okafor@example.org", "7946 0958", "grant-okafor", "12 Oak Street",
          "23rd of May", "Female", "Married", "Kenyan", "Christian", "Laurel Harris",
          "382-8408", "laurel at example dot com"]
KEPT = ["Grant Writer", "Java, Julia, Jenkins, Ruby, Swift, Grant writing, ASP.NET, Node.js, MS Excel",
        "Relocated to Austin, Texas in 2015", "$1,250,000 budget from 2003 - 2007", "Summary",
        "Personal Details", "Northwind Analytics"]


def test_every_value_is_replaced_by_its_type_and_counted():
    result = redact(RESUME)
    for value in VALUES:
        assert value not in result.text, value
    for kind in ("NAME", "EMAIL", "PHONE", "URL", "ADDRESS", "DOB", "AGE", "GENDER", "MARITAL",
                 "NATIONALITY", "RELIGION", "PHOTO", "PRONOUN"):
        assert f"[{kind}]" in result.text, kind
    assert result.counts["NAME"] == 3  # header, "Grant has", the referee
    assert result.counts["EMAIL"] == 2 and result.counts["PHONE"] == 2
    assert result.text.startswith("[NAME]\nGrant Writer\n[EMAIL] | [PHONE] | [URL] | [ADDRESS]\n")


def test_skills_places_dates_and_titles_that_look_like_names_survive():
    text = redact(RESUME).text
    for phrase in KEPT:
        assert phrase in text, phrase


def test_counts_hold_types_and_numbers_never_values():
    texts, counts = redact_texts([RESUME, None, "no personal data here"])
    assert texts[1] is None and texts[2] == "no personal data here"
    rows = counts.to_pylist()
    assert rows[1] is None and set(rows[2].values()) == {0}
    assert set(rows[0]) == {kind.lower() for kind in PII_TYPES}
    assert all(isinstance(v, int) for v in rows[0].values())
    assert rows[0]["email"] == 2


@pytest.mark.parametrize("text, kind", [
    ("jane at example dot com", "EMAIL"), ("jane.doe [at] example [dot] org", "EMAIL"),
    ("j.doe(at)mail(dot)example(dot)co(dot)uk", "EMAIL"), ("Jane.Doe+cv@Example.co.uk", "EMAIL"),
    ("+49 (0)30 1234567", "PHONE"), ("+33 6 12 34 56 78", "PHONE"), ("+91 98765 43210", "PHONE"),
    ("(+2) 01207673477", "PHONE"), ("+44.1865.274624", "PHONE"), ("Mobile: 0171 2345678", "PHONE"),
    ("www.janedoe.dev", "URL"), ("github.com/janedoe", "URL"), ("GitHub: janedoe", "URL"),
    ("Twitter: @jane_doe", "URL"), ("https://www.linkedin.com/in/jane-doe-1a2b", "URL"),
    ("Hauptstraße 12, 10115 Berlin", "ADDRESS"), ("Lawrenceville, GA 30043", "ADDRESS"),
    ("Date of Birth :\n20 Sep -1978", "DOB"), ("DOB: 1985-04-12", "DOB"), ("I am 34 years old", "AGE"),
    ("Pronouns: she/her", "GENDER"), ("Marital Status:\nMarried.", "MARITAL"),
    ("Nationality\n:\nIndian", "NATIONALITY"), ("Kind regards,\nThandeka Nkosi", "NAME"),
    ("Supervisor:\nKayla Danks, Superintendent", "NAME"), ("Ms. Okafor approved it", "NAME"),
])
def test_each_shape_is_found(text, kind):
    assert kind in {k for _, _, k in find_spans(text)}, (text, find_spans(text))


@pytest.mark.parametrize("text", [
    "Worked with ASP.NET, Node.js, Socket.io and salesforce.com", "From 01.02.2015 to 2016-03-01",
    "Years 2003 2007 2010", "Upgraded to Python 3.11.4", "B.Sc. in Physics, B.Com. in Accounting",
    "Grant writing and Ruby on Rails", "Moved to Austin, Texas", "Photo editing and Photoshop",
    "Customer Service Manager: Led a team", "Franklin Pierce College", "Status: Active clearance",
    "Ages 13-35 years old audience",
])
def test_look_alikes_are_kept(text):
    assert find_spans(text) == [], find_spans(text)


def test_a_name_in_no_list_is_found_in_the_header():
    assert redact("Thandeka Nkosi\nData Analyst\n...").text.startswith("[NAME]\n")
    assert redact("HEALTH COACH\nSummary\n...").text.startswith("HEALTH COACH")


def test_redaction_is_stable_when_repeated():
    once = redact(RESUME).text
    assert redact(once).text == once


def test_unknown_type_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown.*SSN.*EMAIL"):
        redact("x", types=["EMAIL", "SSN"])


def test_only_the_chosen_types_are_redacted():
    result = redact(RESUME, types=["EMAIL"])
    assert set(result.counts) == {"EMAIL"} and "Grant Okafor" in result.text


def test_planted_corpus_meets_the_recall_targets():
    corpus = planted_corpus(200, seed=2)
    scores = summarise([planted_scores(r.text, list(r.spans), list(r.keep), find_spans(r.text))
                        for r in corpus])
    types = scores["types"]
    for kind in ("EMAIL", "PHONE", "URL"):
        assert types[kind]["recall"] >= 0.99, (kind, types[kind])
    assert types["NAME"]["recall"] >= 0.90, types["NAME"]
    assert scores["lookalikes_kept"] >= 0.99


def test_the_recall_measure_counts_a_partly_redacted_value_as_missed():
    text = "mail jane@example.org now"
    planted = [(5, 21, "EMAIL")]
    assert summarise([planted_scores(text, planted, [], [(5, 9, "EMAIL")])])["types"]["EMAIL"]["recall"] == 0
    assert summarise([planted_scores(text, planted, [], [(5, 21, "URL")])])["types"]["EMAIL"]["recall"] == 1
