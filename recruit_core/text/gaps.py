"""Skill and seniority gaps between a job requisition and a resume: what is there, what is missing.

    .venv/bin/python -c "from recruit_core.text.gaps import estimate_seniority; \
print(estimate_seniority('Senior Data Engineer with 7 years of experience'))"

`analyse_gap` compares the job's required and preferred skill ids with the skills found in the resume
(ids, or `SkillMention`s from `recruit_core.text.skills`, which also give the evidence: where in the
resume each skill is written). Seniority levels are junior, mid, senior, lead = 0..3, as in the
synthetic pool; a positive `seniority_gap` means the job asks for more than the resume shows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from recruit_core.data.synth_text import SENIORITY
from recruit_core.text.skills import SkillMention

Evidence = dict[str, list[tuple[int, int, str]]]

# "7 years of experience", "7+ yrs", "over 12 years in": the number a resume states about itself.
YEARS_PHRASE = re.compile(r"\b(\d{1,2})\s*\+?\s*(?:years?|yrs?)\b(?:\s+of)?(?:\s+\w+){0,2}?\s+"
                          r"(?:experience|exp\b|in\b|as\b|working)", re.IGNORECASE)
# Title words that name a level, strongest first: a "Lead ... " headline outranks any year count.
TITLE_LEVELS = (("lead", re.compile(r"\b(?:lead|principal|head of|staff|chief)\b", re.I)),
                ("senior", re.compile(r"\b(?:senior|sr\.?)(?=\s)", re.I)),
                ("junior", re.compile(r"\b(?:junior|jr\.?|associate|graduate|intern|trainee)(?=\s)", re.I)))
# The headline (name, title, contacts) sits in the first lines; titles further down are past jobs.
HEADLINE_LINES = 3
# Upper bounds of years per level: the synthetic pool's bands (synth_text.SENIORITY_YEARS), whose
# shared edge (10 years is senior or lead) the title settles.
YEARS_UPPER = (("junior", 2), ("mid", 5), ("senior", 10))


@dataclass(frozen=True)
class Gap:
    required_matched: list[str]
    required_missing: list[str]
    preferred_matched: list[str]
    preferred_missing: list[str]
    seniority_gap: int  # job level - resume level (junior..lead = 0..3); 0 when the resume's is unknown
    evidence: Evidence = field(default_factory=dict)
    resume_seniority: str | None = None

    @property
    def required_coverage(self) -> float:
        """Share of required skills the resume shows; 1.0 when the job requires none."""
        total = len(self.required_matched) + len(self.required_missing)
        return len(self.required_matched) / total if total else 1.0

    def to_row(self) -> dict:
        """A flat row for Parquet: lists as lists, evidence as the count of mentions per skill."""
        return {"required_matched": self.required_matched, "required_missing": self.required_missing,
                "preferred_matched": self.preferred_matched, "preferred_missing": self.preferred_missing,
                "seniority_gap": self.seniority_gap, "resume_seniority": self.resume_seniority,
                "required_coverage": round(self.required_coverage, 4)}


def seniority_level(seniority: str) -> int:
    try:
        return SENIORITY.index(seniority.lower())
    except (ValueError, AttributeError):
        raise ValueError(f"seniority {seniority!r}: use one of {', '.join(SENIORITY)}") from None


def _level_from_years(years: int) -> str:
    for level, upper in YEARS_UPPER:
        if years <= upper:
            return level
    return "lead"


def estimate_seniority(text: str) -> str | None:
    """junior | mid | senior | lead from the resume's own words, or None when it says nothing.

    The years the resume states decide; the headline title's level word ("Senior", "Lead") settles
    the senior/lead edge at 10 years and stands in when no years are stated.
    """
    headline = "\n".join(text.splitlines()[:HEADLINE_LINES])
    title_level = next((level for level, pattern in TITLE_LEVELS if pattern.search(headline)), None)
    stated = [int(m.group(1)) for m in YEARS_PHRASE.finditer(text)]
    if not stated:
        return title_level
    years = max(stated)
    if years == YEARS_UPPER[-1][1] and title_level == "lead":
        return "lead"
    return _level_from_years(years)


def _evidence(mentions: Iterable[SkillMention]) -> Evidence:
    evidence: Evidence = {}
    for m in mentions:
        evidence.setdefault(m.skill_id, []).append((m.start, m.end, m.surface))
    return evidence


def analyse_gap(job: dict, resume_skill_ids: set[str] | Iterable[SkillMention],
                resume_seniority: str | None = None, resume_text: str | None = None) -> Gap:
    """Gap of one (job, resume) pair; `job` is a JOB_SCHEMA row.

    Lists keep the job's order of skills, so the first missing required skill is the one the job
    lists first. Without `resume_seniority`, it is estimated from `resume_text` when given.
    """
    resume_skills = list(resume_skill_ids)
    if resume_skills and isinstance(resume_skills[0], SkillMention):
        evidence = _evidence(resume_skills)
        found = set(evidence)
    else:
        evidence, found = {}, set(resume_skills)
    required = list(dict.fromkeys(job.get("required_skills") or ()))
    preferred = [s for s in dict.fromkeys(job.get("preferred_skills") or ()) if s not in required]
    if resume_seniority is None and resume_text is not None:
        resume_seniority = estimate_seniority(resume_text)
    gap = 0
    if resume_seniority is not None and job.get("seniority"):
        gap = seniority_level(job["seniority"]) - seniority_level(resume_seniority)
    return Gap([s for s in required if s in found], [s for s in required if s not in found],
               [s for s in preferred if s in found], [s for s in preferred if s not in found],
               gap, {s: evidence[s] for s in (*required, *preferred) if s in evidence},
               resume_seniority)
