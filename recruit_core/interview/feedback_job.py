"""The feedback job: question quality from interview decisions and rubric scores, in this process.

    recruit feedback feedback.decisions=decisions.parquet feedback.feedback=feedback.parquet
    recruit interview_pack interview.question_quality=outputs/feedback/question_quality.parquet

Not on Ray: it reads two small tables (one row per decision and per rating; thousands, not
millions). Writes <feedback.output_dir>/question_quality.parquet (one row per question and per
kind: recruit_core/interview/question_quality.py) and question_quality.md. Given to the interview
pack job as interview.question_quality, it ranks down the questions judged not to discriminate.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from recruit_core.config import RecruitConfig
from recruit_core.interview.feedback import (
    DECISION_COLUMNS,
    DISCRIMINATES,
    DOES_NOT,
    FEEDBACK_COLUMNS,
    QUESTION_COLUMNS,
    TOO_FEW,
    checked_feedback,
    decided_outcomes,
    read_columns,
)
from recruit_core.interview.question_quality import quality_markdown, question_quality
from recruit_core.io import write_parquet_atomic, write_text_atomic


def with_question_text(feedback: pa.Table, questions_path: str) -> pa.Table:
    """The kind and wording of each rated question from the interview job's questions/ when the
    feedback names questions by id only."""
    if not questions_path or {"kind", "question"} <= set(feedback.column_names):
        return feedback
    asked = read_columns(questions_path, ("question_id", "kind", "question"), what="questions")
    first = {}
    for qid, kind, text in zip(*(asked.column(c).to_pylist() for c in ("question_id", "kind", "question"))):
        first.setdefault(qid, (kind, text))
    ids = feedback.column("question_id").to_pylist()
    feedback = feedback.drop_columns([c for c in ("kind", "question") if c in feedback.column_names])
    return (feedback.append_column("kind", pa.array([first.get(q, (None, None))[0] for q in ids], pa.string()))
            .append_column("question", pa.array([first.get(q, (None, None))[1] for q in ids], pa.string())))


def run(cfg: RecruitConfig) -> dict:
    settings = cfg.feedback
    if not settings.decisions or not settings.feedback:
        raise ValueError("feedback.decisions and feedback.feedback: give the decisions and the "
                         "interview feedback tables, e.g. `recruit feedback feedback.decisions="
                         "decisions.parquet feedback.feedback=feedback.parquet`")
    outcomes = decided_outcomes(read_columns(settings.decisions, DECISION_COLUMNS, what="decisions"))
    feedback = checked_feedback(read_columns(settings.feedback, FEEDBACK_COLUMNS, QUESTION_COLUMNS,
                                             what="feedback"), settings.scale)
    feedback = with_question_text(feedback, settings.questions)
    quality = question_quality(feedback, outcomes, settings)
    folder = Path(settings.output_dir)
    parquet = write_parquet_atomic(quality, folder / "question_quality.parquet")
    markdown = write_text_atomic(quality_markdown(quality, settings), folder / "question_quality.md")
    questions = quality.filter(pc.equal(quality.column("level"), "question"))
    verdicts = questions.column("verdict").to_pylist()
    rated = {(j, r) for j, r in zip(feedback.column("job_id").to_pylist(),
                                      feedback.column("resume_id").to_pylist())}
    return {"question_quality": str(parquet), "markdown": str(markdown),
            "decisions": len(outcomes), "ratings": feedback.num_rows,
            "rated_candidates_without_decision": len(rated - set(outcomes)),
            "questions": questions.num_rows, "discriminating": verdicts.count(DISCRIMINATES),
            "not_discriminating": verdicts.count(DOES_NOT), "too_few_ratings": verdicts.count(TOO_FEW)}
