"""What one run left under its output_root, read back for the report: the jobs' own files only.

    run = RunOutputs.read(Path("outputs/demo"))

The layout is the one the jobs write by default under output_root (recruit_core/config.py):
pool/{jobs,resumes}, scores/{scores,quarantine,summary.json}, match/{shortlists,summary.json},
interview/{packs,questions,schedule,unscheduled.json}, train/<run>/eval.json, audit/audit.json,
eval/<source>/report.json (with predictions.parquet for livecareer) and demo_summary.json. Anything
missing is None: a run of one job has only that job's outputs, and the report shows what exists.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recruit_core.io import NoInputFilesError, list_input_files


class ReportError(ValueError):
    """A folder the report cannot be made from, and what to give instead."""


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_parquet(folder: Path, columns: list[str] | None = None) -> pa.Table | None:
    """A Parquet file or folder as one table; None when there is none. Columns that a file lacks
    are left out rather than failing the page."""
    try:
        files = list_input_files(folder).files
    except (NoInputFilesError, FileNotFoundError):
        return None
    tables = []
    for path in files:
        names = pq.read_schema(path).names
        tables.append(pq.read_table(path, columns=[c for c in columns if c in names] if columns else None))
    return pa.concat_tables(tables, promote_options="permissive") if tables else None


@dataclass
class RunOutputs:
    root: Path
    demo: dict | None = None
    score: dict | None = None
    match: dict | None = None
    scores: pa.Table | None = None
    near_duplicates: pa.Table | None = None  # scores/near_duplicates.parquet
    quarantine: pa.Table | None = None
    jobs: pa.Table | None = None
    shortlists: pa.Table | None = None
    questions: pa.Table | None = None
    schedule: pa.Table | None = None
    unscheduled: dict | None = None
    training: dict[str, dict] = field(default_factory=dict)  # run folder name -> eval.json
    evaluations: dict[str, dict] = field(default_factory=dict)  # source -> report.json
    predictions: dict[str, Path] = field(default_factory=dict)  # source -> predictions.parquet
    audit: dict | None = None
    drift: dict | None = None
    shown_root: str | None = None  # the outputs' own place (a URI) when `root` is a copy of them

    @classmethod
    def read(cls, root: Path) -> "RunOutputs":
        if not root.is_dir():
            raise ReportError(f"{root}: no such folder; give a run's output_root, e.g. outputs/demo")
        run = cls(root=root, demo=read_json(root / "demo_summary.json"),
                  score=read_json(root / "scores" / "summary.json"),
                  match=read_json(root / "match" / "summary.json"),
                  scores=read_parquet(root / "scores" / "scores", SCORE_COLUMNS),
                  quarantine=read_parquet(root / "scores" / "quarantine"),
                  near_duplicates=read_parquet(root / "scores" / "near_duplicates.parquet"),
                  jobs=read_parquet(root / "pool" / "jobs"),
                  shortlists=read_parquet(root / "match" / "shortlists"),
                  questions=read_parquet(root / "interview" / "questions", ["job_id", "resume_id", "pack"]),
                  schedule=read_parquet(root / "interview" / "schedule"),
                  unscheduled=read_json(root / "interview" / "unscheduled.json"),
                  audit=read_json(root / "audit" / "audit.json"),
                  drift=read_json(root / "drift" / "drift.json"))
        for path in sorted((root / "train").glob("*/eval.json")):
            run.training[path.parent.name] = read_json(path) or {}
        for path in sorted((root / "eval").glob("*/report.json")):
            run.evaluations[path.parent.name] = read_json(path) or {}
            if (path.parent / "predictions.parquet").is_file():
                run.predictions[path.parent.name] = path.parent / "predictions.parquet"
        if not run.found():
            raise ReportError(f"{root}: none of a run's outputs (scores/, match/, interview/, train/, "
                              "audit/, drift/, demo_summary.json) are in it; give a run's output_root")
        return run

    def found(self) -> list[str]:
        """The outputs this run has, in the order the stages run."""
        named = {"demo summary": self.demo, "scores": self.scores, "quarantine": self.quarantine,
                 "shortlists": self.shortlists, "interview packs": self.questions,
                 "schedule": self.schedule, "training runs": self.training,
                 "evaluations": self.evaluations, "bias audit": self.audit, "drift": self.drift}
        return [name for name, value in named.items() if value is not None and value != {}]

    def resume_texts(self, resume_ids: set[str]) -> dict[str, str]:
        """The texts of these resumes from the pool the run read (pool/resumes), if it is there."""
        resumes = read_parquet(self.root / "pool" / "resumes", ["resume_id", "text"])
        if resumes is None or not resume_ids:
            return {}
        import pyarrow.compute as pc
        wanted = resumes.filter(pc.is_in(resumes.column("resume_id"), pa.array(sorted(resume_ids))))
        return dict(zip(wanted.column("resume_id").to_pylist(), wanted.column("text").to_pylist()))


# The score table's columns the report reads (the embeddings, if written, are left on disk).
SCORE_COLUMNS = ["resume_id", "category_1", "p_1", "best_job_id", "best_fit", "jobs_above_threshold",
                 "model"]
