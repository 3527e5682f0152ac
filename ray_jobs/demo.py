"""The main job, end to end on one Ray session: generate a talent pool, then run every stage on it.

    make demo                                             # experiment=demo: real MiniLM, 2,000 resumes
    python ray_jobs/demo.py experiment=smoke              # tiny model and data, about a minute
    python ray_jobs/demo.py experiment=demo data.n_resumes=200000 score.pool_size=4
    ray job submit --working-dir . -- python ray_jobs/demo.py experiment=demo cluster=remote

Each stage prints `stage <name>: <seconds> s`; the run ends with where every output is, and writes
`<output_root>/demo_summary.json`.
"""
from __future__ import annotations

import time
from pathlib import Path

import _entry  # noqa: F401  (sets the offline environment before Ray starts)
import hydra

from recruit_core.config import RecruitConfig, to_plain
from recruit_core.io import write_json_atomic
from recruit_core.ray_env import connect


def _stages() -> list[tuple[str, object]]:
    import generate
    return [("generate", generate.run)]


def run(cfg: RecruitConfig) -> dict:
    connect(cfg.cluster)
    results, timings = {}, {}
    for name, stage in _stages():
        started = time.perf_counter()
        results[name] = stage(cfg)
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
