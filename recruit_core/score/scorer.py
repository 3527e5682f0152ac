"""Score resumes: top-3 job categories with probabilities, fit against open requisitions, embeddings.

Pure torch + pyarrow, no Ray: `score/job_ray.py` wraps `ResumeScorer` in an actor, and a benchmark
or notebook calls it directly:

    scorer = ResumeScorer.from_config(cfg.score, cfg.model, cfg.data, device="cuda",
                                      jobs_path=cfg.inputs.jobs)
    scores = scorer.score_table(pa.table({"resume_id": [...], "text": [...]}))

Categories come from a trained model's category head (`score.model_path`, a folder written by
`RecruitModel.save` with its category names) or, with no trained model, zero-shot from the pretrained
encoder: the softmax over occupations of cosine(resume embedding, embedding of the occupation's
title + core skills) / `score.zero_shot_temperature`. That works before any training has run.
Fit against a requisition is the cosine of the resume and job (title + description) embeddings;
when the model folder carries calibration.json (a bi-encoder head's, recruit_core/train/embed_head_job.py),
`best_fit_probability` is that cosine's P(relevant), the same number the match job writes as
`fit_probability`, and `score.fit_threshold` is a probability.
Embeddings and logits come from the one forward pass every job runs (`recruit_core.model.forward`).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from recruit_core.config import (
    DataConfig,
    DedupConfig,
    InputsConfig,
    ModelConfig,
    PrivacyConfig,
    ScoreConfig,
    config_hash,
)
from recruit_core.eval.calibration import read_folder_calibration
from recruit_core.io import parquet_files
from recruit_core.model.forward import ScoringModel, TextEncoder, fit_vectors, load_scoring_model
from recruit_core.model.recruit import row_stable_matmul
from recruit_core.text.requisition import requisition_texts
from recruit_core.text.windows import Windows

TOP_CATEGORIES = 3
JOB_FIT_TYPE = pa.struct([("job_id", pa.string()), ("fit", pa.float32())])
# Fields that change how a run goes, not what it outputs: left out of the provenance hash, so
# re-running with another pool size or batch size resumes the same outputs.
OPERATIONAL_FIELDS = frozenset({
    "output_dir", "batch_size", "pool_size", "num_gpus", "cpus_per_actor", "torch_threads",
    "on_unreadable_file", "target_max_block_mb", "tokenize_in_actor", "cpus_per_task", "overwrite",
    "run_id", "actor_memory_mb", "windows_per_forward", "previous_run"})


def result_config_hash(score: ScoreConfig, inputs: InputsConfig, model: ModelConfig,
                       privacy: PrivacyConfig | None = None, dedup: DedupConfig | None = None) -> str:
    """Hash of the score, input, model, privacy and near-duplicate settings that decide the output
    values (config_hash); `privacy`/`dedup` None: their defaults (redaction on).

    The inputs count under the names they had when they were score settings (`input`, `jobs`,
    `max_text_chars`), so outputs written before keep their hash and a rerun resumes them. The
    redacted types count only when redaction is on: unredacted outputs, older ones too, keep
    their hash, and redacted and unredacted outputs never mix in one output folder."""
    settings = {k: v for k, v in asdict(score).items() if k not in OPERATIONAL_FIELDS}
    settings.update(input=inputs.resumes, jobs=inputs.jobs, max_text_chars=inputs.max_text_chars)
    model_settings = {k: v for k, v in asdict(model).items() if k not in OPERATIONAL_FIELDS}
    hashed = {"score": settings, "model": model_settings}
    privacy = privacy or PrivacyConfig()
    if privacy.redact:
        hashed["redacted_types"] = sorted(t.upper() for t in privacy.types)
    hashed["dedup"] = asdict(dedup or DedupConfig())
    return config_hash(hashed)


def occupation_descriptions(taxonomy) -> tuple[list[str], list[str]]:
    """(occupation ids, 'title. Skills: a, b, c' texts): what a zero-shot category is compared to."""
    ids = [o.id for o in taxonomy.occupations]
    texts = [f"{o.title}. Skills: {', '.join(taxonomy.label(s) for s in o.core_skills)}"
             for o in taxonomy.occupations]
    return ids, texts


class ResumeScorer:
    def __init__(self, scoring_model: ScoringModel, model_cfg: ModelConfig, score: ScoreConfig, *,
                 categories: list[str], category_vectors: np.ndarray | None = None,
                 job_ids: list[str] | None = None, job_vectors: np.ndarray | None = None,
                 device: str = "cpu"):
        self.encoder = TextEncoder(scoring_model, model_cfg, device)
        self.model, self.device = self.encoder.model, self.encoder.device
        self.fingerprint, self.trained = scoring_model.fingerprint, scoring_model.trained
        self.lexical = scoring_model.lexical  # categories from text (train.task=lexical), or None
        self.score_cfg, self.categories = score, categories
        self.category_vectors = _tensor(category_vectors, device)
        self.job_ids = job_ids or []
        self.job_vectors = _tensor(job_vectors, device)
        # the model folder's fit probability (Platt or isotonic on its cosine, fitted when it was trained)
        self.fit_probability = read_folder_calibration(score.model_path) if score.model_path else None
        if self.lexical is not None and self.lexical.categories != list(categories):
            raise ValueError(f"{score.model_path}: the lexical head's categories differ from the "
                             "model's; write the folder again with train.task=lexical")
        if not self.trained and self.category_vectors is None:
            raise ValueError("zero-shot scoring needs category_vectors (occupation embeddings)")

    @classmethod
    def from_config(cls, score: ScoreConfig, model_cfg: ModelConfig, data: DataConfig,
                    device: str = "cpu", reference: dict | None = None,
                    jobs_path: str = "") -> "ResumeScorer":
        """Load the model; embed occupations and the requisitions in `jobs_path` ("": none) unless
        `reference` (from `reference_vectors`) brings them, so a pool of actors embeds them once."""
        scoring_model = load_scoring_model(score.model_path, model_cfg)
        reference = reference or reference_vectors(scoring_model, model_cfg, data, jobs_path, device)
        return cls(scoring_model, model_cfg, score, device=device, **reference)

    def tokenize(self, texts: list[str]) -> Windows:
        return self.encoder.tokenize(texts)

    def lexical_logits(self, texts: list[str]) -> np.ndarray:
        """The lexical head's category logits for `texts` (a folder of train.task=lexical)."""
        return self.lexical.logits(texts)

    @torch.inference_mode()
    def score_windows(self, windows: Windows, n_texts: int,
                      lexical_logits: np.ndarray | None = None) -> dict[str, pa.Array]:
        """Output columns for `n_texts` resumes from their token windows (see `output_schema`);
        with a lexical head, categories come from `lexical_logits` (`lexical_logits(texts)`)."""
        pooled = self.encoder.pooled_windows(windows)
        embedding = self.encoder.embed(pooled, windows.owner, n_texts)
        if self.lexical is not None:
            if lexical_logits is None or len(lexical_logits) != n_texts:
                raise ValueError("this model takes categories from its lexical head: pass "
                                 "lexical_logits, one row per text")
            logits = torch.from_numpy(np.asarray(lexical_logits, np.float32).reshape(n_texts, -1)
                                      if n_texts else np.zeros((0, len(self.categories)), np.float32))
        elif self.trained:
            logits = self.encoder.category_logits(pooled, windows.owner, n_texts)
        else:
            logits = (row_stable_matmul(embedding, self.category_vectors)
                      / self.score_cfg.zero_shot_temperature)
        columns = _top_categories(torch.softmax(logits.float(), dim=-1), self.categories)
        if self.job_vectors is not None:
            resume_fit = fit_vectors(self.model, embedding, "resume")
            columns.update(self._fit_columns(row_stable_matmul(resume_fit, self.job_vectors)))
        if self.score_cfg.write_embeddings:
            columns["embedding"] = _list_column(embedding.cpu().numpy())
        return columns

    def _fit_columns(self, fit: torch.Tensor) -> dict[str, pa.Array]:
        k = min(self.score_cfg.top_jobs, fit.shape[1])
        values, index = torch.topk(fit, k, dim=1)
        values, index = values.cpu().numpy().astype(np.float32), index.cpu().numpy()
        ids = np.asarray(self.job_ids, dtype=object)[index]
        top = pa.ListArray.from_arrays(
            np.arange(0, values.size + 1, k, dtype=np.int32),
            pa.StructArray.from_arrays([pa.array(ids.ravel(), pa.string()),
                                        pa.array(values.ravel(), pa.float32())],
                                       fields=list(JOB_FIT_TYPE)))
        on_scale = fit.cpu().numpy()
        best_probability = pa.nulls(len(ids), pa.float32())
        if self.fit_probability is not None:  # the threshold is then a probability
            on_scale = self.fit_probability(on_scale)
            best_probability = pa.array(self.fit_probability(values[:, 0]).astype(np.float32))
        above = (on_scale >= self.score_cfg.fit_threshold).sum(axis=1).astype(np.int32)
        return {"top_jobs": top, "best_job_id": pa.array(ids[:, 0], pa.string()),
                "best_fit": pa.array(values[:, 0], pa.float32()),
                "best_fit_probability": best_probability,
                "jobs_above_threshold": pa.array(above, pa.int32())}

    def output_schema(self) -> pa.Schema:
        fields = []
        for rank in range(1, TOP_CATEGORIES + 1):
            fields += [(f"category_{rank}", pa.string()), (f"p_{rank}", pa.float32())]
        if self.job_vectors is not None:
            fields += [("top_jobs", pa.list_(JOB_FIT_TYPE)), ("best_job_id", pa.string()),
                       ("best_fit", pa.float32()), ("best_fit_probability", pa.float32()),
                       ("jobs_above_threshold", pa.int32())]
        if self.score_cfg.write_embeddings:
            fields.append(("embedding", pa.list_(pa.float32())))
        return pa.schema(fields)

    def score_table(self, resumes: pa.Table | dict) -> pa.Table:
        """resume_id + output columns for a batch of (resume_id, text) rows of valid text."""
        resumes = resumes if isinstance(resumes, pa.Table) else pa.table(resumes)
        texts = resumes.column("text").to_pylist()
        lexical = self.lexical_logits(texts) if self.lexical is not None else None
        columns = self.score_windows(self.tokenize(texts), len(texts), lexical)
        table = pa.table({"resume_id": resumes.column("resume_id"), **columns})
        return table.cast(pa.schema([("resume_id", pa.string()), *self.output_schema()]))


