"""The bi-encoder stage on the frozen encoder: labelled pairs in, a model folder with a learned
embedding head, its fit probability and its gate out.

    python ray_jobs/train.py data=postings train=biencoder     # real postings, training half only
    python ray_jobs/train.py train=biencoder train.frozen_encoder=true     # the synthetic pool

Labelled pairs: with data=postings, the training half of the real postings (recruit_core/data/postings.py)
against the livecareer TRAIN resumes, relevant when the resume's category is one the posting lists —
the evaluation half and the dev resumes are never read; with the synthetic pool, its jobs against its
resumes, relevant when the generator's truth says fit. `train.extra_pool=<pool folder>` adds a synthetic
pool's pairs to the real postings' on the embedding head's fit side only (`with_extra_pool`): the dev
split, and so every choice made on it, stays the real pairs'. Texts are encoded once by the jobs' forward pass
and kept in `<output_root>/cache/pooled/` (keyed by the encoder's fingerprint, the window
settings and the texts; recruit_core/model/pooled_cache.py), so a retrain re-encodes nothing.

The gate: the head replaces the pretrained cosine only when its dev precision@k beats it; otherwise the
folder is written without a head (the pretrained geometry) and eval.json says why. Either way the folder
carries `calibration.json`: Platt scaling or isotonic regression of its cosine, chosen and fitted on
the dev pairs, the fit probability every output shows (recruit_core/eval/calibration.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from recruit_core import storage
from recruit_core.config import DataConfig, PrivacyConfig, RecruitConfig, config_hash
from recruit_core.eval.calibration import CALIBRATION_FILE, fit_calibrator
from recruit_core.io import write_json_atomic
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import TextEncoder, check_model_folder
from recruit_core.model.pooled_cache import cache_dir, cached_pooled
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.embed_head import HeadSettings, LabelledPairs, fit_head, in_dev, precision_at_k
from recruit_core.train.fit_towers import fit_towers, install_towers


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
    if cfg.train.extra_pool:
        texts = with_extra_pool(texts, pool_texts(extra_pool_data(cfg), cfg.privacy), cfg.train.extra_pool)
    return texts


def data_texts(cfg: RecruitConfig) -> dict:
    if cfg.data.source == "postings":
        return postings_texts(cfg)
    return pool_texts(cfg.data, cfg.privacy)


def postings_texts(cfg: RecruitConfig) -> dict:
    from recruit_core.data.livecareer import load_livecareer
    from recruit_core.data.postings import load_postings
    from recruit_core.privacy.redact import redact_column
    postings = load_postings(cfg.data.postings_path, "train")
    resumes = load_livecareer(cfg.data).train
    names = [resumes.categories[label] for label in resumes.labels]
    return {"job_ids": postings.job_ids, "job_texts": postings.texts,
            "resume_ids": resumes.resume_ids, "categories": list(resumes.categories),
            "resume_category": np.asarray(resumes.labels),
            "resume_texts": redact_column(resumes.texts, cfg.privacy),
            "relevant": np.array([[n in rel for n in names] for rel in postings.relevant], dtype=bool),
            "resume_dev": np.array([in_dev(r, "resume") for r in resumes.resume_ids], dtype=bool),
            "source": f"{cfg.data.postings_path} (training half) x livecareer train resumes"}


def pool_texts(data: DataConfig, privacy: PrivacyConfig) -> dict:
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.privacy.redact import redact_column
    from recruit_core.train.examples import read_pool
    pool = read_pool(data, load_taxonomy(data))
    owners = [d if isinstance(d, str) and d else r  # a near-duplicate goes where its original goes
              for r, d in zip(pool.resumes["resume_id"], pool.resumes["duplicate_of"])]
    occupations = sorted(set(pool.resumes["occupation"]))
    index = {o: i for i, o in enumerate(occupations)}
    return {"job_ids": pool.jobs["job_id"].astype(str).tolist(), "job_texts": pool.jobs["text"].tolist(),
            "resume_ids": pool.resumes["resume_id"].astype(str).tolist(), "categories": occupations,
            "resume_category": np.array([index[o] for o in pool.resumes["occupation"]]),
            "resume_texts": redact_column(pool.resumes["text"].tolist(), privacy),
            "relevant": pool.fit.T.copy(),
            "resume_dev": np.array([in_dev(o, "resume") for o in owners], dtype=bool),
            "source": f"synthetic pool {data.dir}"}


def extra_pool_data(cfg: RecruitConfig) -> DataConfig:
    """train.extra_pool read as a data=synthetic run reads its pool, with the taxonomy it was
    generated with (its manifest says; data.taxonomy when it has none)."""
    folder, taxonomy = cfg.train.extra_pool, cfg.data.taxonomy
    if not storage.is_remote(folder) and not Path(folder).is_dir():
        raise FileNotFoundError(f"train.extra_pool={folder}: no such folder; give a pool written by "
                                "`python ray_jobs/generate.py` (resumes/, truth/ and jobs/ below it)")
    manifest = Path(folder) / "manifest.json"
    if not storage.is_remote(folder) and manifest.is_file():
        taxonomy = "onet" if json.loads(manifest.read_text())["taxonomy"].startswith("onet") else "builtin"
    return replace(cfg.data, source="synthetic", dir=folder, taxonomy=taxonomy)


def with_extra_pool(texts: dict, extra: dict, folder: str) -> dict:
    """The real labelled pairs with a synthetic pool's after them, on the fit side only.

    Relevance is block-diagonal: synthetic jobs against synthetic resumes by the generator's truth,
    no pair across real and synthetic relevant. No synthetic job or resume is in the dev split, so
    the dev figures that choose the head's step and the kept model are those of the real pairs
    alone. `resume_category` keeps only the real resumes: the towers learn livecareer categories,
    which synthetic occupations are not (`real_pairs`)."""
    jobs, resumes = len(extra["job_ids"]), len(extra["resume_ids"])
    real_jobs, real_resumes = texts["relevant"].shape

    def beside(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
        return np.block([[real, np.zeros((real_jobs, resumes), dtype=bool)],
                         [np.zeros((jobs, real_resumes), dtype=bool), synthetic]])

    fit_pairs = int(extra["relevant"].sum())
    merged = {**texts, "job_ids": [*texts["job_ids"], *extra["job_ids"]],
              "job_texts": [*texts["job_texts"], *extra["job_texts"]],
              "resume_ids": [*texts["resume_ids"], *extra["resume_ids"]],
              "resume_texts": [*texts["resume_texts"], *extra["resume_texts"]],
              "relevant": beside(texts["relevant"], extra["relevant"]),
              "job_dev": np.concatenate([texts["job_dev"], np.zeros(jobs, dtype=bool)]),
              "resume_dev": np.concatenate([texts["resume_dev"], np.zeros(resumes, dtype=bool)]),
              "extra_pool": {"folder": folder, "jobs": jobs, "resumes": resumes, "fit_pairs": fit_pairs},
              "source": f"{texts['source']}, plus the synthetic pool {folder} ({jobs} jobs x {resumes} "
                        f"resumes, {fit_pairs} fit pairs) on the fit side only"}
    if texts.get("rejected") is not None:
        merged["rejected"] = beside(texts["rejected"], np.zeros((jobs, resumes), dtype=bool))
    return merged


def real_pairs(pairs: LabelledPairs, texts: dict) -> LabelledPairs:
    """The pairs of the real jobs and resumes: train.extra_pool's rows come after them."""
    extra = texts.get("extra_pool")
    if extra is None:
        return pairs
    return pairs.subset(np.arange(len(pairs.jobs) - extra["jobs"]),
                        np.arange(len(pairs.resumes) - extra["resumes"]))


