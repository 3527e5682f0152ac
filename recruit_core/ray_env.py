"""Connecting to Ray the same way from every job: in-process local Ray on 127.0.0.1, or a cluster.

Local runs bind to 127.0.0.1 (the dashboard too, when cluster.include_dashboard); remote runs join RAY_ADDRESS
(what `ray job submit` sets). Both ship the same environment to workers: no model hub, no usage stats.
"""
from __future__ import annotations

import os

import ray
from ray.data import DataContext

from recruit_core.config import ClusterConfig

# Nothing phones home: weights come from installed packages, never from a hub.
# Ray Train's print patch sends workers' print() through a logger that echoes it a second time.
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RAY_USAGE_STATS_ENABLED": "0",
              "TOKENIZERS_PARALLELISM": "false", "RAY_TRAIN_ENABLE_PRINT_PATCH": "0"}


def connect(cluster: ClusterConfig) -> dict:
    """Start or join Ray once per process and return its resources."""
    for key, value in WORKER_ENV.items():
        os.environ.setdefault(key, value)
    if not ray.is_initialized():
        runtime_env = {"env_vars": dict(WORKER_ENV)}
        if cluster.mode == "local":
            ray.init(num_cpus=cluster.num_cpus, include_dashboard=cluster.include_dashboard,
                     _node_ip_address="127.0.0.1", runtime_env=runtime_env,
                     configure_logging=True, logging_level="WARNING", log_to_driver=True)
        else:
            address = os.environ.get("RAY_ADDRESS") or cluster.address or "auto"
            ray.init(address=address, runtime_env=runtime_env, logging_level="WARNING")
    ctx = DataContext.get_current()
    ctx.enable_progress_bars = os.environ.get("RECRUIT_PROGRESS", "0") == "1"
    return ray.cluster_resources()


def set_block_size(megabytes: int) -> None:
    """Small blocks so a small input still spreads over every actor of a pool."""
    DataContext.get_current().target_max_block_size = megabytes * 1024 * 1024
