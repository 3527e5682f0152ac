"""Interview packs on Ray Data: the shortlisted pairs in, one row per question out, a Markdown pack each.

    .venv/bin/python ray_jobs/interview_pack.py experiment=smoke

`shortlisted_pairs` joins the shortlist with the resume texts (reading only the shortlisted ids);
`InterviewPackBuilder` is the actor `map_batches` runs: it holds the taxonomy, the skill extractor,
the bi-encoder and the question generator, and calls `recruit_core.interview.packs.build_pack` per pair.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from recruit_core import storage
from recruit_core.config import DataConfig, InterviewConfig, ModelConfig
from recruit_core.data.pool import PoolPaths
from recruit_core.data.synth import fit_score
from recruit_core.data.taxonomy import Taxonomy, load_taxonomy
from recruit_core.interview.packs import Question
from recruit_core.io import exists, parquet_dataset, safe_file_name, write_text_atomic
from recruit_core.text.gaps import Gap

QUESTION_SCHEMA = pa.schema([
    ("job_id", pa.string()), ("resume_id", pa.string()), ("question_no", pa.int32()),
    ("question_id", pa.string()),  # packs.stable_id: what interview feedback names a question by
    ("kind", pa.string()), ("skill_id", pa.string()), ("question", pa.string()),
    ("rubric_weak", pa.string()), ("rubric_adequate", pa.string()), ("rubric_strong", pa.string()),
    ("reason", pa.string()), ("relevance", pa.float32()),
    ("pack", pa.string())])  # the pair's Markdown pack, relative to interview.output_dir


def read_table(path: str | Path, columns: list[str] | None = None, row_filter=None) -> pa.Table:
    """The rows of a Parquet file or folder (local, or an s3:// / gs:// prefix)."""
    return parquet_dataset(path).to_table(columns=columns, filter=row_filter)


def shortlist_from_truth(taxonomy: Taxonomy, jobs: list[dict], truth: pa.Table, top_n: int) -> pa.Table:
    """A shortlist from the synthetic pool's ground-truth fit (`synth.fit_score`), best first.

    For testing the interview stage without the matching job: a real run reads the matching job's
    shortlist (`interview.shortlist_path`).
    """
    resumes = truth.to_pylist()
    rows = []
    for job in jobs:
        scored = sorted(((-fit_score(taxonomy, r, job), r["resume_id"]) for r in resumes))[:top_n]
        rows += [{"job_id": job["job_id"], "rank": rank, "resume_id": rid, "score": round(-neg, 4)}
                 for rank, (neg, rid) in enumerate(scored, start=1)]
    return pa.Table.from_pylist(rows, schema=pa.schema([("job_id", pa.string()), ("rank", pa.int32()),
                                                        ("resume_id", pa.string()), ("score", pa.float64())]))


def load_shortlist(interview: InterviewConfig, data: DataConfig, jobs: list[dict]) -> tuple[pa.Table, str]:
    """(shortlist, where it came from): the match job's `interview.shortlist_path`, or the pool's
    ground truth (`shortlist_from_truth`) only when `interview.shortlist_from_truth` asks for it."""
    if not interview.shortlist_from_truth:
        if not exists(interview.shortlist_path):
            raise FileNotFoundError(
                f"interview.shortlist_path={interview.shortlist_path}: no shortlist there; run "
                "`recruit match` first, point the key at its shortlists/, or add "
                "interview.shortlist_from_truth=true for a synthetic pool's ground truth")
        return read_table(interview.shortlist_path), interview.shortlist_path
    truth = (storage.join(data.dir, "truth") if storage.is_remote(data.dir)
             else PoolPaths(Path(data.dir)).truth)
    return (shortlist_from_truth(load_taxonomy(data), jobs, read_table(truth), interview.top_candidates_per_job),
            f"truth:{truth}")


def top_of_shortlist(shortlist: pa.Table, top_n: int) -> pa.Table:
    """The best `top_n` rows per job by `rank` (whether ranks start at 0 or 1)."""
    for column in ("job_id", "rank", "resume_id"):
        if column not in shortlist.column_names:
            raise ValueError(f"shortlist has no column {column!r} (columns: {shortlist.column_names}); "
                             "point interview.shortlist_path at the matching job's shortlists/")
    ordered = shortlist.sort_by([("job_id", "ascending"), ("rank", "ascending"), ("resume_id", "ascending")])
    keep, seen = [], {}
    for i, job_id in enumerate(ordered.column("job_id").to_pylist()):
        seen[job_id] = seen.get(job_id, 0) + 1
        if seen[job_id] <= top_n:
            keep.append(i)
    return ordered.take(keep)


def shortlisted_pairs(shortlist: pa.Table, resumes_path: str | Path) -> pa.Table:
    """Shortlist rows with the resume text joined in; only the shortlisted resumes are read."""
    ids = pc.unique(shortlist.column("resume_id"))
    texts = read_table(resumes_path, ["resume_id", "text"], pc.field("resume_id").isin(ids))
    pairs = shortlist.select(["job_id", "rank", "resume_id"]).join(texts, "resume_id", join_type="inner")
    missing = len(ids) - len(pc.unique(pairs.column("resume_id")))
    if missing:
        raise ValueError(f"{missing} shortlisted resumes are not in {resumes_path}; the shortlist was "
                         "made from another pool (check inputs.resumes / data.dir)")
    return pairs.sort_by([("job_id", "ascending"), ("rank", "ascending"), ("resume_id", "ascending")])


# Every pack says who decides: the rank is a recommendation, and a skill the resume does not show
# may still be one the candidate has (the questions ask).
REVIEWER_NOTE = ("A ranked recommendation for the interviewers: they decide. Skills not shown in the "
                 "resume are for the interview to explore, not reasons to turn the candidate away.")


def pack_markdown(taxonomy: Taxonomy, job: dict, resume_id: str, rank: int, gap: Gap,
                  questions: list[Question]) -> str:
    label = lambda s: taxonomy.skills[s].label if s in taxonomy.skills else s  # noqa: E731
    def listed(ids: list[str]) -> str:
        return ", ".join(f"{label(s)} ({len(gap.evidence.get(s, []))}x)" if gap.evidence.get(s)
                         else label(s) for s in ids) or "none"
    seniority = (f"job {job.get('seniority')}, resume {gap.resume_seniority or 'unknown'}"
                 f" (gap {gap.seniority_gap:+d})")
    lines = [f"# Interview pack: {job['title']} ({job['job_id']}), candidate {resume_id}", "",
             f"Recommended for review, rank {rank} · seniority: {seniority} · required skills shown: "
             f"{len(gap.required_matched)}/{len(gap.required_matched) + len(gap.required_missing)}", "",
             REVIEWER_NOTE, "",
             "## Skills", "", f"- Required, shown: {listed(gap.required_matched)}",
             f"- Required, not shown in the resume: {listed(gap.required_missing)}",
             f"- Preferred, shown: {listed(gap.preferred_matched)}",
             f"- Preferred, not shown in the resume: {listed(gap.preferred_missing)}", "",
             "## Questions", ""]
    for number, q in enumerate(questions, start=1):
        topic = f" · {label(q.skill_id)}" if q.skill_id else ""
        lines += [f"### {number}. {q.kind.replace('_', ' ')}{topic}", "", q.question, "",
                  f"*Why this question:* {q.reason} (relevance {q.relevance:.2f})", "",
                  f"- **Weak:** {q.rubric_weak}", f"- **Adequate:** {q.rubric_adequate}",
                  f"- **Strong:** {q.rubric_strong}", ""]
    return "\n".join(lines)


def pack_path(job_id: str, resume_id: str) -> str:
    """`packs/<job>/<resume>.md` under interview.output_dir, each id made a safe file name: an id
    such as `../../x` or `/tmp/x` names a file inside the folder, never a path out of it."""
    return f"packs/{safe_file_name(job_id)}/{safe_file_name(resume_id)}.md"


class InterviewPackBuilder:
    """Ray Data actor: builds each pair's pack, writes its Markdown, returns its question rows."""

    def __init__(self, data: DataConfig, model: ModelConfig, interview: InterviewConfig,
                 jobs: list[dict], torch_threads: int = 1):
        import torch

        from recruit_core.interview.feedback import Demotion
        from recruit_core.interview.wording import EncoderRelevance, make_generator
        from recruit_core.text.skills import SkillExtractor

        torch.set_num_threads(torch_threads)
        self.taxonomy = load_taxonomy(data)
        self.extractor = SkillExtractor.from_taxonomy(self.taxonomy)
        self.relevance = EncoderRelevance.from_config(model)
        self.generator = make_generator(interview)
        self.demote = Demotion.from_config(interview)
        self.cfg = interview
        self.jobs = {job["job_id"]: job for job in jobs}

    def __call__(self, batch: dict) -> dict:
        from recruit_core.interview.packs import build_pack

        rows = {name: [] for name in QUESTION_SCHEMA.names}
        for job_id, resume_id, rank, text in zip(batch["job_id"], batch["resume_id"], batch["rank"],
                                                 batch["text"]):
            job = self.jobs[str(job_id)]
            gap, questions = build_pack(self.taxonomy, self.extractor, job, str(text), self.relevance,
                                        self.generator, self.cfg.questions_min, self.cfg.questions_max,
                                        self.demote)
            markdown = pack_markdown(self.taxonomy, job, str(resume_id), int(rank), gap, questions)
            pack = pack_path(str(job_id), str(resume_id))
            write_text_atomic(markdown, storage.join(self.cfg.output_dir, pack))
            for number, q in enumerate(questions, start=1):
                values = {"job_id": str(job_id), "resume_id": str(resume_id), "question_no": number,
                          "question_id": q.question_id, "kind": q.kind, "skill_id": q.skill_id, "question": q.question,
                          "rubric_weak": q.rubric_weak, "rubric_adequate": q.rubric_adequate,
                          "rubric_strong": q.rubric_strong, "reason": q.reason, "relevance": q.relevance,
                          "pack": pack}
                for name, value in values.items():
                    rows[name].append(value)
        return rows
