"""Interview feedback: Krippendorff's alpha against the published example, the planted set's
discriminating and noise questions told apart, raters' agreement measured, bad rows named,
protected attributes never read, and packs built with the verdicts ranking a noise question down."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.config import FeedbackConfig
from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.interview.feedback import (
    DISCRIMINATES,
    DOES_NOT,
    TOO_FEW,
    Demotion,
    checked_feedback,
    decided_outcomes,
)
from recruit_core.interview.feedback_synthetic import PlantedQuestion, default_questions, planted_feedback
from recruit_core.interview.packs import build_pack, stable_id
from recruit_core.interview.question_quality import krippendorff_alpha, question_quality
from recruit_core.interview.wording import TemplateGenerator
from recruit_core.text.skills import SkillExtractor

TAXONOMY = load_builtin()
CFG = FeedbackConfig()


def test_krippendorff_alpha_matches_the_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers, 12 units
    observers = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3",
                 ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    grid = [row.split() for row in observers]
    units = [[int(row[u]) for row in grid if row[u] != "."] for u in range(12)]
    assert krippendorff_alpha(units, 5, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, 5, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, 5, "interval") == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha([[2, 2], [2, 2, 2]], 3) is None  # no spread: alpha undefined


@pytest.fixture(scope="module")
def planted():
    questions = default_questions(TAXONOMY)
    decisions, feedback = planted_feedback(questions)
    outcomes = decided_outcomes(decisions)
    quality = question_quality(checked_feedback(feedback, CFG.scale), outcomes, CFG)
    rows = {r["question_id"]: r for r in quality.to_pylist() if r["level"] == "question"}
    by_role = {role: [rows[stable_id(p.question)] for p in questions if p.role == role]
               for role in ("signal", "noise", "trait", "disputed")}
    return {"quality": quality, "by_role": by_role, "outcomes": outcomes, "feedback": feedback}


def test_planted_discriminating_questions_are_found_and_noise_is_not(planted):
    by_role = planted["by_role"]
    assert [r["verdict"] for r in by_role["signal"]] == [DISCRIMINATES] * 3
    assert {r["verdict"] for r in by_role["noise"] + by_role["trait"]} == {DOES_NOT}
    kinds = {r["kind"]: r["verdict"] for r in planted["quality"].to_pylist() if r["level"] == "kind"}
    assert kinds["general"] == DOES_NOT and kinds["gap_required"] == DISCRIMINATES


def test_agreement_separates_consistent_from_inconsistent_raters(planted):
    by_role, least = planted["by_role"], CFG.min_agreement
    consistent = by_role["signal"] + by_role["trait"]
    inconsistent = by_role["noise"] + by_role["disputed"]
    assert all(r["agreement"] >= least for r in consistent), [r["agreement"] for r in consistent]
    assert all(r["agreement"] < least for r in inconsistent), [r["agreement"] for r in inconsistent]
    assert {r["agreement_verdict"] for r in inconsistent} == {"raters disagree"}


def test_a_question_asked_of_few_candidates_gets_no_verdict(planted):
    feedback = planted["feedback"].slice(0, 15 * 2 * len(default_questions(TAXONOMY)))  # 15 candidates
    quality = question_quality(checked_feedback(feedback, CFG.scale), planted["outcomes"], CFG)
    assert set(quality.column("verdict").to_pylist()) == {TOO_FEW}


def _decisions(*rows) -> pa.Table:
    t0 = dt.datetime(2026, 1, 1)
    return pa.table(list(zip(*[(j, r, d, t0 + dt.timedelta(days=day), "hm") for j, r, d, day in rows])),
                    names=["job_id", "resume_id", "decision", "decided_at", "decided_by"])


def test_the_latest_decision_counts_and_bad_decisions_are_named():
    outcomes = decided_outcomes(_decisions(("J1", "R1", "advanced", 1), ("J1", "R1", "rejected", 2),
                                           ("J1", "R2", "advanced", 1), ("J1", "R2", "hired", 3)))
    assert outcomes == {("J1", "R1"): 0, ("J1", "R2"): 1}
    with pytest.raises(ValueError, match=r"row 2 \(job J1, resume R2\): decision 'maybe'"):
        decided_outcomes(_decisions(("J1", "R1", "hired", 1), ("J1", "R2", "maybe", 1)))
    with pytest.raises(ValueError, match="same decided_at"):
        decided_outcomes(_decisions(("J1", "R1", "hired", 1), ("J1", "R1", "rejected", 1)))


def _ratings(**columns) -> pa.Table:
    base = {"job_id": ["J1", "J1"], "resume_id": ["R1", "R1"], "question_id": ["q1", "q1"],
            "interviewer": ["ann", "bo"], "score": [3, 2]}
    return pa.table({**base, **columns})


def test_bad_ratings_are_named_by_row_and_column():
    with pytest.raises(ValueError, match=r"row 2 \(job J1, resume R1\): score 4 is not a whole number from 1 to 3"):
        checked_feedback(_ratings(score=[3, 4]), 3)
    assert checked_feedback(_ratings(score=[3, 4]), 5).column("score").to_pylist() == [3, 4]
    with pytest.raises(ValueError, match="interviewer ann scored question q1 twice"):
        checked_feedback(_ratings(interviewer=["ann", "ann"]), 3)
    with pytest.raises(ValueError, match="row 1 .*interviewer is empty"):
        checked_feedback(_ratings(interviewer=[None, "bo"]), 3)


def test_a_question_quoted_without_its_id_gets_the_id_of_its_wording():
    question = default_questions(TAXONOMY)[0].question
    table = _ratings(kind=[question.kind] * 2, question=[question.question] * 2).drop_columns(["question_id"])
    table = table.append_column("skill_id", pa.array([question.skill_id] * 2))
    assert set(checked_feedback(table, 3).column("question_id").to_pylist()) == {stable_id(question)}


def test_the_job_writes_the_table_and_never_reads_protected_attributes(planted, tmp_path, monkeypatch):
    from recruit_core.interview.feedback_job import run
    decisions, feedback = planted_feedback(default_questions(TAXONOMY))
    protected = {"gender": pa.array(["x"] * feedback.num_rows), "age": pa.array([40] * feedback.num_rows)}
    for name, column in protected.items():
        feedback = feedback.append_column(name, column)
    pq.write_table(decisions.append_column("gender", pa.array(["x"] * decisions.num_rows)),
                   tmp_path / "decisions.parquet")
    pq.write_table(feedback, tmp_path / "feedback.parquet")
    asked = []
    real_read = pq.read_table
    monkeypatch.setattr(pq, "read_table", lambda path, columns=None, **kw: (
        asked.append(columns), real_read(path, columns=columns, **kw))[1])
    summary = run(compose_config([f"feedback.decisions={tmp_path / 'decisions.parquet'}",
                                  f"feedback.feedback={tmp_path / 'feedback.parquet'}",
                                  f"output_root={tmp_path}"]))
    assert asked and all(columns and not {"gender", "age"} & set(columns) for columns in asked)
    assert (summary["discriminating"], summary["not_discriminating"]) == (4, 5)
    written = pq.read_table(tmp_path / "feedback" / "question_quality.parquet")
    assert written.equals(planted["quality"])
    assert "| question | gap_required |" in (tmp_path / "feedback" / "question_quality.md").read_text()


def test_a_pack_built_with_the_table_ranks_a_planted_noise_question_down(tmp_path):
    job = job_table(TAXONOMY, 0, 1).to_pylist()[0]
    text = resume_tables(TAXONOMY, 0, 0, 1, 0.15, 0.0)[0].column("text")[0].as_py()
    extractor, no_relevance = SkillExtractor.from_taxonomy(TAXONOMY), lambda j, qs: [0.0] * len(qs)

    def pack(demote=None):
        return build_pack(TAXONOMY, extractor, job, text, no_relevance, TemplateGenerator(), 6, 10, demote)[1]

    before = pack()
    assert all(q.question_id == stable_id(q) for q in before)  # the template wording's id
    noise = before[0]  # the pack's first question, planted as noise; the rest as signal
    roles = [PlantedQuestion(q, "noise" if q is noise else "signal") for q in before]
    decisions, feedback = planted_feedback(roles)
    quality = question_quality(checked_feedback(feedback, CFG.scale), decided_outcomes(decisions), CFG)
    pq.write_table(quality, tmp_path / "quality.parquet")
    interview = compose_config([f"interview.question_quality={tmp_path / 'quality.parquet'}"]).interview
    demote = Demotion.from_config(interview)
    after = pack(demote)
    ids = [q.question_id for q in after]
    place = ids.index(noise.question_id) if noise.question_id in ids else len(ids)  # dropped: last
    assert place > 0, ids
    assert ids[0] == before[1].question_id  # the next best question moved up in its place
    assert pack(demote) == after  # deterministic
    verdict = quality.filter(pc.equal(quality.column("question_id"), noise.question_id))
    assert verdict.column("verdict").to_pylist() == [DOES_NOT]


def test_a_missing_question_quality_file_is_named(tmp_path):
    interview = compose_config([f"interview.question_quality={tmp_path / 'nope.parquet'}"]).interview
    with pytest.raises(FileNotFoundError, match="interview.question_quality=.*nope.parquet"):
        Demotion.from_config(interview)
    assert Demotion.from_config(compose_config([]).interview) is None


def test_questions_rated_by_id_only_get_their_kind_and_wording_from_the_interview_questions(tmp_path):
    from recruit_core.interview.feedback_job import run
    questions = default_questions(TAXONOMY)
    decisions, feedback = planted_feedback(questions)
    pq.write_table(decisions, tmp_path / "decisions.parquet")
    pq.write_table(feedback.drop_columns(["kind", "question"]), tmp_path / "feedback.parquet")
    (tmp_path / "questions").mkdir()
    pq.write_table(pa.table({"question_id": [stable_id(p.question) for p in questions],
                             "kind": [p.question.kind for p in questions],
                             "question": [p.question.question for p in questions]}),
                   tmp_path / "questions" / "part-00000.parquet")
    run(compose_config([f"feedback.decisions={tmp_path / 'decisions.parquet'}",
                        f"feedback.feedback={tmp_path / 'feedback.parquet'}",
                        f"feedback.questions={tmp_path / 'questions'}", f"output_root={tmp_path}"]))
    quality = pq.read_table(tmp_path / "feedback" / "question_quality.parquet").to_pylist()
    named = {r["question_id"]: (r["kind"], r["question"]) for r in quality if r["level"] == "question"}
    assert named == {stable_id(p.question): (p.question.kind, p.question.question) for p in questions}
    assert "unknown" not in {r["kind"] for r in quality}
