"""`train.task=probe`: the frozen encoder plus a calibrated logistic-regression category head, fitted
in the driver in seconds to minutes (no Ray Train), written as a normal classify model folder.

    python ray_jobs/train.py data=livecareer train.task=probe model.max_windows=32
    python ray_jobs/train.py train.task=probe experiment=demo        # the demo's pool
    python ray_jobs/score.py score.model_path=outputs/train/<run_name>/model

The train split's resumes go through the jobs' forward pass (`recruit_core.model.forward`), each
resume's window vectors are averaged, and `recruit_core.train.probe.fit_probe` picks C and the
temperature by cross-validation on the train split alone. The head is the probe with both folded in,
so the score job's `category_logits` (the head on each window, averaged per resume) gives the
calibrated probe's probabilities. The folder gets recruit.json (task=classify, trainer=probe), its
model card and, beside it, eval.json with the dev figures computed from that same head.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from recruit_core.config import RecruitConfig, config_hash
from recruit_core.eval.metrics import classification_report
from recruit_core.eval.resume_vectors import mean_windows, to_tensor, window_vectors
from recruit_core.io import write_json_atomic
from recruit_core.model.forward import TextEncoder, category_logits, load_scoring_model
from recruit_core.model.recruit import RecruitModel
from recruit_core.text.windows import pool_windows
from recruit_core.train.card import write_model_card
from recruit_core.train.probe import ProbeFit, fit_probe
from recruit_core.train.report import classification_tables, headline


def probe_model(encoder: torch.nn.Module, categories: list[str], probe: ProbeFit) -> RecruitModel:
    """The pretrained encoder with the probe as its category head."""
    model = RecruitModel(encoder, categories)
    with torch.no_grad():
        model.category_head.weight.copy_(torch.from_numpy(probe.weight))
        model.category_head.bias.copy_(torch.from_numpy(probe.bias))
    return model.eval()


@torch.inference_mode()
def dev_report(model: RecruitModel, pooled: np.ndarray, owner: np.ndarray, labels: list[int]) -> dict:
    """{"windows", "first_window"} reports of the head on the dev windows, as `eval.dev` lays them out."""
    pooled_t, owner_t, n = to_tensor(pooled), torch.from_numpy(owner), len(labels)
    logits = category_logits(model, pooled_t)
    first = torch.from_numpy(np.unique(owner, return_index=True)[1])
    names, labels = model.categories, np.asarray(labels)
    report = {name: classification_report(torch.softmax(values, -1).numpy(), labels, names)
              for name, values in (("windows", pool_windows(logits, owner_t, n)),
                                   ("first_window", logits[first]))}
    report["windows_per_resume"] = float(len(owner) / max(1, n))
    return report


def save_folder(model: RecruitModel, tokenizer, run_dir: Path, meta: dict, extra_files=()) -> Path:
    """Write the folder beside the target, then rename it into place (a reader never sees half);
    each of `extra_files` is called with the staging folder to add its files first."""
    run_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=run_dir))
    model.save(staging, tokenizer, meta)
    for write in extra_files:
        write(staging)
    target = run_dir / "model"
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    return target


def train_probe(cfg: RecruitConfig, data: dict) -> dict:
    """Fit, save and evaluate the probe; `data` is `job_ray.load_task_data`'s (texts redacted)."""
    started = time.perf_counter()
    torch.set_num_threads(os.cpu_count() or 1)
    rows, categories = data["rows"], data["categories"]
    scoring = load_scoring_model("", cfg.model)
    encoder = TextEncoder(scoring, cfg.model, "cuda" if cfg.train.use_gpu else "cpu")
    pooled, owner = window_vectors(encoder, rows["train"]["text"])
    features = mean_windows(pooled, owner, len(rows["train"]["text"]))
    probe = fit_probe(features, rows["train"]["label"], len(categories), seed=cfg.train.seed)
    train_seconds = time.perf_counter() - started
    dev_pooled, dev_owner = window_vectors(encoder, rows["dev"]["text"])
    model = probe_model(scoring.model.encoder.cpu(), categories, probe)
    meta = {"task": "classify", "trainer": "probe", "data": cfg.data.source,
            "train_config_hash": config_hash(cfg.train), "base_model": asdict(cfg.model),
            "base_fingerprint": scoring.fingerprint, "probe_c": probe.c,
            "temperature": probe.temperature, "window_stride": cfg.model.window_stride,
            "max_length": cfg.model.max_length, "max_windows": cfg.model.max_windows}
    run_dir = Path(cfg.train.storage_path) / cfg.train.run_name
    model_dir = save_folder(model, scoring.tokenizer, run_dir, meta)
    dev = dev_report(model, dev_pooled, dev_owner, rows["dev"]["label"])
    if "splits" in data:
        from recruit_core.eval.baselines import tfidf_baselines
        splits = data["splits"]
        dev["baselines"] = tfidf_baselines(splits.train.texts, splits.train.labels,
                                           rows["dev"]["text"], rows["dev"]["label"], categories,
                                           cfg.train.seed)
    cv_best = probe.cv_macro_f1[probe.c]
    figures = {"task": "classify", "trainer": "probe", "run_name": cfg.train.run_name,
               "model": str(model_dir), "best_checkpoint": None,
               "best_checkpoint_metrics": {"cv_macro_f1": cv_best},
               "training": {"probe_c": probe.c, "temperature": probe.temperature,
                            "cv_macro_f1": {str(c): s for c, s in probe.cv_macro_f1.items()}},
               "train_rows": len(rows["train"]["text"]), "dev_rows": len(rows["dev"]["text"]),
               "dev": dev, "train_seconds": round(train_seconds, 1),
               "seconds": round(time.perf_counter() - started, 1)}
    eval_path = write_json_atomic(figures, run_dir / "eval.json")
    write_model_card(model_dir, replace(cfg, train=replace(cfg.train, task="classify")), figures)
    tables = classification_tables(dev, categories, cfg.model.max_windows)
    print("\n\n".join(t.replace("fine-tuned", "probe") for t in tables))
    print(f"probe: C={probe.c} (CV macro-F1 {cv_best:.4f} on train), temperature "
          f"{probe.temperature:.3f}; dev macro-F1 {dev['windows']['macro_f1']:.4f}, "
          f"accuracy {dev['windows']['accuracy']:.4f}, ECE {dev['windows']['ece']:.4f}")
    return {"model": str(model_dir), "eval": str(eval_path), "dev_score": cv_best,
            **headline("classify", dev), "ece": dev["windows"]["ece"], "trainer": "probe",
            "seconds": figures["seconds"]}
