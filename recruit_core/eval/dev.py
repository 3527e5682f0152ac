"""Dev-split evaluation of a trained RecruitModel: the figures `eval.json` and the console table hold.

    python ray_jobs/train.py train.task=crossencoder  # trains, then runs the matching report here

- classify: accuracy, macro-F1, ECE, per-class P/R/F1, with window pooling and with first-window-only
  truncation (the same model, the same forward pass: truncation is the first window's logits);
- biencoder: Recall@1/5/10 and nDCG@10 of all jobs ranked for each dev resume (relevant = is_fit);
- crossencoder: AUC over scored pairs, Recall@k/nDCG@10 of each dev resume's reranked candidates
  (real postings: of each dev posting's candidate resumes).

Every figure comes from the forward pass the jobs run (`recruit_core.model.forward`): jobs read
with all their windows as scoring and matching read them, the same bits whatever the batching.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from recruit_core.config import ModelConfig
from recruit_core.eval.metrics import auc, classification_report, ndcg_at_k, recall_at_k
from recruit_core.model.forward import TextEncoder
from recruit_core.model.recruit import RecruitModel, row_stable_matmul
from recruit_core.text.windows import pool_windows
from recruit_core.train.examples import PoolSplit

RANKS = (1, 5, 10)  # Recall@k cut-offs: the top pick, a first screen, a recruiter's shortlist


def evaluate_classifier(model: RecruitModel, tokenizer, texts: list[str], labels: list[int],
                        cfg: ModelConfig) -> dict:
    """{"windows": report, "first_window": report} from one forward pass over all windows: the
    category head on every window, then averaged per resume as scoring does, or the first alone."""
    encoder = TextEncoder.for_model(model, tokenizer, cfg)
    windows = encoder.tokenize(texts)
    logits = encoder.category_logits(encoder.pooled_windows(windows))
    owner = torch.from_numpy(windows.owner)
    first = torch.from_numpy(np.unique(windows.owner, return_index=True)[1])
    names, labels = model.categories, np.asarray(labels)
    report = {name: classification_report(torch.softmax(values, -1).numpy(), labels, names)
              for name, values in (("windows", pool_windows(logits, owner, len(texts))),
                                   ("first_window", logits[first]))}
    report["windows_per_resume"] = float(len(owner) / max(1, len(texts)))
    return report


def ranking_metrics(ranked: list[list[int]], relevant: list[set]) -> dict:
    metrics = {f"recall@{k}": recall_at_k(ranked, relevant, k) for k in RANKS}
    metrics["ndcg@10"] = ndcg_at_k(ranked, relevant, 10)
    metrics["queries"] = sum(1 for r in relevant if r)
    return metrics


def evaluate_retrieval(model: RecruitModel, tokenizer, dev: PoolSplit, cfg: ModelConfig) -> dict:
    """Every job ranked for every dev resume by the fit the score job writes (embedding cosine)."""
    encoder = TextEncoder.for_model(model, tokenizer, cfg)
    resumes = torch.from_numpy(encoder.embed_texts(dev.resumes["text"].tolist(), side="resume"))
    jobs = torch.from_numpy(encoder.embed_texts(dev.jobs["text"].tolist(), side="job"))
    ranked = torch.argsort(row_stable_matmul(resumes, jobs), dim=1, descending=True,
                           stable=True).tolist()
    relevant = [set(np.flatnonzero(row).tolist()) for row in dev.fit]
    return ranking_metrics(ranked, relevant)


def rerank_candidates(dev: PoolSplit, n_candidates: int, seed: int) -> list[np.ndarray]:
    """Per dev resume: its fits, then same-family non-fits, then others, `n_candidates` in all."""
    rng = np.random.default_rng(seed)
    family = dev.jobs["family"].to_numpy()
    lists = []
    for row, resume_family in enumerate(dev.resumes["family"]):
        fits = np.flatnonzero(dev.fit[row])
        hard = rng.permutation(np.flatnonzero(~dev.fit[row] & (family == resume_family)))
        rest = rng.permutation(np.flatnonzero(~dev.fit[row] & (family != resume_family)))
        lists.append(np.concatenate([fits, hard, rest])[:n_candidates])
    return lists


def evaluate_reranking(model: RecruitModel, tokenizer, dev: PoolSplit, cfg: ModelConfig,
                       n_candidates: int, seed: int = 0, baseline: TextEncoder | None = None) -> dict:
    """Cross-encoder fit logits for each dev resume's candidate jobs: AUC and ranking metrics, and
    with a `baseline` bi-encoder the same metrics for its cosine order of the same candidates (what
    the shortlist keeps when the reranker is not used): the reranker's gate."""
    candidates = rerank_candidates(dev, n_candidates, seed)
    resumes, jobs = dev.resumes["text"].tolist(), dev.jobs["text"].tolist()
    owners, job_index = _flat(candidates)
    encoder = TextEncoder.for_model(model, tokenizer, cfg)
    scores = encoder.fit_logits([jobs[j] for j in job_index],
                                [resumes[r] for r in owners]).numpy()
    cosine = None
    if baseline is not None:
        resume_vectors = baseline.embed_texts(resumes)
        job_vectors = baseline.embed_texts(jobs)
        cosine = np.einsum("ij,ij->i", resume_vectors[owners], job_vectors[job_index])
    return reranking_figures(dev.fit, candidates, scores, cosine)


