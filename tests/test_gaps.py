"""Gap analysis: exactly which required and preferred skills a resume shows, and the seniority gap."""
from __future__ import annotations

import pytest

from recruit_core.data.synth import resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.text.gaps import analyse_gap, estimate_seniority
from recruit_core.text.skills import SkillMention

JOB = {"job_id": "J1", "required_skills": ["python", "spark", "sql", "airflow"],
       "preferred_skills": ["kafka", "sql", "dbt"], "seniority": "senior"}


def test_matched_and_missing_lists_keep_the_jobs_order():
    gap = analyse_gap(JOB, {"airflow", "python", "dbt", "excel"}, "mid")
    assert gap.required_matched == ["python", "airflow"]
    assert gap.required_missing == ["spark", "sql"]
    assert gap.preferred_matched == ["dbt"]
    assert gap.preferred_missing == ["kafka"]  # sql is required already, not counted twice
    assert gap.seniority_gap == 1 and gap.required_coverage == 0.5


def test_evidence_comes_from_mentions():
    text = "Python, PySpark... python again; Kafka"
    mentions = [SkillMention("python", 0, 6, "Python"), SkillMention("python", 20, 26, "python"),
                SkillMention("kafka", 34, 39, "Kafka"), SkillMention("excel", 40, 45, "Excel")]
    gap = analyse_gap(JOB, mentions, "lead")
    assert gap.required_matched == ["python"] and gap.preferred_matched == ["kafka"]
    assert gap.evidence == {"python": [(0, 6, "Python"), (20, 26, "python")], "kafka": [(34, 39, "Kafka")]}
    assert gap.seniority_gap == -1  # the resume is above the job's level
    assert text[0:6] == "Python"


def test_a_resume_without_skills_misses_everything():
    gap = analyse_gap(JOB, set(), "senior")
    assert gap.required_matched == [] and gap.required_missing == JOB["required_skills"]
    assert gap.preferred_missing == ["kafka", "dbt"] and gap.seniority_gap == 0


def test_seniority_estimated_from_the_text_when_not_given():
    text = "Ana Silva\nJunior Data Engineer\nana@example.net\n\nSummary\nData engineer with 1 year of experience."
    gap = analyse_gap(JOB, {"python"}, resume_text=text)
    assert gap.resume_seniority == "junior" and gap.seniority_gap == 2
    assert analyse_gap(JOB, {"python"}).seniority_gap == 0  # unknown: no gap claimed


@pytest.mark.parametrize("text, level", [
    ("Li Wei\nSenior Backend Engineer\nli@example.org", "senior"),
    ("Li Wei\nBackend Engineer\n\nBackend engineer with 4 years of experience in APIs.", "mid"),
    ("Li Wei\nPrincipal Engineer\n\nEngineer with 10 years of experience in platforms.", "lead"),
    ("Li Wei\nEngineer\n\nOver 14+ yrs experience running teams.", "lead"),
    ("Li Wei\nEngineer\n\nBuilt things.", None),
])
def test_estimate_seniority(text, level):
    assert estimate_seniority(text) == level


def test_estimate_seniority_agrees_with_the_pool():
    """Most generated resumes state their years; the estimate should match the truth for them."""
    resumes, truth = resume_tables(load_builtin(), 5, 0, 300, 0.15, 0.0)
    pairs = [(estimate_seniority(t), s) for t, s in zip(resumes.column("text").to_pylist(),
                                                        truth.column("seniority").to_pylist())]
    known = [(e, s) for e, s in pairs if e is not None]
    accuracy = sum(e == s for e, s in known) / len(known)
    assert len(known) / len(pairs) > 0.85 and accuracy > 0.9, (len(known), accuracy)


def test_unknown_seniority_names_the_value():
    with pytest.raises(ValueError, match="'principal'.*junior, mid, senior, lead"):
        analyse_gap(JOB, set(), "principal")
