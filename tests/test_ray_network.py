"""Local Ray is reachable from this machine only, and a slow start fails with advice, not a riddle."""
from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys

import psutil
import pytest
from conftest import ROOT, compose_config

from recruit_core import ray_env
from recruit_core.config import ClusterConfig

# Run in a fresh process: one Ray per process, and the session's Ray has no dashboard.
DASHBOARD_RUN = """
import json, sys
sys.path.insert(0, {tests!r})
import ray
from recruit_core.config import ClusterConfig
from recruit_core.ray_env import connect
from test_ray_network import exposed_sockets, run_tasks
connect(ClusterConfig(mode="local", num_cpus=2, include_dashboard=True))
run_tasks(ray)
print("EXPOSED " + json.dumps(exposed_sockets()))
ray.shutdown()
"""


def is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%")[0])
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 accepts IPv4 loopback only
    return (mapped or address).is_loopback


def open_sockets() -> list[dict]:
    """TCP sockets listening, and UDP sockets bound, in this process and every process it started."""
    me = psutil.Process()
    found = []
    for process in [me, *me.children(recursive=True)]:
        try:
            name, connections = process.name(), process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue  # an idle worker that Ray ended meanwhile
        for c in connections:
            if c.status == psutil.CONN_LISTEN or (c.type == socket.SOCK_DGRAM and not c.raddr):
                found.append({"pid": process.pid, "process": name, "ip": c.laddr.ip,
                              "port": c.laddr.port})
    return found


def exposed_sockets() -> list[dict]:
    return [s for s in open_sockets() if not is_loopback(s["ip"])]


def run_tasks(ray) -> None:
    """Tasks on both CPUs, so that worker processes, with their gRPC servers, exist."""
    @ray.remote
    def whose_pid(_):
        return os.getpid()
    assert ray.get([whose_pid.remote(i) for i in range(4)])


@pytest.mark.ray
def test_local_ray_listens_on_loopback_only(ray_local):
    run_tasks(ray_local)
    sockets = open_sockets()
    assert len({s["pid"] for s in sockets}) >= 4  # driver, GCS, raylet, workers: the check looked
    assert exposed_sockets() == [], json.dumps(sockets, indent=1)


@pytest.mark.ray
def test_local_ray_with_dashboard_listens_on_loopback_only():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", DASHBOARD_RUN.format(tests=str(ROOT / "tests"))],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("EXPOSED "))
    assert json.loads(line.removeprefix("EXPOSED ")) == []


def test_local_start_that_times_out_says_which_setting_to_raise(monkeypatch):
    def slow_start(**_):
        raise Exception("The current node timed out during startup. This could happen because "
                        "some of the raylet failed to startup or the GCS has become overloaded.")
    monkeypatch.setattr(ray_env.ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray_env.ray, "init", slow_start)
    with pytest.raises(ray_env.RayStartTimeout) as failure:
        ray_env.connect(ClusterConfig(mode="local", num_cpus=2, start_timeout_s=45))
    message = str(failure.value)
    assert "cluster.start_timeout_s=45" in message and "cluster.start_timeout_s=120" in message
    assert "load average" in message and "timed out during startup" in message


def test_other_start_failures_pass_through_unchanged(monkeypatch):
    def broken_start(**_):
        raise ValueError("num_cpus must be a non-negative integer")
    monkeypatch.setattr(ray_env.ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray_env.ray, "init", broken_start)
    with pytest.raises(ValueError, match="num_cpus"):
        ray_env.connect(ClusterConfig(mode="local", num_cpus=2))


def test_registration_wait_lasts_until_the_deadline(monkeypatch):
    """Ray's own loop gives up 30 s after the first poll; each poll now waits for the deadline."""
    answers = iter([RuntimeError("node not found")] * 3 + [{"node_id": "n1"}])

    def get_node(gcs_address, node_id):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    monkeypatch.setattr(ray_env.ray_services, "get_node", get_node)
    monkeypatch.setattr(ray_env, "REGISTRATION_POLL_S", 0.01)
    with ray_env._startup_wait(60):
        assert ray_env.ray_services.get_node("127.0.0.1:1", "n1") == {"node_id": "n1"}
        assert os.environ[ray_env.GCS_PORT_WAIT_ENV] == "60"
    assert ray_env.ray_services.get_node is get_node


def test_registration_wait_gives_up_at_the_deadline(monkeypatch):
    def never_registered(gcs_address, node_id):
        raise RuntimeError("node not found")
    monkeypatch.setattr(ray_env.ray_services, "get_node", never_registered)
    monkeypatch.setattr(ray_env, "REGISTRATION_POLL_S", 0.01)
    with ray_env._startup_wait(0.05), pytest.raises(RuntimeError, match="node not found"):
        ray_env.ray_services.get_node("127.0.0.1:1", "n1")


def test_start_timeout_must_be_positive():
    with pytest.raises(ValueError, match="cluster.start_timeout_s=0"):
        compose_config(["cluster.start_timeout_s=0"])
