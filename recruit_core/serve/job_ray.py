"""The scoring service job: start Ray Serve on 127.0.0.1 with the scoring deployment, run until stopped.

    python ray_jobs/serve.py                                   # pretrained MiniLM, outputs/pool/jobs
    python ray_jobs/serve.py serve.model_path=outputs/train/recruit-train/model \\
        inputs.jobs=outputs/pool/jobs serve.shortlist_path=outputs/match/shortlists serve.port=8000
    curl -s localhost:8000/score -H 'Content-Type: application/json' -d '{"text": "Data engineer ..."}'
    curl -s localhost:8000/score -H 'Content-Type: text/plain' --data-binary @resume.txt
    curl -s localhost:8000/jobs/J0003/shortlist ; curl -s localhost:8000/health

The routes and answers: recruit_core/serve/deployment_ray.py. It scores with the score job's
settings (`score.*`, `inputs.max_text_chars`) and serve.model_path, so an answer equals
`recruit score`'s row for the same text. serve.host is 127.0.0.1 unless set otherwise: the
service has no authentication of its own.
"""
from __future__ import annotations

import threading

from ray import serve

from recruit_core.config import RecruitConfig
from recruit_core.io import parquet_files
from recruit_core.model.forward import check_model_folder
from recruit_core.ray_env import connect
from recruit_core.serve.deployment_ray import scoring_app

APP_NAME = "recruit-scoring"


def preflight(cfg: RecruitConfig) -> None:
    """Paths checked before Ray starts, so a wrong one fails at once, not in a replica."""
    if cfg.inputs.jobs:
        parquet_files(cfg.inputs.jobs, "inputs.jobs")
    if cfg.serve.shortlist_path:
        parquet_files(cfg.serve.shortlist_path, "serve.shortlist_path")
    if cfg.serve.model_path:
        check_model_folder(cfg.serve.model_path, "serve.model_path")


def start(cfg: RecruitConfig) -> str:
    """Start (or join) Ray, start Serve on serve.host:serve.port and deploy; return the base URL
    once every replica has loaded its model."""
    preflight(cfg)
    connect(cfg.cluster)
    settings = cfg.serve
    serve.start(http_options={"host": settings.host, "port": settings.port,
                              "request_timeout_s": settings.request_timeout_s})
    serve.run(scoring_app(cfg), name=APP_NAME, route_prefix="/")
    return f"http://{settings.host}:{settings.port}"


def stop() -> None:
    serve.shutdown()


def run(cfg: RecruitConfig, until: threading.Event | None = None) -> dict:
    """Serve until Ctrl-C (or `until` is set), then shut Serve down."""
    url = start(cfg)
    print(f"scoring service on {url} (POST /score, GET /jobs/<id>/shortlist, GET /health); "
          "Ctrl-C stops it", flush=True)
    try:
        (until or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return {"url": url, "replicas": cfg.serve.num_replicas, "stopped": True}
