"""The report's front page (index.html): what ran, on what, with which models, how long, and links.

    python -m ray_jobs.cli report outputs/demo     # writes it with the other pages (report/build.py)
"""
from __future__ import annotations

from collections import Counter

from recruit_core.report import plots
from recruit_core.report.html import Raw, esc, figure, link, table
from recruit_core.report.outputs import RunOutputs

NO_RERANK = "none (bi-encoder order)"  # what the match job records without a cross-encoder


def stage_rows(run: RunOutputs) -> list[dict]:
    """One row per stage the run's summaries name: seconds, model, and a note when it was skipped."""
    seconds = dict((run.demo or {}).get("stage_seconds", {}))
    outputs = dict((run.demo or {}).get("outputs", {}))
    for name, summary in (("score", run.score), ("match", run.match)):
        if summary and name not in outputs:
            outputs[name], seconds[name] = summary, summary.get("seconds")
    rows = []
    for name, result in outputs.items():
        result = result or {}
        model = result.get("model") or result.get("biencoder") or ""
        note = ""
        if name == "match":
            rerank = result.get("rerank_model", "")
            model = f"bi-encoder {model}; reranker {rerank}"
            if rerank == NO_RERANK:
                note = "reranking skipped: no match.crossencoder_path, shortlists keep bi-encoder order"
        if name.startswith("train_"):
            note = f"dev score {result.get('dev_score', float('nan')):.3f}"
        if name == "schedule" and result.get("not_scheduled"):
            note = f"{result['not_scheduled']} candidates not scheduled: {result.get('reasons', {})}"
        rows.append({"stage": name, "seconds": seconds.get(name), "model": model, "note": note})
    return rows


def count_rows(run: RunOutputs) -> list[dict]:
    score, match = run.score or {}, run.match or {}
    counts = {"input files": score.get("files"), "resumes read": score.get("rows_in"),
              "resumes scored": score.get("rows_scored"), "resumes quarantined": score.get("rows_quarantined"),
              "open requisitions": run.jobs.num_rows if run.jobs is not None else match.get("jobs"),
              "shortlisted (job, candidate) pairs": match.get("shortlisted_pairs"),
              "interview packs": _distinct_packs(run),
              "interviews scheduled": run.schedule.num_rows if run.schedule is not None else None,
              "candidates not scheduled": len(run.unscheduled) if run.unscheduled is not None else None}
    return [{"what": k, "count": v} for k, v in counts.items() if v is not None]


def _distinct_packs(run: RunOutputs) -> int | None:
    if run.questions is None or "pack" not in run.questions.column_names:
        return None
    return len(set(run.questions.column("pack").to_pylist()))


def quarantine_rows(run: RunOutputs) -> list[dict]:
    reasons = (run.score or {}).get("reasons")
    if not reasons and run.quarantine is not None and "reason" in run.quarantine.column_names:
        reasons = Counter(run.quarantine.column("reason").to_pylist())
    return [{"reason": r, "resumes": n} for r, n in sorted((reasons or {}).items(), key=lambda kv: -kv[1])]


def model_rows(run: RunOutputs) -> list[dict]:
    rows = []
    if run.score:
        rows.append({"used by": "score", "model": run.score.get("model"),
                     "config hash": run.score.get("config_hash")})
    if run.match:
        rows.append({"used by": "match (bi-encoder)", "model": run.match.get("biencoder")})
        rows.append({"used by": "match (reranker)", "model": run.match.get("rerank_model")})
    for name, figures in run.training.items():
        rows.append({"used by": f"trained: {figures.get('task', '?')}", "model": figures.get("model"),
                     "config hash": name})
    return rows


def score_plots(run: RunOutputs) -> str:
    if run.scores is None:
        return '<p class="note">No scores in this run (scores/scores is missing): no distributions.</p>'
    best = run.scores.column("best_fit").to_pylist() if "best_fit" in run.scores.column_names else []
    hist = figure(plots.histogram(best, "Best fit per resume", "cosine fit of its best job"),
                  "histogram of best fit per resume", "no best_fit values (scored without jobs)")
    if "category_1" not in run.scores.column_names:
        return f'<div class="grid"><div>{hist}</div></div>'
    counts = Counter(run.scores.column("category_1").to_pylist()).most_common(25)
    cats = figure(plots.bars([c for c, _ in counts], [n for _, n in counts],
                             "Resumes per predicted category (top 25)", "resumes"),
                  "bar chart of resumes per predicted category")
    return f'<div class="grid"><div>{hist}</div><div>{cats}</div></div>'


def overview_page(run: RunOutputs, job_links: list[dict], pages: list[tuple[str, str]]) -> str:
    parts = [f'<p class="note">Output folder: {esc(run.shown_root or run.root.resolve())}. Found: '
             f'{esc(", ".join(run.found()))}. The tool recommends candidates for a person to review; '
             "it decides nothing.</p>"]
    parts += ["<h2>Inputs and counts</h2>", table(count_rows(run), ["what", "count"])]
    quarantine = quarantine_rows(run)
    parts.append("<h2>Quarantined resumes by reason</h2>")
    parts.append(table(quarantine, ["reason", "resumes"]) if quarantine else
                 '<p class="note">None quarantined' + ("" if run.score else " (no scoring summary)") + ".</p>")
    parts += ["<h2>Scores</h2>", score_plots(run)]
    parts.append("<h2>Open requisitions</h2>")
    parts.append(table([{**j, "job": link(j["title"] or j["job_id"], j["href"])} for j in job_links],
                       ["job", "job_id", "candidates", "top score"], ["job", "job id", "candidates", "top score"])
                 if job_links else '<p class="note">No shortlists in this run (match/shortlists is missing).</p>')
    stages = stage_rows(run)
    if stages:
        parts += ["<h2>Stages and timings</h2>", table(stages, ["stage", "seconds", "model", "note"])]
    parts += ["<h2>Model versions</h2>",
              table(model_rows(run), ["used by", "model", "config hash"]) if model_rows(run)
              else '<p class="note">No model fingerprints in this run\'s summaries.</p>']
    return "".join(str(p) if isinstance(p, Raw) else p for p in parts)
