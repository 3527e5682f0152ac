"""The real matching benchmark: livecareer dev resumes ranked for each held-out real job posting.

    python ray_jobs/evaluate.py data=postings
    python ray_jobs/evaluate.py data=postings eval.model_path=<bi-encoder folder> \
        eval.crossencoder_path=<cross-encoder folder>

For every posting of the evaluation half (recruit_core/data/postings.py) the 491 dev resumes are
ranked; a resume is relevant when its category is one the posting lists. Precision@k and nDCG@k
(binary relevance) are averaged over postings, for random order, TF-IDF cosine, BM25, the
pretrained encoder's cosine, a fine-tuned bi-encoder (eval.model_path) and that bi-encoder with the
cross-encoder reranking its first eval.rerank_top (eval.crossencoder_path), in one table from one
run. Embeddings and fit logits come from the forward pass the jobs run (recruit_core.model.forward).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.sparse import csr_matrix, spmatrix
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from recruit_core.config import RecruitConfig
from recruit_core.data.livecareer import load_livecareer
from recruit_core.data.postings import Postings, load_postings
from recruit_core.eval.calibration import (
    CALIBRATION_FILE,
    Calibrator,
    calibrator_from_json,
    fit_calibrator,
    reliability,
)
from recruit_core.eval.metrics import ndcg_at_k, precision_at_k
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import TextEncoder, fit_vectors, text_embeddings
from recruit_core.model.pooled_cache import cache_dir, cached_pooled
from recruit_core.model.recruit import META_FILE, RecruitModel, row_stable_matmul

BM25_K1, BM25_B = 1.2, 0.75  # the usual Okapi settings (Robertson & Zaragoza 2009)


def ranking(scores: np.ndarray) -> list[list[int]]:
    """Resume indices per posting row, best first; ties keep resume order."""
    return [list(np.argsort(-row, kind="stable")) for row in scores]


def figures(scores: np.ndarray, relevant: list[set[int]], k: int) -> dict:
    ranked = ranking(scores)
    return {f"p@{k}": precision_at_k(ranked, relevant, k), f"ndcg@{k}": ndcg_at_k(ranked, relevant, k)}


def tfidf_scores(postings: list[str], resumes: list[str]) -> np.ndarray:
    """[postings, resumes] cosine of TF-IDF vectors fitted on these texts (no labels)."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2),
                                 min_df=2)
    matrix = vectorizer.fit_transform(resumes + postings)
    return (matrix[len(resumes):] @ matrix[:len(resumes)].T).toarray()


def bm25_weights(counts: spmatrix) -> csr_matrix:
    """[resumes, terms] each term count of a resume (a sparse count matrix) as its Okapi BM25 weight."""
    docs = counts.tocsc().astype(np.float64)
    n_docs = docs.shape[0]
    df = np.diff(docs.indptr)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    length = np.asarray(docs.sum(axis=1)).ravel()
    norm = BM25_K1 * (1 - BM25_B + BM25_B * length / length.mean())
    docs = docs.tocoo()
    weights = docs.data * (BM25_K1 + 1) / (docs.data + norm[docs.row]) * idf[docs.col]
    return csr_matrix((weights, (docs.row, docs.col)), shape=docs.shape)


def bm25_scores(postings: list[str], resumes: list[str]) -> np.ndarray:
    """[postings, resumes] Okapi BM25 of each posting's terms against each resume."""
    counts = CountVectorizer(strip_accents="unicode", lowercase=True)
    weighted = bm25_weights(counts.fit_transform(resumes))
    queries = (counts.transform(postings) > 0).astype(np.float64)
    return (queries @ weighted.T).toarray()


@torch.inference_mode()
def cosine_scores(encoder: TextEncoder, postings: list[str], resumes: list[str]) -> np.ndarray:
    posting_vectors = torch.from_numpy(encoder.embed_texts(postings, side="job"))
    resume_vectors = torch.from_numpy(encoder.embed_texts(resumes, side="resume"))
    return row_stable_matmul(posting_vectors, resume_vectors).numpy()


def _encoder(cfg: RecruitConfig, path: str) -> tuple[TextEncoder, str]:
    from recruit_core.eval.evaluate import window_settings
    if path:
        model, tokenizer, meta = RecruitModel.load(path)
        return TextEncoder.for_model(model, tokenizer, window_settings(cfg, meta)), Path(path).name
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    return TextEncoder.for_model(RecruitModel(encoder), tokenizer, window_settings(cfg)), fingerprint


