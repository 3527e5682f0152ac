"""An S3-API server for tests: moto's, on 127.0.0.1 in this process, with one bucket, and a local
Ray started after its endpoint is set. conftest.py imports the fixtures, so any test module can
ask for them (module scope: one server per module that does).

Because the server runs in the test process, a test can patch moto's backend (e.g.
`S3Backend.put_object`) to make the store fail mid-run, whichever process does the writing.
"""
from __future__ import annotations

import logging
import os
import uuid

import pytest

from recruit_core import storage

BUCKET = "recruit-pool"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


@pytest.fixture(scope="module")
def object_store():
    """moto's S3 server on 127.0.0.1 with one bucket; its endpoint in AWS_ENDPOINT_URL. moto keeps
    its buckets in the process, not in the server: each module gets a bucket of its own name, so
    one module's outputs are never another's earlier run."""
    moto_server = pytest.importorskip("moto.server")
    import boto3

    saved = {key: os.environ.get(key) for key in [*CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(CREDENTIALS)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a log line per request
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    storage._bucket_filesystem.cache_clear()  # a client made for an earlier server's endpoint
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    yield f"s3://{bucket}"
    server.stop()
    storage._bucket_filesystem.cache_clear()
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture(scope="module")
def ray_with_endpoint(object_store):
    """Local Ray started after the endpoint is set, so its workers get it (ray_env ships it); a Ray
    started earlier in the session without it is restarted."""
    import ray

    from recruit_core.config import ClusterConfig
    from recruit_core.ray_env import connect
    if ray.is_initialized():
        ray.shutdown()
    # up to 10 minutes to start: on a shared 2-core machine a local Ray has taken over 120 s
    connect(ClusterConfig(mode="local", num_cpus=2, include_dashboard=False, start_timeout_s=600))
    yield ray
