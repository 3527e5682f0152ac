"""Which Ray cluster a job joins, and whether the GPUs it asks for are there: checks without Ray.

`recruit_core/ray_env.py` calls these around `ray.init`; `python -m pytest -q tests/test_cluster_checks.py`
runs their tests. Two silent failures they turn into errors before any resume is read:

- `cluster=remote` with `ray.init(address="auto")` joins whatever Ray runs on this machine, e.g.
  another job's `ray start --head`; so a remote run needs an explicit address (`cluster.address`, or
  RAY_ADDRESS, which `ray job submit` sets to the cluster's GCS address for the job it starts), and
  the cluster it joined must be that one.
- `score.num_gpus=1` on a machine without a GPU either waits forever for a GPU Ray does not have,
  or, where Ray counts a GPU that torch cannot use (a CPU build of torch), runs on the CPU.
"""
from __future__ import annotations

import socket
from typing import Mapping


class ClusterMismatchError(RuntimeError):
    """The Ray cluster joined (or about to be) is not the one the config names."""


class GpuUnavailableError(RuntimeError):
    """A setting asks for a GPU that the cluster, or torch on it, does not have."""


def remote_address(configured: str, from_env: str | None) -> str:
    """The GCS address (host:port) a `cluster=remote` run joins: `cluster.address` or RAY_ADDRESS,
    which must agree when both are set; 'auto', a dashboard URL or neither is refused."""
    from_env = (from_env or "").strip()
    configured = configured.strip()
    if configured and from_env and not same_address(configured, from_env):
        raise ClusterMismatchError(
            f"cluster.address={configured} but RAY_ADDRESS={from_env}: two different clusters. "
            "Unset RAY_ADDRESS, or set cluster.address to the cluster this job should run on")
    address = configured or from_env
    if not address:
        raise ClusterMismatchError(
            "cluster=remote needs the cluster's address: set cluster.address=<head-ip>:6379, or "
            "submit the job with `ray job submit` (which sets RAY_ADDRESS for it)")
    if address == "auto":
        raise ClusterMismatchError(
            "cluster.address=auto (or RAY_ADDRESS=auto) joins whichever Ray runs on this machine, "
            "possibly another job's: give the head's address, cluster.address=<head-ip>:6379")
    if "://" in address:
        raise ClusterMismatchError(
            f"cluster address {address}: give the head's GCS address <host>:6379. A dashboard URL "
            "(http://...:8265) is for `ray job submit`, which then sets RAY_ADDRESS for the job; "
            "Ray Client (ray://) is not supported")
    return address


def _split(address: str) -> tuple[str, str]:
    host, _, port = address.strip().rpartition(":")
    return host.strip("[]"), port


def _addresses(host: str) -> set[str]:
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return {host}


def same_address(a: str, b: str) -> bool:
    """Whether two host:port addresses name the same endpoint (host names resolved)."""
    (host_a, port_a), (host_b, port_b) = _split(a), _split(b)
    return port_a == port_b and (host_a == host_b or bool(_addresses(host_a) & _addresses(host_b)))


def check_joined(configured: str, joined: str) -> None:
    if not same_address(configured, joined):
        raise ClusterMismatchError(
            f"asked to join the Ray cluster at {configured}, but ray.init joined {joined}: refusing "
            f"to run on a cluster that is not the configured one. Set cluster.address={joined} if "
            "that is the cluster meant")


def describe(address: str, alive_nodes: int, resources: Mapping[str, float]) -> str:
    """One line saying where the job runs."""
    return (f"joined Ray cluster at {address}: {alive_nodes} alive nodes, "
            f"{resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs")


def wanted_gpus(settings: Mapping[str, float]) -> dict[str, float]:
    """The settings among `settings` (config key -> GPUs per actor or worker) that ask for a GPU."""
    return {key: value for key, value in settings.items() if value > 0}


def check_cluster_gpus(wanted: Mapping[str, float], resources: Mapping[str, float], where: str) -> None:
    """Every GPU setting fits what the cluster counts, or an error naming the key."""
    have = resources.get("GPU", 0)
    for key, value in wanted.items():
        if have < value:
            raise GpuUnavailableError(
                f"{key}={value:g} asks for a GPU per actor or worker, but {where} has {have:g} GPUs "
                f"({resources.get('CPU', 0):g} CPUs): set {key}=0 to run on the CPU, or run where "
                "GPU nodes are up (with an autoscaler: keep at least one GPU worker, min_workers >= 1)")


def check_cuda(wanted: Mapping[str, float], cuda_available: bool, torch_version: str,
               cuda_version: str | None, where: str) -> None:
    """torch can use the GPU Ray counts, or an error naming the key: a CPU build of torch, or a
    missing driver, would otherwise run every actor on the CPU."""
    if wanted and not cuda_available:
        key, value = next(iter(wanted.items()))
        build = f"built for CUDA {cuda_version}" if cuda_version else "a CPU-only build"
        raise GpuUnavailableError(
            f"{key}={value:g} asks for a GPU, but torch {torch_version} ({build}) cannot use one "
            f"{where}: install the CUDA build of torch (README: Running on a cluster) or check the "
            f"NVIDIA driver, or set {key}=0 to run on the CPU")
