"""The category probe: choices made by cross-validation on train only, a head the score job uses.

    PYTHONPATH=$PWD .venv/bin/python -m pytest -q tests/test_probe.py
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from conftest import compose_config
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from recruit_core.eval import screening_study as study
from recruit_core.score.scorer import ResumeScorer
from recruit_core.train.probe import fit_probe, fit_temperature

VOCABULARY = {
    "nurse": "patient care triage ward medication clinical bedside charting vitals wound",
    "developer": "python software api backend deploy database code review git testing",
    "accountant": "ledger audit reconciliation tax invoices payroll balance sheet accruals",
}


def toy_resumes(n_per_category: int, seed: int) -> tuple[list[str], list[int]]:
    """Resumes whose words come mostly from their category's vocabulary, some shared filler."""
    rng = np.random.default_rng(seed)
    filler = "team work years experience responsible managed office skills".split()
    texts, labels = [], []
    for label, words in enumerate(VOCABULARY.values()):
        for _ in range(n_per_category):
            chosen = list(rng.choice(words.split(), 12)) + list(rng.choice(filler, 8))
            rng.shuffle(chosen)
            texts.append(" ".join(chosen))
            labels.append(label)
    return texts, labels


def toy_features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian classes in 6 dims, far from the origin and unevenly scaled (so a head that
    forgot to fold the standardisation in would give other logits)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), n)
    centres = rng.normal(0, 1.5, (3, 6))
    features = (centres[labels] + rng.normal(0, 1, (len(labels), 6))) * [1, 10, 0.1, 5, 1, 2] + 40
    return features, labels


def test_probe_head_is_the_standardised_logistic_regression_divided_by_its_temperature():
    features, labels = toy_features(30, seed=0)
    probe = fit_probe(features, labels, n_categories=4)
    scaler = StandardScaler().fit(features)
    reference = LogisticRegression(C=probe.c, max_iter=3000, random_state=0).fit(
        scaler.transform(features), labels)
    expected = reference.decision_function(scaler.transform(features)) / probe.temperature
    logits = probe.logits(features)
    np.testing.assert_allclose(logits[:, :3], expected, rtol=1e-4, atol=1e-4)
    assert (logits[:, 3] < -100).all(), "a category with no training resume must never be predicted"


def test_temperature_fit_recovers_the_overconfidence_factor():
    rng = np.random.default_rng(1)
    calibrated = rng.normal(0, 2, (4000, 5))
    labels = np.array([rng.choice(5, p=np.exp(z) / np.exp(z).sum()) for z in calibrated])
    assert abs(fit_temperature(3.0 * calibrated, labels) - 3.0) < 0.3


def test_cross_validation_choices_do_not_depend_on_dev_labels():
    train_texts, train_labels = toy_resumes(10, seed=2)
    dev_texts, dev_labels = toy_resumes(6, seed=3)
    names = list(VOCABULARY)
    shuffled = list(np.random.default_rng(4).permutation(dev_labels))
    features, _ = study.feature_sets(train_texts, dev_texts, train_labels)
    runs = [study.lexical_rows(features, train_labels, labels, names)[0]
            for labels in (dev_labels, shuffled)]
    for honest, scrambled in zip(*runs):
        assert (honest["chosen"], honest["cv_macro_f1"], honest["temperature"]) == (
            scrambled["chosen"], scrambled["cv_macro_f1"], scrambled["temperature"])
    # the dev labels were read for the dev figures, and only there
    assert max(r["macro_f1"] for r in runs[0]) > max(r["macro_f1"] for r in runs[1])


def write_toy_livecareer(path: Path) -> None:
    train_texts, train_labels = toy_resumes(12, seed=5)
    dev_texts, dev_labels = toy_resumes(5, seed=6)
    names = list(VOCABULARY)
    rows = [{"resume_id": f"{split}-{i}", "category": names[label], "text": text, "split": split}
            for split, texts, labels in (("train", train_texts, train_labels),
                                         ("dev", dev_texts, dev_labels))
            for i, (text, label) in enumerate(zip(texts, labels))]
    pd.DataFrame(rows).to_parquet(path)


