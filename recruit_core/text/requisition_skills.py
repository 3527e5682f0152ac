"""Required and preferred skill ids of requisitions that carry none, read from their own text.

    .venv/bin/python -c "from recruit_core.text.requisition_skills import text_skills; \
from recruit_core.text.skills import SkillExtractor; from recruit_core.data.taxonomy import load_builtin; \
print(text_skills('Data Engineer', 'Minimum qualifications:\\nPython, SQL\\nPreferred qualifications:\\nSpark', \
SkillExtractor.from_taxonomy(load_builtin())))"

Real postings (recruit_core/data/postings.py) come without skill ids, so the match job's evidence
(text/gaps.py `analyse_gap`) would list nothing matched and nothing missing for them. Here a job's
title and description go through the SkillExtractor the resumes go through: what the
"Preferred qualifications:" section names is preferred, everything before it (title,
responsibilities, minimum qualifications) is required. A skill named in both parts is required.
A job that carries any skill id keeps its lists as they are: a recruiter's list beats the text.
The match job and the scoring service both read requisitions through `open_requisitions`.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from recruit_core.config import DataConfig
from recruit_core.text.skills import SkillExtractor

# The heading recruit_core.data.postings.posting_description writes, and the usual wordings of it
# ("Preferred Qualifications", "Nice to have:") on a line of its own.
PREFERRED_HEADING = re.compile(r"^[ \t]*(?:preferred qualifications|nice to have|preferred)[ \t]*:?[ \t]*$",
                               re.IGNORECASE | re.MULTILINE)
SKILL_COLUMNS = ("required_skills", "preferred_skills")


def split_preferred(description: str) -> tuple[str, str]:
    """(the description before its preferred-qualifications heading, the text after it);
    ("description", "") when it has no such heading."""
    heading = PREFERRED_HEADING.search(description or "")
    if heading is None:
        return description or "", ""
    return description[:heading.start()], description[heading.end():]


def text_skills(title: str, description: str, extractor: SkillExtractor) -> tuple[list[str], list[str]]:
    """(required, preferred) skill ids in the order the text first names them."""
    before, after = split_preferred(description)
    required = _in_order(extractor, f"{title or ''}\n{before}")
    preferred = [s for s in _in_order(extractor, after) if s not in required]
    return required, preferred


def with_text_skills(jobs: pa.Table, extractor: SkillExtractor) -> pa.Table:
    """`jobs` (JOB_SCHEMA) with skill ids read from the text of every row that carries none."""
    if jobs.num_rows == 0:
        return jobs
    rows = jobs.to_pylist()
    for row in rows:
        if not any(row.get(column) for column in SKILL_COLUMNS):
            row["required_skills"], row["preferred_skills"] = text_skills(
                row.get("title") or "", row.get("description") or "", extractor)
    schema = jobs.schema
    for column in SKILL_COLUMNS:  # a table without the columns gets them
        if column not in schema.names:
            schema = schema.append(pa.field(column, pa.list_(pa.string())))
    return pa.Table.from_pylist(rows, schema=schema)


def open_requisitions(path: str | Path, data: DataConfig, key: str = "inputs.jobs") -> pa.Table:
    """The requisitions at `path` (score/scorer.load_requisitions), skill ids filled in from the
    text for the jobs that carry none, with the taxonomy of `data.taxonomy`."""
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.score.scorer import load_requisitions

    jobs = load_requisitions(path, key)
    return with_text_skills(jobs, SkillExtractor.from_taxonomy(load_taxonomy(data)))


def _in_order(extractor: SkillExtractor, text: str) -> list[str]:
    return list(dict.fromkeys(m.skill_id for m in extractor.extract(text)))
