"""The bi-encoder stage on the frozen encoder: labelled pairs in, a model folder with a learned
embedding head, its fit probability and its gate out.

    python ray_jobs/train.py data=postings train=biencoder     # real postings, training half only
    python ray_jobs/train.py train=biencoder train.frozen_encoder=true     # the synthetic pool

Labelled pairs: with data=postings, the training half of the real postings (recruit_core/data/postings.py)
against the livecareer TRAIN resumes, relevant when the resume's category is one the posting lists —
the evaluation half and the dev resumes are never read; with the synthetic pool, its jobs against its
resumes, relevant when the generator's truth says fit. Texts are encoded once by the jobs' forward pass
and kept in `<output_root>/cache/pooled/` (keyed by the encoder's fingerprint, the window
settings and the texts; recruit_core/model/pooled_cache.py), so a retrain re-encodes nothing.

The gate: the head replaces the pretrained cosine only when its dev precision@k beats it; otherwise the
folder is written without a head (the pretrained geometry) and eval.json says why. Either way the folder
carries `calibration.json`: Platt scaling of its cosine on the dev pairs, the fit probability every
output shows (recruit_core/eval/calibration.py).
"""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from recruit_core.config import RecruitConfig, config_hash
from recruit_core.eval.calibration import CALIBRATION_FILE, Platt
from recruit_core.io import write_json_atomic
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import TextEncoder, check_model_folder
from recruit_core.model.pooled_cache import cache_dir, cached_pooled
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.embed_head import (
    HeadSettings,
    LabelledPairs,
    calibrate_head,
    fit_head,
    in_dev,
)


def head_settings(cfg: RecruitConfig) -> HeadSettings:
    train = cfg.train
    return HeadSettings(steps=train.head_steps, lr=train.head_lr, batch_jobs=train.batch_size,
                        hard=train.head_hard_negatives if train.hard_negatives else 0,
                        temperature=train.temperature, identity_decay=train.head_identity_decay,
                        k=cfg.eval.k, seed=train.seed)


def labelled_texts(cfg: RecruitConfig) -> dict:
    """Job texts, resume texts, relevance [jobs, resumes] (and rejections) and the dev split of both:
    from train.decisions when given, else from the data's own labels."""
    texts = data_texts(cfg)
    if cfg.train.decisions:
        from recruit_core.train.decisions import decision_labels, read_decisions
        decided = decision_labels(read_decisions(cfg.train.decisions), texts["job_ids"],
                                  texts["resume_ids"], texts["source"])
        keep = [texts["job_ids"].index(j) for j in decided.job_ids]
        texts.update(job_ids=decided.job_ids, job_texts=[texts["job_texts"][i] for i in keep],
                     relevant=decided.labels > 0, rejected=decided.labels < 0,
                     source=f"{decided.rows} decisions ({cfg.train.decisions}) on {texts['source']}")
    texts["job_dev"] = np.array([in_dev(j, "job") for j in texts["job_ids"]], dtype=bool)
    return texts


def data_texts(cfg: RecruitConfig) -> dict:
    from recruit_core.privacy.redact import redact_column
    if cfg.data.source == "postings":
        from recruit_core.data.livecareer import load_livecareer
        from recruit_core.data.postings import load_postings
        postings = load_postings(cfg.data.postings_path, "train")
        resumes = load_livecareer(cfg.data).train
        names = [resumes.categories[label] for label in resumes.labels]
        return {"job_ids": postings.job_ids, "job_texts": postings.texts,
                "resume_ids": resumes.resume_ids,
                "resume_texts": redact_column(resumes.texts, cfg.privacy),
                "relevant": np.array([[n in rel for n in names] for rel in postings.relevant], dtype=bool),
                "resume_dev": np.array([in_dev(r, "resume") for r in resumes.resume_ids], dtype=bool),
                "source": f"{cfg.data.postings_path} (training half) x livecareer train resumes"}
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.train.examples import read_pool
    pool = read_pool(cfg.data, load_taxonomy(cfg.data))
    owners = [d if isinstance(d, str) and d else r  # a near-duplicate goes where its original goes
              for r, d in zip(pool.resumes["resume_id"], pool.resumes["duplicate_of"])]
    return {"job_ids": pool.jobs["job_id"].astype(str).tolist(), "job_texts": pool.jobs["text"].tolist(),
            "resume_ids": pool.resumes["resume_id"].astype(str).tolist(),
            "resume_texts": redact_column(pool.resumes["text"].tolist(), cfg.privacy),
            "relevant": pool.fit.T.copy(),
            "resume_dev": np.array([in_dev(o, "resume") for o in owners], dtype=bool),
            "source": f"synthetic pool {cfg.data.dir}"}


