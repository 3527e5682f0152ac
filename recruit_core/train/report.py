"""What a training run reports: the trained model on the dev split, its tables, and sweep summaries.

    python ray_jobs/train.py experiment=smoke                        # prints the dev tables
    python ray_jobs/train.py -m train.lr=2e-5,5e-5 train.epochs=1,2  # sweep_summary.md, best first

The dev metrics themselves are `recruit_core.eval.dev`; this module picks the ones a task reports,
lays them out as tables, and keeps a sweep's summary (one row per run, sorted by dev score).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from recruit_core.config import RecruitConfig
from recruit_core.eval.metrics import format_table
from recruit_core.io import write_text_atomic

SUMMARY_COLUMNS = ("job", "dev_score", "headline", "run_name", "model")
HEADLINE_FIGURES = ("macro_f1", "accuracy", "auc", "recall@5", "ndcg@10", "cosine_mean",
                    "category_top1_agreement")


@dataclass
class SweepPoint:
    """One run of a Hydra multirun sweep: its number, its overrides and the sweep's folder."""

    number: int
    override_dirname: str  # Hydra's `key=value,...` of this run's overrides
    overrides: dict[str, str]
    folder: Path


def evaluate_on_dev(cfg: RecruitConfig, model_dir: Path, data: dict) -> tuple[dict, list[str]]:
    """(eval figures, printable tables) for the trained model on the dev split."""
    import torch

    from recruit_core.eval import dev as train_eval
    from recruit_core.model.recruit import RecruitModel
    torch.set_num_threads(os.cpu_count() or 1)
    model, tokenizer, _ = RecruitModel.load(model_dir)
    train = cfg.train
    if train.task == "distill":
        from recruit_core.train.distill import evaluate_student, load_teacher
        teacher, _ = load_teacher(train.teacher, cfg.model)
        dev = evaluate_student(model, teacher, tokenizer, data["rows"]["dev"]["text"], cfg.model)
        return {"agreement": dev}, [format_table([dev], list(dev))]
    if train.task == "biencoder":
        dev = train_eval.evaluate_retrieval(model, tokenizer, data["dev_pool"], cfg.model)
        return {"retrieval": dev}, [format_table([dev], list(dev))]
    if train.task == "crossencoder":
        from recruit_core.train.gates import PRETRAINED_ORDER
        baseline_name = PRETRAINED_ORDER
        if "dev_rerank" in data:  # real postings: the baseline's scores came with the candidates
            dev = train_eval.evaluate_job_reranking(model, tokenizer, data["dev_rerank"], cfg.model)
            baseline_name = data["dev_rerank"].baseline_name
        else:
            from recruit_core.model.encoder import load_encoder
            from recruit_core.model.forward import TextEncoder
            base_tokenizer, base, _ = load_encoder(cfg.model)
            baseline = TextEncoder.for_model(RecruitModel(base), base_tokenizer, cfg.model)
            dev = train_eval.evaluate_reranking(model, tokenizer, data["dev_pool"], cfg.model,
                                                train.eval_candidates, train.seed, baseline)
        order = {**dev.pop("bi_encoder_order"), "name": baseline_name}
        table = format_table([{"order": "cross-encoder", **dev}, {"order": baseline_name, **order}],
                             ["order", "auc", "recall@1", "recall@5", "ndcg@10", "queries"])
        return {"reranking": dev, "bi_encoder_order": order}, [table]
    texts, labels = data["rows"]["dev"]["text"], data["rows"]["dev"]["label"]
    report = train_eval.evaluate_classifier(model, tokenizer, texts, labels, cfg.model)
    if "splits" in data:
        from recruit_core.eval.baselines import tfidf_baselines
        splits = data["splits"]
        report["baselines"] = tfidf_baselines(splits.train.texts, splits.train.labels, texts, labels,
                                              data["categories"], train.seed)
    return report, classification_tables(report, data["categories"], cfg.model.max_windows)


def classification_tables(report: dict, categories: list[str], max_windows: int) -> list[str]:
    """Overall figures of every model side by side, then per-category F1 of the first three."""
    if max_windows > 1:  # the difference reading whole resumes makes
        models = {f"fine-tuned ({max_windows} windows pooled)": report["windows"],
                  "fine-tuned (first window only)": report["first_window"]}
    else:
        models = {"fine-tuned (first window only)": report["windows"]}
    models.update(report.get("baselines", {}))
    summary = format_table([{"model": name, **r} for name, r in models.items()],
                           ("model", "accuracy", "macro_f1", "ece", "n"))
    compared = list(models)[:3]
    present = [c for c in categories if report["windows"]["per_class"][c]["support"]]
    per_class = format_table(
        [{"category": c, **{f"{m} f1": models[m]["per_class"][c]["f1"] for m in compared},
          "support": report["windows"]["per_class"][c]["support"]} for c in present],
        ["category", *[f"{m} f1" for m in compared], "support"])
    return [summary, per_class]


def headline(task: str, dev: dict) -> dict:
    """The few figures a sweep summary compares."""
    if task == "classify":
        return {k: dev["windows"][k] for k in ("macro_f1", "accuracy")}
    if task == "distill":
        return {k: v for k, v in dev["agreement"].items() if k.startswith(("cosine", "category"))}
    figures = dev["retrieval" if task == "biencoder" else "reranking"]
    return {k: v for k, v in figures.items() if k in ("auc", "recall@5", "ndcg@10")}


def sweep_run_name(base: str, job_num: int, overrides: str) -> str:
    """A distinct, stable run name per sweep point: re-running the same sweep resumes its runs."""
    return f"{base}-{job_num}-{hashlib.sha256(overrides.encode()).hexdigest()[:6]}"


def record_sweep_point(point: SweepPoint, run_name: str, result: dict) -> Path:
    """Add a finished sweep run to the sweep's summary; returns sweep_summary.md."""
    headline_text = ", ".join(f"{k}={v:.4f}" for k, v in result.items() if k in HEADLINE_FIGURES)
    return write_sweep_summary(point.folder, {
        "job": point.number, "run_name": run_name, "overrides": point.overrides,
        "dev_score": result["dev_score"], "headline": headline_text, "model": result["model"]})


def write_sweep_summary(sweep_dir: Path, row: dict) -> Path:
    """Append this run's row and rewrite sweep_summary.csv/.md sorted by dev score, best first.

    `row["overrides"]` maps override keys to values; the summary shows those that differ between
    runs (the swept parameters), one column each.
    """
    runs = sweep_dir / "sweep_runs.jsonl"
    with open(runs, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, default=str) + "\n")
    # a rerun sweep (resumed trials) reports its runs again: the latest row of a run counts
    latest = {}
    for line in runs.read_text().splitlines():
        if line.strip():
            row_read = json.loads(line)
            latest[row_read["run_name"]] = row_read
    rows = list(latest.values())
    rows.sort(key=lambda r: -float(r["dev_score"]))
    keys = sorted({k for r in rows for k in r["overrides"]})
    swept = [k for k in keys if len({r["overrides"].get(k) for r in rows}) > 1]
    table = [{**{k: r["overrides"].get(k, "") for k in swept}, **r} for r in rows]
    columns = [SUMMARY_COLUMNS[0], *swept, *SUMMARY_COLUMNS[1:]]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(table)
    write_text_atomic(text.getvalue(), sweep_dir / "sweep_summary.csv")
    write_text_atomic(format_table(table, columns) + "\n", sweep_dir / "sweep_summary.md")
    return sweep_dir / "sweep_summary.md"
