"""The real matching benchmark's pieces on small made-up data: halves fixed by hash, BM25 and
precision@k against hand computation, rerank that only reorders the first results, and the whole
table from one run with a tiny model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recruit_core.data.postings import half_of, load_postings
from recruit_core.eval.metrics import precision_at_k
from recruit_core.eval.postings import bm25_scores, figures, rerank

CATEGORIES = {"ACCOUNTANT": "ledger invoices reconciliation audit tax payroll",
              "CHEF": "kitchen menu knife sauces pastry plating",
              "TEACHER": "classroom lesson curriculum pupils grading literacy"}


def _postings_file(tmp_path, n=40):
    rows = []
    for i in range(n):
        category = sorted(CATEGORIES)[i % 3]
        rows.append({"job_id": f"GD{i:04d}", "company": "Google", "title": f"{category.title()} {i}",
                     "category": category, "location": "X",
                     "responsibilities": CATEGORIES[category], "minimum_qualifications": f"{i} years",
                     "preferred_qualifications": "", "relevant_livecareer_categories": [category]})
    # the same posting in a second location: must land in the same half as its first copy
    rows.append({**rows[0], "job_id": "GD9999", "location": "Y"})
    path = tmp_path / "postings.parquet"
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_halves_are_disjoint_fixed_and_keep_identical_postings_together(tmp_path):
    path = _postings_file(tmp_path)
    train, held_out = load_postings(path, "train"), load_postings(path, "eval")
    assert len(train) + len(held_out) == 41 and len(train) > 5 and len(held_out) > 5
    assert not set(train.job_ids) & set(held_out.job_ids)
    assert not set(train.texts) & set(held_out.texts)
    together = train if "GD0000" in train.job_ids else held_out
    assert "GD9999" in together.job_ids
    assert (half_of("GD0001") == "train") == ("GD0001" in train.job_ids)
    with pytest.raises(ValueError, match="half"):
        load_postings(path, "test")


def test_precision_at_k_by_hand():
    assert precision_at_k([[0, 1, 2, 3]], [{1, 3, 9}], 2) == 0.5
    assert precision_at_k([[0, 1], [5, 6]], [{0, 1}, set()], 2) == 0.5  # a posting with none counts 0


def test_bm25_by_hand():
    resumes = ["tax audit", "tax tax tax kitchen", "menu"]
    scores = bm25_scores(["tax"], resumes)
    n, df = 3, 2
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    lengths = np.array([2, 4, 1])
    norm = 1.2 * (1 - 0.75 + 0.75 * lengths / lengths.mean())
    expected = [idf * tf * 2.2 / (tf + norm[i]) for i, tf in enumerate([1, 3, 0])]
    assert np.allclose(scores[0], expected)


def test_rerank_reorders_only_the_first_results():
    class Cross:
        def fit_logits(self, jobs, resumes):
            import torch
            return torch.tensor([float(r) for r in resumes])  # the resume's number is its logit

    resumes = ["0", "1", "2", "3", "4"]
    bi = np.array([[0.9, 0.8, 0.7, 0.6, 0.5]])
    ranked = np.argsort(-rerank(Cross(), bi, ["job"], resumes, top=3)[0], kind="stable").tolist()
    assert ranked == [2, 1, 0, 3, 4]


def test_benchmark_table_from_one_run(smoke_config, tmp_path):
    from recruit_core.eval import job as evaluate_job
    rows = []
    for category, words in CATEGORIES.items():
        for i in range(12):
            rows.append({"resume_id": f"{category}-{i}", "category": category, "pages": 1,
                         "text": f"{category.title()}\n{words} {i}", "split": "dev" if i < 6 else "train"})
    resumes = tmp_path / "resumes.parquet"
    pd.DataFrame(rows).to_parquet(resumes)
    cfg = smoke_config("data=postings", f"data.livecareer_path={resumes}", "eval.calibration_resumes=12",
                       f"data.postings_path={_postings_file(tmp_path)}")
    report = evaluate_job.run(cfg)
    methods = [row["method"].split(" ")[0] for row in report["rows"]]
    assert methods == ["random", "tfidf", "bm25", "pretrained"]
    by_method = {m: row for m, row in zip(methods, report["rows"])}
    # disjoint vocabularies and 6 relevant resumes of 18 per posting: lexical methods read them
    assert by_method["tfidf"]["p@10"] == pytest.approx(0.6) and by_method["bm25"]["p@10"] == pytest.approx(0.6)
    assert by_method["random"]["p@10"] < 0.6
    assert report["data"]["eval_postings"] + report["data"]["train_postings (not used here)"] == 41
    assert "| bm25 |" in open(report["report_md"]).read()
    calibration = report["calibration"]
    assert calibration["fitted_on"] == {"postings": report["data"]["train_postings (not used here)"],
                                        "resumes": 12, "pairs": 12 * calibration["fitted_on"]["postings"]}
    assert calibration["judged_on_pairs"] == report["data"]["eval_postings"] * 18
    assert "## Fit probability" in open(report["report_md"]).read()
    fig = figures(np.eye(2), [{0}, {1}], 1)
    assert fig == {"p@1": 1.0, "ndcg@1": 1.0}


def test_platt_probability_is_calibrated_where_the_truth_is_a_logistic():
    from recruit_core.eval.calibration import fit_platt, reliability
    rng = np.random.default_rng(0)
    scores = rng.uniform(-1, 1, 20_000)
    truth = rng.random(20_000) < 1 / (1 + np.exp(-(6 * scores - 1)))
    platt = fit_platt(scores, truth)
    assert abs(platt.slope - 6) < 0.5 and abs(platt.intercept + 1) < 0.2
    calibrated = reliability(platt(scores), truth)
    raw = reliability((scores + 1) / 2, truth)  # a cosine read as a probability
    assert calibrated["ece"] < 0.02 < raw["ece"]
    assert sum(b["pairs"] for b in calibrated["bins"]) == 20_000


def test_cross_validation_keeps_platt_for_a_logistic_truth_and_isotonic_for_a_step():
    from recruit_core.eval.calibration import Isotonic, Platt, fit_calibrator, fit_platt, reliability
    rng = np.random.default_rng(1)
    scores = rng.uniform(-1, 1, (200, 100))  # 200 postings x 100 resumes
    logistic = rng.random(scores.shape) < 1 / (1 + np.exp(-(6 * scores - 1)))
    calibrator, choice = fit_calibrator(scores, logistic)
    assert isinstance(calibrator, Platt) and choice["method"] == "platt"
    assert choice["cv_brier"]["platt"] <= choice["cv_brier"]["isotonic"]
    # relevant only above a cut, and then at 0.9: no sigmoid of the score is near that
    step = rng.random(scores.shape) < np.where(scores > 0.3, 0.9, 0.05)
    calibrator, choice = fit_calibrator(scores, step)
    assert isinstance(calibrator, Isotonic) and choice["method"] == "isotonic"
    assert choice["cv_brier"]["isotonic"] < choice["cv_brier"]["platt"]
    held_scores = rng.uniform(-1, 1, 20_000)
    held_truth = rng.random(20_000) < np.where(held_scores > 0.3, 0.9, 0.05)
    isotonic = reliability(calibrator(held_scores), held_truth)["ece"]
    platt = reliability(fit_platt(scores.ravel(), step.ravel())(held_scores), held_truth)["ece"]
    assert isotonic < 0.02 < platt
    probabilities = calibrator(np.sort(held_scores))
    assert (np.diff(probabilities) >= 0).all() and 0 <= probabilities.min() <= probabilities.max() <= 1


def test_a_folder_calibration_reads_back_as_the_calibrator_it_stores(tmp_path):
    import json

    from recruit_core.eval.calibration import CALIBRATION_FILE, Isotonic, read_folder_calibration
    from recruit_core.match.outputs import fit_probability
    isotonic = Isotonic((0.1, 0.4, 0.8), (0.02, 0.3, 0.95))
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps({**isotonic.to_json(), "chosen_by": {}}))
    assert read_folder_calibration(tmp_path) == isotonic
    assert fit_probability([0.0, 0.25, 0.8, 2.0], isotonic.to_json()) == pytest.approx(
        [0.02, 0.16, 0.95, 0.95], abs=1e-6)
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps({"method": "beta", "a": 1}))
    with pytest.raises(ValueError, match="platt or isotonic"):
        read_folder_calibration(tmp_path)


def test_too_few_postings_to_fold_keep_platt_and_say_so():
    from recruit_core.eval.calibration import Platt, fit_calibrator
    scores = np.array([[0.9, 0.1, 0.2], [0.3, 0.2, 0.1], [0.2, 0.4, 0.1]])
    relevant = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0]])  # only one posting has a relevant resume
    calibrator, choice = fit_calibrator(scores, relevant)
    assert isinstance(calibrator, Platt) and choice["method"] == "platt"
    assert all(b is None for b in choice["cv_brier"].values())
