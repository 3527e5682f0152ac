"""Counterfactual resumes: the same resume under names and pronouns of different groups, scored by the
real scoring code, with and without redaction.

    python bench/counterfactual.py          # MiniLM; python -m pytest -q tests/test_counterfactual.py (tiny)

Each resume body (no personal data) gets, per group, a header with a name from that group, an
e-mail address made from it and a third-person summary with the group's pronouns and the first
name. Everything else is the same, so any change of a score between groups is the name's or the
pronoun's doing. The groups (`GROUPS`) cross gender with three name origins; the given names of
the first two origins are from Bertrand and Mullainathan, "Are Emily and Greg More Employable than
Lakisha and Jamal?", American Economic Review 94(4), 2004 (their Table A1 names, a few each), the
South Asian ones are common Indian names; the surnames are common in each group. `measure` scores
every variant with `ResumeScorer` (the jobs' forward pass) and reports, against the first group:
|change| of every fit to every requisition and of the top category's probability, how often the
top category changes, and the share of shortlist places (top N per requisition) that change.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.privacy.redact import redact

GROUPS = {  # group: (given names, surnames, subject pronoun, possessive pronoun)
    "white_female": (("Emily", "Anne", "Jill", "Allison", "Laurie"), ("Baker", "Kelly", "Murphy"), "She", "her"),
    "white_male": (("Greg", "Brendan", "Geoffrey", "Brett", "Todd"), ("Baker", "Kelly", "Murphy"), "He", "his"),
    "black_female": (("Lakisha", "Latoya", "Tamika", "Ebony", "Aisha"), ("Washington", "Jackson", "Robinson"),
                     "She", "her"),
    "black_male": (("Jamal", "Darnell", "Tyrone", "Rasheed", "Kareem"), ("Washington", "Jackson", "Robinson"),
                   "He", "his"),
    "south_asian_female": (("Priya", "Ananya", "Lakshmi", "Kavya", "Shreya"), ("Patel", "Sharma", "Reddy"),
                           "She", "her"),
    "south_asian_male": (("Rahul", "Arjun", "Sanjay", "Nikhil", "Rohan"), ("Patel", "Sharma", "Reddy"),
                         "He", "his"),
}


def variant(body: str, group: str, index: int) -> str:
    """Resume `index` (its `body`) as written by a member of `group`."""
    given_names, surnames, he, his = GROUPS[group]
    given, surname = given_names[index % len(given_names)], surnames[index % len(surnames)]
    return (f"{given} {surname}\n{given.lower()}.{surname.lower()}@example.com | +1 (555) 010-{index % 10000:04d}"
            f"\n\nSummary\n{given} is a dependable professional. {he} led {his} team through two "
            f"product launches, and {his} managers rated {given} highly.\n\n{body.strip()}\n")


@dataclass
class Variants:
    groups: list[str]
    texts: dict[str, list[str]]  # group -> one text per resume, same order


def make_variants(bodies: list[str], groups: list[str] | None = None) -> Variants:
    groups = groups or list(GROUPS)
    return Variants(groups, {g: [variant(b, g, i) for i, b in enumerate(bodies)] for g in groups})


def build_scorer(cfg, jobs: pa.Table):
    """`ResumeScorer` as the score job builds it, listing every requisition's fit (top_jobs)."""
    from dataclasses import replace

    from recruit_core.score.scorer import ResumeScorer
    score = replace(cfg.score, top_jobs=jobs.num_rows, write_embeddings=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "jobs.parquet"
        pq.write_table(jobs, path)
        return ResumeScorer.from_config(score, cfg.model, cfg.data, jobs_path=str(path))


def _scores(scorer, texts: list[str]) -> dict[str, np.ndarray]:
    """fit [resumes, jobs] (columns in job-id order), top category and its probability."""
    table = scorer.score_table({"resume_id": [str(i) for i in range(len(texts))], "text": texts})
    column = {job_id: j for j, job_id in enumerate(scorer.job_ids)}
    fit = np.zeros((len(texts), len(scorer.job_ids)), np.float64)
    for row, top in enumerate(table.column("top_jobs").to_pylist()):
        for entry in top:
            fit[row, column[entry["job_id"]]] = entry["fit"]
    return {"fit": fit, "category": np.array(table.column("category_1").to_pylist(), dtype=object),
            "p": np.array(table.column("p_1").to_pylist(), np.float64)}


def shortlists(fit: np.ndarray, top_n: int) -> np.ndarray:
    """[jobs, top_n] resume indices, best first; ties go to the lower index, as in matching."""
    order = np.lexsort((np.tile(np.arange(fit.shape[0]), (fit.shape[1], 1)), -fit.T))
    return order[:, :top_n]


def _compare(reference: dict, other: dict, top_n: int) -> dict:
    fit_delta = np.abs(other["fit"] - reference["fit"])
    a, b = shortlists(reference["fit"], top_n), shortlists(other["fit"], top_n)
    return {"max_abs_delta_fit": float(fit_delta.max()), "mean_abs_delta_fit": float(fit_delta.mean()),
            "max_abs_delta_p1": float(np.abs(other["p"] - reference["p"]).max()),
            "top_category_changed": float(np.mean(other["category"] != reference["category"])),
            "shortlist_places_changed": float(np.mean(a != b))}


def measure(scorer, variants: Variants, redacted: bool, top_n: int, types=None) -> dict:
    """Every group against the first, scored as written or after redaction; worst and per group."""
    scored = {}
    for group in variants.groups:
        texts = variants.texts[group]
        if redacted:
            texts = [redact(t, types).text if types else redact(t).text for t in texts]
        scored[group] = _scores(scorer, texts)
    reference = variants.groups[0]
    per_group = {g: _compare(scored[reference], scored[g], top_n) for g in variants.groups[1:]}
    worst = {key: max(c[key] for c in per_group.values()) for key in next(iter(per_group.values()))}
    return {"redacted": redacted, "reference_group": reference, "resumes": len(variants.texts[reference]),
            "jobs": len(scorer.job_ids), "shortlist_n": top_n, **worst, "per_group": per_group}


def violations(report: dict, max_delta: float) -> list[str]:
    """What exceeds `privacy.counterfactual_max_delta`: a fit or top-category probability moving,
    the top category or a shortlist place changing, when only names and pronouns differ."""
    found = [f"{key}={report[key]:.3g} > {max_delta:g}" for key in ("max_abs_delta_fit", "max_abs_delta_p1")
             if report[key] > max_delta]
    found += [f"{key}={report[key]:.3g} > 0" for key in ("top_category_changed", "shortlist_places_changed")
              if report[key] > 0]
    return found