def encode_pairs_data(cfg: RecruitConfig, texts: dict) -> tuple[LabelledPairs, object, object, str]:
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    text = TextEncoder.for_model(RecruitModel(encoder), tokenizer, cfg.model)
    cache = cache_dir(cfg.output_root)
    extra = texts.get("extra_pool") or {"jobs": 0, "resumes": 0}

    def pooled(side: list[str], synthetic: int) -> np.ndarray:
        # the real texts and the pool's are cached apart: adding a pool re-encodes only the pool
        blocks = [side[:len(side) - synthetic], side[len(side) - synthetic:]]
        return np.concatenate([cached_pooled(text, fingerprint, block, cache) for block in blocks if block])

    pairs = LabelledPairs(pooled(texts["job_texts"], extra["jobs"]),
                          pooled(texts["resume_texts"], extra["resumes"]),
                          texts["relevant"], texts["job_dev"], texts["resume_dev"],
                          texts.get("rejected"))
    return pairs, tokenizer, encoder, fingerprint


def candidate_model(encoder, head=None, towers=None, categories=None) -> RecruitModel:
    """A frozen-encoder model with an embedding head or fit towers (or neither: the pretrained cosine)."""
    model = RecruitModel(encoder, embed_head=head is not None,
                         fit_categories=categories if towers is not None else None)
    if head is not None:
        with torch.no_grad():
            model.embed_head.weight.copy_(head[0])
            model.embed_head.bias.copy_(head[1])
    if towers is not None:
        install_towers(model, towers, categories)
    return model.eval()


def previous_model(cfg: RecruitConfig, encoder, fingerprint: str) -> tuple[RecruitModel, str, dict]:
    """train.init_from (the model in use, to be replaced only by a better one), else the pretrained
    encoder's cosine: (model, name, its recruit.json or {})."""
    if not cfg.train.init_from:
        return candidate_model(encoder), "pretrained encoder", {}
    model, _, meta = RecruitModel.load(check_model_folder(cfg.train.init_from, "train.init_from"))
    if meta.get("base_fingerprint") != fingerprint:
        raise ValueError(f"train.init_from={cfg.train.init_from}: built on "
                         f"{meta.get('base_fingerprint') or 'a fine-tuned encoder'}, not on {fingerprint} "
                         "(model=...): start from a frozen-encoder bi-encoder of the same base")
    return model.eval(), f"previous model {Path(cfg.train.init_from).name}", meta


