"""One page per requisition: its title and skills, the ranked shortlist with its fit scores, each
candidate's evidence (matched and missing skills, the resume passages that carry them) and packs.

    python -m ray_jobs.cli report outputs/demo     # writes report/jobs/<job id>.html (report/build.py)
"""
from __future__ import annotations

from pathlib import Path

from recruit_core.io import safe_file_name
from recruit_core.report import plots
from recruit_core.report.flags import FLAGS_NOTE
from recruit_core.report.html import Raw, esc, figure, markdown, skill_chips, table
from recruit_core.report.passages import passages

SHORTLIST_COLUMNS = ["rank", "resume_id", "rerank_score", "bi_score", "bi_rank", "required_coverage",
                     "seniority_gap", "category", "flags"]
SHORTLIST_HEADERS = ["rank", "candidate", "rerank score", "bi-encoder score", "bi-encoder rank",
                     "required skills shown", "seniority gap", "predicted category", "flags"]


def job_file(job_id: str) -> str:
    """The page of a job under the report folder: an id never names a path outside jobs/."""
    return f"jobs/{safe_file_name(job_id)}.html"


def _label(taxonomy, skill_id: str) -> str:
    return taxonomy.label(skill_id) if taxonomy is not None and skill_id in taxonomy.skills else skill_id


def job_header(job: dict, taxonomy) -> str:
    facts = " · ".join(esc(f"{k}: {job[k]}") for k in ("job_id", "location", "seniority", "occupation")
                       if job.get(k))
    required = [_label(taxonomy, s) for s in job.get("required_skills") or []]
    preferred = [_label(taxonomy, s) for s in job.get("preferred_skills") or []]
    return (f'<p class="note">{facts}</p><p>Required: {skill_chips(required, "have")}</p>'
            f'<p>Preferred: {skill_chips(preferred, "have")}</p>')


def score_plot(candidates: list[dict]) -> str:
    key = "rerank_score" if any(c.get("rerank_score") is not None for c in candidates) else "bi_score"
    scored = [c for c in candidates if c.get(key) is not None]
    uri = plots.bars([f"#{c['rank']} {c['resume_id']}" for c in scored], [c[key] for c in scored],
                     f"Shortlist by {key.replace('_', ' ')}", key.replace("_", " "))
    return figure(uri, f"bar chart of the shortlist by {key}", "no scored candidates")


def candidate_card(row: dict, text: str | None, extractor, taxonomy, pack: str | None) -> str:
    """Evidence of one shortlisted candidate: skills shown and not shown, passages, the pack."""
    matched = list(row.get("matched_skills") or []) + list(row.get("matched_preferred") or [])
    missing = list(row.get("missing_skills") or [])
    missing_preferred = list(row.get("missing_preferred") or [])
    parts = [f'<div class="card"><h3 id="{esc(row["resume_id"])}">#{esc(row["rank"])} '
             f'{esc(row["resume_id"])}</h3>',
             f'<p><span class="flag">{esc(row["flags"])}</span></p>' if row.get("flags") else "",
             f'<p>Skills shown: {skill_chips([_label(taxonomy, s) for s in matched], "have") or "none"}</p>',
             f'<p>Required, not shown: {skill_chips([_label(taxonomy, s) for s in missing], "lack")}</p>'
             if missing else "<p>Every required skill is shown.</p>"]
    if missing_preferred:
        chips = skill_chips([_label(taxonomy, s) for s in missing_preferred], "lack")
        parts.append(f"<p>Preferred, not shown: {chips}</p>")
    if text is None:
        parts.append('<p class="note">Resume text not found under pool/resumes: no passages.</p>')
    elif extractor is not None and matched:
        found = passages(text, set(matched), extractor)
        parts += [f"<blockquote>{html_passage}</blockquote>" for _, html_passage in found] or \
            ['<p class="note">No passage found for these skills with the built-in taxonomy.</p>']
    if pack is not None:
        parts.append(f"<details><summary>Interview pack</summary>{markdown(pack)}</details>")
    parts.append("</div>")
    return "".join(parts)


def job_page(job: dict, candidates: list[dict], texts: dict[str, str], packs: dict[str, str],
             extractor, taxonomy) -> str:
    """The body of one job's page; `candidates` are its shortlist rows in rank order, each with
    `category` and `flags` already added from the scores and the quarantine."""
    parts = [job_header(job, taxonomy), "<h2>Shortlist</h2>"]
    if not candidates:
        parts.append('<p class="note">No candidate was shortlisted for this job.</p>')
        return "".join(parts)
    rows = [{**c, "resume_id": Raw(f'<a href="#{esc(c["resume_id"])}">{esc(c["resume_id"])}</a>'),
             "flags": Raw(f'<span class="flag">{esc(c["flags"])}</span>') if c.get("flags") else ""}
            for c in candidates]
    parts += [score_plot(candidates), table(rows, SHORTLIST_COLUMNS, SHORTLIST_HEADERS),
              '<p class="note">Ranked by the cross-encoder\'s rerank score where there is one, then by '
              "bi-encoder score. Scores rank candidates for a reviewer; they are not a decision.</p>",
              f'<p class="note">{FLAGS_NOTE}</p>',
              "<h2>Evidence</h2>"]
    parts += [candidate_card(c, texts.get(c["resume_id"]), extractor, taxonomy, packs.get(c["resume_id"]))
              for c in candidates]
    return "".join(parts)


def read_packs(root: Path, job_id: str, resume_ids: list[str]) -> dict[str, str]:
    """The interview packs of this job's candidates (interview/packs/<job>/<resume>.md)."""
    folder = root / "interview" / "packs" / safe_file_name(job_id)
    packs = {}
    for resume_id in resume_ids:
        path = folder / f"{safe_file_name(resume_id)}.md"
        if path.is_file():
            packs[resume_id] = path.read_text(encoding="utf-8")
    return packs
