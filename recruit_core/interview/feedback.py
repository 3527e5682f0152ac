"""Interview feedback in: hiring decisions and per-question rubric scores, validated; and the
question-quality table back out into the packs, as a demotion of questions that do not discriminate.

    recruit feedback feedback.decisions=decisions.parquet feedback.feedback=feedback.parquet

Decisions: `job_id, resume_id, decision` (advanced | rejected | hired), `decided_at`, `decided_by`;
a candidate's latest decision counts (advanced, then hired: hired). Feedback: `job_id, resume_id,
question_id, interviewer, score` (1..feedback.scale, the rubric's points); instead of `question_id`
the question itself may be given (`kind, skill_id, question`: the id is `packs.content_id` of them).
Only these columns are read, whatever else a file holds: protected attributes (gender, age, ...)
never enter this code. A bad row stops the job with its row number, column and what to fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from recruit_core.config import InterviewConfig
from recruit_core.interview.packs import Question, content_id, stable_id

DECISIONS = ("advanced", "rejected", "hired")
PASSED = ("advanced", "hired")  # the positive outcome a question's scores should predict
DECISION_COLUMNS = ("job_id", "resume_id", "decision", "decided_at", "decided_by")
FEEDBACK_COLUMNS = ("job_id", "resume_id", "interviewer", "score")
QUESTION_COLUMNS = ("question_id", "kind", "skill_id", "question")  # all optional, see above
DISCRIMINATES, DOES_NOT, TOO_FEW = "discriminates", "does not discriminate", "too few ratings"


def _files(path: Path, what: str) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".parquet", ".csv"))
    if not path.exists():
        raise FileNotFoundError(f"{what} {path}: no such file or folder")
    return [path]


def read_columns(path: str | Path, required: tuple, optional: tuple = (), what: str = "table") -> pa.Table:
    """Only the named columns of a Parquet/CSV file or folder; a missing required one is an error."""
    tables = []
    for file in _files(Path(path), what):
        names = (pq.read_schema(file).names if file.suffix == ".parquet"
                 else pacsv.open_csv(file).schema.names)
        missing = [c for c in required if c not in names]
        if missing:
            raise ValueError(f"{what} {file}: no column {', '.join(missing)} (columns: "
                             f"{', '.join(names)}); it needs {', '.join(required)}")
        wanted = [c for c in (*required, *optional) if c in names]
        tables.append(pq.read_table(file, columns=wanted) if file.suffix == ".parquet" else
                      pacsv.read_csv(file, convert_options=pacsv.ConvertOptions(include_columns=wanted)))
    if not tables:
        raise FileNotFoundError(f"{what} {path}: no .parquet or .csv file there")
    return pa.concat_tables(tables, promote_options="permissive")


def _row(table: pa.Table, index: int) -> str:
    row = table.slice(index, 1).to_pylist()[0]
    return f"row {index + 1} (job {row.get('job_id')}, resume {row.get('resume_id')})"


def _no_nulls(table: pa.Table, columns: tuple, what: str) -> None:
    for column in columns:
        nulls = pc.indices_nonzero(table.column(column).is_null()).to_pylist()
        if nulls:
            raise ValueError(f"{what}: {_row(table, nulls[0])}: {column} is empty "
                             f"({len(nulls)} rows like it); fill it or drop the rows")


def decided_outcomes(table: pa.Table, what: str = "decisions") -> dict[tuple[str, str], int]:
    """(job_id, resume_id) -> 1 when the latest decision is advanced or hired, 0 when rejected."""
    _no_nulls(table, DECISION_COLUMNS, what)
    for i, decision in enumerate(table.column("decision").to_pylist()):
        if decision not in DECISIONS:
            raise ValueError(f"{what}: {_row(table, i)}: decision {decision!r} is not one of "
                             f"{', '.join(DECISIONS)}")
    latest: dict[tuple[str, str], tuple] = {}
    rows = table.select(["job_id", "resume_id", "decision", "decided_at"]).to_pylist()
    for i, row in enumerate(rows):
        pair = (str(row["job_id"]), str(row["resume_id"]))
        seen = latest.get(pair)
        if seen and seen[0] == row["decided_at"] and seen[1] != row["decision"]:
            raise ValueError(f"{what}: {_row(table, i)}: decided {row['decision']} and {seen[1]} at "
                             f"the same decided_at {row['decided_at']}; keep the one that stands")
        if seen is None or row["decided_at"] > seen[0]:
            latest[pair] = (row["decided_at"], row["decision"])
    return {pair: int(decision in PASSED) for pair, (_, decision) in latest.items()}


def _question_ids(table: pa.Table, what: str) -> pa.Array:
    """The feedback's question ids, or the ids of the questions it quotes."""
    if "question_id" in table.column_names:
        _no_nulls(table, ("question_id",), what)
        return table.column("question_id").cast(pa.string())
    if not {"kind", "question"} <= set(table.column_names):
        raise ValueError(f"{what}: no question_id column, and no kind and question columns to "
                         "derive it from; add the question_id of the interview pack's questions")
    _no_nulls(table, ("kind", "question"), what)
    skills = (table.column("skill_id").to_pylist() if "skill_id" in table.column_names
              else [""] * table.num_rows)
    return pa.array([content_id(k, s or "", q) for k, s, q in zip(
        table.column("kind").to_pylist(), skills, table.column("question").to_pylist())], pa.string())


