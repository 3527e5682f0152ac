"""`recruit report <output_root>`: a static HTML report of one run, from the files its jobs wrote.

    recruit report outputs/demo                     # -> outputs/demo/report/index.html
    python -m ray_jobs.cli report outputs/demo -o /tmp/demo-report

Pages: index.html (inputs, counts, quarantine reasons, score plots, stages and timings, model
versions), jobs/<job id>.html (one per requisition with a shortlist), models.html (training and
evaluation figures), audit.html (when audit/audit.json exists) and drift.html (when
drift/drift.json exists). Each page is one file with
everything inline: it opens from a disk, a mail attachment or a phone without a network.
The demo writes it at the end (recruit_core/demo_ray.py). A run in an object store
(`recruit report s3://bucket/run`): recruit_core/report/remote.py.
"""
from __future__ import annotations

import time
from pathlib import Path

from recruit_core.io import write_text_atomic
from recruit_core.report.drift_page import drift_page
from recruit_core.report.flags import resume_flags, shortlist_flags
from recruit_core.report.html import page
from recruit_core.report.job_page import job_file, job_page, read_packs
from recruit_core.report.outputs import ReportError, RunOutputs
from recruit_core.report.overview import overview_page
from recruit_core.report.quality_page import audit_page, models_page

__all__ = ["ReportError", "write_report"]


def _skill_tools():
    """The built-in taxonomy's skill extractor and labels; (None, None) if it cannot be built."""
    try:
        from recruit_core.data.taxonomy import load_builtin
        from recruit_core.text.skills import SkillExtractor
        taxonomy = load_builtin()
        return SkillExtractor.from_taxonomy(taxonomy), taxonomy
    except (ImportError, OSError, ValueError):
        return None, None


def _job_rows(run: RunOutputs) -> dict[str, dict]:
    if run.jobs is None:
        return {}
    return {row["job_id"]: row for row in run.jobs.to_pylist()}


def _candidates(run: RunOutputs) -> dict[str, list[dict]]:
    """Shortlist rows per job in rank order, with the predicted category and flags (report/flags.py)."""
    if run.shortlists is None:
        return {}
    categories = {}
    if run.scores is not None and "category_1" in run.scores.column_names:
        categories = dict(zip(run.scores.column("resume_id").to_pylist(),
                              run.scores.column("category_1").to_pylist()))
    flags = resume_flags(run)
    by_job: dict[str, list[dict]] = {}
    for row in sorted(run.shortlists.to_pylist(), key=lambda r: (r["job_id"], r["rank"])):
        row["category"] = categories.get(row["resume_id"])
        row["flags"] = shortlist_flags(row, flags)
        by_job.setdefault(row["job_id"], []).append(row)
    return by_job


def write_report(root: Path, out: Path | None = None, shown_root: str | None = None) -> Path:
    """Write every page of the run in `root` under `out` (default root/report); the index's path.
    `shown_root`: where the run's outputs are, when `root` is a local copy of them
    (recruit_core/report/remote.py)."""
    run = RunOutputs.read(root)
    run.shown_root = shown_root
    out = out or root / "report"
    jobs, by_job = _job_rows(run), _candidates(run)
    extractor, taxonomy = _skill_tools()
    texts = run.resume_texts({c["resume_id"] for rows in by_job.values() for c in rows})
    pages = ([("Models", "models.html")] + ([("Bias audit", "audit.html")] if run.audit else [])
             + ([("Drift", "drift.html")] if run.drift else []))
    home = [("Overview", "../index.html")]
    links = []
    for job_id, candidates in sorted(by_job.items()):
        job = jobs.get(job_id, {"job_id": job_id, "title": None})
        title = job.get("title") or job_id
        packs = read_packs(root, job_id, [c["resume_id"] for c in candidates])
        body = job_page(job, candidates, texts, packs, extractor, taxonomy)
        write_text_atomic(page(f"{title} ({job_id})", body, home), out / job_file(job_id))
        scores = [c.get("rerank_score") if c.get("rerank_score") is not None else c.get("bi_score")
                  for c in candidates]
        links.append({"job_id": job_id, "title": job.get("title"), "href": job_file(job_id),
                      "candidates": len(candidates), "top score": max(scores) if scores else None})
    up = [("Overview", "index.html")]
    write_text_atomic(page("Models: training and evaluation",
                           models_page(run.training, run.evaluations, run.predictions), up), out / "models.html")
    if run.audit:
        write_text_atomic(page("Bias audit", audit_page(run.audit), up), out / "audit.html")
    if run.drift:
        write_text_atomic(page("Drift between two runs", drift_page(run.drift), up), out / "drift.html")
    title = f"Recruit run: {(run.demo or {}).get('experiment') or root.name}"
    stamp = f'<p class="note">Report written {time.strftime("%Y-%m-%d %H:%M")}.</p>'
    return write_text_atomic(page(title, overview_page(run, links, pages) + stamp, pages), out / "index.html")
