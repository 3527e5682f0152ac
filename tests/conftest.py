"""Shared test fixtures: Hydra configs composed like the entry points do, and one local 2-CPU Ray."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from recruit_core import env  # noqa: E402

# Tests start local Ray in subprocesses too, which inherit this environment.
env.apply(env.LOCAL_RAY_ENV)

# the S3-API server fixtures (object_store, ray_with_endpoint), for every module that uses s3://
from objstore_server import object_store, ray_with_endpoint  # noqa: E402,F401

from ray_jobs._entry import compose_config  # noqa: E402,F401  (the entry points' own composition)
from recruit_core.config import RecruitConfig  # noqa: E402


@pytest.fixture
def smoke_config(tmp_path):
    """experiment=smoke with every output under tmp_path and a unique training run name."""
    def build(*extra: str) -> RecruitConfig:
        return compose_config(["experiment=smoke", f"output_root={tmp_path}",
                               f"train.run_name=test-{uuid.uuid4().hex[:8]}", *extra])
    return build


@pytest.fixture(scope="session")
def ray_local():
    """One local Ray for the session: 2 CPUs on 127.0.0.1, no dashboard."""
    import ray

    from recruit_core.config import ClusterConfig
    from recruit_core.ray_env import connect
    connect(ClusterConfig(mode="local", num_cpus=2, include_dashboard=False))
    yield ray
    ray.shutdown()


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RECRUIT_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with `make test-all` (RECRUIT_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
