"""The models page's confusion matrix and reliability diagram, drawn from an evaluation's
predictions.parquet beside its report.json (recruit_core/report/quality_page.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from run_outputs import write_run

from recruit_core.eval.metrics import classification_report, expected_calibration_error
from recruit_core.eval.predictions import predictions_table, read_predictions, write_predictions
from recruit_core.report import plots
from recruit_core.report.build import write_report

CATEGORIES = ["ACCOUNTANT", "CHEF", "TEACHER"]
# Six dev resumes: four right, two wrong, confident and not; a calibration gap the ECE sees.
PROBS = np.array([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1],
                  [0.5, 0.45, 0.05], [0.1, 0.1, 0.8], [0.34, 0.33, 0.33]])
LABELS = [0, 0, 1, 1, 2, 2]


def _eval_folder(root, with_predictions: bool = True):
    folder = root / "eval" / "livecareer"
    report = classification_report(PROBS, np.array(LABELS), CATEGORIES)
    folder.mkdir(parents=True)
    (folder / "report.json").write_text(json.dumps({"rows": [{"method": "probe", "ece": report["ece"]}]}))
    if with_predictions:
        ids = [f"R{i}" for i in range(len(LABELS))]
        write_predictions(predictions_table(ids, LABELS, PROBS, CATEGORIES, "probe"), folder)
    return report["ece"]


def test_predictions_round_trip_with_category_names():
    table = predictions_table(["a", "b"], [1, 0], PROBS[:2], CATEGORIES, "probe")
    assert table.column("category").to_pylist() == ["CHEF", "ACCOUNTANT"]
    assert table.column("predicted").to_pylist() == ["ACCOUNTANT", "ACCOUNTANT"]
    assert str(table.schema.field("probs").type) == "list<item: float>"
    with pytest.raises(ValueError, match="one column per category"):
        predictions_table(["a"], [0], PROBS[:1, :2], CATEGORIES, "probe")


def test_models_page_draws_both_plots_with_the_report_json_ece(tmp_path):
    root = write_run(tmp_path / "demo")
    ece = _eval_folder(root)
    probs, labels, _, _ = read_predictions(root / "eval" / "livecareer" / "predictions.parquet")
    assert expected_calibration_error(probs, labels) == pytest.approx(ece, abs=1e-6)
    page = (write_report(root).parent / "models.html").read_text()
    assert "Dev predictions of probe" in page and "6 dev resumes" in page
    assert 'alt="confusion matrix of dev predictions' in page
    assert 'alt="reliability diagram: accuracy per top-class probability bin"' in page
    assert f'<span class="ece">{ece:.4f}</span>' in page and ece > 0.05


def test_without_predictions_the_page_has_neither_plot(tmp_path):
    root = write_run(tmp_path / "demo")
    _eval_folder(root, with_predictions=False)
    page = (write_report(root).parent / "models.html").read_text()
    assert "Evaluation on livecareer" in page
    assert "confusion matrix of dev predictions" not in page and 'class="ece"' not in page


def test_confusion_matrix_and_reliability_draw_nothing_without_resumes():
    assert plots.confusion_matrix([], [], CATEGORIES, "none") is None
    assert plots.reliability_diagram([], [], 0.0, "none") is None
    assert plots.confusion_matrix(LABELS, PROBS.argmax(1), CATEGORIES, "six").startswith("data:image/png;base64,")
