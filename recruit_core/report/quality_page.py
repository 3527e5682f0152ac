"""The models' quality (train/<run>/eval.json, eval/<source>/report.json) and the bias audit
(audit/audit.json) as report pages.

    python -m ray_jobs.cli report outputs/demo     # models.html, audit.html (report/build.py)

The training runs keep aggregated dev metrics, not predictions: there is no confusion matrix or
reliability diagram to draw from them, and the page says so rather than drawing something else.
The livecareer evaluation keeps its model row's dev predictions (eval/livecareer/predictions.parquet):
those two plots are drawn from them, with the ECE that recruit_core/eval/metrics computes.
"""
from __future__ import annotations

from pathlib import Path

from recruit_core.eval.metrics import expected_calibration_error
from recruit_core.eval.predictions import read_predictions
from recruit_core.report import plots
from recruit_core.report.html import esc, figure, table

NO_PREDICTIONS = ("No confusion matrix or reliability diagram: eval.json keeps aggregated dev metrics "
                  "(accuracy, macro-F1, expected calibration error, per-category precision/recall/F1), "
                  "not the predictions with their labels that those plots are drawn from.")


def _flat(figures: dict, prefix: str = "") -> dict:
    """Numbers of a nested dict as `a.b` keys (per-category tables left out)."""
    out = {}
    for key, value in figures.items():
        if key == "per_class":
            continue
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[f"{prefix}{key}"] = value
    return out


def classifier_section(dev: dict) -> str:
    windows = dev.get("windows", {})
    per_class = windows.get("per_class", {})
    present = [(c, m) for c, m in per_class.items() if m.get("support")]
    rows = [{"category": c, **m} for c, m in present]
    uri = plots.bars([c for c, _ in present], [m["f1"] for _, m in present],
                     "Dev F1 per category", "F1", limit=1.0)
    return (table([{"metric": k, "value": v} for k, v in _flat(dev).items()], ["metric", "value"])
            + figure(uri, "bar chart of dev F1 per category", "no category with dev examples")
            + table(rows, ["category", "precision", "recall", "f1", "support"])
            + f'<p class="note">{esc(NO_PREDICTIONS)}</p>')


def predictions_section(path: Path) -> str:
    """Confusion matrix and reliability diagram of an evaluation's dev predictions."""
    try:
        probs, labels, names, method = read_predictions(path)
    except (OSError, ValueError, KeyError) as error:
        return f'<p class="note">{esc(f"{path}: unreadable predictions ({error})")}</p>'
    predicted = probs.argmax(axis=1)
    ece = expected_calibration_error(probs, labels)
    matrix = plots.confusion_matrix(labels, predicted, names, f"Confusion matrix: {method}"[:80])
    reliability = plots.reliability_diagram(probs.max(axis=1), predicted == labels, ece, "Reliability")
    return (f"<h3>Dev predictions of {esc(method)}</h3>"
            + figure(matrix, "confusion matrix of dev predictions (rows: true category, "
                             "colour: share of the row)", "no dev predictions")
            + figure(reliability, "reliability diagram: accuracy per top-class probability bin",
                     "no dev predictions")
            + f'<p class="note">{esc(len(labels))} dev resumes · expected calibration error '
              f'<span class="ece">{ece:.4f}</span> (15 equal-width confidence bins)</p>')


def models_page(training: dict[str, dict], evaluations: dict[str, dict],
                predictions: dict[str, Path] | None = None) -> str:
    parts = []
    for name, figures in training.items():
        dev = figures.get("dev", {})
        parts.append(f"<h2>{esc(figures.get('task', '?'))}: {esc(name)}</h2>"
                     f'<p class="note">model {esc(figures.get("model"))} · {esc(figures.get("train_rows"))} '
                     f"training rows, {esc(figures.get('dev_rows'))} dev rows · "
                     f"{esc(figures.get('train_seconds'))} s training</p>")
        gate = figures.get("gate")
        if gate:  # which stage the jobs downstream use, and the dev figures that decided it
            parts.append("<h3>Stage gate</h3>" + table([{"item": k, "value": v} for k, v in gate.items()],
                                                       ["item", "value"]))
        if "windows" in dev:
            parts.append(classifier_section(dev))
        else:
            parts.append(table([{"metric": k, "value": v} for k, v in _flat(dev).items()], ["metric", "value"]))
    for source, report in evaluations.items():
        parts.append(f"<h2>Evaluation on {esc(source)}</h2>")
        parts.append(table([{"metric": k, "value": v} for k, v in _flat(report).items()], ["metric", "value"]))
        if source in (predictions or {}):
            parts.append(predictions_section(predictions[source]))
    if not parts:
        return '<p class="note">No training run (train/*/eval.json) or evaluation (eval/*/report.json) in this run.</p>'
    return "".join(parts)


def _finding(row: dict) -> str:
    if row.get("group") == "Unknown":
        return "unknown: counted, not compared"
    if not row.get("compared"):
        return "excluded: group too small"
    if row.get("beyond_noise"):
        return "flagged: under four-fifths, whole interval too"
    if row.get("four_fifths_flag"):
        return "flagged: under four-fifths (interval reaches it)"
    return ""


def _interval(pair) -> str:
    return "" if not pair else f"{pair[0]:.3f}-{pair[1]:.3f}"


def audit_page(audit: dict) -> str:
    parts = [f'<p>{esc(audit.get("candidates"))} candidates, {esc(audit.get("recommended"))} recommended '
             f'for review. {esc((audit.get("excluded") or {}).get("justification", ""))}</p>']
    for measure, categories in audit.get("tables", {}).items():
        for category, rows in categories.items():
            shown = [{"group": r["group"], "candidates": r.get("count"), "share": r.get("share"),
                      "rate": r.get("rate"), "rate CI": _interval(r.get("rate_ci")),
                      "impact ratio": r.get("impact_ratio"), "ratio CI": _interval(r.get("impact_ratio_ci")),
                      "finding": _finding(r)} for r in rows]
            parts += [f"<h2>{esc(measure)} rates by {esc(category.replace('_', ' '))}</h2>",
                      table(shown, ["group", "candidates", "share", "rate", "rate CI", "impact ratio",
                                    "ratio CI", "finding"])]
    return "".join(parts)
