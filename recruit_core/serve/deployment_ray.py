"""The Ray Serve deployment of the scoring service: routes, body limits and request batching.

    python ray_jobs/serve.py model=tiny inputs.jobs=outputs/smoke/pool/jobs      # the commands: job_ray.py

Routes (JSON in and out; a refused request gets a 4xx and {"reason", "detail"}, never a 500):
  POST /score                   application/json {"text": "..."}, or a resume file as text/plain,
                                application/pdf or the DOCX media type
  GET  /jobs/<job_id>/shortlist the match job's shortlist of an open job (serve.shortlist_path)
  GET  /health                  the model's fingerprint and how many open jobs it scores against
What each answer holds: recruit_core/serve/service.py; what a request may be: serve/requests.py.
Concurrent POST /score requests are scored together, up to serve.max_batch_size per forward pass
after waiting at most serve.batch_wait_s (`@serve.batch`); a score does not depend on its batch.
"""
from __future__ import annotations

import re
from urllib.parse import unquote

from ray import serve
from starlette.requests import Request
from starlette.responses import JSONResponse

from recruit_core.config import RecruitConfig
from recruit_core.serve.requests import Limits, RequestError, check_length, resume_text, too_large
from recruit_core.serve.service import ScoringService

SHORTLIST_ROUTE = re.compile(r"/jobs/([^/]+)/shortlist")


@serve.deployment
class ResumeScoring:
    """One model replica: the service, its limits, and the batching of POST /score."""

    def __init__(self, cfg: RecruitConfig):
        import torch

        torch.set_num_threads(cfg.serve.torch_threads)
        self.service = ScoringService.from_config(cfg)
        self.limits = Limits(cfg.serve.max_body_bytes, cfg.inputs.max_text_chars,
                             cfg.ingest.min_word_share, cfg.ingest.layout)
        self.score_batch.set_max_batch_size(cfg.serve.max_batch_size)
        self.score_batch.set_batch_wait_timeout_s(cfg.serve.batch_wait_s)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.01)  # replaced from config in __init__
    async def score_batch(self, texts: list[str]) -> list[dict]:
        return self.service.score(texts)

    async def __call__(self, request: Request) -> JSONResponse:
        try:
            return JSONResponse(await self._route(request))
        except RequestError as refused:
            return JSONResponse(refused.body(), status_code=refused.status)

    async def _route(self, request: Request) -> dict:
        path = request.url.path.rstrip("/") or "/"
        if path == "/score":
            _allow(request, "POST")
            body = await _body(request, self.limits)
            text = resume_text(request.headers.get("content-type"), body, self.limits)
            return await self.score_batch(text)
        if path == "/health":
            _allow(request, "GET")
            return self.service.health()
        shortlist = SHORTLIST_ROUTE.fullmatch(path)
        if shortlist:
            _allow(request, "GET")
            return self.service.shortlist(unquote(shortlist.group(1)))
        raise RequestError(404, "unknown_path", f"no route {path!r}; use POST /score, "
                           "GET /jobs/<job_id>/shortlist or GET /health")


def _allow(request: Request, method: str) -> None:
    if request.method != method:
        raise RequestError(405, "method_not_allowed", f"{request.method} {request.url.path}: "
                           f"this route takes {method}")


async def _body(request: Request, limits: Limits) -> bytes:
    """The body, read no further than serve.max_body_bytes: a huge upload is refused early."""
    check_length(request.headers.get("content-length"), limits)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise too_large(size, limits)
        chunks.append(chunk)
    return b"".join(chunks)


def scoring_app(cfg: RecruitConfig):
    """The Serve application: serve.num_replicas replicas of fractional CPUs."""
    settings = cfg.serve
    return ResumeScoring.options(
        num_replicas=settings.num_replicas, max_ongoing_requests=settings.max_ongoing_requests,
        ray_actor_options={"num_cpus": settings.cpus_per_replica}).bind(cfg)
