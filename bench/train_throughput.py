"""Training throughput: the Ray Train job (1 and 2 workers) against a plain torch loop, same model.

    .venv/bin/python bench/train_throughput.py                 # real MiniLM, ~4-5 minutes on 2 cores
    .venv/bin/python bench/train_throughput.py --model tiny    # seconds: checks the script itself

All three train the classify task on the same tokenized synthetic resumes (one 256-token window each)
with the same per-worker batch and the same torch threads per process (default 1: on a shared 2-core
machine, multi-threaded torch measures the neighbours' load more than the code). So the 1-worker
ratio is Ray Train's overhead, and 2 workers vs 1 is data-parallel scaling. The Ray figures come
from the job's own per-step timings (`train_loop_per_worker` returns them), so Ray start-up is not
counted, data loading is.
The plain loop runs before and after the Ray jobs; the ratio uses their mean (the machine is shared).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from recruit_core import env  # noqa: E402

env.apply()  # before torch and transformers load; connect() adds local Ray's settings

import numpy as np  # noqa: E402
import torch  # noqa: E402

from recruit_core.config import ClusterConfig, ModelConfig, RecruitConfig, TrainConfig  # noqa: E402
from recruit_core.data.synth import generate_resume  # noqa: E402
from recruit_core.data.taxonomy import load_builtin  # noqa: E402
from recruit_core.model.encoder import load_encoder  # noqa: E402
from recruit_core.model.recruit import RecruitModel  # noqa: E402
from recruit_core.ray_env import connect  # noqa: E402
from recruit_core.train.loop import (  # noqa: E402
    TaskModel,
    build_optimizer,
    build_scheduler,
    optimisation_step,
    seed_everything,
)
from recruit_core.train.trainer_ray import build_trainer, loop_config, tokenized_dataset  # noqa: E402


def bench_config(args, workers: int, threads: int, storage: str) -> RecruitConfig:
    model = ModelConfig(source=args.model, sha256="" if args.model == "tiny" else ModelConfig().sha256,
                        max_length=args.max_length, window_stride=args.max_length, max_windows=1)
    train = TrainConfig(run_name=f"bench-{uuid.uuid4().hex[:8]}", storage_path=storage,
                        num_workers=workers, cpus_per_worker=1.0, torch_threads=threads,
                        batch_size=args.batch, epochs=1, max_steps=args.warmup + args.steps)
    return RecruitConfig(model=model, train=train, cluster=ClusterConfig(num_cpus=os.cpu_count()))


def resume_rows(n: int) -> tuple[dict, list[str]]:
    taxonomy = load_builtin()
    occupations = taxonomy.occupation_ids
    resumes = [generate_resume(taxonomy, 0, i) for i in range(n)]
    labels = [occupations.index(r.occupation) for r in resumes]
    return {"text": [r.text for r in resumes], "label": labels}, occupations


def plain_loop(cfg: RecruitConfig, arrays: dict, categories: list[str], args) -> float:
    """Samples/s of a single-process loop over the same arrays with the same step function."""
    torch.set_num_threads(args.threads)
    seed_everything(0)
    tokenizer, encoder, _ = load_encoder(cfg.model)
    task_model = TaskModel(RecruitModel(encoder, categories), "classify")
    optimizer = build_optimizer(task_model, cfg.train)
    scheduler = build_scheduler(optimizer, args.warmup + args.steps, cfg.train.warmup_ratio)
    device = torch.device("cpu")
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            started = time.perf_counter()
        rows = slice(step * args.batch, (step + 1) * args.batch)
        batch = {k: torch.from_numpy(np.ascontiguousarray(v[rows])) for k, v in arrays.items()}
        optimisation_step(task_model, [batch], optimizer, scheduler, device)
    return args.steps * args.batch / (time.perf_counter() - started)


def ray_job(cfg: RecruitConfig, datasets: dict, categories: list[str], rows: int, args) -> float:
    """Samples/s of the Ray Train job, from its per-step timings after warm-up."""
    trainer = build_trainer(cfg, datasets, loop_config(cfg, categories, rows, {"bench": True}))
    result = trainer.fit()
    seconds = result.return_value["step_seconds"][args.warmup:]
    return cfg.train.num_workers * args.batch * len(seconds) / sum(seconds)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="minilm", choices=("minilm", "tiny"))
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=256)  # all-MiniLM-L6-v2's window
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    args = parser.parse_args()
    storage = tempfile.mkdtemp(prefix="bench-train-")
    rows = 2 * args.batch * (args.warmup + args.steps)  # enough for 2 workers' steps in one epoch
    cfg = bench_config(args, 1, args.threads, storage)
    connect(cfg.cluster, trains=True)
    texts, categories = resume_rows(rows)
    datasets = {"train": tokenized_dataset(texts, "classify", cfg),
                "dev": tokenized_dataset({k: v[:args.batch] for k, v in texts.items()}, "classify", cfg)}
    arrays = datasets["train"].take_batch(rows, batch_format="numpy")
    plain_before = plain_loop(cfg, arrays, categories, args)
    one = ray_job(cfg, datasets, categories, rows, args)
    two = ray_job(bench_config(args, 2, args.threads, storage), datasets, categories, rows, args)
    plain_after = plain_loop(cfg, arrays, categories, args)
    plain = (plain_before + plain_after) / 2
    result = {"name": "train_throughput", "model": args.model, "batch_size": args.batch,
              "max_length": args.max_length, "timed_steps": args.steps,
              "threads_per_process": args.threads,
              "plain_samples_per_s": round(plain, 3),
              "plain_before_after": [round(plain_before, 3), round(plain_after, 3)],
              "ray_1_worker_samples_per_s": round(one, 3), "ray_2_workers_samples_per_s": round(two, 3),
              "ratio": round(one / plain, 3), "ratio_2_vs_1_workers": round(two / one, 3)}
    try:
        from _results import machine_info, record
    except ImportError:
        print(json.dumps(result))
        return result
    result["machine"] = machine_info()
    print(json.dumps(result))
    record(result, command="python bench/train_throughput.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
