"""The bias audit end to end, without Ray: it finds the bias planted in a synthetic pool, and only it.

The pools are written directly (`write_resume_shard`, as the generate job's tasks do) and scored by
the ground truth: `best_fit` is the generator's fit label of the resume's best requisition, the
score a model that learned the labels perfectly would give. The planted bias (fewer skills in one
group's resumes) lowers that fit, as it lowers what any model that reads skills gives.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.audit.job import run
from recruit_core.config import DataConfig
from recruit_core.data.pool import PoolPaths, write_jobs, write_resume_shard
from recruit_core.data.synth import FIT_THRESHOLD, fit_score
from recruit_core.data.taxonomy import load_builtin

POOL_RESUMES = 2000  # the smallest groups compared are then ~50 candidates (2.5%)
TAXONOMY = load_builtin()


def _ground_truth_scores(pool: Path, output: Path) -> Path:
    """A score job's output folder (scores/ with best_fit, jobs_above_threshold) from the truth."""
    paths = PoolPaths(pool)
    truth, jobs = pq.read_table(paths.truth).to_pylist(), pq.read_table(paths.jobs).to_pylist()
    fits = np.array([[fit_score(TAXONOMY, resume, job) for job in jobs] for resume in truth])
    table = pa.table({"resume_id": [t["resume_id"] for t in truth],
                      "best_fit": fits.max(axis=1).astype(np.float32),
                      "jobs_above_threshold": (fits >= FIT_THRESHOLD).sum(axis=1).astype(np.int32)})
    (output / "scores").mkdir(parents=True)
    pq.write_table(table, output / "scores" / "part-00000.parquet")
    return output


def _audited(tmp_path_factory, bias: str) -> dict:
    root = tmp_path_factory.mktemp("biased" if bias else "unbiased")
    data = DataConfig(dir=str(root / "pool"), n_resumes=POOL_RESUMES, n_jobs=60,
                      shard_rows=POOL_RESUMES, demographics=True, bias_against=bias)
    write_resume_shard(data, 0)
    write_jobs(data)
    scores = _ground_truth_scores(Path(data.dir), root / "scores_out")
    result = run(compose_config([f"audit.scores={scores}", f"audit.demographics={data.dir}/demographics",
                                 f"audit.output_dir={root / 'audit'}"]))
    return {**json.loads(Path(result["audit_json"]).read_text()), "result": result,
            "markdown": Path(result["audit_md"]).read_text()}


@pytest.fixture(scope="module")
def biased(tmp_path_factory):
    return _audited(tmp_path_factory, "sex:Female")


@pytest.fixture(scope="module")
def unbiased(tmp_path_factory):
    return _audited(tmp_path_factory, "")


def _groups(report: dict, measure: str, category: str, key: str) -> set[str]:
    return {r["group"] for r in report["tables"][measure][category] if r[key]}


@pytest.mark.parametrize("measure", ["selection", "scoring"])
def test_the_planted_bias_is_flagged_for_the_penalised_group_and_no_other(biased, measure):
    assert _groups(biased, measure, "sex", "four_fifths_flag") == {"Female"}
    assert _groups(biased, measure, "sex", "beyond_noise") == {"Female"}
    assert _groups(biased, measure, "race_ethnicity", "beyond_noise") == set()
    intersections = _groups(biased, measure, "sex_x_race_ethnicity", "beyond_noise")
    compared_women = {r["group"] for r in biased["tables"][measure]["sex_x_race_ethnicity"]
                      if r["compared"] and r["group"].startswith("Female x ")}
    assert compared_women and intersections == compared_women


@pytest.mark.parametrize("measure", ["selection", "scoring"])
def test_an_unbiased_pool_gets_no_flag_beyond_noise(unbiased, measure):
    for category in ("sex", "race_ethnicity", "sex_x_race_ethnicity"):
        assert _groups(unbiased, measure, category, "beyond_noise") == set(), category
    assert _groups(unbiased, measure, "sex", "four_fifths_flag") == set()
    # a group of ~60 can dip under four fifths by chance: the interval says so, and big groups do not
    for row in unbiased["tables"][measure]["race_ethnicity"]:
        if row["four_fifths_flag"]:
            assert not row["beyond_noise"] and row["count"] < 100, row