@dataclass
class RerankSet:
    """Dev postings each with the resumes a reranker reorders for it, and the bi-encoder's scores
    whose order it has to beat (recruit_core/train/posting_pairs.py builds one)."""

    job_texts: list[str]
    resume_texts: list[str]
    relevant: np.ndarray  # [jobs, resumes] bool
    candidates: list[np.ndarray]  # per job: resume indices, the bi-encoder's first
    baseline: np.ndarray  # [jobs, resumes] the bi-encoder's scores
    baseline_name: str = "pretrained bi-encoder"  # which bi-encoder gave them (gates.PRETRAINED_ORDER)


def evaluate_job_reranking(model: RecruitModel, tokenizer, dev: RerankSet, cfg: ModelConfig) -> dict:
    """The cross-encoder's fit logits for each dev posting's candidate resumes against the
    baseline's order of them: the figures `evaluate_reranking` gives, queries being postings."""
    owners, resume_index = _flat(dev.candidates)
    encoder = TextEncoder.for_model(model, tokenizer, cfg)
    scores = encoder.fit_logits([dev.job_texts[j] for j in owners],
                                [dev.resume_texts[r] for r in resume_index]).numpy()
    return reranking_figures(dev.relevant, dev.candidates, scores, dev.baseline[owners, resume_index])


def _flat(candidates: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(query of each candidate pair, candidate of each pair), in the lists' order."""
    owners = np.concatenate([np.full(len(c), i) for i, c in enumerate(candidates)])
    return owners, np.concatenate(candidates).astype(np.int64)


def reranking_figures(relevant: np.ndarray, candidates: list[np.ndarray], scores: np.ndarray,
                      baseline: np.ndarray | None = None) -> dict:
    """AUC and ranking metrics of `scores` (one per candidate pair, in `candidates`' order) over
    each query's candidates (`relevant`: [queries, items] bool); with `baseline` scores of the same
    pairs, its figures under `bi_encoder_order`."""
    owners, items = _flat(candidates)
    labels = relevant[owners, items].astype(int)
    figures = {"auc": auc(scores, labels), "pairs": int(len(labels)),
               "positives": int(labels.sum()), **_candidate_ranking(relevant, candidates, owners, scores)}
    if baseline is not None:
        figures["bi_encoder_order"] = {"auc": auc(baseline, labels),
                                       **_candidate_ranking(relevant, candidates, owners, baseline)}
    return figures


def _candidate_ranking(relevant: np.ndarray, candidates: list[np.ndarray], owners: np.ndarray,
                       scores: np.ndarray) -> dict:
    ranked, relevant_sets = [], []
    for row, items_of_row in enumerate(candidates):
        order = np.argsort(-scores[owners == row], kind="stable")
        ranked.append(items_of_row[order].tolist())
        relevant_sets.append(set(np.flatnonzero(relevant[row]).tolist()) & set(items_of_row.tolist()))
    return ranking_metrics(ranked, relevant_sets)
