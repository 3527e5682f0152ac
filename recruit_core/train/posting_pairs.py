"""Cross-encoder examples from the real postings, and the dev candidates its gate reranks.

    python ray_jobs/train.py data=postings train=crossencoder model=minilm train.n_train_pairs=2000

The labelled pairs are the bi-encoder's (embed_head_job.labelled_texts): the training half of the
postings (recruit_core/data/postings.py) against the livecareer TRAIN resumes, relevant when the
resume's category is one the posting lists; the evaluation half and the dev resumes are never read.
Postings and resumes are split into fit and dev parts by the bi-encoder's hash (embed_head.in_dev;
a posting text listed under several job ids counts once), and a pair is drawn only inside one part,
so no dev pair shares a posting text or a resume with a training pair.

Per part, half the rows are relevant pairs; of the rest, half are hard negatives and half random
non-relevant resumes, each for the posting of a relevant row (every posting meets both labels as
often as it meets the other). A hard negative is one of the `train.eval_candidates` non-relevant
resumes that the pretrained encoder's cosine ranks highest for the posting: the near-misses a
bi-encoder's shortlist puts in front of the reranker, which a category-level rule (the most
confused category) would only approximate. That cosine costs one encoding pass of the texts
(cached in `<output_root>/cache/pooled/`), which the gate needs anyway: its candidates are each dev
posting's first `train.eval_candidates` dev resumes by the same cosine, and its baseline is that
cosine's order of them (recruit_core/train/gates.py). With `train.init_from=<the bi-encoder in use>`
(a `train=biencoder data=postings` folder) the gate's candidates and baseline are that model's
instead, with its own window settings: the shortlist the reranker would reorder in the jobs, and the
order it has to beat.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recruit_core.config import RecruitConfig
from recruit_core.eval.dev import RerankSet
from recruit_core.train.examples import DEV_PAIRS_SHARE
from recruit_core.train.gates import PRETRAINED_ORDER


@dataclass
class PairSample:
    """Rows of one part as indices into its postings and resumes."""

    jobs: np.ndarray
    resumes: np.ndarray
    labels: np.ndarray  # float32 1.0 relevant, 0.0 not
    hard: np.ndarray  # bool: drawn from the posting's highest-ranked non-relevant resumes


def hardest_non_relevant(relevant: np.ndarray, cosine: np.ndarray, top: int) -> list[np.ndarray]:
    """Per posting, its `top` non-relevant resumes by descending cosine (ties: resume order)."""
    masked = np.where(relevant, -np.inf, cosine)
    order = np.argsort(-masked, axis=1, kind="stable")
    return [row[:min(top, int((~rel).sum()))] for row, rel in zip(order, relevant)]


def sample_pairs(relevant: np.ndarray, cosine: np.ndarray, n_pairs: int, hard_pool: int,
                 seed: int) -> PairSample:
    """`n_pairs` rows of a [postings, resumes] part: half relevant pairs (without replacement while
    there are enough), a quarter hard negatives, a quarter random non-relevant resumes."""
    if n_pairs < 2:
        raise ValueError(f"train.n_train_pairs={n_pairs}: a cross-encoder needs relevant and "
                         "non-relevant rows, at least 2")
    positives = np.argwhere(relevant)
    if len(positives) == 0:
        raise ValueError(f"no relevant pair among {relevant.shape[0]} postings x {relevant.shape[1]} "
                         "resumes of this part: the postings list no category these resumes have")
    rng = np.random.default_rng(seed)
    n_positive = n_pairs // 2
    chosen = positives[rng.choice(len(positives), n_positive, replace=n_positive > len(positives))]
    has_negative = (~relevant).any(1)
    owners = chosen[has_negative[chosen[:, 0]], 0]
    if len(owners) == 0:
        raise ValueError(f"every resume of this part is relevant to every posting drawn "
                         f"({relevant.shape}): no negatives to learn from")
    hardest = hardest_non_relevant(relevant, cosine, hard_pool)
    n_negative = n_pairs - n_positive
    # a hard and a random negative for each relevant row's posting in turn
    negative_jobs = owners[(np.arange(n_negative) // 2) % len(owners)]
    is_hard = np.arange(n_negative) % 2 == 0
    negatives = [int(rng.choice(hardest[job] if hard else np.flatnonzero(~relevant[job])))
                 for job, hard in zip(negative_jobs, is_hard)]
    return PairSample(np.concatenate([chosen[:, 0], negative_jobs]).astype(np.int64),
                      np.concatenate([chosen[:, 1], negatives]).astype(np.int64),
                      np.concatenate([np.ones(n_positive), np.zeros(n_negative)]).astype(np.float32),
                      np.concatenate([np.zeros(n_positive, dtype=bool), is_hard]))


def one_posting_per_text(texts: dict) -> dict:
    """`labelled_texts` with each distinct posting text once: the first, smallest job_id (the name
    postings.py gives the group), whose hash puts it on its side of the split. The same job posted
    in several locations is one posting, so its text is never on both sides."""
    first = sorted({text: i for i, text in reversed(list(enumerate(texts["job_texts"])))}.values())
    keyed = ("job_ids", "job_texts", "relevant", "job_dev", "rejected")
    return {**texts, **{key: ([texts[key][i] for i in first] if isinstance(texts[key], list)
                              else texts[key][first]) for key in keyed if texts.get(key) is not None}}


def gate_candidates(cosine: np.ndarray, top: int) -> list[np.ndarray]:
    """Per posting, its first `top` resumes by descending cosine (ties: resume order)."""
    return [row[:top] for row in np.argsort(-cosine, axis=1, kind="stable")]


def in_use_fit(cfg: RecruitConfig, tokenizer, encoder, fingerprint: str, job_texts: list[str],
               resume_texts: list[str]) -> tuple[np.ndarray, str]:
    """([jobs, resumes] fit, name) of the bi-encoder in use (train.init_from), each text pooled with
    the window settings that model was trained with, as the match job shortlists with it."""
    from recruit_core.eval.evaluate import window_settings
    from recruit_core.eval.postings import head_cosine
    from recruit_core.model.forward import TextEncoder
    from recruit_core.model.pooled_cache import cache_dir, cached_pooled
    from recruit_core.model.recruit import RecruitModel
    from recruit_core.train.embed_head_job import previous_model
    model, _, meta = previous_model(cfg, encoder, fingerprint)
    text = TextEncoder.for_model(RecruitModel(encoder), tokenizer, window_settings(cfg, meta))
    cache = cache_dir(cfg.output_root)
    fit = head_cosine(model, cached_pooled(text, fingerprint, job_texts, cache),
                      cached_pooled(text, fingerprint, resume_texts, cache))
    return fit, f"bi-encoder in use ({cfg.train.init_from})"


def posting_task_data(cfg: RecruitConfig) -> dict:
    """What the cross-encoder's train job reads for data=postings: train and dev rows, and the
    dev postings' candidates for its gate (`dev_rerank`)."""
    from recruit_core.eval.postings import head_cosine
    from recruit_core.train.embed_head_job import candidate_model, encode_pairs_data, labelled_texts
    train = cfg.train
    texts = one_posting_per_text(labelled_texts(cfg))
    pairs, tokenizer, encoder, fingerprint = encode_pairs_data(cfg, texts)
    cosine = head_cosine(candidate_model(encoder), pairs.jobs, pairs.resumes)
    sizes = {"train": train.n_train_pairs,
             "dev": max(train.batch_size, int(train.n_train_pairs * DEV_PAIRS_SHARE))}
    rows, parts = {}, {}
    for name, dev, seed in (("train", False, train.seed), ("dev", True, train.seed + 1)):
        jobs = np.flatnonzero(texts["job_dev"] == dev)
        resumes = np.flatnonzero(texts["resume_dev"] == dev)
        if len(jobs) == 0 or len(resumes) == 0:
            raise ValueError(f"{texts['source']}: the {name} part has {len(jobs)} postings and "
                             f"{len(resumes)} resumes (split by hash, 1 in 4 to dev): more data needed")
        relevant, part_cosine = (m[np.ix_(jobs, resumes)] for m in (texts["relevant"], cosine))
        sample = sample_pairs(relevant, part_cosine, sizes[name], train.eval_candidates, seed)
        rows[name] = {"job_text": [texts["job_texts"][jobs[j]] for j in sample.jobs],
                      "resume_text": [texts["resume_texts"][resumes[r]] for r in sample.resumes],
                      "label": sample.labels.tolist()}
        parts[name] = (jobs, resumes, relevant, part_cosine)
    jobs, resumes, relevant, dev_cosine = parts["dev"]
    job_texts, resume_texts = [texts["job_texts"][j] for j in jobs], [texts["resume_texts"][r] for r in resumes]
    baseline, baseline_name = dev_cosine, PRETRAINED_ORDER
    if train.init_from:
        baseline, baseline_name = in_use_fit(cfg, tokenizer, encoder, fingerprint, job_texts, resume_texts)
    dev_rerank = RerankSet(job_texts, resume_texts, relevant,
                           gate_candidates(baseline, train.eval_candidates), baseline, baseline_name)
    print(f"cross-encoder pairs from {texts['source']}: {len(rows['train']['label'])} training rows "
          f"({len(parts['train'][0])} postings x {len(parts['train'][1])} resumes), "
          f"{len(rows['dev']['label'])} dev rows and {len(jobs)} dev postings' candidates "
          f"({len(jobs)} x {len(resumes)})")
    return {"rows": rows, "categories": [], "dev_rerank": dev_rerank}
