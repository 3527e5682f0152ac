"""Say where you run: `cluster=remote` joins only the configured cluster and says which, and a GPU
setting without a usable GPU stops the job before any work, naming the setting. Ray and torch are
faked: these run in a second, without a cluster or a GPU."""
from __future__ import annotations

import pytest
from conftest import compose_config

from recruit_core import ray_env
from recruit_core.cluster_checks import ClusterMismatchError, GpuUnavailableError


class FakeRay:
    """What `connect` asks Ray, answered from a few fields; records whether Ray was started."""

    def __init__(self, monkeypatch, resources: dict, joined: str = "10.0.0.5:6379", alive: int = 3):
        self.resources, self.joined, self.alive = resources, joined, alive
        self.init_address, self.shut_down = None, False
        for name in ("is_initialized", "init", "shutdown", "cluster_resources", "nodes"):
            monkeypatch.setattr(ray_env.ray, name, getattr(self, name))
        monkeypatch.setattr(ray_env, "_joined_address", lambda: self.joined)

    def is_initialized(self):
        return False

    def init(self, address=None, **_):
        self.init_address = address or "local"

    def shutdown(self):
        self.shut_down = True

    def cluster_resources(self):
        return self.resources

    def nodes(self):
        return [{"Alive": True}] * self.alive + [{"Alive": False}]


def _cluster(*overrides: str):
    return compose_config(["experiment=smoke", *overrides]).cluster


@pytest.fixture
def no_ray_address(monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def test_remote_prints_the_cluster_it_joined(monkeypatch, capsys, no_ray_address):
    fake = FakeRay(monkeypatch, {"CPU": 24.0, "GPU": 2.0})
    ray_env.connect(_cluster("cluster=remote", "cluster.address=10.0.0.5:6379"))
    assert fake.init_address == "10.0.0.5:6379"
    assert ("joined Ray cluster at 10.0.0.5:6379: 3 alive nodes, 24 CPUs, 2 GPUs"
            in capsys.readouterr().out)


def test_remote_takes_the_address_ray_job_submit_sets(monkeypatch, capsys):
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    fake = FakeRay(monkeypatch, {"CPU": 8.0})
    ray_env.connect(_cluster("cluster=remote"))
    assert fake.init_address == "10.0.0.5:6379" and "10.0.0.5:6379" in capsys.readouterr().out


@pytest.mark.parametrize("overrides, env, says", [
    ([], None, "cluster=remote needs the cluster's address"),
    (["cluster.address=auto"], None, "cluster.address=auto"),
    ([], "auto", "joins whichever Ray runs on this machine"),
    (["cluster.address=http://10.0.0.5:8265"], None, "ray job submit"),
    (["cluster.address=10.0.0.5:6379"], "10.0.0.9:6379", "two different clusters"),
])
def test_remote_without_an_explicit_address_is_refused_before_joining(monkeypatch, overrides, env, says):
    if env is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", env)
    fake = FakeRay(monkeypatch, {"CPU": 8.0})
    with pytest.raises(ClusterMismatchError, match=says):
        ray_env.connect(_cluster("cluster=remote", *overrides))
    assert fake.init_address is None  # never joined anything


def test_remote_leaves_a_cluster_that_is_not_the_configured_one(monkeypatch, capsys, no_ray_address):
    fake = FakeRay(monkeypatch, {"CPU": 2.0}, joined="127.0.0.1:6380")
    with pytest.raises(ClusterMismatchError, match="ray.init joined 127.0.0.1:6380"):
        ray_env.connect(_cluster("cluster=remote", "cluster.address=10.0.0.5:6379"))
    assert fake.shut_down and "joined Ray cluster" not in capsys.readouterr().out


def test_local_gpu_setting_without_cuda_fails_before_ray_starts(monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    fake = FakeRay(monkeypatch, {"CPU": 2.0, "GPU": 1.0})
    with pytest.raises(GpuUnavailableError, match=r"score.num_gpus=1 asks for a GPU.*score.num_gpus=0"):
        ray_env.connect(_cluster(), gpus={"score.num_gpus": 1.0})
    assert fake.init_address is None


@pytest.mark.parametrize("mode", ["local", "remote"])
def test_gpu_setting_on_a_cluster_without_gpus_names_the_key(monkeypatch, no_ray_address, mode):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # torch could, Ray has none
    FakeRay(monkeypatch, {"CPU": 16.0})
    cluster = _cluster(f"cluster={mode}", *(["cluster.address=10.0.0.5:6379"] if mode == "remote" else []))
    with pytest.raises(GpuUnavailableError, match=r"match.num_gpus=0.5 .* has 0 GPUs"):
        ray_env.connect(cluster, gpus={"match.num_gpus": 0.5, "score.num_gpus": 0.0})


class FakeProbe:
    """`_cuda_on_worker` as a GPU worker would answer it: (node, cuda available, torch, CUDA)."""

    def __init__(self, monkeypatch, answer):
        self.answer, self.num_gpus = answer, None
        monkeypatch.setattr(ray_env, "_cuda_on_worker", self)
        monkeypatch.setattr(ray_env.ray, "get", self.get)
        monkeypatch.setattr(ray_env.ray, "cancel", lambda ref: None)

    def options(self, num_gpus):
        self.num_gpus = num_gpus
        return self

    def remote(self):
        return "probe"

    def get(self, ref, timeout=None):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_remote_gpu_node_whose_torch_cannot_use_it_names_the_key(monkeypatch, no_ray_address):
    FakeRay(monkeypatch, {"CPU": 16.0, "GPU": 1.0})
    probe = FakeProbe(monkeypatch, ("10.0.0.7", False, "2.13.0+cpu", None))
    with pytest.raises(GpuUnavailableError, match=r"train.use_gpu=1 .*CPU-only build.*10.0.0.7"):
        ray_env.connect(_cluster("cluster=remote", "cluster.address=10.0.0.5:6379"),
                        gpus={"train.use_gpu": 1.0})
    assert probe.num_gpus == 1.0  # asked on a node that has the GPU the job would get


def test_remote_gpu_node_with_cuda_passes_and_busy_gpus_only_warn(monkeypatch, no_ray_address, caplog):
    import ray
    FakeRay(monkeypatch, {"CPU": 16.0, "GPU": 4.0})
    cluster = _cluster("cluster=remote", "cluster.address=10.0.0.5:6379")
    FakeProbe(monkeypatch, ("10.0.0.7", True, "2.13.0+cu128", "12.8"))
    assert ray_env.connect(cluster, gpus={"score.num_gpus": 1.0})["GPU"] == 4.0
    FakeProbe(monkeypatch, ray.exceptions.GetTimeoutError("busy"))
    assert ray_env.connect(cluster, gpus={"score.num_gpus": 1.0})["GPU"] == 4.0
    assert "no GPU was free" in caplog.text


def test_cpu_runs_do_not_ask_for_a_gpu(monkeypatch, no_ray_address):
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    fake = FakeRay(monkeypatch, {"CPU": 2.0})
    assert ray_env.connect(_cluster(), gpus={"score.num_gpus": 0.0}) == {"CPU": 2.0}
    assert fake.init_address == "local"