def dev_fit(model: RecruitModel, pairs: LabelledPairs) -> np.ndarray:
    from recruit_core.eval.postings import head_cosine
    jobs, resumes, _ = pairs.part(dev=True)
    return head_cosine(model, jobs, resumes)


def train_head(cfg: RecruitConfig) -> dict:
    """Fit the head and the towers, keep whichever of them and the model in use is best on dev,
    calibrate it on the dev pairs and publish it; the figures eval.json holds."""
    started, k = time.perf_counter(), cfg.eval.k
    texts = labelled_texts(cfg)
    pairs, tokenizer, encoder, fingerprint = encode_pairs_data(cfg, texts)
    previous, previous_name, _ = previous_model(cfg, encoder, fingerprint)
    encoded = time.perf_counter()
    start = ((previous.embed_head.weight.detach(), previous.embed_head.bias.detach())
             if previous.embed_head is not None else None)
    head = fit_head(pairs, head_settings(cfg), start)
    candidates = {previous_name: previous,
                  "new embedding head": candidate_model(encoder, head=(head.weight, head.bias))}
    towers = None
    if cfg.train.fit_towers:
        towers = fit_towers(real_pairs(pairs, texts), texts["resume_category"], len(texts["categories"]), k)
        candidates["new fit towers"] = candidate_model(encoder, towers=towers, categories=texts["categories"])
    _, _, dev_relevant = pairs.part(dev=True)
    dev = {name: precision_at_k(dev_fit(model, pairs), dev_relevant, k) for name, model in candidates.items()}
    kept = max(dev, key=lambda name: (dev[name], name == previous_name))  # ties keep the model in use
    model = candidates[kept]
    calibrator, calibration_choice = fit_calibrator(dev_fit(model, pairs), dev_relevant, seed=cfg.train.seed)
    run_dir = Path(cfg.train.storage_path) / cfg.train.run_name
    meta = {"task": "biencoder", "data": cfg.data.source, "frozen_encoder": True,
            "base_fingerprint": fingerprint, "train_config_hash": config_hash(cfg.train),
            "base_model": asdict(cfg.model), "window_stride": cfg.model.window_stride,
            "max_length": cfg.model.max_length, "max_windows": cfg.model.max_windows,
            "fit": kept}
    model_dir = model.save(run_dir / "model", tokenizer, meta)
    write_json_atomic({**calibrator.to_json(), "chosen_by": calibration_choice,
                       "score": "fit of this folder's embeddings (dot product)",
                       "fitted_on": {"pairs": int(dev_relevant.size), "postings": int(pairs.job_dev.sum()),
                                     "resumes": int(pairs.resume_dev.sum()),
                                     "note": "dev pairs of the training data, not used to fit"}},
                      model_dir / CALIBRATION_FILE)
    dev_jobs, dev_resumes = int(pairs.job_dev.sum()), int(pairs.resume_dev.sum())
    figures = {"task": "biencoder", "run_name": cfg.train.run_name, "model": str(model_dir),
               "data": texts["source"], "extra_pool": texts.get("extra_pool"),
               "train_rows": int((~pairs.job_dev).sum()), "dev_rows": dev_jobs,
               "gate": {"kept": kept, "previous": previous_name,
                        **{f"dev_p@{k} {name}": round(value, 4) for name, value in dev.items()}},
               "selection": f"the candidate with the best dev p@{k} ({kept}); the head's step and the "
                            "towers' regularisation chosen on the same dev split",
               "dev": {"retrieval": {f"p@{k}": dev[kept], f"p@{k}_previous": dev[previous_name],
                                     "dev_jobs": dev_jobs, "dev_resumes": dev_resumes}},
               "head": {"best_step": head.best_step, "curve": head.curve},
               "towers": None if towers is None else {"resume_c": towers.resume_c, "job_c": towers.job_c},
               "calibration": {**calibrator.to_json(), "chosen_by": calibration_choice},
               "fit_jobs": int((~pairs.job_dev).sum()), "fit_resumes": int((~pairs.resume_dev).sum()),
               "encode_seconds": round(encoded - started, 1),
               "fit_seconds": round(time.perf_counter() - encoded, 1),
               "seconds": round(time.perf_counter() - started, 1)}
    write_json_atomic(figures, run_dir / "eval.json")
    from recruit_core.train.card import write_model_card
    write_model_card(model_dir, cfg, figures)
    print(f"bi-encoder on the frozen encoder: dev p@{k} "
          + ", ".join(f"{name} {value:.4f}" for name, value in dev.items()) + f"; kept: {kept}")
    return {"model": str(model_dir), "eval": str(run_dir / "eval.json"), "kept": kept,
            "dev_score": dev[kept], "seconds": figures["seconds"]}
