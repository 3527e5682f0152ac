"""Dev-split evaluation of a trained RecruitModel: the figures `eval.json` and the console table hold.

    python ray_jobs/train.py train.task=crossencoder  # trains, then runs the matching report here

- classify: accuracy, macro-F1, ECE, per-class P/R/F1, with window pooling and with first-window-only
  truncation (the same model, the same forward pass: truncation is the first window's logits);
- biencoder: Recall@1/5/10 and nDCG@10 of all jobs ranked for each dev resume (relevant = is_fit);
- crossencoder: AUC over scored pairs, Recall@k/nDCG@10 of each dev resume's reranked candidates.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from recruit_core.config import ModelConfig
from recruit_core.eval.metrics import auc, classification_report, ndcg_at_k, recall_at_k
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.examples import PoolSplit
from recruit_core.train.loop import trim_padding
from recruit_core.text.windows import encode_pairs, encode_windows, pool_windows

RANKS = (1, 5, 10)  # Recall@k cut-offs: the top pick, a first screen, a recruiter's shortlist


@torch.no_grad()
def _pooled(model: RecruitModel, ids: np.ndarray, mask: np.ndarray, batch_size: int) -> torch.Tensor:
    """Mean-pooled encoder states of every row, `batch_size` rows per forward pass."""
    model.eval()
    chunks = []
    for start in range(0, len(ids), batch_size):
        chunk = trim_padding(torch.from_numpy(ids[start:start + batch_size]),
                             torch.from_numpy(mask[start:start + batch_size]))
        chunks.append(model.pooled(*chunk).float())
    return torch.cat(chunks)


def _windows(tokenizer, texts: list[str], cfg: ModelConfig, max_windows: int | None = None):
    return encode_windows(tokenizer, texts, cfg.max_length, cfg.window_stride,
                          max_windows or cfg.max_windows)


@torch.no_grad()
def embed_texts(model: RecruitModel, tokenizer, texts: list[str], cfg: ModelConfig, batch_size: int,
                max_windows: int | None = None) -> torch.Tensor:
    """Normalised embeddings, window-pooled per text (what `RecruitModel.embed` computes)."""
    windows = _windows(tokenizer, texts, cfg, max_windows)
    vectors = _pooled(model, windows.input_ids, windows.attention_mask, batch_size)
    return F.normalize(pool_windows(vectors, torch.from_numpy(windows.owner), len(texts)), dim=-1)


@torch.no_grad()
def evaluate_classifier(model: RecruitModel, tokenizer, texts: list[str], labels: list[int],
                        cfg: ModelConfig, batch_size: int) -> dict:
    """{"windows": report, "first_window": report} from one forward pass over all windows."""
    windows = _windows(tokenizer, texts, cfg)
    owner = torch.from_numpy(windows.owner)
    logits = model.category_head(_pooled(model, windows.input_ids, windows.attention_mask, batch_size))
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


def evaluate_retrieval(model: RecruitModel, tokenizer, dev: PoolSplit, cfg: ModelConfig,
                       batch_size: int) -> dict:
    """Every job ranked by cosine similarity for every dev resume."""
    resumes = embed_texts(model, tokenizer, dev.resumes["text"].tolist(), cfg, batch_size)
    jobs = embed_texts(model, tokenizer, dev.jobs["text"].tolist(), cfg, batch_size, max_windows=1)
    ranked = torch.argsort(resumes @ jobs.T, dim=1, descending=True).tolist()
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


@torch.no_grad()
def evaluate_reranking(model: RecruitModel, tokenizer, dev: PoolSplit, cfg: ModelConfig,
                       n_candidates: int, batch_size: int, seed: int = 0) -> dict:
    """Cross-encoder fit logits for each dev resume's candidate jobs: AUC and ranking metrics."""
    candidates = rerank_candidates(dev, n_candidates, seed)
    resumes, jobs = dev.resumes["text"].tolist(), dev.jobs["text"].tolist()
    owners = np.concatenate([np.full(len(c), i) for i, c in enumerate(candidates)])
    job_index = np.concatenate(candidates)
    pairs = encode_pairs(tokenizer, [jobs[j] for j in job_index], [resumes[r] for r in owners],
                         cfg.max_length)
    model.eval()
    scores = torch.cat([model.fit_logits(*trim_padding(
        torch.from_numpy(pairs.input_ids[s:s + batch_size]),
        torch.from_numpy(pairs.attention_mask[s:s + batch_size]))).float()
        for s in range(0, len(job_index), batch_size)]).numpy()
    labels = dev.fit[owners, job_index]
    ranked, relevant = [], []
    for row, jobs_of_row in enumerate(candidates):
        order = np.argsort(-scores[owners == row], kind="stable")
        ranked.append(jobs_of_row[order].tolist())
        relevant.append(set(np.flatnonzero(dev.fit[row]).tolist()) & set(jobs_of_row.tolist()))
    return {"auc": auc(scores, labels.astype(int)), "pairs": int(len(labels)),
            "positives": int(labels.sum()), **ranking_metrics(ranked, relevant)}
