"""Fine-tune the recruit model on Ray Train, then evaluate it on the dev split.

    python ray_jobs/train.py experiment=smoke                          # tiny model, tiny pool
    python ray_jobs/train.py train=biencoder train.hard_negatives=true # or train=crossencoder
    python ray_jobs/train.py experiment=livecareer                     # real resumes + TF-IDF baselines
    python ray_jobs/train.py -m train.lr=2e-5,5e-5 train.epochs=1,2    # sweep, summary in the sweep dir

Re-running with the same `train.run_name` and `train.storage_path` continues from the latest
checkpoint. The best checkpoint's model is copied to `<storage_path>/<run_name>/model` (load it with
`model=local model.name_or_path=...` or `score.model_path=...`), with `eval.json` beside it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import _entry  # noqa: F401  (sets the offline environment before Ray starts)
import hydra

from recruit_core.config import RecruitConfig, config_hash, to_plain
from recruit_core.io import parquet_files, write_json_atomic, write_text_atomic
from recruit_core.eval.metrics import format_table
from recruit_core.data.pool import PoolPaths
from recruit_core.ray_env import connect

SUMMARY_COLUMNS = ("job", "dev_score", "headline", "run_name", "model")


def _pool_exists(cfg: RecruitConfig) -> bool:
    paths = PoolPaths(Path(cfg.data.dir))
    try:
        return bool(parquet_files(paths.resumes)) and bool(parquet_files(paths.jobs))
    except FileNotFoundError:
        return False


def load_task_data(cfg: RecruitConfig) -> dict:
    """Train/dev example rows, category names, and what the evaluation reads afterwards."""
    train = cfg.train
    if cfg.data.source == "livecareer":
        from recruit_core.data.livecareer import load_livecareer
        if train.task != "classify":
            raise ValueError(f"data=livecareer has categories, not fit labels: use train.task=classify, "
                             f"not {train.task}")
        splits = load_livecareer(cfg.data)
        if splits.dropped_empty:
            print(f"livecareer: {splits.dropped_empty} resume(s) with empty text left out")
        rows = {name: {"text": part.texts, "label": part.labels}
                for name, part in (("train", splits.train), ("dev", splits.dev))}
        return {"rows": rows, "categories": splits.train.categories, "splits": splits}
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.train.examples import DEV_PAIRS_SHARE, read_pool, split_pool, task_rows
    if not _pool_exists(cfg):
        import generate
        print(f"no talent pool at {cfg.data.dir}: generating it first")
        generate.run(cfg)
    taxonomy = load_taxonomy(cfg.data)
    train_pool, dev_pool = split_pool(read_pool(cfg.data, taxonomy))
    categories = taxonomy.occupation_ids
    dev_pairs = max(train.batch_size, int(train.n_train_pairs * DEV_PAIRS_SHARE))
    rows = {"train": task_rows(train.task, train_pool, train.n_train_pairs, train.seed,
                               train.hard_negatives, categories),
            "dev": task_rows(train.task, dev_pool, dev_pairs, train.seed + 1,
                             train.hard_negatives, categories)}
    return {"rows": rows, "categories": categories, "dev_pool": dev_pool}


def publish_model(checkpoint_dir: str, run_dir: Path) -> Path:
    """Copy the checkpoint's model folder to `<run_dir>/model`: temp folder, then renames."""
    target = run_dir / "model"
    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=run_dir))
    shutil.copytree(Path(checkpoint_dir) / "model", staging, dirs_exist_ok=True)
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=".model-old.", dir=run_dir))
        os.replace(target, retired / "model")
    os.replace(staging, target)
    if retired:
        shutil.rmtree(retired)
    return target


def evaluate(cfg: RecruitConfig, model_dir: Path, data: dict) -> tuple[dict, list[str]]:
    """(eval figures, printable tables) for the trained model on the dev split."""
    import torch

    from recruit_core.eval import dev as train_eval
    from recruit_core.model.recruit import RecruitModel
    torch.set_num_threads(os.cpu_count() or 1)
    model, tokenizer, _ = RecruitModel.load(model_dir)
    train = cfg.train
    if train.task == "biencoder":
        dev = train_eval.evaluate_retrieval(model, tokenizer, data["dev_pool"], cfg.model)
        return {"retrieval": dev}, [format_table([dev], list(dev))]
    if train.task == "crossencoder":
        dev = train_eval.evaluate_reranking(model, tokenizer, data["dev_pool"], cfg.model,
                                            train.eval_candidates, train.seed)
        return {"reranking": dev}, [format_table([dev], list(dev))]
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
    figures = dev["retrieval" if task == "biencoder" else "reranking"]
    return {k: v for k, v in figures.items() if k in ("auc", "recall@5", "ndcg@10")}