@torch.inference_mode()
def head_cosine(model: RecruitModel, posting_pooled: np.ndarray, resume_pooled: np.ndarray) -> np.ndarray:
    """[postings, resumes] fit of pooled text vectors through the model's embedding head and fit
    towers (if any): the jobs' `text_embeddings` and `fit_vectors`, on vectors the frozen encoder
    already gave."""
    def vectors(pooled: np.ndarray, side: str) -> torch.Tensor:
        rows = torch.from_numpy(pooled)
        return fit_vectors(model, text_embeddings(model, rows, torch.arange(len(rows)), len(rows)), side)
    return row_stable_matmul(vectors(posting_pooled, "job"), vectors(resume_pooled, "resume")).numpy()


@dataclass
class HeldOut:
    """The evaluation half and the dev resumes as the frozen encoder's pooled vectors."""

    postings: np.ndarray
    resumes: np.ndarray
    relevant: list[set[int]]

    def figures(self, model: RecruitModel, k: int) -> dict:
        """P@k and nDCG@k of `model`'s embedding head (or none) on these pairs."""
        return figures(head_cosine(model, self.postings, self.resumes), self.relevant, k)


def held_out_pooled(cfg: RecruitConfig, encoder: TextEncoder, fingerprint: str) -> HeldOut:
    postings = load_postings(cfg.data.postings_path, "eval")
    resumes = load_livecareer(cfg.data).dev
    cache = cache_dir(cfg.output_root)
    relevant = [{i for i, c in enumerate(resumes.labels) if resumes.categories[c] in rel}
                for rel in postings.relevant]
    return HeldOut(cached_pooled(encoder, fingerprint, postings.texts, cache),
                   cached_pooled(encoder, fingerprint, resumes.texts, cache), relevant)


def frozen_head_of(path: str, fingerprint: str) -> RecruitModel | None:
    """The model at `path` when it is an embedding head on exactly the pretrained encoder at hand."""
    meta = json.loads((Path(path) / META_FILE).read_text()) if (Path(path) / META_FILE).is_file() else {}
    if not meta.get("frozen_encoder") or meta.get("base_fingerprint") != fingerprint:
        return None
    return RecruitModel.load(path)[0].eval()


@torch.inference_mode()
def rerank(encoder: TextEncoder, bi_scores: np.ndarray, postings: list[str], resumes: list[str],
           top: int) -> np.ndarray:
    """The bi-encoder order with its first `top` per posting reordered by the cross-encoder's fit
    logit (placed above the rest, which keep their bi-encoder order)."""
    scores = bi_scores - bi_scores.max() - 1.0  # the rest: below every reranked one, same order
    firsts = [np.argsort(-row, kind="stable")[:top] for row in bi_scores]
    pairs = [(p, r) for p, rows in enumerate(firsts) for r in rows]
    logits = encoder.fit_logits([postings[p] for p, _ in pairs], [resumes[r] for _, r in pairs])
    for (p, r), logit in zip(pairs, logits.tolist()):
        scores[p, r] = 1e6 + logit
    return scores


def judge_calibration(method: str, calibrator: Calibrator, fitted_on, held_out_scores: np.ndarray,
                      held_out_relevant: list[set[int]], choice: dict | None = None) -> dict:
    """Reliability, ECE and Brier of `calibrator` on the held-out pairs the table above ranks."""
    truth = np.zeros(held_out_scores.shape, dtype=bool)
    for row, rel in enumerate(held_out_relevant):
        truth[row, list(rel)] = True
    return {"method": method, "fitted_on": fitted_on, "judged_on_pairs": int(truth.size),
            "calibrator": calibrator.to_json(), "formula": calibrator.formula(), "chosen_by": choice,
            **reliability(calibrator(held_out_scores.ravel()), truth.ravel())}


