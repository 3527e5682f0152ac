"""Connecting to Ray the same way from every job: in-process local Ray on 127.0.0.1, or a cluster.

Local runs listen on 127.0.0.1 only; remote runs join the cluster named by `cluster.address` or
RAY_ADDRESS (what `ray job submit` sets), never `auto`, print which cluster they joined, and refuse
another (recruit_core/cluster_checks.py). Both ship the same environment to workers: no model hub,
no usage stats, and the object store's endpoint and region when set (env.object_store_env).
A job asking for GPUs (`gpus=`) fails here, before any work, when there are none.

Why local Ray needs help to stay on 127.0.0.1 (Ray 2.60; paths under site-packages/ray/). Every
component picks its listening address from the node's IP: the GCS, the raylet (node manager, object
manager) and each worker's gRPC server bind to 127.0.0.1 when that IP is loopback and to all
interfaces (`::`) otherwise; so do the dashboard agent, its metrics export, the runtime-env agent and
the metrics servers of the autoscaler monitor and the dashboard (`autoscaler/_private/monitor.py:205`,
`dashboard/head.py:361`). But `ray.init(_node_ip_address="127.0.0.1")` swaps loopback for the
machine's network address (`_private/worker.py:1844` -> `services.resolve_ip_for_localhost`, which
keeps loopback only when `ray_constants.ENABLE_RAY_CLUSTER` is off: `_private/services.py:815`).
So `connect` starts local Ray in Ray's single-machine mode, the one it uses on macOS and Windows
(`RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`), and the node's IP stays 127.0.0.1. With it every listening
socket of the driver and of the processes Ray starts is on loopback, the dashboard's included
(tests/test_ray_network.py checks this).

Start-up wait: Ray gives the raylet a fixed 30 s to register with the GCS (`raylet_start_wait_time_s
= 30`, a local variable in `_private/node.py:428`; no setting reaches it). On a loaded 2-core machine
about 1 start in 5 ran past it, so `connect` lets that wait, and the wait for the GCS's port
(`RAY_gcs_server_port_wait_time_s`), last `cluster.start_timeout_s`.
"""
from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from contextlib import contextmanager
from typing import Iterator, Mapping

import ray
import ray._private.ray_constants as ray_constants
import ray._private.services as ray_services
from ray.data import DataContext

from recruit_core import cluster_checks, env
from recruit_core.config import ClusterConfig

log = logging.getLogger(__name__)

# Workers run offline like the driver (recruit_core.env). Ray Train's print patch sends workers'
# print() through a logger that echoes it a second time.
WORKER_ENV = {**env.OFFLINE_ENV, "RAY_TRAIN_ENABLE_PRINT_PATCH": "0"}

# How long an idle worker beyond cluster.idle_workers lives before Ray ends it.
IDLE_WORKER_KEEP_MS = 60_000

# Off: Ray's single-machine mode. The processes Ray starts read it when they import Ray.
SINGLE_MACHINE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
GCS_PORT_WAIT_ENV = "RAY_gcs_server_port_wait_time_s"
REGISTRATION_POLL_S = 0.5  # Ray itself asks the GCS in a tight loop, adding load to a loaded start


class RayStartTimeout(RuntimeError):
    """Local Ray did not come up within cluster.start_timeout_s."""


def connect(cluster: ClusterConfig, trains: bool = False,
            gpus: Mapping[str, float] | None = None) -> dict:
    """Start or join Ray once per process and return its resources. A local Ray starts the
    dashboard when cluster.include_dashboard says so, or, left unset, when the job `trains`.
    `gpus` maps the job's GPU settings to their values (`{"score.num_gpus": 1}`): any above 0
    must find GPUs that torch can use, or the job stops here naming the setting."""
    env.apply(WORKER_ENV)
    wanted = cluster_checks.wanted_gpus(gpus or {})
    if wanted and cluster.mode == "local":
        _check_local_cuda(wanted)  # before Ray starts: the error comes before Ray's start-up wait
    if not ray.is_initialized():
        runtime_env = {"env_vars": {**WORKER_ENV, **env.object_store_env()}}
        if cluster.mode == "local":
            _start_local(cluster, trains, runtime_env)
        else:
            _join(cluster, runtime_env)
    quiet_ray_data()
    resources = ray.cluster_resources()
    if wanted:
        where = "local Ray" if cluster.mode == "local" else f"the cluster at {_joined_address()}"
        cluster_checks.check_cluster_gpus(wanted, resources, where)
        if cluster.mode != "local":
            _check_worker_cuda(wanted, cluster.start_timeout_s)
    return resources


def _join(cluster: ClusterConfig, runtime_env: dict) -> None:
    """Join the configured cluster, say which one, and leave it again if it is another."""
    address = cluster_checks.remote_address(cluster.address, os.environ.get("RAY_ADDRESS"))
    ray.init(address=address, runtime_env=runtime_env, logging_level="WARNING",
             log_to_driver=env.verbose())
    joined = _joined_address()
    try:
        cluster_checks.check_joined(address, joined)
    except cluster_checks.ClusterMismatchError:
        ray.shutdown()
        raise
    alive = sum(1 for node in ray.nodes() if node.get("Alive"))
    print(cluster_checks.describe(joined, alive, ray.cluster_resources()), flush=True)


def _joined_address() -> str:
    return ray.get_runtime_context().gcs_address


def _check_local_cuda(wanted: Mapping[str, float]) -> None:
    import torch
    cluster_checks.check_cuda(wanted, torch.cuda.is_available(), torch.__version__,
                              torch.version.cuda, "on this machine")


