"""The environment every process of the project runs with, set in one place.

    import recruit_core.env; recruit_core.env.apply()   # first thing, before transformers or Ray load

Entry points (`ray_jobs/_entry.py`), the tests (`tests/conftest.py`) and the benchmarks call `apply()`
before anything else; `recruit_core.ray_env` ships OFFLINE_ENV to every Ray worker and sets
LOCAL_RAY_ENV when it starts a local Ray. Values a user has already exported are kept.
Imports nothing but `os`: it must run before the libraries that read these variables at import time
(huggingface_hub reads HF_HUB_OFFLINE once, when it is first imported).
"""
from __future__ import annotations

import os
from typing import Mapping

# Nothing phones home: weights come from installed packages, never from a hub; no usage stats.
# Tokenizers' own thread pool fights the actors' torch threads for the same cores, so it stays off.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RAY_USAGE_STATS_ENABLED": "0",
               "TOKENIZERS_PARALLELISM": "false"}

# Local Ray listens on 127.0.0.1 only and runs without token auth; a cluster keeps its own setting
# (cluster.yaml turns token auth on), so this is never shipped to workers or set for remote runs.
LOCAL_RAY_ENV = {"RAY_AUTH_MODE": "disabled"}

# `recruit -v` or RECRUIT_VERBOSE=1: every library's logs as it prints them. Otherwise a run prints
# its stages, Ray Data's progress bars and its results. Left out: the lines of Ray's C++ core
# (`core_worker.cc:... E ...`, error level for things Ray recovers from itself), transformers'
# weight-loading report and progress bars. Ray's worker output is kept from the console too
# (recruit_core.ray_env); it stays in /tmp/ray/session_latest/logs.
VERBOSE_ENV = "RECRUIT_VERBOSE"
QUIET_ENV = {"RAY_BACKEND_LOG_LEVEL": "fatal", "TRANSFORMERS_VERBOSITY": "error",
             "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


# Where an object store is (s3:// and gs:// paths; recruit_core/storage.py), shipped to Ray workers
# when set on the driver, so a task reads the bucket the driver listed. Credentials are not shipped:
# runtime_env values are visible in Ray's dashboard and state API; nodes use their own (instance
# role, workload identity, or the variables exported on each node).
OBJECT_STORE_ENV_KEYS = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION",
                         "AWS_EC2_METADATA_DISABLED")


def object_store_env() -> dict[str, str]:
    """The OBJECT_STORE_ENV_KEYS set in this process, for Ray's runtime_env."""
    return {key: os.environ[key] for key in OBJECT_STORE_ENV_KEYS if os.environ.get(key)}


def verbose() -> bool:
    """Whether the user asked for Ray's own logs (`recruit -v`, RECRUIT_VERBOSE=1)."""
    return os.environ.get(VERBOSE_ENV, "0") not in ("", "0", "false")


def apply(extra: Mapping[str, str] | None = None) -> None:
    """Set OFFLINE_ENV, QUIET_ENV unless verbose, and `extra` in this process and the processes it
    starts, keeping any value already set."""
    quiet = {} if verbose() else QUIET_ENV
    for key, value in {**OFFLINE_ENV, **quiet, **(extra or {})}.items():
        os.environ.setdefault(key, value)
