"""`train.task=lexical`: a lexical category head (recruit_core/model/lexical.py) chosen by
cross-validation on the train split alone, written into a classify model folder beside an encoder.

    python ray_jobs/train.py data=livecareer train.task=lexical
    python ray_jobs/train.py data=livecareer train.task=lexical train.init_from=<bi-encoder folder>
    python ray_jobs/score.py score.model_path=outputs/train/<run_name>/model

The features are the screening study's (recruit_core/eval/screening_study.py): the whole text's
word and character TF-IDF, the headline's own block and the block of category names the text
mentions, their scales chosen by CV. The classifier is
the balanced logistic regression or the balanced linear SVM, with C, chosen by CV macro-F1 on the
train split; the softmax temperature is fitted on the held-out folds' scores. Dev is scored once,
by the head as the folder stores it. The folder's encoder is `train.init_from`'s model (a
bi-encoder folder keeps its fit towers and its fit probability) or the pretrained encoder; the
score job takes categories from the lexical head and embeddings and fit from the encoder.
Seconds on the synthetic pool, minutes on livecareer (no Ray Train, no workers, no forward pass).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from recruit_core.config import RecruitConfig, config_hash
from recruit_core.eval import screening_study as study
from recruit_core.eval.calibration import CALIBRATION_FILE
from recruit_core.io import write_json_atomic
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import check_model_folder
from recruit_core.model.lexical import LexicalHead
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.card import write_model_card
from recruit_core.train.probe import ABSENT_LOGIT
from recruit_core.train.probe_task import save_folder
from recruit_core.train.report import headline


def fit_lexical_head(train_texts: list[str], labels, categories: list[str], seed: int = 0) -> LexicalHead:
    """The head whose family and C have the best CV macro-F1 on these rows, refitted on all of them."""
    labels = np.asarray(labels)
    fitted = study.screening_features(train_texts, labels, categories, seed=seed)
    features, rows = fitted.features, fitted.train[study.FEATURE_SETS[-1]]
    k = len(categories)
    grid = [(family, c) for family, cs in study.FAMILY_C.items() for c in cs]
    build = lambda point: study.classifier(point[0], point[1], "balanced", seed)  # noqa: E731
    chosen = study.select(study.linear_fit_score(build, rows, labels, k), grid, labels, 5, seed,
                          probabilistic=True)
    model = build(chosen.params).fit(rows, labels)
    coef = np.zeros((k, rows.shape[1]))
    intercept = np.full(k, ABSENT_LOGIT)  # a category the train split lacks is never predicted
    if model.coef_.shape[0] == 1:  # two classes: one score, the second class's margin over the first
        intercept[model.classes_] = (0.0, model.intercept_[0])
        coef[model.classes_[1]] = model.coef_[0]
    else:
        coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_
    meta = {"family": chosen.params[0], "c": chosen.params[1], "class_weight": "balanced",
            "cv_macro_f1": {f"{f} C={c}": round(v, 4) for (f, c), v in chosen.cv_macro_f1.items()},
            "scales": fitted.choice, "train_rows": int(len(labels))}
    return LexicalHead(features, list(categories), coef, intercept, float(chosen.temperature), meta)


def base_model(cfg: RecruitConfig, categories: list[str]) -> tuple[RecruitModel, object, dict]:
    """(model, tokenizer, provenance): `train.init_from`'s model with the categories, or the
    pretrained encoder. The encoder's category head is zero: categories come from the lexical head."""
    if cfg.train.init_from:
        previous, tokenizer, meta = RecruitModel.load(check_model_folder(cfg.train.init_from,
                                                                         "train.init_from"))
        source = {"init_from": cfg.train.init_from, "init_task": meta.get("task")}
        model = RecruitModel(previous.encoder, categories, previous.embed_head is not None,
                             previous.fit_categories)
        kept = {k: v for k, v in previous.state_dict().items() if not k.startswith("category_head.")}
        missing = model.load_state_dict(kept, strict=False).missing_keys
        if any(not k.startswith("category_head.") for k in missing):
            raise ValueError(f"train.init_from={cfg.train.init_from}: its heads do not load: {missing[:3]}")
    else:
        tokenizer, encoder, fingerprint = load_encoder(cfg.model)
        model, source = RecruitModel(encoder, categories), {"base_fingerprint": fingerprint}
    with torch.no_grad():
        model.category_head.weight.zero_()
        model.category_head.bias.zero_()
    return model.eval(), tokenizer, source


def train_lexical(cfg: RecruitConfig, data: dict) -> dict:
    """Fit, save and evaluate the head; `data` is `job_ray.load_task_data`'s (texts redacted)."""
    started = time.perf_counter()
    rows, categories = data["rows"], data["categories"]
    fitted = fit_lexical_head(rows["train"]["text"], rows["train"]["label"], categories, cfg.train.seed)
    train_seconds = time.perf_counter() - started
    model, tokenizer, source = base_model(cfg, categories)
    meta = {"task": "classify", "trainer": "lexical", "data": cfg.data.source,
            "train_config_hash": config_hash(cfg.train), "base_model": asdict(cfg.model), **source,
            "lexical": {k: fitted.meta[k] for k in ("family", "c", "scales")},
            "window_stride": cfg.model.window_stride, "max_length": cfg.model.max_length,
            "max_windows": cfg.model.max_windows}
    run_dir = Path(cfg.train.storage_path) / cfg.train.run_name
    model_dir = save_folder(model, tokenizer, run_dir, meta, extra_files=[fitted.save] + _calibration(cfg))
    head = LexicalHead.load(model_dir)  # dev is scored by the head as the folder stores it
    dev = {**study.dev_figures(head.logits(rows["dev"]["text"]) * head.temperature,
                               rows["dev"]["label"], categories, head.temperature),
           "n": len(rows["dev"]["label"])}
    cv_best = max(fitted.meta["cv_macro_f1"].values())
    figures = {"task": "classify", "trainer": "lexical", "run_name": cfg.train.run_name,
               "model": str(model_dir), "best_checkpoint": None,
               "best_checkpoint_metrics": {"cv_macro_f1": cv_best}, "training": fitted.meta,
               "train_rows": len(rows["train"]["text"]), "dev_rows": len(rows["dev"]["text"]),
               "dev": {"lexical": dev}, "train_seconds": round(train_seconds, 1),
               "seconds": round(time.perf_counter() - started, 1)}
    eval_path = write_json_atomic(figures, run_dir / "eval.json")
    write_model_card(model_dir, replace(cfg, train=replace(cfg.train, task="classify")), figures)
    print(f"lexical head: {fitted.meta['family']} C={fitted.meta['c']} headline scale "
          f"{fitted.meta['scales']['headline_weight']}, names scale "
          f"{fitted.meta['scales']['names_weight']} (CV macro-F1 {cv_best:.4f} on train), "
          f"temperature {head.temperature:.3f}; dev macro-F1 {dev['macro_f1']:.4f}, "
          f"accuracy {dev['accuracy']:.4f}, ECE {dev['ece']:.4f}")
    return {"model": str(model_dir), "eval": str(eval_path), "dev_score": cv_best,
            **headline("classify", {"windows": dev}), "ece": dev["ece"], "trainer": "lexical",
            "seconds": figures["seconds"]}


def _calibration(cfg: RecruitConfig) -> list:
    """A writer copying `train.init_from`'s fit probability into the new folder, when it has one."""
    source = Path(cfg.train.init_from) / CALIBRATION_FILE if cfg.train.init_from else None
    if source is None or not source.is_file():
        return []
    return [lambda folder: shutil.copyfile(source, Path(folder) / CALIBRATION_FILE)]