def encode_pairs_data(cfg: RecruitConfig, texts: dict) -> tuple[LabelledPairs, object, object, str]:
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    text = TextEncoder.for_model(RecruitModel(encoder), tokenizer, cfg.model)
    cache = cache_dir(cfg.output_root)
    pairs = LabelledPairs(cached_pooled(text, fingerprint, texts["job_texts"], cache),
                          cached_pooled(text, fingerprint, texts["resume_texts"], cache),
                          texts["relevant"], texts["job_dev"], texts["resume_dev"],
                          texts.get("rejected"))
    return pairs, tokenizer, encoder, fingerprint


def write_head_model(folder: Path, encoder, tokenizer, head, platt: Platt, meta: dict) -> Path:
    """The model folder: the frozen encoder, the head when it passed its gate, the calibration."""
    model = RecruitModel(encoder, embed_head=head is not None)
    if head is not None:
        with torch.no_grad():
            model.embed_head.weight.copy_(head.weight)
            model.embed_head.bias.copy_(head.bias)
    model.save(folder, tokenizer, meta)
    write_json_atomic({**platt.to_json(), "score": "cosine of this folder's embeddings",
                       "fitted_on": "dev pairs of the training data (not used to fit the head)"},
                      folder / CALIBRATION_FILE)
    return folder


def starting_head(cfg: RecruitConfig, fingerprint: str) -> tuple[tuple | None, str]:
    """(W, b) of train.init_from (the model in use, to be replaced only by a better one), or None."""
    if not cfg.train.init_from:
        return None, "pretrained encoder"
    model, _, meta = RecruitModel.load(check_model_folder(cfg.train.init_from, "train.init_from"))
    if meta.get("base_fingerprint") != fingerprint:
        raise ValueError(f"train.init_from={cfg.train.init_from}: built on "
                         f"{meta.get('base_fingerprint') or 'a fine-tuned encoder'}, not on {fingerprint} "
                         "(model=...): start from a frozen-encoder bi-encoder of the same base")
    name = f"previous model {Path(cfg.train.init_from).name}"
    if model.embed_head is None:
        return None, name
    return (model.embed_head.weight.detach(), model.embed_head.bias.detach()), name


def train_head(cfg: RecruitConfig) -> dict:
    """Fit, gate, calibrate and publish; the figures eval.json holds."""
    started = time.perf_counter()
    texts = labelled_texts(cfg)
    pairs, tokenizer, encoder, fingerprint = encode_pairs_data(cfg, texts)
    init, previous = starting_head(cfg, fingerprint)
    encoded = time.perf_counter()
    result = fit_head(pairs, head_settings(cfg), init)
    kept = ("new embedding head" if result.improves
            else f"{previous} (the new head did not beat it on dev)")
    platt = calibrate_head(pairs, result.weight, result.bias)
    run_dir = Path(cfg.train.storage_path) / cfg.train.run_name
    meta = {"task": "biencoder", "data": cfg.data.source, "frozen_encoder": True,
            "base_fingerprint": fingerprint, "train_config_hash": config_hash(cfg.train),
            "base_model": asdict(cfg.model), "window_stride": cfg.model.window_stride,
            "max_length": cfg.model.max_length, "max_windows": cfg.model.max_windows}
    head = result if result.improves or init is not None else None
    model_dir = write_head_model(run_dir / "model", encoder, tokenizer, head, platt, meta)
    k = cfg.eval.k
    dev_jobs, dev_resumes = int(pairs.job_dev.sum()), int(pairs.resume_dev.sum())
    figures = {"task": "biencoder", "run_name": cfg.train.run_name, "model": str(model_dir),
               "data": texts["source"], "train_rows": int((~pairs.job_dev).sum()),
               "dev_rows": dev_jobs,
               "gate": {"kept": kept, "previous": previous, f"dev_p@{k}_previous": result.dev_before,
                        f"dev_p@{k}_head": result.dev_after, "best_step": result.best_step},
               "dev": {"retrieval": {f"p@{k}": max(result.dev_after, result.dev_before),
                                     f"p@{k}_previous": result.dev_before,
                                     "dev_jobs": dev_jobs, "dev_resumes": dev_resumes}},
               "selection": f"the head of the step with the best dev p@{k}, step {result.best_step}; "
                            f"kept: {kept}",
               "curve": result.curve, "calibration": platt.to_json(),
               "fit_jobs": int((~pairs.job_dev).sum()), "fit_resumes": int((~pairs.resume_dev).sum()),
               "encode_seconds": round(encoded - started, 1),
               "fit_seconds": round(time.perf_counter() - encoded, 1),
               "seconds": round(time.perf_counter() - started, 1)}
    write_json_atomic(figures, run_dir / "eval.json")
    from recruit_core.train.card import write_model_card
    write_model_card(model_dir, cfg, figures)
    print(f"bi-encoder head: dev p@{k} {result.dev_before:.4f} ({previous}) -> {result.dev_after:.4f} "
          f"(step {result.best_step}); kept: {kept}")
    return {"model": str(model_dir), "eval": str(run_dir / "eval.json"), "kept": kept,
            "dev_score": figures["dev"]["retrieval"][f"p@{k}"], "seconds": figures["seconds"]}
