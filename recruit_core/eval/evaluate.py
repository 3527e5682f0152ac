"""Model quality beside the baselines it has to beat, measured on the same split in the same run.

    python ray_jobs/evaluate.py data=livecareer eval.model_path=outputs/train/<run>/model
    python ray_jobs/evaluate.py data=livecareer                 # pretrained encoder + probe
    python ray_jobs/evaluate.py data=synthetic experiment=smoke

livecareer: category accuracy, macro-F1 and ECE on the dev split for a trained classify model
(window-pooled `category_logits`), or, without a model, for a logistic-regression probe on the
frozen pretrained encoder's embeddings; TF-IDF + LinearSVC / LogisticRegression beside it.
synthetic: screening AUC of the fit score against `synth.is_fit` over resume x job pairs, and
Recall@k / nDCG@k of the jobs ranked for each resume, for the model (bi-encoder cosine, or the
cross-encoder's fit_logits when the folder's `recruit.json` says task=crossencoder), a TF-IDF cosine
baseline and random scores. The model's figures come from the forward pass the jobs run
(`recruit_core.model.forward`): they describe the very scores the score and match jobs write.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from recruit_core import storage
from recruit_core.config import ModelConfig, RecruitConfig
from recruit_core.data.livecareer import load_livecareer
from recruit_core.data.pool import PoolPaths, shard_count, write_jobs, write_manifest, write_resume_shard
from recruit_core.data.synth import is_fit
from recruit_core.data.taxonomy import load_taxonomy
from recruit_core.eval.baselines import tfidf_baselines
from recruit_core.eval.metrics import auc, classification_report, format_table, ndcg_at_k, recall_at_k
from recruit_core.eval.predictions import predictions_table
from recruit_core.io import parquet_files
from recruit_core.model.encoder import load_encoder
from recruit_core.model.forward import TextEncoder
from recruit_core.model.lexical import read_folder_lexical
from recruit_core.model.recruit import META_FILE, RecruitModel, row_stable_matmul
from recruit_core.model.store import local_model_folder
from recruit_core.text.requisition import job_text

CLASSIFY_COLUMNS = ("method", "accuracy", "macro_f1", "ece", "n", "seconds")


def _ranking_columns(k: int) -> tuple[str, ...]:
    return ("method", "auc", "auc_same_family", f"recall@{k}", f"ndcg@{k}", "pairs", "seconds")


def window_settings(cfg: RecruitConfig, meta: dict | None = None) -> ModelConfig:
    """`cfg.model` with the window settings a trained folder's recruit.json was trained with."""
    meta = meta or {}
    return replace(cfg.model, max_length=int(meta.get("max_length", cfg.model.max_length)),
                   window_stride=int(meta.get("window_stride", cfg.model.window_stride)),
                   max_windows=int(meta.get("max_windows", cfg.model.max_windows)))


def embed(encoder: TextEncoder, texts: list[str]) -> np.ndarray:
    """Normalised embeddings of whole texts, windows pooled per text, as scoring embeds them."""
    print(f"encoding {len(texts)} texts as windows of <= {encoder.model_cfg.max_length} tokens",
          flush=True)
    return encoder.embed_texts(texts)


def _timed(method: str, started: float, figures: dict) -> dict:
    return {"method": method, **figures, "seconds": round(time.perf_counter() - started, 1)}


def classify_with_model(cfg: RecruitConfig, splits) -> tuple[dict, dict, pa.Table]:
    """(table row, full report, per-resume predictions) of a trained classify model on the dev split."""
    started = time.perf_counter()
    model, tokenizer, meta = RecruitModel.load(local_model_folder(cfg.eval.model_path))
    missing = sorted(set(splits.dev.categories) - set(model.categories))
    if missing:
        raise ValueError(f"eval.model_path={cfg.eval.model_path}: its categories lack {missing[:5]}; "
                         "evaluate a model trained with train.task=classify on data=livecareer")
    lexical = read_folder_lexical(local_model_folder(cfg.eval.model_path))
    if lexical is not None:  # train.task=lexical: categories from the text's TF-IDF head
        logits = torch.from_numpy(lexical.logits(splits.dev.texts))
    else:
        encoder = TextEncoder.for_model(model, tokenizer, window_settings(cfg, meta))
        windows = encoder.tokenize(splits.dev.texts)
        logits = encoder.category_logits(encoder.pooled_windows(windows), windows.owner,
                                         len(splits.dev.texts))
    probs = logits.softmax(-1).numpy()
    position = {name: i for i, name in enumerate(model.categories)}
    labels = np.array([position[splits.dev.categories[y]] for y in splits.dev.labels])
    report = classification_report(probs, labels, model.categories)
    name = f"fine-tuned ({Path(cfg.eval.model_path).name})"
    predictions = predictions_table(splits.dev.resume_ids, labels, probs, model.categories, name)
    return _timed(name, started, report), report, predictions


