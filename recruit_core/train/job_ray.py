"""The training job: fine-tune the recruit model on Ray Train, then evaluate it on the dev split.

    python ray_jobs/train.py experiment=smoke                          # tiny model, tiny pool
    python ray_jobs/train.py train=biencoder train.hard_negatives=true # or train=crossencoder
    python ray_jobs/train.py data=postings train=crossencoder model=minilm  # real postings' training half
    python ray_jobs/train.py experiment=livecareer                     # real resumes + TF-IDF baselines
    python ray_jobs/train.py train=distill data=livecareer             # a 3-layer student of MiniLM
    python ray_jobs/train.py -m train.lr=2e-5,5e-5 train.epochs=1,2    # sweep, summary in the sweep dir

Re-running with the same `train.run_name` and `train.storage_path` continues from the latest
checkpoint. A finished run keeps the latest checkpoint and the best ones by dev score
(`train.keep_checkpoints`), the optimizer state in the latest only: nothing else reads it.
The best checkpoint's model is published, hard-linked (no second copy on disk), as
`<storage_path>/<run_name>/model` (load it with
`model=local model.name_or_path=...` or `score.model_path=...`), with `eval.json` beside it and its
model card, README.md, inside it (`recruit_core.train.card`). `train.storage_path` and `data.dir`
may be in an object store (s3://bucket/train): Ray Train keeps its checkpoints there and the model
is published there (recruit_core/model/store.py; `score.model_path=s3://...` reads it back). The
dev tables and sweep summaries are `recruit_core.train.report`.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from recruit_core import storage
from recruit_core.config import RecruitConfig, config_hash
from recruit_core.data.pool import PoolPaths
from recruit_core.io import parquet_files, write_json_atomic
from recruit_core.model.store import upload_folder
from recruit_core.ray_env import connect
from recruit_core.train.card import write_model_card
from recruit_core.train.gates import write_reranker_gate
from recruit_core.train.report import (
    SweepPoint,
    evaluate_on_dev,
    headline,
    record_sweep_point,
    sweep_run_name,
)


def _pool_exists(cfg: RecruitConfig) -> bool:
    if storage.is_remote(cfg.data.dir):  # a pool in an object store is read, never generated there
        return True
    paths = PoolPaths(Path(cfg.data.dir))
    try:
        return bool(parquet_files(paths.resumes)) and bool(parquet_files(paths.jobs))
    except FileNotFoundError:
        return False


def ensure_pool(cfg: RecruitConfig) -> None:
    """Generate the synthetic pool at data.dir when it is not there (livecareer: nothing to do)."""
    if cfg.data.source == "livecareer" or _pool_exists(cfg):
        return
    from recruit_core.data.job_ray import run as generate
    print(f"no talent pool at {cfg.data.dir}: generating it first")
    generate(cfg)


def load_task_data(cfg: RecruitConfig) -> dict:
    """Train/dev example rows, category names, and what the evaluation reads afterwards; resume
    texts redacted first (privacy.redact), as scoring will see them."""
    from recruit_core.privacy.redact import redact_column
    train = cfg.train
    if cfg.data.source == "postings":  # only the cross-encoder reaches here (_train)
        from recruit_core.train.posting_pairs import posting_task_data
        return posting_task_data(cfg)
    if train.task == "distill":
        rows = {name: {"text": redact_column(texts, cfg.privacy)}
                for name, texts in distill_texts(cfg).items()}
        return {"rows": rows, "categories": []}
    if cfg.data.source == "livecareer":
        from recruit_core.data.livecareer import load_livecareer
        if train.task not in ("classify", "probe", "lexical"):
            raise ValueError(f"data=livecareer has categories, not fit labels: use train.task=classify, "
                             f"probe or lexical, not {train.task}")
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
    ensure_pool(cfg)
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


def distill_texts(cfg: RecruitConfig) -> dict[str, list[str]]:
    """Unlabelled train and dev texts for distillation: livecareer's splits or the synthetic pool's
    (split by resume, as every task splits it), plus `train.distill_pool`'s resumes for training."""
    if cfg.data.source == "livecareer":
        from recruit_core.data.livecareer import load_livecareer
        splits = load_livecareer(cfg.data)
        texts = {"train": list(splits.train.texts), "dev": list(splits.dev.texts)}
    elif cfg.data.source == "synthetic":
        from recruit_core.data.taxonomy import load_taxonomy
        from recruit_core.train.examples import read_pool, split_pool
        ensure_pool(cfg)
        parts = split_pool(read_pool(cfg.data, load_taxonomy(cfg.data)))
        texts = {name: part.resumes["text"].tolist() for name, part in zip(("train", "dev"), parts)}
    else:
        raise ValueError(f"train.task=distill reads resumes: use data=livecareer or data=synthetic, "
                         f"not data={cfg.data.source}")
    if cfg.train.distill_pool:
        from recruit_core.train.examples import pool_resume_texts
        texts["train"] += pool_resume_texts(cfg.train.distill_pool)
    return texts


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows one: the published weights and the best
    checkpoint's are the same bytes, and nothing rewrites either in place (writers here replace
    files by rename), so they need not take the disk twice."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def publish_model(checkpoint_dir: str, run_dir: Path) -> Path:
    """Put the checkpoint's model folder at `<run_dir>/model`: temp folder, then renames."""
    target = run_dir / "model"
    staging = Path(tempfile.mkdtemp(prefix=".model.", dir=run_dir))
    shutil.copytree(Path(checkpoint_dir) / "model", staging, dirs_exist_ok=True,
                    copy_function=_link_or_copy)
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=".model-old.", dir=run_dir))
        os.replace(target, retired / "model")
    os.replace(staging, target)
    if retired:
        shutil.rmtree(retired)
    return target