@ray.remote(num_cpus=0)
def _cuda_on_worker() -> tuple[str, bool, str, str | None]:
    import torch
    return (ray.util.get_node_ip_address(), torch.cuda.is_available(), torch.__version__,
            torch.version.cuda)


def _check_worker_cuda(wanted: Mapping[str, float], timeout_s: float) -> None:
    """Ask one GPU worker whether torch sees its GPU; GPUs all taken for `timeout_s` is not a
    reason to stop, so that only warns."""
    probe = _cuda_on_worker.options(num_gpus=min(wanted.values())).remote()
    try:
        node, available, torch_version, cuda_version = ray.get(probe, timeout=timeout_s)
    except ray.exceptions.GetTimeoutError:
        ray.cancel(probe)
        log.warning("no GPU was free within %.0f s to check that torch can use it; going on",
                    timeout_s)
        return
    cluster_checks.check_cuda(wanted, available, torch_version, cuda_version, f"on node {node}")


def quiet_ray_data() -> None:
    """Ray Data's progress bars on a terminal (RECRUIT_PROGRESS=1 or 0 forces them on or off): a
    log file or a test report would get every redraw as a line. Its plan and "execution finished"
    lines (INFO, several per dataset), its "Progress bars disabled. To enable, set
    `ray.data.DataContext...`" advice and its sizing UserWarnings (e.g. an actor pool smaller than
    the blocks), which a command-line user cannot act on, only when verbose."""
    forced = os.environ.get("RECRUIT_PROGRESS", "")
    bars = forced == "1" if forced in ("0", "1") else sys.stderr.isatty()
    DataContext.get_current().enable_progress_bars = bars
    if not env.verbose():
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data\.")


def _start_local(cluster: ClusterConfig, trains: bool, runtime_env: dict) -> None:
    env.apply(env.LOCAL_RAY_ENV)  # read by ray.init and inherited by the processes it starts
    dashboard = trains if cluster.include_dashboard is None else cluster.include_dashboard
    system = {"num_workers_soft_limit": cluster.idle_workers,
              "idle_worker_killing_time_threshold_ms": IDLE_WORKER_KEEP_MS}
    started = time.monotonic()
    try:
        with _single_machine_mode(), _startup_wait(cluster.start_timeout_s):
            # address="local": without it ray.init joins any cluster `ray start` left on this
            # machine (/tmp/ray/ray_current_cluster), and fails there on num_cpus
            ray.init(address="local", num_cpus=cluster.num_cpus, include_dashboard=dashboard, _system_config=system,
                     _node_ip_address="127.0.0.1", runtime_env=runtime_env,
                     configure_logging=True, logging_level="WARNING", log_to_driver=env.verbose())
    except Exception as error:
        if "timed out" not in str(error).lower():
            raise
        raise start_timeout_error(cluster.start_timeout_s, time.monotonic() - started, error) from error


def start_timeout_error(limit_s: float, waited_s: float, error: Exception) -> RayStartTimeout:
    """What a user reads when local Ray does not start in time: what happened, what to do."""
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return RayStartTimeout(
        f"local Ray did not start within cluster.start_timeout_s={limit_s:g} (gave up after "
        f"{waited_s:.0f} s: {error}). The machine is probably overloaded (load average {load} on "
        f"{os.cpu_count()} CPUs): run fewer jobs at once, or give Ray longer to start, e.g. "
        f"cluster.start_timeout_s={max(2 * limit_s, 120):g}. Ray's own logs: "
        "/tmp/ray/session_latest/logs (raylet.out, gcs_server.out).")


@contextmanager
def _single_machine_mode() -> Iterator[None]:
    """While local Ray starts, keep the node's IP on loopback; restored after, so that joining a
    cluster later in the same process still finds the machine's address."""
    saved_flag, saved_env = ray_constants.ENABLE_RAY_CLUSTER, os.environ.get(SINGLE_MACHINE_ENV)
    ray_constants.ENABLE_RAY_CLUSTER = False  # read at import: the driver imported Ray already
    os.environ[SINGLE_MACHINE_ENV] = "0"
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_flag
        _restore_env(SINGLE_MACHINE_ENV, saved_env)


@contextmanager
def _startup_wait(seconds: float) -> Iterator[None]:
    """Give the GCS and the raylet `seconds` to come up instead of Ray's fixed 30 s.

    Ray polls `services.get_node` until the raylet has registered, and gives up after 30 s
    (`_private/node.py:428`); here each poll waits, asking every REGISTRATION_POLL_S, until the
    deadline. Ray's 30 s still applies below it: a shorter setting does not shorten the wait."""
    deadline = time.monotonic() + seconds
    ask_gcs, saved_env = ray_services.get_node, os.environ.get(GCS_PORT_WAIT_ENV)

    def get_node_by_deadline(gcs_address, node_id):
        while True:
            try:
                return ask_gcs(gcs_address, node_id)
            except RuntimeError:  # not registered yet: what Ray's own loop retries on
                if time.monotonic() >= deadline:
                    raise
                time.sleep(REGISTRATION_POLL_S)

    ray_services.get_node = get_node_by_deadline
    os.environ[GCS_PORT_WAIT_ENV] = str(max(1, round(seconds)))
    try:
        yield
    finally:
        ray_services.get_node = ask_gcs
        _restore_env(GCS_PORT_WAIT_ENV, saved_env)


def _restore_env(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


def set_block_size(megabytes: int) -> None:
    """Small blocks so a small input still spreads over every actor of a pool."""
    DataContext.get_current().target_max_block_size = megabytes * 1024 * 1024