def classify_with_probe(cfg: RecruitConfig, splits) -> tuple[dict, dict, pa.Table]:
    """(table row, full report, per-resume predictions) of a logistic regression on the frozen
    pretrained embeddings."""
    started = time.perf_counter()
    tokenizer, encoder, fingerprint = load_encoder(cfg.model)
    text = TextEncoder.for_model(RecruitModel(encoder), tokenizer, window_settings(cfg))
    train_x, dev_x = embed(text, splits.train.texts), embed(text, splits.dev.texts)
    probe = LogisticRegression(C=cfg.eval.probe_c, max_iter=2000, random_state=cfg.eval.seed)
    probe.fit(train_x, np.asarray(splits.train.labels))
    probs = np.zeros((len(dev_x), len(splits.dev.categories)))
    probs[:, probe.classes_] = probe.predict_proba(dev_x)
    report = classification_report(probs, np.asarray(splits.dev.labels), splits.dev.categories)
    name = f"pretrained {fingerprint} + logreg probe"
    predictions = predictions_table(splits.dev.resume_ids, splits.dev.labels, probs, splits.dev.categories, name)
    return _timed(name, started, report), report, predictions


def evaluate_livecareer(cfg: RecruitConfig) -> dict:
    """The model row and the TF-IDF baselines; `predictions` holds the model row's per-resume
    predictions as a table (eval/job.py writes it beside report.json, not into it)."""
    splits = load_livecareer(cfg.data)
    started = time.perf_counter()
    baselines = tfidf_baselines(splits.train.texts, splits.train.labels, splits.dev.texts,
                                splits.dev.labels, splits.dev.categories, cfg.eval.seed)
    rows = [{"method": name, **report, "seconds": report.get("fit_s", 0.0)}
            for name, report in baselines.items()]
    details = dict(baselines)
    classify = classify_with_model if cfg.eval.model_path else classify_with_probe
    row, report, predictions = classify(cfg, splits)
    rows.insert(0, row)
    details[row["method"]] = report
    return {"task": "livecareer classification (dev split)", "columns": list(CLASSIFY_COLUMNS),
            "rows": [{c: r.get(c) for c in CLASSIFY_COLUMNS} for r in rows], "details": details,
            "data": {"path": cfg.data.livecareer_path, "train": len(splits.train), "dev": len(splits.dev),
                     "dropped_empty": splits.dropped_empty, "categories": len(splits.dev.categories)},
            "seconds": round(time.perf_counter() - started, 1), "predictions": predictions}


def _read_folder(folder: Path | str) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in parquet_files(folder)])