def drop_optimizer_state(result) -> list[str]:
    """Delete `train_state.pt` from every kept checkpoint but the latest, the one a resumed run
    starts from: AdamW's moments are twice the weights. Done after `fit`, never during it: until
    Ray has registered a new checkpoint, a restarted worker resumes from the previous one."""
    from recruit_core.train.trainer_ray import STATE_FILE
    latest = result.checkpoint.path if result.checkpoint else None
    dropped = []
    for checkpoint, _ in result.best_checkpoints or []:
        state = f"{checkpoint.path.rstrip('/')}/{STATE_FILE}"
        if checkpoint.path != latest and \
                checkpoint.filesystem.get_file_info(state).type.name == "File":
            checkpoint.filesystem.delete_file(state)
            dropped.append(state)
    return dropped


def run_metadata(cfg: RecruitConfig) -> dict:
    """What every checkpoint's recruit.json records about the run (an adapter: its base too)."""
    meta = {"task": cfg.train.task, "data": cfg.data.source, "train_config_hash": config_hash(cfg.train),
            "base_model": asdict(cfg.model), "window_stride": cfg.model.window_stride,
            "max_length": cfg.model.max_length, "max_windows": cfg.model.max_windows}
    if cfg.train.task == "distill":
        source = distilled_from(cfg)
        meta.update(distilled_from=source, task=source["task"])
    if cfg.train.adapter == "lora":
        from recruit_core.model.adapters import base_record
        from recruit_core.model.encoder import load_tokenizer
        meta["adapter"] = base_record(asdict(cfg.model), len(load_tokenizer(cfg.model)))
    return meta


def distilled_from(cfg: RecruitConfig) -> dict:
    """The teacher a student is distilled from, the layers it keeps, and the task its folder is
    laid out for: the teacher's (a pretrained encoder: an embedding model, as a bi-encoder)."""
    from recruit_core.model.forward import model_fingerprint
    from recruit_core.train.distill import kept_layers, load_teacher
    teacher_path = cfg.train.teacher
    teacher, _ = load_teacher(teacher_path, cfg.model)
    layers = teacher.encoder.config.num_hidden_layers
    meta_file = Path(teacher_path, "recruit.json") if teacher_path else None
    task = json.loads(meta_file.read_text()).get("task") if meta_file and meta_file.exists() else None
    return {"teacher": teacher_path or cfg.model.source,
            "teacher_fingerprint": model_fingerprint(teacher_path, cfg.model),
            "layers": kept_layers(layers, cfg.train.student_layers), "teacher_layers": layers,
            "task": task or "biencoder"}


