"""One forward pass: the evaluation job, the dev-set report after training, the dev score during
training and interview relevance read the numbers the score and match jobs write, bit for bit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from conftest import compose_config

from recruit_core.config import ScoreConfig
from recruit_core.data.synth import generate_resume
from recruit_core.data.taxonomy import load_builtin
from recruit_core.eval import dev
from recruit_core.model.forward import TextEncoder, load_scoring_model
from recruit_core.model.recruit import RecruitModel
from recruit_core.score.scorer import ResumeScorer
from recruit_core.text.requisition import job_text
from recruit_core.train.examples import PoolSplit

# Long enough for two windows of the smoke model (128 tokens): the second window must count.
DUTIES = ("Build batch pipelines in Spark and Airflow, own the warehouse models in dbt, "
          "review pull requests, mentor two engineers and run the weekly incident review. ")
TITLES = ["Data Engineer", "Pastry Chef", "Staff Nurse", "Accountant", "Welder", "Teacher"]


@pytest.fixture(scope="module")
def cfg():
    return compose_config(["experiment=smoke"])


@pytest.fixture(scope="module")
def resumes():
    taxonomy = load_builtin()
    short = ["Chef", "Staff nurse on night shifts, ICU and triage", "Welder: TIG, MIG, pipe work"]
    return [generate_resume(taxonomy, 3, i).text for i in range(6)] + short


@pytest.fixture(scope="module")
def jobs():
    return [job_text(title, f"{title} wanted. " + DUTIES * (5 + i % 3))
            for i, title in enumerate(TITLES)]


@pytest.fixture(scope="module")
def short_jobs():
    """One window each, none of them a multiple of 32 tokens long: a forward that pads a batch to
    its longest row runs them at another width than scoring does, and the last bits differ."""
    return [job_text(title, f"{title} wanted. " + DUTIES) for title in TITLES]


def scorer_for(cfg, scoring_model, jobs) -> ResumeScorer:
    """The score job's scorer with every job's fit written out (top_jobs = all of them)."""
    encoder = TextEncoder(scoring_model, cfg.model)
    reference = {"categories": list(scoring_model.model.categories) or ["any"],
                 "job_ids": [f"J{i}" for i in range(len(jobs))],
                 "job_vectors": encoder.embed_texts(jobs)}
    if not scoring_model.trained:
        reference["category_vectors"] = encoder.embed_texts(["any"])
    return ResumeScorer(scoring_model, cfg.model, ScoreConfig(top_jobs=len(jobs)),
                        **reference)


def written_fits(scorer: ResumeScorer, resumes: list[str]) -> np.ndarray:
    """[resumes, jobs] fit as the score job writes it (top_jobs column)."""
    table = scorer.score_table(pa.table({"resume_id": [f"R{i}" for i in range(len(resumes))],
                                         "text": resumes}))
    fits = np.zeros((len(resumes), len(scorer.job_ids)), np.float32)
    for row, top in enumerate(table.column("top_jobs").to_pylist()):
        for entry in top:
            fits[row, int(entry["job_id"][1:])] = entry["fit"]
    return fits


def test_evaluation_reports_on_the_fits_the_score_job_writes(cfg, resumes, short_jobs):
    from recruit_core.eval.evaluate import model_scores

    _, scores = model_scores(cfg, resumes, short_jobs)
    expected = written_fits(scorer_for(cfg, load_scoring_model("", cfg.model), short_jobs), resumes)
    assert np.array_equal(scores, expected)


def test_dev_retrieval_ranks_jobs_as_scoring_does(cfg, resumes, jobs):
    """Jobs are embedded with all their windows (model.max_windows), as scoring and matching do."""
    scoring_model = load_scoring_model("", cfg.model)
    fits = written_fits(scorer_for(cfg, scoring_model, jobs), resumes)
    fit = np.zeros(fits.shape, bool)
    fit[np.arange(len(resumes)), np.arange(len(resumes)) % len(jobs)] = True
    split = PoolSplit(pd.DataFrame({"text": resumes}), pd.DataFrame({"text": jobs}), fit)
    report = dev.evaluate_retrieval(scoring_model.model, scoring_model.tokenizer, split, cfg.model)
    ranked = [list(np.argsort(-row, kind="stable")) for row in fits]
    assert report == dev.ranking_metrics(ranked, [set(np.flatnonzero(row)) for row in fit])


def test_interview_relevance_reads_a_long_description_whole(cfg, jobs):
    from recruit_core.interview.wording import EncoderRelevance

    questions = ["Tell me about a pipeline you built in Spark.", "How do you plate a dessert?"]
    relevance = EncoderRelevance.from_config(cfg.model)(jobs[2], questions)
    encoder = TextEncoder(load_scoring_model("", cfg.model), cfg.model)
    job, *asked = torch.from_numpy(encoder.embed_texts([jobs[2], *questions]))
    assert relevance == [round(float(job @ q), EncoderRelevance.DECIMALS) for q in asked]


def test_dev_score_during_training_does_not_depend_on_the_dev_batches(cfg, resumes):
    """A checkpoint's dev score is a function of each resume: alone or batched, the same bits."""
    from dataclasses import asdict

    from recruit_core.train.loop import TaskModel, dev_outputs, tokenize_examples

    scoring_model = load_scoring_model("", cfg.model)
    task_model = TaskModel(RecruitModel(scoring_model.model.encoder, ["a", "b", "c"]), "classify")
    rows = {"text": np.asarray(resumes[:2] + ["Chef"], dtype=object), "label": np.array([0, 1, 2])}
    batch = {k: torch.from_numpy(np.asarray(v))
             for k, v in tokenize_examples(rows, "classify", asdict(cfg.model)).items()}
    cpu, per_call = torch.device("cpu"), cfg.model.windows_per_forward
    together = dev_outputs(task_model, batch, cpu, per_call)["scores"]
    alone = [dev_outputs(task_model, {k: v[i:i + 1] for k, v in batch.items()}, cpu, per_call)
             ["scores"][0] for i in range(3)]
    assert np.array_equal(together, np.stack(alone))
