"""Run a training sweep's trials side by side as Ray tasks; the summary table as `train.py -m` writes.

    python ray_jobs/sweep.py experiment=smoke train.lr=1e-4,1e-3          # 2 trials on local Ray
    recruit sweep train.lr=2e-5,5e-5 train.epochs=1,2 train.sweep_dir=outputs/sweeps/lr
    ray job submit --working-dir . -- python ray_jobs/sweep.py cluster=remote \\
        train.storage_path=s3://bucket/train train.lr=2e-5,5e-5

Overrides are Hydra's, comma lists expanded into their cartesian product as `-m` does. The sweep:
recruit_core/train/sweep_ray.py.
"""
from __future__ import annotations

import sys

from ray_jobs import _entry


def trial_overrides(args: list[str]) -> list[list[str]]:
    """Each trial's overrides: Hydra's own expansion of `key=a,b` lists (its BasicSweeper)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser
    parsed = OverridesParser.create().parse_overrides([a for a in args if a not in ("-m", "--multirun")])
    return [trial for batch in BasicSweeper.split_arguments(parsed, None) for trial in batch]


def trials(args: list[str]):
    from recruit_core.train.sweep_ray import Trial
    return [Trial(number, overrides, _entry.compose_config(overrides))
            for number, overrides in enumerate(trial_overrides(args))]


def main(args: list[str] | None = None) -> dict:
    from recruit_core.train.sweep_ray import run_sweep
    try:
        planned = trials(sys.argv[1:] if args is None else args)
    except Exception as error:  # Hydra's parse and composition errors share no base class
        sys.exit(_entry.input_error("sweep", error))
    print(f"sweep: {len(planned)} trials, summary in {planned[0].cfg.train.sweep_dir}", flush=True)
    return _entry.print_result(run_sweep(planned))


if __name__ == "__main__":
    main()