def _model_to_publish(cfg: RecruitConfig, result_path: str, best) -> tuple[str, Path, str]:
    """(run folder, local model folder to evaluate and describe, where the model is published).
    On disk the model is published at once and that copy is used; with train.storage_path in an
    object store the best checkpoint is downloaded, and published (upload_folder) once its model
    card is written."""
    if not storage.is_remote(cfg.train.storage_path):
        model_dir = publish_model(best.path, Path(result_path))
        return result_path, model_dir, str(model_dir)
    run_dir = storage.join(cfg.train.storage_path, cfg.train.run_name)
    local = Path(best.to_directory(tempfile.mkdtemp(prefix="recruit-best-checkpoint-")))
    return run_dir, local / "model", storage.join(run_dir, "model")


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
    if cfg.data.source == "postings" and cfg.train.task not in ("biencoder", "crossencoder"):
        raise ValueError(f"data=postings has relevance labels for (posting, resume) pairs: use "
                         f"train=biencoder or train=crossencoder, not train.task={cfg.train.task}")
    if cfg.train.task == "biencoder" and (cfg.data.source == "postings" or cfg.train.frozen_encoder):
        from recruit_core.train.embed_head_job import train_head
        return train_head(cfg)
    if cfg.train.task == "probe":  # a frozen encoder and a fitted head: no Ray Train, no workers
        from recruit_core.train.probe_task import train_probe
        return train_probe(cfg, load_task_data(cfg))
    if cfg.train.task == "lexical":  # a TF-IDF head fitted in the driver beside the encoder
        from recruit_core.train.lexical_task import train_lexical
        return train_lexical(cfg, load_task_data(cfg))
    if cfg.train.teacher and not storage.is_remote(cfg.train.teacher):  # workers may start elsewhere
        cfg = replace(cfg, train=replace(cfg.train, teacher=os.path.abspath(cfg.train.teacher)))
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
    meta = run_metadata(cfg)
    n_train = len(next(iter(rows["train"].values())))
    trainer = build_trainer(cfg, datasets, loop_config(cfg, data["categories"], n_train, meta))
    result = trainer.fit()
    best = result.get_best_checkpoint(CHECKPOINT_METRIC, "max") or result.checkpoint
    if best is None:
        raise RuntimeError(f"run {cfg.train.run_name} reported no checkpoint; see the worker log")
    run_dir, model_dir, published = _model_to_publish(cfg, result.path, best)
    drop_optimizer_state(result)
    train_seconds = time.perf_counter() - started
    dev, tables = evaluate_on_dev(cfg, model_dir, data)
    gate = write_reranker_gate(model_dir, dev) if cfg.train.task == "crossencoder" else None
    best_metrics = dict(next(m for c, m in result.best_checkpoints if c.path == best.path))
    figures = {"task": cfg.train.task, "run_name": cfg.train.run_name, "model": published,
               "best_checkpoint": best.path, "best_checkpoint_metrics": best_metrics,
               "training": result.return_value, "adapter": meta.get("adapter"), "train_rows": n_train,
               "distilled_from": meta.get("distilled_from"),
               "dev_rows": len(next(iter(rows["dev"].values()))), "dev": dev,
               "train_seconds": round(train_seconds, 1), "gate": gate,
               "train_samples_per_s": samples_per_second(result.return_value, cfg.train),
               "seconds": round(time.perf_counter() - started, 1)}
    write_model_card(model_dir, cfg, figures)
    if storage.is_remote(published):
        upload_folder(model_dir, published)
        shutil.rmtree(model_dir.parent, ignore_errors=True)  # the downloaded checkpoint
    eval_path = write_json_atomic(figures, storage.join(run_dir, "eval.json"))
    print("\n\n".join(tables))
    return {"model": published, "eval": str(eval_path), "dev_score": best_metrics[CHECKPOINT_METRIC],
            **headline(cfg.train.task, dev), "train_samples_per_s": figures["train_samples_per_s"],
            **({"gate": gate} if gate else {}),
            **{k: v for k, v in (result.return_value or {}).items()
               if k not in ("losses", "step_seconds")},
            "seconds": figures["seconds"]}