def samples_per_second(training: dict, train) -> float | None:
    """Training throughput of the run, the first step (warm-up, iterator start) left out."""
    seconds = (training or {}).get("step_seconds", [])[1:]
    if not seconds:
        return None
    samples = training["world_size"] * train.batch_size * train.grad_accum_steps * len(seconds)
    return round(samples / sum(seconds), 2)


def run(cfg: RecruitConfig) -> dict:
    from recruit_core.train.trainer_ray import CHECKPOINT_METRIC, build_trainer, loop_config, tokenized_dataset
    started = time.perf_counter()
    connect(cfg.cluster, trains=True)
    data = load_task_data(cfg)
    rows = data["rows"]
    datasets = {name: tokenized_dataset(part, cfg.train.task, cfg) for name, part in rows.items()}
    meta = {"task": cfg.train.task, "data": cfg.data.source, "train_config_hash": config_hash(cfg.train),
            "base_model": asdict(cfg.model), "window_stride": cfg.model.window_stride,
            "max_length": cfg.model.max_length, "max_windows": cfg.model.max_windows}
    n_train = len(next(iter(rows["train"].values())))
    trainer = build_trainer(cfg, datasets, loop_config(cfg, data["categories"], n_train, meta))
    result = trainer.fit()
    best = result.get_best_checkpoint(CHECKPOINT_METRIC, "max") or result.checkpoint
    if best is None:
        raise RuntimeError(f"run {cfg.train.run_name} reported no checkpoint; see the worker log")
    run_dir = Path(result.path)
    model_dir = publish_model(best.path, run_dir)
    train_seconds = time.perf_counter() - started
    dev, tables = evaluate(cfg, model_dir, data)
    best_metrics = dict(next(m for c, m in result.best_checkpoints if c.path == best.path))
    figures = {"task": cfg.train.task, "run_name": cfg.train.run_name, "model": str(model_dir),
               "best_checkpoint": best.path, "best_checkpoint_metrics": best_metrics,
               "training": result.return_value, "train_rows": n_train,
               "dev_rows": len(next(iter(rows["dev"].values()))), "dev": dev,
               "train_seconds": round(train_seconds, 1),
               "train_samples_per_s": samples_per_second(result.return_value, cfg.train),
               "seconds": round(time.perf_counter() - started, 1)}
    eval_path = write_json_atomic(figures, run_dir / "eval.json")
    print("\n\n".join(tables))
    return {"model": str(model_dir), "eval": str(eval_path), "dev_score": best_metrics[CHECKPOINT_METRIC],
            **headline(cfg.train.task, dev), "train_samples_per_s": figures["train_samples_per_s"],
            **{k: v for k, v in (result.return_value or {}).items()
               if k not in ("losses", "step_seconds")},
            "seconds": figures["seconds"]}


def sweep_run_name(base: str, job_num: int, overrides: str) -> str:
    """A distinct, stable run name per sweep point: re-running the same sweep resumes its runs."""
    return f"{base}-{job_num}-{hashlib.sha256(overrides.encode()).hexdigest()[:6]}"


def write_sweep_summary(sweep_dir: Path, row: dict) -> Path:
    """Append this run's row and rewrite sweep_summary.csv/.md sorted by dev score, best first.

    `row["overrides"]` maps override keys to values; the summary shows those that differ between
    runs (the swept parameters), one column each.
    """
    runs = sweep_dir / "sweep_runs.jsonl"
    with open(runs, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, default=str) + "\n")
    rows = [json.loads(line) for line in runs.read_text().splitlines() if line.strip()]
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


@hydra.main(config_path=_entry.CONFIG_PATH, config_name="config", version_base="1.3")
def main(cfg) -> dict:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    plain = to_plain(cfg)
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if multirun:
        plain.train.run_name = sweep_run_name(plain.train.run_name, hydra_cfg.job.num,
                                              hydra_cfg.job.override_dirname)
    result = run(plain)
    _entry.print_result(result)
    if multirun:
        headline_text = ", ".join(f"{k}={v:.4f}" for k, v in result.items()
                                  if k in ("macro_f1", "accuracy", "auc", "recall@5", "ndcg@10"))
        summary = write_sweep_summary(Path(hydra_cfg.sweep.dir), {
            "job": hydra_cfg.job.num, "run_name": plain.train.run_name,
            "overrides": dict(o.split("=", 1) for o in hydra_cfg.overrides.task if "=" in o),
            "dev_score": result["dev_score"], "headline": headline_text, "model": result["model"]})
        print(f"{'sweep summary':>16}: {summary}")
    return result


if __name__ == "__main__":
    main()
