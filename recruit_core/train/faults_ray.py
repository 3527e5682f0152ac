"""A Ray Train worker lost on a multi-node Ray: the run restarts from its last checkpoint by itself.

    .venv/bin/python bench/fault_soak.py --faults train_worker --repeat 2

Runs the training job (experiment=smoke, 2 epochs of 6 steps, a checkpoint every epoch) on the
cluster `recruit_core.score.faults_ray.start_cluster` made, with the last rank SIGKILLing itself
after step 8 (the test-only hooks of recruit_core/train/trainer_ray.py, passed to the workers).
Survived: the run finished all 12 steps, restarted at the step-6 checkpoint, trained steps 7-12
only once more, and published a model.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from recruit_core.data.pool import write_jobs, write_resume_shard
from recruit_core.train.trainer_ray import KILL_AT_STEP_ENV, KILL_MARKER_ENV

KILL_AT, EPOCHS, STEPS_PER_EPOCH = 8, 2, 6


def drill_training(compose, address: str, work: Path) -> dict:
    """One training run on the cluster at `address` with a worker killed after step KILL_AT."""
    from recruit_core.train import job_ray as train
    work.mkdir(parents=True, exist_ok=True)
    cfg = compose(["experiment=smoke", f"output_root={work}", f"data.dir={work / 'pool'}",
                   "data.shard_rows=120",  # one shard of the 120 resumes: 6 steps per epoch
                   f"train.run_name=drill-{uuid.uuid4().hex[:8]}", f"train.epochs={EPOCHS}",
                   "cluster=remote", f"cluster.address={address}"])
    write_resume_shard(cfg.data, 0)
    write_jobs(cfg.data)
    marker = work / "worker-lost"
    os.environ.update({KILL_AT_STEP_ENV: str(KILL_AT), KILL_MARKER_ENV: str(marker)})
    try:
        result, error = train.run(cfg), ""
    except Exception as failure:  # reported as the drill's outcome
        result, error = {}, f"{type(failure).__name__}: {failure}"
    finally:
        for key in (KILL_AT_STEP_ENV, KILL_MARKER_ENV):
            os.environ.pop(key, None)
    injected = marker.read_text().strip() if marker.exists() else ""
    losses = json.loads(Path(result["eval"]).read_text())["training"]["losses"] if result else []
    per_epoch = result.get("steps_per_epoch")
    resumed = (per_epoch == STEPS_PER_EPOCH and result.get("start_step") == per_epoch
               and result.get("final_step") == EPOCHS * per_epoch
               and len(losses) == EPOCHS * per_epoch - per_epoch
               and Path(result.get("model", "/nonexistent"), "model.safetensors").is_file())
    return {"fault": "train_worker", "injected": injected, "error": error or ("" if resumed else
            f"did not resume as expected: start {result.get('start_step')}, final "
            f"{result.get('final_step')}, {len(losses)} steps trained after the restart"),
            "start_step": result.get("start_step"), "final_step": result.get("final_step"),
            "steps_after_restart": len(losses)}