def test_probe_task_writes_a_model_folder_the_score_job_reads(tmp_path):
    from recruit_core.train.job_ray import run
    data = tmp_path / "resumes.parquet"
    write_toy_livecareer(data)
    cfg = compose_config(["experiment=smoke", "data=livecareer", f"data.livecareer_path={data}",
                          "train.task=probe", f"output_root={tmp_path}", "train.run_name=probe"])
    result = run(cfg)
    folder = Path(result["model"])
    meta = json.loads((folder / "recruit.json").read_text())
    assert (meta["task"], meta["trainer"]) == ("classify", "probe")
    assert "logistic-regression category head" in (folder / "README.md").read_text()
    scorer = ResumeScorer.from_config(replace(cfg.score, model_path=str(folder)), cfg.model, cfg.data)
    dev = pd.read_parquet(data).query("split == 'dev'")
    scored = scorer.score_table({"resume_id": dev["resume_id"].tolist(), "text": dev["text"].tolist()})
    top1 = float(np.mean(np.array(scored.column("category_1").to_pylist()) == dev["category"].to_numpy()))
    assert top1 >= 0.8, f"top-1 {top1} on a separable set (chance 0.33)"
    evaluation = json.loads(Path(result["eval"]).read_text())
    assert abs(evaluation["dev"]["windows"]["accuracy"] - top1) < 1e-9


def test_demo_gate_keeps_the_classifier_with_the_higher_dev_top1():
    from recruit_core.eval.demo_quality import keep_better_classifier
    fine_tuned = {"model": "ft", "accuracy": 0.40, "macro_f1": 0.30}
    probe = {"model": "probe", "accuracy": 0.85, "macro_f1": 0.80}
    kept = keep_better_classifier(fine_tuned, probe)
    assert (kept["model"], kept["kept"]) == ("probe", "probe")
    assert "fine-tuned 0.400, probe 0.850" in kept["line"]
    better_fine_tune = keep_better_classifier({**fine_tuned, "accuracy": 0.9}, probe)
    assert better_fine_tune["model"] == "ft"


def test_demo_quality_line_counts_top1_against_the_generator_truth(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from recruit_core.eval.demo_quality import category_quality
    (tmp_path / "pool" / "truth").mkdir(parents=True)
    (tmp_path / "scores").mkdir()
    pq.write_table(pa.table({"resume_id": ["r1", "r2", "r3", "r4", "r5"],
                             "occupation": ["nurse", "chef", "nurse", "developer", "chef"]}),
                   tmp_path / "pool" / "truth" / "part-00000.parquet")
    # r5 was quarantined (not scored): judged resumes are the scored ones
    pq.write_table(pa.table({"resume_id": ["r1", "r2", "r3", "r4"],
                             "category_1": ["nurse", "chef", "developer", "developer"]}),
                   tmp_path / "scores" / "part-0.parquet")
    quality = category_quality(tmp_path / "scores", tmp_path / "pool")
    assert (quality["category_top1"], quality["resumes"]) == (0.75, 4)
    assert quality["line"] == "quality: category top-1 0.750 (4 resumes, generator truth)"


def test_the_headline_block_lets_a_title_outweigh_the_body():
    # The title names the category; the body names two other categories the way a career
    # changer's would, so a bag of words sees three category names: only the headline block
    # knows which one is the title.
    rng = np.random.default_rng(7)
    names = list(VOCABULARY)
    filler = "team work years experience responsible managed office skills".split()
    texts, labels = [], []
    for label, name in enumerate(names):
        for _ in range(12):
            others = rng.choice([n for n in names if n != name], 2, replace=False)
            body = list(rng.choice(filler, 30)) + [o.upper() for o in others for _ in range(2)]
            rng.shuffle(body)
            texts.append(f"{name.upper()}\n" + " ".join(body))
            labels.append(label)
    train = [i for i in range(len(texts)) if i % 3]
    dev = [i for i in range(len(texts)) if not i % 3]
    features, choice = study.feature_sets([texts[i] for i in train], [texts[i] for i in dev],
                                          [labels[i] for i in train], names)
    assert choice["headline_weight"] in study.HEADLINE_WEIGHTS
    assert len(choice["cv_macro_f1"]) == len(study.HEADLINE_WEIGHTS) * len(study.SVC_C)
    assert choice["names_weight"] in study.NAMES_WEIGHTS
    assert set(features) == set(study.FEATURE_SETS)
    rows, _ = study.lexical_rows(features, [labels[i] for i in train], [labels[i] for i in dev], names)
    by_name = {r["method"]: r for r in rows}
    plain = by_name["tfidf word+char + logreg (class_weight=none)"]
    with_headline = by_name["tfidf word+char+headline + logreg (class_weight=none)"]
    assert with_headline["cv_macro_f1"] > plain["cv_macro_f1"]
    assert with_headline["macro_f1"] == 1.0
    from recruit_core.model.lexical import headline
    assert headline("\n  SENIOR ACCOUNTANT \nSummary") == "SENIOR ACCOUNTANT"