def reference_vectors(scoring_model: ScoringModel, model_cfg: ModelConfig, data: DataConfig,
                      jobs_path: str, device: str = "cpu") -> dict:
    """Category names (+ occupation embeddings when zero-shot) and the embeddings of the
    requisitions in `jobs_path` ("": none)."""
    from recruit_core.data.taxonomy import load_taxonomy

    encoder = TextEncoder(scoring_model, model_cfg, device)
    reference: dict = {"categories": list(scoring_model.model.categories)}
    if not scoring_model.trained:
        ids, texts = occupation_descriptions(load_taxonomy(data))
        reference.update(categories=ids, category_vectors=encoder.embed_texts(texts))
    if jobs_path:
        jobs = load_requisitions(jobs_path)
        reference.update(job_ids=jobs.column("job_id").to_pylist(),
                         job_vectors=encoder.embed_texts(requisition_texts(jobs), side="job"))
    return reference


def load_requisitions(path: str | Path, key: str = "inputs.jobs") -> pa.Table:
    """The open requisitions (JOB_SCHEMA Parquet folder or file), sorted by job_id for stable ranks."""
    jobs = pa.concat_tables([pq.read_table(f) for f in parquet_files(path, key)])
    return jobs.sort_by("job_id")


def windows_to_columns(windows: Windows, n_texts: int) -> dict[str, pa.Array]:
    """Token windows as two per-resume list columns, padding dropped, for Ray Data blocks:
    `tokens` (the windows' ids concatenated) and `window_lengths` (ids per window)."""
    lengths = windows.attention_mask.sum(axis=1).astype(np.int32)
    per_resume = np.bincount(windows.owner, minlength=n_texts)
    tokens_per_resume = np.bincount(windows.owner, weights=lengths, minlength=n_texts)
    token_offsets = np.concatenate([[0], np.cumsum(tokens_per_resume)]).astype(np.int32)
    window_offsets = np.concatenate([[0], np.cumsum(per_resume)]).astype(np.int32)
    flat = windows.input_ids[windows.attention_mask.astype(bool)].astype(np.int32)
    return {"tokens": pa.ListArray.from_arrays(token_offsets, pa.array(flat)),
            "window_lengths": pa.ListArray.from_arrays(window_offsets, pa.array(lengths))}


