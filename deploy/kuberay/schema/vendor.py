"""Extract the v1 `openAPIV3Schema` of KubeRay's RayCluster and RayJob CRDs into small JSON files.

    git -C <kuberay checkout> show <commit>:ray-operator/config/crd/bases/ray.io_rayclusters.yaml \
        | python deploy/kuberay/schema/vendor.py > deploy/kuberay/schema/raycluster.json

`description` texts are dropped (about two thirds of the bytes; validation never reads them);
every other keyword, the `x-kubernetes-*` ones included, is kept as KubeRay wrote it.
"""
from __future__ import annotations

import json
import sys

import yaml


def without_descriptions(schema):
    """The schema minus its `description` keywords; a property that is itself named
    `description` (a key of a `properties` map) is kept."""
    if isinstance(schema, list):
        return [without_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept = {}
    for key, value in schema.items():
        if key == "description" and isinstance(value, str):
            continue
        if key == "properties":
            kept[key] = {name: without_descriptions(sub) for name, sub in value.items()}
        else:
            kept[key] = without_descriptions(value)
    return kept


def v1_schema(crd: dict) -> dict:
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return without_descriptions(version["schema"]["openAPIV3Schema"])


if __name__ == "__main__":
    json.dump(v1_schema(yaml.safe_load(sys.stdin)), sys.stdout, sort_keys=True, separators=(",", ":"))
    sys.stdout.write("\n")
