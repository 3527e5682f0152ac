"""What every entry point shares: the offline environment, the Hydra configs, and `main_for`.

    main = _entry.main_for(run)          # ray_jobs/<verb>.py: parse -> convert -> run -> print

The schema (`recruit_core.config.RecruitConfig`) is registered with Hydra here, where the entry
points start, so the rest of the package never imports Hydra. Hydra's DictConfig is converted to
the typed dataclass before any job sees it: resolvers such as `${hydra:...}` fail on Ray workers.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from recruit_core import env

env.apply()

from hydra import compose, initialize_config_dir, main  # noqa: E402
from hydra.core.config_store import ConfigStore  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from recruit_core.config import RecruitConfig, reject_unknown_keys  # noqa: E402


def config_dir() -> Path:
    """`ray_jobs/conf` in an installed wheel (the build copies it there, see `_build.py`); the
    repository's top-level `conf/` in a checkout or an editable install."""
    packaged = Path(__file__).resolve().parent / "conf"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "conf"


CONFIG_PATH = str(config_dir())
# `conf/config.yaml` names the schema in its defaults list
ConfigStore.instance().store(name="recruit_schema", node=RecruitConfig)


def to_plain(cfg: DictConfig | RecruitConfig) -> RecruitConfig:
    """Resolve interpolations and return the typed dataclass (runs `__post_init__` checks)."""
    if isinstance(cfg, RecruitConfig):
        return cfg
    values = OmegaConf.to_container(cfg, resolve=True)
    values.pop("hydra", None)
    reject_unknown_keys(values)
    return OmegaConf.to_object(cfg)  # type: ignore[return-value]


def compose_config(overrides: list[str] | None = None, config_name: str = "config") -> RecruitConfig:
    """The config an entry point gets for these command-line overrides, typed and checked."""
    with initialize_config_dir(config_dir=CONFIG_PATH, version_base="1.3"):
        return to_plain(compose(config_name=config_name, overrides=overrides or []))


def print_result(result: dict) -> dict:
    """A job's result as aligned `key: value` lines, as every entry point ends."""
    width = max((len(key) for key in result), default=0)
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    return result


# A wrong path is the user's to fix (exit 2, one line); anything else is the job failing (exit 1,
# with Hydra's traceback).
INPUT_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
USAGE_EXIT = 2


def input_error(job: str, error: Exception) -> int:
    """Print `recruit <job>: <what is wrong>` and return the usage exit code."""
    print(f"recruit {job}: {error}", file=sys.stderr)
    return USAGE_EXIT


def main_for(run: Callable[[RecruitConfig], dict],
             show: Callable[[dict], dict] = print_result) -> Callable[[], None]:
    """The Hydra app of one job: `run` on the converted config, its result shown by `show`.
    Exit codes: 0 done; 2 a command line Hydra refuses, a setting out of range or a missing
    input (one line, no traceback); 1 the job failed."""
    job = Path(sys._getframe(1).f_code.co_filename).stem
    started = []

    def task(cfg: DictConfig) -> dict:
        started.append(job)
        try:
            plain = to_plain(cfg)
        except ValueError as error:  # checked settings: unknown key, out of range, bad choice
            sys.exit(input_error(job, error))
        try:
            return show(run(plain))
        except INPUT_ERRORS as error:
            sys.exit(input_error(job, error))

    task.__module__ = f"ray_jobs.{job}"  # Hydra names the job (hydra.job.name, its log) after it
    app = main(config_path=CONFIG_PATH, config_name="config", version_base="1.3")(task)

    def entry() -> None:
        try:
            app()
        except SystemExit as done:
            # Hydra exits 1 on an override it cannot parse or apply, before the job starts
            if done.code == 1 and not started:
                raise SystemExit(USAGE_EXIT) from None
            raise
    return entry


def sweep_point():
    """This run's place in a `-m` sweep (`recruit_core.train.report.SweepPoint`); None otherwise."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from recruit_core.train.report import SweepPoint
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode != RunMode.MULTIRUN:
        return None
    return SweepPoint(hydra_cfg.job.num, hydra_cfg.job.override_dirname,
                      dict(o.split("=", 1) for o in hydra_cfg.overrides.task if "=" in o),
                      Path(hydra_cfg.sweep.dir))
