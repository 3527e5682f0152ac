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

# How long an idle worker beyond cluster.idle_workers lives before Ray ends it.
IDLE_WORKER_KEEP_MS = 60_000


def connect(cluster: ClusterConfig, trains: bool = False) -> dict:
    """Start or join Ray once per process and return its resources. A local Ray starts the
    dashboard when cluster.include_dashboard says so, or, left unset, when the job `trains`."""
    for key, value in WORKER_ENV.items():
        os.environ.setdefault(key, value)
    if not ray.is_initialized():
        runtime_env = {"env_vars": dict(WORKER_ENV)}
        if cluster.mode == "local":
            dashboard = trains if cluster.include_dashboard is None else cluster.include_dashboard
            system = {"num_workers_soft_limit": cluster.idle_workers,
                      "idle_worker_killing_time_threshold_ms": IDLE_WORKER_KEEP_MS}
            ray.init(num_cpus=cluster.num_cpus, include_dashboard=dashboard, _system_config=system,
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
