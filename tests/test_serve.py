"""The scoring service over HTTP on a local Ray Serve (one start for the module, tiny model): the
same scores as the batch job's scorer bit for bit, and every bad request a 4xx with a JSON reason."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.data.validate import normalise_text, validate_resumes
from recruit_core.ingest import samples
from recruit_core.privacy.redact import redact_resumes

pytestmark = pytest.mark.ray
MAX_TEXT_CHARS, MAX_BODY_BYTES = 20_000, 100_000
TIMEOUT_S = 60  # per request: a hang fails the test instead of stalling it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def service(tmp_path_factory, ray_local):
    from recruit_core.serve.job_ray import start, stop
    root = tmp_path_factory.mktemp("serve")
    pq.write_table(job_table(load_builtin(), 0, 5), root / "jobs.parquet")
    pq.write_table(pa.table({"job_id": ["J000002", "J000002"], "rank": [1, 2],
                             "resume_id": ["R1", "R2"], "bi_score": [0.9, 0.8]}),
                   root / "shortlists.parquet")
    cfg = compose_config(["experiment=smoke", f"inputs.jobs={root / 'jobs.parquet'}",
                          f"inputs.max_text_chars={MAX_TEXT_CHARS}",
                          f"serve.shortlist_path={root / 'shortlists.parquet'}",
                          f"serve.port={_free_port()}", f"serve.max_body_bytes={MAX_BODY_BYTES}",
                          "serve.max_batch_size=4", "serve.batch_wait_s=0.05"])
    url = start(cfg)
    yield url, cfg
    stop()


def _call(url: str, path: str, body: bytes | None = None,
          content_type: str = "application/json", method: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url + path, data=body, method=method,
                                     headers={"Content-Type": content_type} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _batch_job_scores(cfg, texts: list[str]) -> list[dict]:
    """What the score job's actor computes: validated, normalised rows through ResumeScorer."""
    from recruit_core.score.scorer import ResumeScorer
    ids = [f"R{n}" for n in range(len(texts))]
    validated = redact_resumes(validate_resumes(pa.table({"resume_id": ids, "text": texts}),
                                                "resumes.parquet", 0, cfg.inputs.max_text_chars),
                               cfg.privacy)
    good = validated.filter(pc.is_null(validated.column("reason"))).select(["resume_id", "text"])
    scorer = ResumeScorer.from_config(cfg.score, cfg.model, cfg.data, jobs_path=cfg.inputs.jobs)
    return scorer.score_table(good).to_pylist()


def _ingested_text(folder, pdf: bytes) -> str:
    """What `recruit ingest` writes for this PDF."""
    from recruit_core.ingest.extract import Limits, extract_file
    (folder / "resume.pdf").write_bytes(pdf)
    return extract_file(folder / "resume.pdf", Limits(MAX_BODY_BYTES, 0.5, True)).text


def test_service_scores_equal_the_batch_scorer_bit_for_bit(service, tmp_path):
    url, cfg = service
    resumes, _ = resume_tables(load_builtin(), 3, 0, 7, 0.15, 0.0)
    texts = resumes.column("text").to_pylist()
    texts[1] = "  " + texts[1].replace("\n", "\n\n  ") + "\u00a0"  # normalised like the batch job
    texts[2] = "Jane Doe\njane.doe@example.com | +1 415 555 0100\n" + texts[2]  # redacted like it too
    with ThreadPoolExecutor(len(texts)) as pool:  # concurrent: batched together on the replica
        answers = list(pool.map(lambda t: _call(url, "/score", json.dumps({"text": t}).encode()),
                                texts))
    as_file = _call(url, "/score", texts[0].encode("utf-8"), "text/plain")
    expected = _batch_job_scores(cfg, texts)
    assert as_file == answers[0]
    pdf = samples.pdf_bytes(samples.text_pages(texts[2]))
    status, from_pdf = _call(url, "/score", pdf, "application/pdf")
    ingested = _ingested_text(tmp_path, pdf)
    assert status == 200 and from_pdf["text_chars"] == len(normalise_text(ingested))
    (row,) = _batch_job_scores(cfg, [ingested])
    assert [j["fit"] for j in from_pdf["top_jobs"]] == [j["fit"] for j in row["top_jobs"]]
    for (status, answer), row in zip(answers, expected):
        assert status == 200, answer
        categories = [(c["category"], np.float32(c["probability"])) for c in answer["categories"]]
        assert categories == [(row[f"category_{k}"], np.float32(row[f"p_{k}"])) for k in (1, 2, 3)]
        fits = [(j["job_id"], np.float32(j["fit"]).tobytes()) for j in answer["top_jobs"]]
        assert fits == [(j["job_id"], np.float32(j["fit"]).tobytes()) for j in row["top_jobs"]]


@pytest.mark.parametrize("path, body, content_type, method, status, reason", [
    ("/score", b'{"text": "   "}', "application/json", None, 422, "empty_text"),
    ("/score", json.dumps({"text": "skills " * 3000}).encode(), "application/json", None, 413,
     "oversized_text"),
    ("/score", b"x" * (MAX_BODY_BYTES + 1), "text/plain", None, 413, "body_too_large"),
    ("/score", b'{"text": "Python developer"', "application/json", None, 400, "invalid_json"),
    ("/score", b'{"cv": "Python developer"}', "application/json", None, 400, "missing_text"),
    ("/score", b"<cv>Python developer</cv>", "application/xml", None, 415,
     "unsupported_content_type"),
    ("/score", None, "", "GET", 405, "method_not_allowed"),
    ("/jobs/J999999/shortlist", None, "", None, 404, "unknown_job"),
    ("/resumes", None, "", None, 404, "unknown_path"),
], ids=["empty", "too_long", "body_too_large", "bad_json", "no_text_key", "wrong_content_type",
        "wrong_method", "unknown_job", "unknown_path"])
def test_bad_requests_get_a_4xx_with_a_json_reason(service, path, body, content_type, method,
                                                   status, reason):
    url, _ = service
    got_status, answer = _call(url, path, body, content_type, method)
    assert (got_status, answer["reason"]) == (status, reason), answer
    assert answer["detail"]


def test_health_and_a_shortlist_by_rank(service):
    url, _ = service
    status, health = _call(url, "/health")
    assert (status, health["status"], health["open_jobs"]) == (200, "ok", 5)
    status, answer = _call(url, "/jobs/J000002/shortlist")
    assert status == 200
    assert [(r["rank"], r["resume_id"]) for r in answer["shortlist"]] == [(1, "R1"), (2, "R2")]
