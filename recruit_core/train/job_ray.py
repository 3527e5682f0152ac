"""The training job: fine-tune the recruit model on Ray Train, then evaluate it on the dev split.

    python ray_jobs/train.py experiment=smoke                          # tiny model, tiny pool
    python ray_jobs/train.py train=biencoder train.hard_negatives=true # or train=crossencoder
    python ray_jobs/train.py experiment=livecareer                     # real resumes + TF-IDF baselines
    python ray_jobs/train.py -m train.lr=2e-5,5e-5 train.epochs=1,2    # sweep, summary in the sweep dir

Re-running with the same `train.run_name` and `train.storage_path` continues from the latest
checkpoint. The best checkpoint's model is copied to `<storage_path>/<run_name>/model` (load it with
`model=local model.name_or_path=...` or `score.model_path=...`), with `eval.json` beside it and its
model card, README.md, inside it (`recruit_core.train.card`). The dev tables and sweep summaries
are `recruit_core.train.report`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from recruit_core.config import RecruitConfig, config_hash
from recruit_core.data.pool import PoolPaths
from recruit_core.io import parquet_files, write_json_atomic
from recruit_core.ray_env import connect
from recruit_core.train.card import write_model_card
from recruit_core.train.report import (
    SweepPoint,
    evaluate_on_dev,
    headline,
    record_sweep_point,
    sweep_run_name,
)


def _pool_exists(cfg: RecruitConfig) -> bool:
    paths = PoolPaths(Path(cfg.data.dir))
    try:
        return bool(parquet_files(paths.resumes)) and bool(parquet_files(paths.jobs))
    except FileNotFoundError:
        return False


def load_task_data(cfg: RecruitConfig) -> dict:
    """Train/dev example rows, category names, and what the evaluation reads afterwards; resume
    texts redacted first (privacy.redact), as scoring will see them."""
    from recruit_core.privacy.redact import redact_column
    train = cfg.train
    if cfg.data.source == "livecareer":
        from recruit_core.data.livecareer import load_livecareer
        if train.task not in ("classify", "probe"):
            raise ValueError(f"data=livecareer has categories, not fit labels: use train.task=classify "
                             f"or probe, not {train.task}")
        splits = load_livecareer(cfg.data)
        if splits.dropped_empty:
            print(f"livecareer: {splits.dropped_empty} resume(s) with empty text left out")
        for part in (splits.train, splits.dev):
            part.texts = redact_column(part.texts, cfg.privacy)
        rows = {name: {"text": part.texts, "label": part.labels}
                for name, part in (("train", splits.train), ("dev", splits.dev))}
        return {"rows": rows, "categories": splits.train.categories, "splits": splits}
    from recruit_core.data.taxonomy import load_taxonomy
    from recruit_core.train.examples import DEV_PAIRS_SHARE, read_pool, split_pool, task_rows
    if not _pool_exists(cfg):
        from recruit_core.data.job_ray import run as generate
        print(f"no talent pool at {cfg.data.dir}: generating it first")
        generate(cfg)
    taxonomy = load_taxonomy(cfg.data)
    pool = read_pool(cfg.data, taxonomy)
    pool.resumes["text"] = redact_column(pool.resumes["text"].tolist(), cfg.privacy)
    train_pool, dev_pool = split_pool(pool)
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


def samples_per_second(training: dict, train) -> float | None:
    """Training throughput of the run, the first step (warm-up, iterator start) left out."""
    seconds = (training or {}).get("step_seconds", [])[1:]
    if not seconds:
        return None
    samples = training["world_size"] * train.batch_size * train.grad_accum_steps * len(seconds)
    return round(samples / sum(seconds), 2)


def run(cfg: RecruitConfig, sweep: SweepPoint | None = None) -> dict:
    """Train, publish the best checkpoint's model, evaluate it; a sweep point gets its own run
    name and a row in the sweep's summary."""
    if sweep is None:
        return _train(cfg)
    name = sweep_run_name(cfg.train.run_name, sweep.number, sweep.override_dirname)
    result = _train(replace(cfg, train=replace(cfg.train, run_name=name)))
    return {**result, "sweep_summary": str(record_sweep_point(sweep, name, result))}


def _train(cfg: RecruitConfig) -> dict:
    if cfg.train.task == "probe":  # a frozen encoder and a fitted head: no Ray Train, no workers
        from recruit_core.train.probe_task import train_probe
        return train_probe(cfg, load_task_data(cfg))
    from recruit_core.train.trainer_ray import (
        CHECKPOINT_METRIC,
        build_trainer,
        loop_config,
        tokenized_dataset,
    )
    started = time.perf_counter()
    connect(cfg.cluster, trains=True, gpus={"train.use_gpu": float(cfg.train.use_gpu)})
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
    dev, tables = evaluate_on_dev(cfg, model_dir, data)
    best_metrics = dict(next(m for c, m in result.best_checkpoints if c.path == best.path))
    figures = {"task": cfg.train.task, "run_name": cfg.train.run_name, "model": str(model_dir),
               "best_checkpoint": best.path, "best_checkpoint_metrics": best_metrics,
               "training": result.return_value, "train_rows": n_train,
               "dev_rows": len(next(iter(rows["dev"].values()))), "dev": dev,
               "train_seconds": round(train_seconds, 1),
               "train_samples_per_s": samples_per_second(result.return_value, cfg.train),
               "seconds": round(time.perf_counter() - started, 1)}
    eval_path = write_json_atomic(figures, run_dir / "eval.json")
    write_model_card(model_dir, cfg, figures)
    print("\n\n".join(tables))
    return {"model": str(model_dir), "eval": str(eval_path), "dev_score": best_metrics[CHECKPOINT_METRIC],
            **headline(cfg.train.task, dev), "train_samples_per_s": figures["train_samples_per_s"],
            **{k: v for k, v in (result.return_value or {}).items()
               if k not in ("losses", "step_seconds")},
            "seconds": figures["seconds"]}
