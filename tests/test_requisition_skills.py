"""Skill ids read from a requisition's text when it carries none (real postings), without Ray:
required from the title and the part before "Preferred qualifications:", preferred from after it;
jobs with skill ids untouched; the postings file converted to the requisitions the match job reads."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recruit_core.config import DataConfig
from recruit_core.data.postings import HALVES, main, posting_description
from recruit_core.data.synth import JOB_SCHEMA
from recruit_core.data.taxonomy import load_builtin
from recruit_core.score.scorer import load_requisitions
from recruit_core.text.gaps import analyse_gap
from recruit_core.text.requisition import requisition_texts
from recruit_core.text.requisition_skills import open_requisitions, text_skills, with_text_skills
from recruit_core.text.skills import SkillExtractor

EXTRACTOR = SkillExtractor.from_taxonomy(load_builtin())
POSTING = {"title": "Front End Software Engineer",
           "responsibilities": "Build web pages in JavaScript and HTML.",
           "minimum_qualifications": "3 years of experience with Java.",
           "preferred_qualifications": "Experience with CSS and Java. Project management skills."}


def _job(job_id: str, description: str, required=(), preferred=()) -> dict:
    return {"job_id": job_id, "title": "Engineer", "description": description,
            "required_skills": list(required), "preferred_skills": list(preferred),
            "location": None, "seniority": None, "occupation": None}


def test_posting_text_gives_required_then_preferred_skills_in_text_order():
    required, preferred = text_skills(POSTING["title"], posting_description(POSTING), EXTRACTOR)
    assert required == ["javascript", "html", "java"]
    # Java is named in both parts: it stays required only
    assert preferred == ["css", "project_management"]


def test_text_without_a_preferred_section_makes_every_skill_required():
    required, preferred = text_skills("Data Analyst", "We use Python and SQL every day.", EXTRACTOR)
    assert required == ["python", "sql"] and preferred == []


def test_jobs_with_skill_ids_keep_them_and_the_others_get_evidence():
    jobs = pa.Table.from_pylist([
        _job("J1", "Python and Java.", required=["go_custom"], preferred=[]),
        _job("J2", "Python and Java.\nPreferred qualifications:\nCSS"),
        _job("J3", "Python.", preferred=["excel"])], schema=JOB_SCHEMA)
    filled = with_text_skills(jobs, EXTRACTOR)
    assert filled.schema == JOB_SCHEMA
    rows = {r["job_id"]: r for r in filled.to_pylist()}
    assert (rows["J1"]["required_skills"], rows["J1"]["preferred_skills"]) == (["go_custom"], [])
    assert (rows["J3"]["required_skills"], rows["J3"]["preferred_skills"]) == ([], ["excel"])
    assert (rows["J2"]["required_skills"], rows["J2"]["preferred_skills"]) == (["python", "java"], ["css"])
    gap = analyse_gap(rows["J2"], {"python", "css"})
    assert gap.required_matched == ["python"] and gap.required_missing == ["java"]
    assert gap.preferred_matched == ["css"]


def _postings_file(tmp_path, n=12):
    rows = [{**POSTING, "job_id": f"GD{i:04d}", "company": "Google", "title": f"Software Engineer {i}",
             "category": "Software Engineering", "location": f"City {i}",
             "responsibilities": f"{POSTING['responsibilities']} Team {i}.",
             "relevant_livecareer_categories": ["INFORMATION-TECHNOLOGY"]} for i in range(n)]
    path = tmp_path / "postings.parquet"
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_conversion_writes_requisitions_the_match_job_reads(tmp_path):
    postings = _postings_file(tmp_path)
    written = []
    for half in HALVES:
        out = tmp_path / half / "jobs.parquet"
        summary = main(["--to-jobs", str(out), "--half", half, "--postings", str(postings)])
        assert summary["without_skills"] == 0
        jobs = load_requisitions(tmp_path / half)  # what `recruit match inputs.jobs=...` reads
        assert jobs.schema == JOB_SCHEMA
        assert requisition_texts(jobs)[0].startswith("Software Engineer ")
        assert "Preferred qualifications:\nExperience with CSS" in jobs.column("description")[0].as_py()
        assert jobs.column("required_skills")[0].as_py() == ["javascript", "html", "java"]
        written += jobs.column("job_id").to_pylist()
    assert sorted(written) == [f"GD{i:04d}" for i in range(12)]  # each posting in exactly one half


def test_open_requisitions_fills_only_jobs_without_skill_ids(tmp_path):
    jobs = pa.Table.from_pylist([_job("J2", "Python."), _job("J1", "Python.", required=["sql"])],
                                schema=JOB_SCHEMA)
    (tmp_path / "jobs").mkdir()
    pq.write_table(jobs, tmp_path / "jobs" / "part-0.parquet")
    opened = open_requisitions(tmp_path / "jobs", DataConfig()).to_pylist()
    assert [(r["job_id"], r["required_skills"]) for r in opened] == [("J1", ["sql"]), ("J2", ["python"])]


@pytest.mark.parametrize("half", ["middle"])
def test_conversion_names_a_wrong_half(tmp_path, half):
    with pytest.raises(SystemExit):
        main(["--to-jobs", str(tmp_path / "j.parquet"), "--half", half,
              "--postings", str(_postings_file(tmp_path))])
