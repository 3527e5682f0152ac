"""Ray glue for fine-tuning: tokenized Ray Datasets, the per-worker loop, the TorchTrainer.

    python ray_jobs/train.py experiment=smoke          # builds the trainer here and fits it

The loop is thin over `recruit_core.train.loop`: it restores the latest checkpoint (weights, optimiser,
schedule, epoch, step, RNGs) when the run is resumed, skips as many batches of the epoch as it had
trained on (Ray Data's split keeps no row order, so not always the same rows), and at each
checkpoint scores the dev split on all workers together. Rank 0 writes the checkpoint: the model as
a Hugging Face folder (`model/`; with `train.adapter=lora` the adapter and its base's fingerprint,
`recruit_core.model.adapters`) plus `train_state.pt`. A run resumes the same way by itself when a
worker dies, up to `train.max_failures` times; re-running the same run name resumes it after that.
"""
from __future__ import annotations

import os
import signal
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import ray
import ray.train
import ray.train.torch
import torch
import torch.distributed as dist

from recruit_core import storage
from recruit_core.config import RecruitConfig, TrainConfig
from recruit_core.model.adapters import add_lora
from recruit_core.model.encoder import load_encoder
from recruit_core.model.recruit import RecruitModel
from recruit_core.train.distill import load_teacher, student_of
from recruit_core.train.loop import (
    TaskModel,
    build_optimizer,
    build_scheduler,
    dev_outputs,
    dev_score,
    load_train_state,
    model_config_from_dict,
    optimisation_step,
    restore_rng,
    rng_state,
    save_train_state,
    seed_everything,
    steps_per_epoch,
    to_device,
    tokenize_examples,
)

CHECKPOINT_METRIC = "dev_score"
MODEL_DIR, STATE_FILE = "model", "train_state.pt"
ROWS_PER_TOKENIZE_TASK = 256  # enough rows to amortise loading the tokenizer in each task
SHUFFLE_BATCHES = 4  # local shuffle buffer: this many batches of rows mixed per epoch
# Test-only fault injection, unset in every job: the last rank kills itself after this step, once
# per marker file, so tests can lose a worker mid-run. build_trainer passes them on to the workers.
KILL_AT_STEP_ENV, KILL_MARKER_ENV = "RECRUIT_TEST_KILL_AT_STEP", "RECRUIT_TEST_KILL_MARKER"