def columns_to_windows(tokens: pa.Array, window_lengths: pa.Array, max_length: int,
                       pad_id: int) -> Windows:
    """The inverse of `windows_to_columns`: padded [n_windows, max_length] arrays again."""
    tokens = tokens.combine_chunks() if isinstance(tokens, pa.ChunkedArray) else tokens
    window_lengths = (window_lengths.combine_chunks() if isinstance(window_lengths, pa.ChunkedArray)
                      else window_lengths)
    lengths = window_lengths.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    counts = np.diff(window_lengths.offsets.to_numpy())
    mask = (np.arange(max_length)[None, :] < lengths[:, None]).astype(np.int64)
    ids = np.full(mask.shape, pad_id, dtype=np.int64)
    ids[mask.astype(bool)] = tokens.flatten().to_numpy(zero_copy_only=False)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return Windows(ids, mask, owner)


def _top_categories(probs: torch.Tensor, names: list[str]) -> dict[str, pa.Array]:
    k = min(TOP_CATEGORIES, probs.shape[1])
    values, index = torch.topk(probs, k, dim=1)
    values, index = values.cpu().numpy().astype(np.float32), index.cpu().numpy()
    labels = np.asarray(names, dtype=object)
    columns = {}
    for rank in range(TOP_CATEGORIES):  # fewer than 3 categories: the missing ranks are null
        present = rank < k
        n = len(values)
        columns[f"category_{rank + 1}"] = pa.array(labels[index[:, rank]] if present else [None] * n,
                                                   pa.string())
        columns[f"p_{rank + 1}"] = pa.array(values[:, rank] if present else [None] * n, pa.float32())
    return columns


def _list_column(matrix: np.ndarray) -> pa.Array:
    rows, dim = matrix.shape
    offsets = np.arange(0, rows * dim + 1, dim, dtype=np.int32)
    return pa.ListArray.from_arrays(offsets, pa.array(matrix.astype(np.float32).ravel()))


def _tensor(values: np.ndarray | None, device: str) -> torch.Tensor | None:
    return None if values is None else torch.tensor(np.asarray(values, np.float32), device=device)