def checked_feedback(table: pa.Table, scale: int, what: str = "feedback") -> pa.Table:
    """job_id, resume_id, question_id, interviewer, score (int 1..scale) and the kind when given."""
    _no_nulls(table, FEEDBACK_COLUMNS, what)
    scores = table.column("score").to_pylist()
    for i, score in enumerate(scores):
        if not float(score).is_integer() or not 1 <= score <= scale:
            raise ValueError(f"{what}: {_row(table, i)}: score {score} is not a whole number from 1 "
                             f"to {scale} (feedback.scale={scale}: the rubric's points)")
    out = pa.table({"job_id": table.column("job_id").cast(pa.string()),
                    "resume_id": table.column("resume_id").cast(pa.string()),
                    "question_id": _question_ids(table, what),
                    "interviewer": table.column("interviewer").cast(pa.string()),
                    "score": pa.array([int(s) for s in scores], pa.int8())})
    for column in ("kind", "question"):
        if column in table.column_names:
            out = out.append_column(column, table.column(column).cast(pa.string()))
    keys = list(zip(*(out.column(c).to_pylist() for c in ("job_id", "resume_id", "question_id",
                                                          "interviewer"))))
    seen: set = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise ValueError(f"{what}: {_row(out, i)}: interviewer {key[3]} scored question {key[2]} "
                             "twice for this candidate; keep one score")
        seen.add(key)
    return out


@dataclass(frozen=True)
class Demotion:
    """`select_questions`' `demote`: the priority a question loses, from the question-quality table.

    A question judged not to discriminate loses `question_weight`; one without a verdict of its own
    (not asked often enough, or never) loses `kind_weight` when its kind was judged not to."""

    verdicts: dict[str, str] = field(default_factory=dict)  # question_id -> verdict
    kind_verdicts: dict[str, str] = field(default_factory=dict)  # kind -> verdict
    question_weight: float = 1.0
    kind_weight: float = 0.5

    def __call__(self, question: Question) -> float:
        verdict = self.verdicts.get(question.question_id or stable_id(question))
        if verdict in (DISCRIMINATES, DOES_NOT):
            return self.question_weight if verdict == DOES_NOT else 0.0
        return self.kind_weight if self.kind_verdicts.get(question.kind) == DOES_NOT else 0.0

    @classmethod
    def from_table(cls, quality: pa.Table, question_weight: float, kind_weight: float) -> "Demotion":
        rows = quality.select(["level", "question_id", "kind", "verdict"]).to_pylist()
        return cls({r["question_id"]: r["verdict"] for r in rows if r["level"] == "question"},
                   {r["kind"]: r["verdict"] for r in rows if r["level"] == "kind"},
                   question_weight, kind_weight)

    @classmethod
    def from_config(cls, interview: InterviewConfig) -> "Demotion | None":
        """From `interview.question_quality`; None (rank without feedback) when it is ""."""
        if not interview.question_quality:
            return None
        path = Path(interview.question_quality)
        if not path.is_file():
            raise FileNotFoundError(f"interview.question_quality={path}: no such file; run `recruit "
                                    "feedback` and give its question_quality.parquet, or set it to \"\"")
        return cls.from_table(pq.read_table(path), interview.demote_question, interview.demote_kind)
