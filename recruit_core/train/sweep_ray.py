"""Training sweeps on Ray: each trial is a Ray task, so trials run side by side on a cluster (or on
as many of a local Ray's CPUs as they fit), each under its own run name in its own run folder.

    python ray_jobs/sweep.py experiment=smoke train.lr=1e-4,1e-3 train.epochs=1,2
    recruit sweep train.lr=2e-5,5e-5 cluster=remote train.storage_path=s3://bucket/train

The overrides are Hydra's: `a=1,2 b=x,y` is their cartesian product, expanded as `-m` expands it.
The entry point composes each trial's config; here each becomes one task holding
`train.trial_cpus` CPUs that runs the training job (its TorchTrainer's workers hold
`train.num_workers x train.cpus_per_worker` more), and Ray starts a trial when its CPUs are free.
A trial's run name is `<train.run_name>-<number>-<hash of its overrides>`: distinct per trial, and
the same when the sweep is rerun, which resumes each unfinished trial from its last checkpoint (as
does Ray's own retry of a trial whose node died).

The driver writes the summary (`train.sweep_dir`/sweep_summary.md and .csv, best dev score first,
the table `-m` writes) as each trial finishes, so trials on other machines need no shared folder
with it; their models are wherever `train.storage_path` is (an s3:// path on a cluster).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import ray

from recruit_core.config import RecruitConfig
from recruit_core.ray_env import connect
from recruit_core.train.report import SweepPoint, record_sweep_point, sweep_run_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trial:
    """One point of the sweep: its number, its Hydra overrides and the config they compose to."""

    number: int
    overrides: list[str]
    cfg: RecruitConfig

    @property
    def override_dirname(self) -> str:
        return ",".join(sorted(self.overrides))  # as Hydra's hydra.job.override_dirname

    @property
    def run_name(self) -> str:
        return sweep_run_name(self.cfg.train.run_name, self.number, self.override_dirname)

    def point(self) -> SweepPoint:
        pairs = dict(o.split("=", 1) for o in self.overrides if "=" in o)
        return SweepPoint(self.number, self.override_dirname, pairs,
                          Path(self.cfg.train.sweep_dir))


@ray.remote
def _run_trial(cfg: RecruitConfig) -> dict:
    from recruit_core.train import job_ray
    return job_ray.run(cfg)


def run_sweep(trials: list[Trial]) -> dict:
    """Submit every trial, record each in the summary as it finishes; fail at the end naming the
    trials that failed (the finished ones are in the summary all the same)."""
    if not trials:
        raise ValueError("a sweep needs at least one trial")
    first = trials[0].cfg
    connect(first.cluster, trains=True, gpus={"train.use_gpu": float(first.train.use_gpu)})
    for cfg in {t.cfg.data.dir: t.cfg for t in trials}.values():  # a swept data.dir: each once
        _prepare_data(cfg)
    Path(first.train.sweep_dir).mkdir(parents=True, exist_ok=True)
    running = {}
    for trial in trials:
        named = replace(trial.cfg, train=replace(trial.cfg.train, run_name=trial.run_name))
        ref = _run_trial.options(num_cpus=trial.cfg.train.trial_cpus).remote(named)
        running[ref] = trial
    summary, finished, failed = None, [], {}
    while running:
        (ready,), _ = ray.wait(list(running), num_returns=1)
        trial = running.pop(ready)
        try:
            result = ray.get(ready)
        except Exception as error:  # noqa: BLE001 -- one trial's failure must not lose the others
            failed[trial.run_name] = _reason(error)
            log.error("sweep trial %s (%s) failed: %s", trial.number, trial.override_dirname,
                      failed[trial.run_name])
            continue
        summary = record_sweep_point(trial.point(), trial.run_name, result)
        finished.append({"job": trial.number, "run_name": trial.run_name,
                         "dev_score": result["dev_score"], "model": result["model"]})
    outcome = {"sweep_summary": str(summary) if summary else None, "trials": len(trials),
               "finished": sorted(finished, key=lambda r: r["job"]), "failed": failed}
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(trials)} sweep trials failed: {failed}; rerun "
                           "the same sweep to resume them (finished trials are kept)")
    return outcome


def _reason(error: Exception) -> str:
    """What went wrong in the trial: the error raised in its task (a RayTaskError's `cause`), not
    the traceback header Ray wraps it in."""
    cause = getattr(error, "cause", None) or error
    return f"{type(cause).__name__}: {(str(cause).splitlines() or [''])[0][:300]}"


def _prepare_data(cfg: RecruitConfig) -> None:
    """Generate a missing synthetic pool once, here, rather than in every trial at the same time."""
    from recruit_core.train.job_ray import ensure_pool
    ensure_pool(cfg)
