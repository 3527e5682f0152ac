"""The main job, end to end on one Ray session: generate a talent pool, then run every stage on it.

    make demo                                             # experiment=demo: real MiniLM, 240 resumes, 24 jobs
    python ray_jobs/demo.py experiment=smoke              # tiny model and data, about a minute
    python ray_jobs/demo.py experiment=demo data.n_resumes=200000 score.pool_size=4
    ray job submit --working-dir . -- python ray_jobs/demo.py experiment=demo cluster=remote

Each stage prints `stage <name>: <seconds> s`; the run ends with where every output is, and writes
`<output_root>/demo_summary.json`.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import replace
from pathlib import Path

import _entry  # noqa: F401  (sets the offline environment before Ray starts)
import hydra

from recruit_core.config import RecruitConfig, to_plain
from recruit_core.io import write_json_atomic
from recruit_core.ray_env import connect


def _train(task: str):
    """Fine-tune one task under a fresh run name (a reused name would resume the last demo's run)."""
    def stage(cfg: RecruitConfig, results: dict) -> dict:
        import train
        run_name = f"{cfg.experiment}-{task}-{time.strftime('%Y%m%d-%H%M%S')}"
        return train.run(replace(cfg, train=replace(cfg.train, task=task, run_name=run_name)))
    return stage


def _score(cfg: RecruitConfig, results: dict) -> dict:
    import score
    model = results["train_classify"]["model"]
    return score.run(replace(cfg, score=replace(cfg.score, model_path=model, overwrite=True)))


def _match(cfg: RecruitConfig, results: dict) -> dict:
    import match
    return match.run(replace(cfg, match=replace(
        cfg.match, biencoder_path=results["train_biencoder"]["model"],
        crossencoder_path=results["train_crossencoder"]["model"])))


def _interview(job_name: str):
    def stage(cfg: RecruitConfig, results: dict) -> dict:
        job = importlib.import_module(job_name)
        shortlist = results["match"]["shortlists"]
        return job.run(replace(cfg, interview=replace(cfg.interview, shortlist_path=shortlist)))
    return stage


def _generate(cfg: RecruitConfig, results: dict) -> dict:
    import generate
    return generate.run(cfg)


def _stages() -> list[tuple[str, object]]:
    return [("generate", _generate), ("train_classify", _train("classify")),
            ("train_biencoder", _train("biencoder")), ("train_crossencoder", _train("crossencoder")),
            ("score", _score), ("match", _match), ("interview_pack", _interview("interview_pack")),
            ("schedule", _interview("schedule"))]


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster, trains=True)
    results, timings = {}, {}
    for name, stage in _stages():
        started = time.perf_counter()
        results[name] = stage(cfg, results)
        timings[name] = round(time.perf_counter() - started, 2)
        print(f"stage {name}: {timings[name]} s", flush=True)
    summary = {"experiment": cfg.experiment, "stage_seconds": timings, "outputs": results}
    write_json_atomic(summary, Path(cfg.output_root) / "demo_summary.json")
    return summary


def _print_outputs(summary: dict) -> None:
    print("\nOutputs:")
    for stage, result in summary["outputs"].items():
        for key, value in (result or {}).items():
            if isinstance(value, str) and ("/" in value or value.endswith((".md", ".json"))):
                print(f"  {stage:>10} {key:<14} {value}")
    total = sum(summary["stage_seconds"].values())
    print(f"\nAll stages: {total:.1f} s ({', '.join(f'{k} {v:.0f}s' for k, v in summary['stage_seconds'].items())})")


@hydra.main(config_path=_entry.CONFIG_PATH, config_name="config", version_base="1.3")
def main(cfg) -> None:
    _print_outputs(run(to_plain(cfg)))


if __name__ == "__main__":
    main()