def calibrate(cfg: RecruitConfig, encoder: TextEncoder, method: str, train_half: Postings,
              held_out_scores: np.ndarray, held_out_relevant: list[set[int]]) -> dict:
    """A calibrator of `method`'s cosine (`fit_calibrator`: Platt or isotonic), fitted on the
    training half of the postings against a seeded sample of eval.calibration_resumes livecareer
    train resumes, judged on the held-out pairs (evaluation half x dev resumes) that the table above
    ranks."""
    train = load_livecareer(cfg.data).train
    rng = np.random.default_rng(cfg.eval.seed)
    sample = np.sort(rng.choice(len(train), min(cfg.eval.calibration_resumes, len(train)), replace=False))
    texts = [train.texts[i] for i in sample]
    categories = [train.categories[train.labels[i]] for i in sample]
    scores = cosine_scores(encoder, train_half.texts, texts)
    labels = np.array([[c in rel for c in categories] for rel in train_half.relevant])
    calibrator, choice = fit_calibrator(scores, labels, seed=cfg.eval.seed)
    return judge_calibration(method, calibrator, {"postings": len(train_half), "resumes": len(texts),
                                                  "pairs": int(labels.size)},
                             held_out_scores, held_out_relevant, choice)


def evaluate_postings(cfg: RecruitConfig) -> dict:
    """The benchmark table on the evaluation half, with both halves' sizes."""
    started, k = time.perf_counter(), cfg.eval.k
    resumes = load_livecareer(cfg.data).dev
    postings: Postings = load_postings(cfg.data.postings_path, "eval")
    train_half = load_postings(cfg.data.postings_path, "train")
    relevant = [{i for i, c in enumerate(resumes.labels) if resumes.categories[c] in rel}
                for rel in postings.relevant]
    rows = []

    def add(method: str, make_scores) -> np.ndarray:
        clock = time.perf_counter()
        scores = make_scores()
        rows.append({"method": method, **figures(scores, relevant, k),
                     "seconds": round(time.perf_counter() - clock, 1)})
        return scores

    rng = np.random.default_rng(cfg.eval.seed)
    add("random", lambda: rng.random((len(postings), len(resumes))))
    add("tfidf cosine", lambda: tfidf_scores(postings.texts, resumes.texts))
    add("bm25", lambda: bm25_scores(postings.texts, resumes.texts))
    fit_encoder, name = _encoder(cfg, "")
    fit_method = f"pretrained {name} (cosine)"
    cache = cache_dir(cfg.output_root)
    pooled = {"postings": lambda: cached_pooled(fit_encoder, name, postings.texts, cache),
              "resumes": lambda: cached_pooled(fit_encoder, name, resumes.texts, cache)}
    fit = add(fit_method, lambda: head_cosine(fit_encoder.model, pooled["postings"](), pooled["resumes"]()))
    stored = None  # the model folder's calibration.json, read once
    if cfg.eval.model_path:
        head = frozen_head_of(cfg.eval.model_path, name)
        tuned_name = Path(cfg.eval.model_path).name
        if head is not None:
            kind = "fit towers" if head.job_tower is not None else "embedding head"
            fit_method = f"bi-encoder {tuned_name} ({kind} on frozen {name})"
            fit = bi = add(fit_method, lambda: head_cosine(head, pooled["postings"](), pooled["resumes"]()))
        else:
            tuned, _ = _encoder(cfg, cfg.eval.model_path)
            fit_encoder, fit_method = tuned, f"bi-encoder {tuned_name} (cosine)"
            fit = bi = add(fit_method, lambda: cosine_scores(tuned, postings.texts, resumes.texts))
        path = Path(cfg.eval.model_path) / CALIBRATION_FILE
        stored = json.loads(path.read_text()) if path.is_file() else None
        if cfg.eval.crossencoder_path:
            cross, cname = _encoder(cfg, cfg.eval.crossencoder_path)
            add(f"bi-encoder {tuned_name} + rerank {cname} (top {cfg.eval.rerank_top})",
                lambda: rerank(cross, bi, postings.texts, resumes.texts, cfg.eval.rerank_top))
    if stored is not None:
        calibration = judge_calibration(fit_method, calibrator_from_json(stored),
                                        f"{cfg.eval.model_path}/{CALIBRATION_FILE}", fit, relevant,
                                        stored.get("chosen_by"))
    elif cfg.eval.calibration_resumes:
        calibration = calibrate(cfg, fit_encoder, fit_method, train_half, fit, relevant)
    else:
        calibration = None
    return {"task": "real matching: livecareer dev resumes for held-out job postings",
            "columns": ["method", f"p@{k}", f"ndcg@{k}", "seconds"], "rows": rows,
            "calibration": calibration,
            "data": {"postings": cfg.data.postings_path, "eval_postings": len(postings),
                     "train_postings (not used here)": len(train_half),
                     "dev_resumes": len(resumes),
                     "relevant_per_posting_mean": round(float(np.mean([len(r) for r in relevant])), 1)},
            "seconds": round(time.perf_counter() - started, 1)}
