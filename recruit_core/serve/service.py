"""What the online scoring service answers, without Ray or HTTP: the batch job's scorer, per request.

    service = ScoringService.from_config(compose_config(["model=tiny"]))
    service.score(["Data engineer, 6 years of Python and Spark ..."])  # one answer per text
    service.shortlist("J0003")                                           # the match job's rows

`score` runs `recruit_core.score.scorer.ResumeScorer.score_table`, the call the batch job's actors
make, on the normalised texts (`recruit_core.serve.requests`); each resume's token windows are
padded on their own (model/recruit.py), so an answer's bits do not depend on which other requests
shared its batch and equal `recruit score`'s for the same text. Each of the top jobs comes with
the evidence the match job writes: required and preferred skills shown and missing
(`recruit_core.text.skills`, `recruit_core.text.gaps`) and where in the text each skill is written.
The deployment around it: recruit_core/serve/deployment_ray.py.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pyarrow as pa
import pyarrow.dataset as pads

from recruit_core.config import PrivacyConfig, RecruitConfig
from recruit_core.io import parquet_files
from recruit_core.privacy.redact import redact_column
from recruit_core.score.scorer import TOP_CATEGORIES, ResumeScorer
from recruit_core.serve.requests import RequestError
from recruit_core.text.gaps import analyse_gap
from recruit_core.text.requisition_skills import open_requisitions
from recruit_core.text.skills import SkillExtractor


class ScoringService:
    def __init__(self, scorer: ResumeScorer, extractor: SkillExtractor, jobs: list[dict],
                 shortlists: pa.Table | None = None, shortlist_source: str = "",
                 privacy: PrivacyConfig | None = None):
        self.scorer, self.extractor = scorer, extractor
        self.privacy = privacy or PrivacyConfig()
        self.jobs = {job["job_id"]: job for job in jobs}
        self.shortlists = _by_job(shortlists) if shortlists is not None else None
        self.shortlist_source = shortlist_source

    @classmethod
    def from_config(cls, cfg: RecruitConfig, device: str = "cpu") -> "ScoringService":
        """The score job's scorer (score.* settings, serve.model_path), its requisitions
        (inputs.jobs) and, when serve.shortlist_path is set, the match job's shortlists."""
        from recruit_core.data.taxonomy import load_taxonomy

        settings = replace(cfg.score, model_path=cfg.serve.model_path, write_embeddings=False)
        scorer = ResumeScorer.from_config(settings, cfg.model, cfg.data, device,
                                          jobs_path=cfg.inputs.jobs)
        jobs = open_requisitions(cfg.inputs.jobs, cfg.data).to_pylist() if cfg.inputs.jobs else []
        path = cfg.serve.shortlist_path
        shortlists = (pads.dataset(parquet_files(path, "serve.shortlist_path"),
                                   format="parquet").to_table() if path else None)
        return cls(scorer, SkillExtractor.from_taxonomy(load_taxonomy(cfg.data)), jobs,
                   shortlists, path, cfg.privacy)

    @property
    def fingerprint(self) -> str:
        return self.scorer.fingerprint

    def score(self, texts: list[str]) -> list[dict]:
        """One answer per normalised resume text, in order: categories, then fit and evidence
        for each of the `score.top_jobs` best-fitting open jobs. The texts are redacted first
        (privacy.*) as the batch jobs redact theirs, so no model sees the raw text; skill evidence
        offsets point into the text as sent."""
        redacted = redact_column(texts, self.privacy)
        ids = [str(n) for n in range(len(texts))]
        rows = self.scorer.score_table({"resume_id": ids, "text": redacted}).to_pylist()
        # evidence points into the text the caller sent (a skill lookup, not a model)
        return [self._answer(row, text) for row, text in zip(rows, texts)]

    def _answer(self, row: dict, text: str) -> dict:
        categories = [{"category": row[f"category_{rank}"], "probability": row[f"p_{rank}"]}
                      for rank in range(1, TOP_CATEGORIES + 1) if row[f"category_{rank}"] is not None]
        answer = {"categories": categories, "model": self.fingerprint, "text_chars": len(text)}
        if "top_jobs" in row:
            mentions = self.extractor.extract(text)
            answer["top_jobs"] = [{**entry, **self._evidence(entry["job_id"], mentions, text)}
                                  for entry in row["top_jobs"]]
            answer["jobs_above_threshold"] = row["jobs_above_threshold"]
        return answer

    def _evidence(self, job_id: str, mentions: list, text: str) -> dict:
        job = self.jobs[job_id]
        gap = analyse_gap(job, mentions, resume_text=text)
        return {"title": job["title"], "matched_skills": gap.required_matched,
                "missing_skills": gap.required_missing, "matched_preferred": gap.preferred_matched,
                "missing_preferred": gap.preferred_missing, "seniority_gap": gap.seniority_gap,
                "resume_seniority": gap.resume_seniority,
                "required_coverage": round(gap.required_coverage, 4),
                "evidence": {skill: [{"start": a, "end": b, "text": surface}
                                     for a, b, surface in spans]
                             for skill, spans in gap.evidence.items()}}

    def shortlist(self, job_id: str) -> dict:
        """The match job's shortlist rows of one open job, best first."""
        if job_id not in self.jobs:
            raise RequestError(404, "unknown_job", f"job {job_id!r} is not an open job in "
                               "inputs.jobs; GET /health lists how many there are")
        if self.shortlists is None:
            raise RequestError(404, "no_shortlists", "the service was started without "
                               "serve.shortlist_path; point it at the match job's shortlists/")
        return {"job_id": job_id, "title": self.jobs[job_id]["title"],
                "source": self.shortlist_source, "shortlist": self.shortlists.get(job_id, [])}

    def health(self) -> dict:
        return {"status": "ok", "model": self.fingerprint, "open_jobs": len(self.jobs),
                "shortlists": self.shortlist_source or None}


def _by_job(shortlists: pa.Table) -> dict[str, list[dict]]:
    """Rows per job, by rank, with NaN as null (JSON has no NaN)."""
    if not {"job_id", "rank", "resume_id"} <= set(shortlists.column_names):
        raise ValueError(f"serve.shortlist_path: columns {shortlists.column_names} lack job_id, "
                         "rank or resume_id; point it at the match job's shortlists/")
    grouped: dict[str, list[dict]] = {}
    for row in shortlists.sort_by([("job_id", "ascending"), ("rank", "ascending")]).to_pylist():
        clean = {k: None if isinstance(v, float) and not math.isfinite(v) else v
                 for k, v in row.items()}
        grouped.setdefault(row["job_id"], []).append(clean)
    return grouped