def load_pool_sample(cfg: RecruitConfig, n_resumes: int) -> tuple[list[dict], list[dict], list[dict]]:
    """(resumes, truth rows, jobs) of a seeded sample; a missing pool is generated here first
    (a pool in an object store, data.dir=s3://..., is read, never generated there)."""
    if storage.is_remote(cfg.data.dir):
        resumes_dir, truth_dir, jobs_dir = (storage.join(cfg.data.dir, name)
                                            for name in ("resumes", "truth", "jobs"))
    else:
        paths = PoolPaths(Path(cfg.data.dir))
        if not paths.resumes.is_dir() or not paths.jobs.is_dir():
            print(f"no pool under {paths.root}: generating {cfg.data.n_resumes} resumes in-process "
                  "(ray_jobs/generate.py does it on Ray for large pools)", flush=True)
            started = time.perf_counter()
            rows = sum(write_resume_shard(cfg.data, shard)["rows"] for shard in range(shard_count(cfg.data)))
            write_jobs(cfg.data)
            write_manifest(cfg.data, rows, time.perf_counter() - started)
        resumes_dir, truth_dir, jobs_dir = paths.resumes, paths.truth, paths.jobs
    resumes = _read_folder(resumes_dir).to_pylist()
    truth = {row["resume_id"]: row for row in _read_folder(truth_dir).to_pylist()}
    rng = np.random.default_rng(cfg.eval.seed)
    chosen = sorted(rng.choice(len(resumes), size=min(n_resumes, len(resumes)), replace=False))
    sample = [resumes[i] for i in chosen]
    return sample, [truth[r["resume_id"]] for r in sample], _read_folder(jobs_dir).to_pylist()


def ranking_figures(scores: np.ndarray, fit: np.ndarray, same_family: np.ndarray, k: int) -> dict:
    """AUC over all pairs and over same-family pairs only (the hard ones: a data engineer for a
    backend job shares most words with it); Recall@k and nDCG@k of each resume's ranked jobs."""
    ranked = [list(np.argsort(-row, kind="stable")) for row in scores]
    relevant = [set(np.flatnonzero(row).tolist()) for row in fit]
    return {"auc": auc(scores.ravel(), fit.ravel().astype(int)),
            "auc_same_family": (auc(scores[same_family], fit[same_family].astype(int))
                                if same_family.any() else float("nan")),
            f"recall@{k}": recall_at_k(ranked, relevant, k), f"ndcg@{k}": ndcg_at_k(ranked, relevant, k),
            "pairs": int(fit.size)}


