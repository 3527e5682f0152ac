"""The drift job: what changed between two score runs (and their match runs), in drift.json and drift.md.

    recruit drift outputs/night1/scores outputs/night2/scores
    python ray_jobs/drift.py drift.baseline=outputs/night1/scores drift.current=outputs/night2/scores \\
        drift.baseline_match=outputs/night1/match drift.current_match=outputs/night2/match

Runs in this process, not on Ray: it reads a few columns of both runs' outputs (resume_id,
category_1, p_1, best_fit, reason; job_id and resume_id of the shortlists), which for a pool of
millions is a few hundred MB of Arrow and seconds of numpy. The statistics: recruit_core/drift/.
A report page shows drift.json when it is in a run's drift/ folder (`recruit report <output_root>`).
"""
from __future__ import annotations

from pathlib import Path

from recruit_core.config import RecruitConfig
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.drift.compare import compare_runs
from recruit_core.io import write_json_atomic, write_text_atomic


def run(cfg: RecruitConfig) -> dict:
    """Compare drift.current with drift.baseline; write drift.json and drift.md; the report."""
    drift = cfg.drift
    if not drift.baseline or not drift.current:
        raise ValueError("drift.baseline and drift.current: give two score output folders, e.g. "
                         "`recruit drift outputs/night1/scores outputs/night2/scores`")
    if bool(drift.baseline_match) != bool(drift.current_match):
        raise ValueError("drift.baseline_match and drift.current_match: give both match output "
                         "folders for shortlist churn, or neither")
    taxonomy = load_taxonomy(cfg.data)
    report = compare_runs(drift, {o.id: o.family for o in taxonomy.occupations})
    folder = Path(drift.output_dir)
    report["drift_json"], report["drift_md"] = str(folder / "drift.json"), str(folder / "drift.md")
    write_json_atomic(report, folder / "drift.json")
    report["markdown"] = render_markdown(report)
    write_text_atomic(report["markdown"], folder / "drift.md")
    return report


def _table(rows: list[dict], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in columns)
                    + " |" for r in rows]


def render_markdown(report: dict) -> str:
    lines = [f"# Drift: {report['current']} against {report['baseline']}", "",
             f"Scored rows: {report['rows']['baseline']} -> {report['rows']['current']}.", ""]
    flagged = report["flagged"]
    lines += (["## Flagged", ""] + [f"- {line}" for line in flagged] if flagged
              else ["Nothing flagged."]) + [""]
    lines += ["## Score distribution shift", ""] + _table(
        report["score_shift"], ["score", "category", "baseline_rows", "current_rows", "psi", "ks",
                                "ks_pvalue", "flagged"]) + [""]
    mix = report["category_mix"]
    lines += [f"## Category mix (PSI {mix['psi']})", ""] + _table(
        mix["categories"], ["category", "baseline_share", "current_share", "change"]) + [""]
    lines += ["## Quarantine rate by reason", ""] + _table(
        report["quarantine"], ["reason", "baseline_rate", "current_rate", "flagged"]) + [""]
    if "family_mix" in report:
        family = report["family_mix"]
        lines += [f"## Job family mix (PSI {family['psi']})", ""] + _table(
            family["categories"], ["category", "baseline_share", "current_share", "change"]) + [""]
    if "shortlist_churn" in report:
        lines += ["## Shortlist churn per job", ""] + _table(
            report["shortlist_churn"], ["job_id", "baseline", "current", "churn", "flagged"]) + [""]
    return "\n".join(lines)