def tokenized_dataset(rows: dict[str, list], task: str, cfg: RecruitConfig) -> ray.data.Dataset:
    """Rows shuffled once with the seed, tokenized on Ray Data, materialised: tokenized once, not
    once per epoch or per worker."""
    n = len(next(iter(rows.values())))
    order = np.random.default_rng(cfg.train.seed).permutation(n)
    items = [{k: v[i] for k, v in rows.items()} for i in order]
    blocks = max(1, min(16, n // ROWS_PER_TOKENIZE_TASK))
    return (ray.data.from_items(items, override_num_blocks=blocks)
            .map_batches(tokenize_examples, batch_format="numpy", batch_size=ROWS_PER_TOKENIZE_TASK,
                         fn_kwargs={"task": task, "model": asdict(cfg.model)})
            .materialize())


def _gather(value, world: int) -> list:
    if world == 1 or not dist.is_initialized():
        return [value]
    out = [None] * world
    dist.all_gather_object(out, value)
    return out


def _build(config: dict, train: TrainConfig):
    """(TaskModel, tokenizer, train state or None): from the latest checkpoint when resuming."""
    seed_everything(train.seed)  # same fresh heads on every rank and in every run
    checkpoint = ray.train.get_checkpoint()
    if train.task == "distill":
        return _build_student(config, train, checkpoint)
    if checkpoint is None:
        tokenizer, encoder, _ = load_encoder(model_config_from_dict(config["model"]))
        if train.adapter == "lora":
            encoder = add_lora(encoder, train.lora_r, train.lora_alpha, train.lora_dropout,
                               train.lora_targets)
        return TaskModel(RecruitModel(encoder, config["categories"]), train.task,
                         train.temperature), tokenizer, None
    with checkpoint.as_directory() as folder:  # an adapter stays unmerged: it is still training
        model, tokenizer, _ = RecruitModel.load(Path(folder) / MODEL_DIR, merge=False)
        state = load_train_state(Path(folder) / STATE_FILE)
    return TaskModel(model, train.task, train.temperature), tokenizer, state


def _build_student(config: dict, train: TrainConfig, checkpoint):
    """distill: the teacher, and the student cut from it (or restored from the checkpoint)."""
    teacher, tokenizer = load_teacher(train.teacher, model_config_from_dict(config["model"]))
    if checkpoint is None:
        return TaskModel(student_of(teacher, train.student_layers), train.task,
                         teacher=teacher), tokenizer, None
    with checkpoint.as_directory() as folder:
        student, tokenizer, _ = RecruitModel.load(Path(folder) / MODEL_DIR)
        state = load_train_state(Path(folder) / STATE_FILE)
    return TaskModel(student, train.task, teacher=teacher), tokenizer, state


def _dev_metrics(task_model: TaskModel, config: dict, device, rank: int, world: int) -> dict:
    """Every worker scores every world-th dev batch; the outputs are gathered before scoring."""
    train, per_forward = TrainConfig(**config["train"]), config["model"]["windows_per_forward"]
    # the bi-encoder's figure is in-batch top-1: its training batch; otherwise a batch is as many
    # resumes' windows (classify) or pairs (crossencoder) as one encoder call takes
    rows = {"biencoder": train.batch_size,
            "classify": max(1, per_forward // config["model"]["max_windows"])}
    batch_size = rows.get(train.task, per_forward)
    shard = ray.train.get_dataset_shard("dev")
    mine = [dev_outputs(task_model, to_device(batch, device), device, per_forward)
            for index, batch in enumerate(shard.iter_torch_batches(batch_size=batch_size))
            if index % world == rank]
    outputs = [o for part in _gather(mine, world) for o in part]
    return dev_score(train.task, outputs, config["categories"])


def _checkpoint(task_model, tokenizer, optimizer, scheduler, step: int, losses: list[float],
                config: dict, device) -> None:
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    epoch = step / config["steps_per_epoch"]
    metrics = {"step": step, "epoch": epoch, "train_loss": float(np.mean(losses or [np.nan])),
               **_dev_metrics(task_model, config, device, rank, world)}
    rngs = _gather(rng_state(), world)
    if rank != 0:
        ray.train.report(metrics)
        return
    print(f"checkpoint at step {step} (epoch {epoch:.2f}): " +
          ", ".join(f"{k}={v:.4f}" for k, v in metrics.items() if isinstance(v, float)), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        task_model.model.save(Path(folder) / MODEL_DIR, tokenizer, {**config["meta"], "step": step})
        save_train_state(Path(folder) / STATE_FILE, optimizer, scheduler,
                         step // config["steps_per_epoch"], step, rngs)
        ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))


def worker_threads(train: TrainConfig) -> int:
    return train.torch_threads or max(1, int(train.cpus_per_worker))


def _resume(state: dict | None, optimizer, scheduler, train: TrainConfig, rank: int,
            world: int) -> int:
    """Restore optimiser, schedule and RNGs from a checkpoint's state; return the step to start at."""
    if state is None:
        seed_everything(train.seed + rank)
        return 0
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if len(state["rng"]) == world:
        restore_rng(state["rng"][rank])
    else:  # resumed on a different number of workers: fresh, still reproducible, streams
        seed_everything(train.seed + rank + state["step"])
    return state["step"]


def _log_progress(record: dict, step: int, stop: int, per_epoch: int, train: TrainConfig) -> None:
    """Rank 0 prints about ten lines per epoch: a long CPU run should not look hung."""
    context = ray.train.get_context()
    if context.get_world_rank() != 0 or step % max(1, per_epoch // 10):
        return
    recent = record["step_seconds"][-max(1, per_epoch // 10):]
    samples = context.get_world_size() * train.batch_size * train.grad_accum_steps * len(recent)
    print(f"step {step}/{stop}: loss {np.mean(record['losses'][-len(recent):]):.4f}, "
          f"{samples / sum(recent):.1f} samples/s", flush=True)


def _train_epoch(module, task_model, tokenizer, optimizer, scheduler, step: int, stop: int,
                 config: dict, device, record: dict) -> int:
    """Train the rest of the epoch `step` is in (or up to `stop`); return the step reached."""
    train, per_epoch = TrainConfig(**config["train"]), config["steps_per_epoch"]
    epoch, done_in_epoch = divmod(step, per_epoch)
    batches = ray.train.get_dataset_shard("train").iter_torch_batches(
        batch_size=train.batch_size, drop_last=True,
        local_shuffle_buffer_size=SHUFFLE_BATCHES * train.batch_size,
        local_shuffle_seed=train.seed + epoch)
    micro, losses, tick = [], [], time.perf_counter()
    for index, batch in enumerate(batches):
        if index < done_in_epoch * train.grad_accum_steps:
            continue  # trained on before the restart
        micro.append(batch)
        if len(micro) < train.grad_accum_steps:
            continue
        losses.append(optimisation_step(module, micro, optimizer, scheduler, device,
                                        train.max_grad_norm))
        micro, step = [], step + 1
        record["losses"].append(round(losses[-1], 5))
        record["step_seconds"].append(round(time.perf_counter() - tick, 4))
        _log_progress(record, step, stop, per_epoch, train)
        _lose_worker_if_asked(step)
        every = train.checkpoint_every_steps
        if step == stop or (every and step % every == 0) or (not every and step % per_epoch == 0):
            _checkpoint(task_model, tokenizer, optimizer, scheduler, step, losses, config, device)
        if step % per_epoch == 0 or step == stop:
            return step
        tick = time.perf_counter()  # checkpoints are not training time
    raise RuntimeError(f"worker {ray.train.get_context().get_world_rank()}: epoch {epoch} ran out "
                       f"of batches after {step % per_epoch} of {per_epoch} steps; the dataset "
                       "shards are uneven")


def _lose_worker_if_asked(step: int) -> None:
    """SIGKILL, as the kernel's OOM killer would: no cleanup, no report, the peers left waiting.

    First it waits a few of Ray Train's polls (every RAY_TRAIN_HEALTH_CHECK_INTERVAL_S, 2 s): the
    controller keeps a checkpoint only once it has fetched every rank's report of it, so a worker
    lost sooner takes the last checkpoint with it. Real steps take seconds; the tiny model's do not."""
    if os.environ.get(KILL_AT_STEP_ENV) != str(step):
        return
    context = ray.train.get_context()
    if context.get_world_rank() != context.get_world_size() - 1:
        return
    try:
        with open(os.environ[KILL_MARKER_ENV], "x") as marker:  # "x": only the first time
            marker.write(f"killed at step {step}\n")
    except FileExistsError:
        return
    time.sleep(3 * float(os.environ.get("RAY_TRAIN_HEALTH_CHECK_INTERVAL_S", "2")))
    os.kill(os.getpid(), signal.SIGKILL)


def train_loop_per_worker(config: dict) -> dict:
    """Train from the start or from the latest checkpoint. Returns where training started and
    ended, and per optimisation step of this run its loss and seconds (data wait included)."""
    train = TrainConfig(**config["train"])
    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    torch.set_num_threads(worker_threads(train))
    device = ray.train.torch.get_device()
    task_model, tokenizer, state = _build(config, train)
    module = ray.train.torch.prepare_model(task_model)
    total = config["steps_per_epoch"] * train.epochs
    optimizer = build_optimizer(task_model, train)
    scheduler = build_scheduler(optimizer, total, train.warmup_ratio)
    step = _resume(state, optimizer, scheduler, train, rank, world)
    record = {"start_step": step, "losses": [], "step_seconds": []}
    stop = min(total, train.max_steps) if train.max_steps > 0 else total
    while step < stop:
        step = _train_epoch(module, task_model, tokenizer, optimizer, scheduler, step, stop, config,
                            device, record)
    return {**record, "final_step": step, "steps_per_epoch": config["steps_per_epoch"],
            "world_size": world}


def build_trainer(cfg: RecruitConfig, datasets: dict, loop_config: dict) -> ray.train.torch.TorchTrainer:
    """TorchTrainer on `train.num_workers` workers; gloo on CPU, NCCL on GPU; keeps the latest
    checkpoint (a resumed run continues from it) and the `train.keep_checkpoints - 1` best by dev
    score; restarts the workers from that latest checkpoint up to `train.max_failures` times."""
    train = cfg.train
    scaling = ray.train.ScalingConfig(num_workers=train.num_workers, use_gpu=train.use_gpu,
                                      resources_per_worker={"CPU": train.cpus_per_worker})
    fault_injection = {k: os.environ[k] for k in (KILL_AT_STEP_ENV, KILL_MARKER_ENV) if k in os.environ}
    run_config = ray.train.RunConfig(
        name=train.run_name, storage_path=train.storage_path if storage.is_remote(train.storage_path)
        else os.path.abspath(train.storage_path),  # s3:// and gs:// through pyarrow file systems
        failure_config=ray.train.FailureConfig(max_failures=train.max_failures),
        checkpoint_config=ray.train.CheckpointConfig(
            # Ray keeps the latest on top of the num_to_keep best
            num_to_keep=train.keep_checkpoints - 1, checkpoint_score_attribute=CHECKPOINT_METRIC,
            checkpoint_score_order="max"),
        worker_runtime_env={"env_vars": fault_injection} if fault_injection else None)
    return ray.train.torch.TorchTrainer(
        train_loop_per_worker, train_loop_config=loop_config,
        torch_config=ray.train.torch.TorchConfig(backend="nccl" if train.use_gpu else "gloo"),
        scaling_config=scaling, run_config=run_config, datasets=datasets,
        dataset_config=ray.train.DataConfig(datasets_to_split=["train"]))


def loop_config(cfg: RecruitConfig, categories: list[str], train_rows: int, meta: dict) -> dict:
    """Plain values only: what the workers get (no Hydra resolvers, no dataclasses)."""
    train = cfg.train
    return {"train": asdict(train), "model": asdict(cfg.model), "categories": list(categories),
            "meta": meta, "steps_per_epoch": steps_per_epoch(
                train_rows, train.num_workers, train.batch_size, train.grad_accum_steps)}
