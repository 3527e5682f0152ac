"""The bias audit as people read it: audit.md tables, a short summary, and the model card's section.

    python ray_jobs/audit.py ...      # writes <audit.output_dir>/audit.md beside audit.json

Wording: the tool recommends candidates to a human reviewer; nothing here calls a candidate
rejected. A flag is a finding about the tool, for the people who run it.
"""
from __future__ import annotations

from pathlib import Path

from recruit_core import storage
from recruit_core.io import read_text, write_text_atomic
from recruit_core.train.card import AUDIT_HEADING, replace_section

CATEGORY_TITLES = {"sex": "Sex", "race_ethnicity": "Race/ethnicity",
                   "sex_x_race_ethnicity": "Intersection: sex x race/ethnicity"}
MEASURE_TITLES = {"selection": "Selection rates (recommended for a reviewer)",
                  "scoring": "Scoring rates (score above the sample median)"}
COLUMNS = ("group", "candidates", "share", "rate", "rate CI", "impact ratio", "ratio CI", "finding")


def _interval(pair: list[float] | None) -> str:
    return "" if pair is None else f"{pair[0]:.3f}-{pair[1]:.3f}"


def _finding(row: dict, settings: dict) -> str:
    if row["group"] == "Unknown":
        return "unknown: counted, not compared"
    if not row["compared"]:
        return f"excluded: under {settings['min_group_share']:.0%} of the sample"
    if row["impact_ratio"] is None:
        return "no group was recommended: no ratio"
    if row["beyond_noise"]:
        return f"**flagged: under {settings['four_fifths']:g}, whole interval too**"
    if row["four_fifths_flag"]:
        return f"**flagged: under {settings['four_fifths']:g}** (interval reaches it)"
    return ""


def group_table(rows: list[dict], settings: dict) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        ratio = "" if row["impact_ratio"] is None else f"{row['impact_ratio']:.3f}"
        cells = (row["group"], str(row["count"]), f"{row['share']:.1%}", f"{row['rate']:.3f}",
                 _interval(row["rate_ci"]), ratio, _interval(row["impact_ratio_ci"]),
                 _finding(row, settings))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def excluded_groups(report: dict) -> list[dict]:
    """Every group left out of the comparisons for its size, once, in the order of the tables."""
    seen, out = set(), []
    for rows in report["tables"]["selection"].values():
        for row in rows:
            if row["group"] != "Unknown" and not row["compared"] and row["group"] not in seen:
                seen.add(row["group"])
                out.append({"group": row["group"], "count": row["count"], "share": row["share"]})
    return out


def exclusion_note(report: dict) -> str:
    """Why the small groups are left out: the justification LL144 asks the auditor to give."""
    return (f"Groups under audit.min_group_share={report['settings']['min_group_share']:g} of the "
            "sample are listed with their rates but left out of the impact ratios (NYC LL144 lets "
            "an auditor exclude such categories): over so few candidates a rate is mostly noise, "
            "and a group of a handful could become everyone else's reference by chance.")


def summary_lines(report: dict) -> list[str]:
    """One line per flagged group, or one saying there is none."""
    lines = []
    for measure, tables in report["tables"].items():
        for category, rows in tables.items():
            for row in rows:
                if row["four_fifths_flag"]:
                    noise = "whole interval under" if row["beyond_noise"] else "interval reaches"
                    lines.append(f"{measure} rate, {CATEGORY_TITLES[category]}: {row['group']} "
                                 f"impact ratio {row['impact_ratio']:.3f} "
                                 f"(CI {_interval(row['impact_ratio_ci'])}, {noise} "
                                 f"{report['settings']['four_fifths']:g}; n={row['count']})")
    return lines or [f"no compared group has an impact ratio under {report['settings']['four_fifths']:g}"]


def render_markdown(report: dict) -> str:
    source, settings = report["source"], report["settings"]
    unknown = "; ".join(f"{a}: {u['no_record']} without a record, {u['blank_or_declined']} blank or "
                        "declined" for a, u in report["unknown"].items())
    parts = [
        "# Bias audit", "",
        f"Audited: `{source['scores']}` ({source['job']} job; model `{source.get('model')}`; run "
        f"`{source.get('run_id')}`). Self-reported demographics: `{source['demographics']}`.", "",
        f"{report['candidates']} candidates scored, {report['recommended']} recommended for review; "
        f"median score {report['median_score']:.4f}. Demographic rows of people not scored (not "
        f"audited): {report['demographic_rows_not_scored']}. Unknown ({unknown}): counted, not "
        "compared.", "",
        f"- **Score**: {source['score']}.",
        f"- **Recommended**: {source['recommended']}.",
        "- **Selection rate**: share of a group's candidates recommended. **Scoring rate**: share "
        "above the median score of all candidates.",
        f"- **Impact ratio**: a group's rate over the highest compared group's; under "
        f"{settings['four_fifths']:g} is flagged (four-fifths rule). Intervals: "
        f"{settings['confidence']:.0%} percentile bootstrap, {settings['bootstrap_resamples']} "
        f"resamples of candidates, seed {settings['seed']}.", ""]
    excluded = excluded_groups(report)
    if excluded:
        parts += ["### Excluded groups", "", exclusion_note(report), "",
                  "| group | candidates | share |", "|---|---|---|",
                  *[f"| {e['group']} | {e['count']} | {e['share']:.1%} |" for e in excluded], ""]
    parts += ["## Findings", "", *[f"- {line}" for line in summary_lines(report)], ""]
    for measure, tables in report["tables"].items():
        parts += [f"## {MEASURE_TITLES[measure]}", ""]
        for category, rows in tables.items():
            parts += [f"### {CATEGORY_TITLES[category]}", "", group_table(rows, settings), ""]
    parts += ["## Human in the loop", "",
              "recruit ranks candidates for a human reviewer; it rejects no one. A flag here is "
              "a finding about the tool, to be examined by the people responsible for it before "
              "its recommendations are used.", ""]
    return "\n".join(parts)


def card_section(report: dict) -> str:
    """The model card's bias-audit section: what was audited and what was found."""
    source = report["source"]
    lines = [f"Audited `{source['scores']}` ({source['job']} job, run `{source.get('run_id')}`) "
             f"against self-reported demographics, {report['candidates']} candidates. Selection "
             f"rate: {source['recommended']}; scoring rate: share above the median score.", ""]
    lines += [f"- {line}" for line in summary_lines(report)]
    return "\n".join(lines)


def update_model_card(folder: Path | str, report: dict) -> Path | str:
    """Put this audit's summary into the model folder's README.md (its card); the folder may be
    a published model's s3:// / gs:// prefix (the card is then one object, rewritten whole)."""
    card = storage.join(folder, "README.md") if storage.is_remote(folder) else Path(folder) / "README.md"
    if not (storage.is_file(card) if storage.is_remote(card) else card.is_file()):
        raise FileNotFoundError(f"audit.model_card={folder}: no README.md there; point it at a model "
                                "folder the train job wrote")
    return write_text_atomic(replace_section(read_text(card), AUDIT_HEADING, card_section(report)),
                             card)
