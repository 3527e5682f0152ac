"""The drift report (drift/drift.json, written by `recruit drift`) as a report page.

    recruit drift outputs/a/scores outputs/b/scores drift.output_dir=outputs/b/drift
    recruit report outputs/b                        # -> outputs/b/report/drift.html
"""
from __future__ import annotations

from recruit_core.report.html import esc, table


def drift_page(drift: dict) -> str:
    flagged = drift.get("flagged") or []
    parts = [f'<p>{esc(drift.get("current"))} against the baseline {esc(drift.get("baseline"))}: '
             f'{len(flagged)} findings flagged.</p>']
    if flagged:
        parts.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in flagged) + "</ul>")
    parts += ["<h2>Score distribution shift (PSI, two-sample KS)</h2>",
              table(drift.get("score_shift", []), ["score", "category", "baseline_rows", "current_rows",
                                                   "psi", "ks", "ks_pvalue", "flagged"])]
    mix = drift.get("category_mix") or {}
    parts += [f"<h2>Category mix (PSI {esc(mix.get('psi'))})</h2>",
              table(mix.get("categories", []), ["category", "baseline_share", "current_share", "change"])]
    if "family_mix" in drift:
        family = drift["family_mix"]
        parts += [f"<h2>Job family mix (PSI {esc(family.get('psi'))})</h2>",
                  table(family.get("categories", []), ["category", "baseline_share", "current_share",
                                                       "change"])]
    parts += ["<h2>Quarantine rate by reason</h2>",
              table(drift.get("quarantine", []), ["reason", "baseline_rate", "current_rate", "flagged"])]
    if "shortlist_churn" in drift:
        parts += ["<h2>Shortlist churn per job</h2>",
                  table(drift["shortlist_churn"], ["job_id", "baseline", "current", "churn", "flagged"])]
    return "".join(parts)