def test_every_candidate_is_counted_once_per_category_unknowns_included(biased):
    for tables in biased["tables"].values():
        for category, rows in tables.items():
            assert sum(r["count"] for r in rows) == biased["candidates"] == POOL_RESUMES, category
    unknown_sex = next(r for r in biased["tables"]["selection"]["sex"] if r["group"] == "Unknown")
    reasons = biased["unknown"]["sex"]
    assert unknown_sex["count"] == reasons["no_record"] + reasons["blank_or_declined"]
    assert reasons["no_record"] > 0 and reasons["blank_or_declined"] > 0


def test_small_groups_are_excluded_with_the_justification_in_both_reports(biased):
    excluded = {e["group"]: e for e in biased["excluded"]["groups"]}
    assert "Nonbinary" in excluded and excluded["Nonbinary"]["share"] < 0.02
    assert all(e["share"] < 0.02 for e in excluded.values())
    assert "audit.min_group_share=0.02" in biased["excluded"]["justification"]
    assert "| Nonbinary | " in biased["markdown"] and "### Excluded groups" in biased["markdown"]


def test_report_names_what_was_audited_and_never_calls_a_candidate_rejected(biased):
    markdown = biased["markdown"]
    assert "Female" in biased["result"]["flagged"]["selection/sex"]
    assert "## Selection rates" in markdown and "## Scoring rates" in markdown
    assert "| Female | " in markdown and "**flagged" in markdown
    assert "rejected" not in markdown.lower().replace("rejects no one", "")


def test_a_match_output_is_audited_by_who_is_shortlisted(tmp_path):
    """Recommended = on a shortlist; score = best recommendation score; every resume a candidate."""
    match = tmp_path / "match"
    (match / "recommendations").mkdir(parents=True)
    (match / "shortlists").mkdir()
    ids = [f"R{i}" for i in range(8)]
    pq.write_table(pa.table({"resume_id": ids * 2, "rank": [1] * 8 + [2] * 8,
                             "job_id": ["J1"] * 8 + ["J2"] * 8,
                             "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2] + [0.1] * 8}),
                   match / "recommendations" / "part-00000.parquet")
    pq.write_table(pa.table({"job_id": ["J1", "J1", "J2"], "rank": [1, 2, 1],
                             "resume_id": ["R0", "R1", "R4"]}), match / "shortlists" / "part-00000.parquet")
    (tmp_path / "self_id.csv").write_text("resume_id,sex,race_ethnicity\n" + "".join(
        f"R{i},{'Female' if i < 4 else 'Male'},White\n" for i in range(8)))
    result = run(compose_config([f"audit.scores={match}", f"audit.demographics={tmp_path / 'self_id.csv'}",
                                 f"audit.output_dir={tmp_path / 'audit'}", "audit.bootstrap_resamples=50"]))
    report = json.loads(Path(result["audit_json"]).read_text())
    rates = {r["group"]: r["rate"] for r in report["tables"]["selection"]["sex"]}
    assert rates == {"Female": 0.5, "Male": 0.25} and report["source"]["job"] == "match"
    scoring = {r["group"]: r["rate"] for r in report["tables"]["scoring"]["sex"]}
    assert scoring == {"Female": 1.0, "Male": 0.0}  # R0-R3 hold the four scores above the median


def test_wrong_inputs_are_refused_naming_the_setting(tmp_path):
    (tmp_path / "scores").mkdir()
    pq.write_table(pa.table({"resume_id": ["R1"], "best_fit": [0.5], "jobs_above_threshold": [1]}),
                   tmp_path / "scores" / "part-0.parquet")
    (tmp_path / "self_id.csv").write_text("resume_id,gender\nR1,Female\n")
    with pytest.raises(ValueError, match="audit.demographics=.*no column sex, race_ethnicity"):
        run(compose_config([f"audit.scores={tmp_path}", f"audit.demographics={tmp_path / 'self_id.csv'}",
                            f"audit.output_dir={tmp_path / 'audit'}"]))
    with pytest.raises(FileNotFoundError, match="audit.scores=.*score.output_dir or match.output_dir"):
        run(compose_config([f"audit.scores={tmp_path / 'scores'}",
                            f"audit.demographics={tmp_path / 'self_id.csv'}"]))