def tfidf_scores(resume_texts: list[str], job_texts: list[str]) -> np.ndarray:
    """Cosine of TF-IDF vectors (fitted on these resumes and jobs): the lexical baseline."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2))
    matrix = vectorizer.fit_transform(resume_texts + job_texts)
    return (matrix[:len(resume_texts)] @ matrix[len(resume_texts):].T).toarray()


@torch.inference_mode()
def model_scores(cfg: RecruitConfig, resume_texts: list[str], job_texts: list[str]) -> tuple[str, np.ndarray]:
    """(method name, [resumes, jobs] scores): cross-encoder fit logits or bi-encoder cosine."""
    if cfg.eval.model_path:
        model, tokenizer, meta = RecruitModel.load(local_model_folder(cfg.eval.model_path))
        name = f"{meta.get('task', 'model')} ({Path(cfg.eval.model_path).name})"
    else:
        tokenizer, encoder, fingerprint = load_encoder(cfg.model)
        model, meta, name = RecruitModel(encoder), {}, f"pretrained {fingerprint} (cosine)"
    encoder = TextEncoder.for_model(model, tokenizer, window_settings(cfg, meta))
    if meta.get("task") == "crossencoder":
        logits = encoder.fit_logits([j for _ in resume_texts for j in job_texts],
                                    [r for r in resume_texts for _ in job_texts])
        return name, logits.reshape(len(resume_texts), len(job_texts)).numpy()
    resumes = torch.from_numpy(embed(encoder, resume_texts))
    jobs = torch.from_numpy(embed(encoder, job_texts))
    return name, row_stable_matmul(resumes, jobs).numpy()


def _is_crossencoder(cfg: RecruitConfig) -> bool:
    if not cfg.eval.model_path:
        return False
    meta_file = Path(local_model_folder(cfg.eval.model_path)) / META_FILE
    if not meta_file.is_file():
        return False
    return json.loads(meta_file.read_text()).get("task") == "crossencoder"


def evaluate_synthetic(cfg: RecruitConfig) -> dict:
    started = time.perf_counter()
    n = cfg.eval.crossencoder_resumes if _is_crossencoder(cfg) else cfg.eval.sample_resumes
    resumes, truth, jobs = load_pool_sample(cfg, n)
    taxonomy = load_taxonomy(cfg.data)
    fit = np.array([[is_fit(taxonomy, t, j) for j in jobs] for t in truth], dtype=bool)
    job_family = [taxonomy.occupation(j["occupation"]).family for j in jobs]
    same_family = np.array([[t["family"] == f for f in job_family] for t in truth], dtype=bool)
    resume_texts, k = [r["text"] for r in resumes], cfg.eval.k
    job_texts = [job_text(j["title"], j["description"]) for j in jobs]
    rows = []
    clock = time.perf_counter()
    name, scores = model_scores(cfg, resume_texts, job_texts)
    rows.append(_timed(name, clock, ranking_figures(scores, fit, same_family, k)))
    clock = time.perf_counter()
    lexical = tfidf_scores(resume_texts, job_texts)
    rows.append(_timed("tfidf cosine", clock, ranking_figures(lexical, fit, same_family, k)))
    clock = time.perf_counter()
    noise = np.random.default_rng(cfg.eval.seed).random(fit.shape)
    rows.append(_timed("random", clock, ranking_figures(noise, fit, same_family, k)))
    return {"task": "synthetic screening and matching", "columns": list(_ranking_columns(k)),
            "rows": rows, "data": {"pool": cfg.data.dir, "resumes": len(resumes), "jobs": len(jobs),
                                   "fit_rate": round(float(fit.mean()), 4),
                                   "same_family_pairs": int(same_family.sum()),
                                   "resumes_with_a_fit": int(fit.any(1).sum())},
            "seconds": round(time.perf_counter() - started, 1)}


def evaluate(cfg: RecruitConfig) -> dict:
    """The report for `cfg.data.source`, with the configuration that produced it."""
    torch.manual_seed(cfg.eval.seed)
    if cfg.data.source == "postings":
        from recruit_core.eval.postings import evaluate_postings
        report = evaluate_postings(cfg)
    elif cfg.data.source == "livecareer":
        report = evaluate_livecareer(cfg)
    else:
        report = evaluate_synthetic(cfg)
    report["model"] = cfg.eval.model_path or f"pretrained ({cfg.model.source})"
    return report


def render_markdown(report: dict) -> str:
    """report.md: the table first (what a reader wants), then what it was measured on."""
    def cell(column: str, value):
        if isinstance(value, float) and math.isnan(value):
            return "n/a"
        return f"{value:.1f}" if column == "seconds" and value is not None else value

    rows = [{c: cell(c, r.get(c)) for c in report["columns"]} for r in report["rows"]]
    lines = [f"# Evaluation: {report['task']}", "", format_table(rows, report["columns"]), "",
             f"- model: {report['model']}",
             *(f"- {key}: {value}" for key, value in report["data"].items()),
             f"- total seconds: {report['seconds']}", ""]
    if "details" in report:
        lines.append("ECE is n/a for LinearSVC: it gives no probabilities to calibrate. "
                     "Per-class figures are in report.json.")
    if report.get("calibration"):
        lines += calibration_markdown(report["calibration"])
    return "\n".join(lines) + "\n"


def calibration_markdown(calibration: dict) -> list[str]:
    """The fit probability's reliability table, ECE and Brier score."""
    fitted, chosen = calibration["fitted_on"], calibration.get("chosen_by")
    where = (f"{fitted['pairs']} pairs ({fitted['postings']} training-half postings x "
             f"{fitted['resumes']} train resumes)" if isinstance(fitted, dict) else
             f"the dev pairs of the model's own training data ({fitted})")
    folded = chosen and all(b is not None for b in chosen["cv_brier"].values())
    how = (f" ({chosen['method']}: the lower held-out Brier score of {chosen['folds']}-fold CV over its "
           "postings, " + ", ".join(f"{m} {b:.4f}" for m, b in chosen["cv_brier"].items()) + ")"
           if folded else f" ({chosen['method']}: too few postings to compare by CV)" if chosen else "")
    return ["", f"## Fit probability: {calibration['method']}", "",
            f"Fitted on {where}{how}: {calibration['formula']}. Judged on the "
            f"{calibration['judged_on_pairs']} held-out "
            f"pairs above: ECE {calibration['ece']:.4f}, Brier {calibration['brier']:.4f}.", "",
            format_table(calibration["bins"], ["bin", "pairs", "mean_probability", "share_relevant"]),
            ""]
