"""Shared by the entry points: the Hydra config location and the environment every job sets first."""
from __future__ import annotations

import os
from pathlib import Path

CONFIG_PATH = str(Path(__file__).resolve().parent.parent / "conf")

for _key, _value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                     ("RAY_USAGE_STATS_ENABLED", "0"), ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_key, _value)


def print_result(result: dict) -> dict:
    """A job's result as aligned `key: value` lines, as every entry point ends."""
    width = max((len(key) for key in result), default=0)
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    return result
