"""Shared by the entry points: the Hydra config location and the environment every job sets first."""
from __future__ import annotations

from pathlib import Path

from recruit_core import env

CONFIG_PATH = str(Path(__file__).resolve().parent.parent / "conf")

env.apply()


def print_result(result: dict) -> dict:
    """A job's result as aligned `key: value` lines, as every entry point ends."""
    width = max((len(key) for key in result), default=0)
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    return result
