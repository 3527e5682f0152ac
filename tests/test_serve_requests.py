"""The scoring service without Ray or HTTP: which request bodies become a resume text and which a
4xx with a reason, and what an answer carries (categories, fit, skill evidence, shortlists)."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.serve.requests import Limits, RequestError, check_length, resume_text

LIMITS = Limits(max_body_bytes=2000, max_text_chars=500)


def _refusal(content_type, body: bytes, limits: Limits = LIMITS) -> tuple[int, str]:
    with pytest.raises(RequestError) as refused:
        resume_text(content_type, body, limits)
    return refused.value.status, refused.value.reason


def test_json_and_plain_text_files_give_the_same_normalised_text():
    raw = "Data  Engineer\u00a0\n\n  Python, Spark "
    from_json = resume_text("application/json; charset=utf-8", json.dumps({"text": raw}).encode(),
                            LIMITS)
    from_file = resume_text("text/plain", raw.encode(), LIMITS)
    assert from_json == from_file == "Data Engineer\nPython, Spark"


@pytest.mark.parametrize("content_type, body, status, reason", [
    ("application/json", b'{"text": ""}', 422, "empty_text"),
    ("application/json", b'{"text": " \\u200b\\n "}', 422, "empty_text"),
    ("application/json", json.dumps({"text": "x" * 501}).encode(), 413, "oversized_text"),
    ("text/plain", b"y" * 2001, 413, "body_too_large"),
    ("application/json", b'{"text": "unterminated', 400, "invalid_json"),
    ("application/json", b'["a list"]', 400, "missing_text"),
    ("application/json", b'{"resume": "no text key"}', 400, "missing_text"),
    ("application/json", b'{"text": 42}', 400, "text_not_string"),
    ("text/plain", b"\xff\xfe not utf-8", 422, "invalid_utf8"),
    ("application/xml", b"<resume/>", 415, "unsupported_content_type"),
    (None, b'{"text": "no content type"}', 415, "unsupported_content_type"),
], ids=["empty", "invisible_only", "too_long", "body_too_large", "bad_json", "not_an_object",
        "no_text_key", "text_not_string", "not_utf8", "xml", "no_content_type"])
def test_bad_bodies_are_refused_with_a_status_and_reason(content_type, body, status, reason):
    assert _refusal(content_type, body) == (status, reason)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    with pytest.raises(RequestError) as refused:
        check_length("2001", LIMITS)
    assert refused.value.status == 413
    check_length("2000", LIMITS)  # at the limit: allowed


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from recruit_core.serve.service import ScoringService
    root = tmp_path_factory.mktemp("serve")
    pq.write_table(job_table(load_builtin(), 0, 4), root / "jobs.parquet")
    pq.write_table(pa.table({"job_id": ["J000001", "J000001", "J000002"], "rank": [2, 1, 1],
                             "resume_id": ["R9", "R7", "R8"], "bi_score": [0.5, float("nan"), 0.7]}),
                   root / "shortlists.parquet")
    cfg = compose_config(["experiment=smoke", f"inputs.jobs={root / 'jobs.parquet'}",
                          f"serve.shortlist_path={root / 'shortlists.parquet'}"])
    return ScoringService.from_config(cfg)


def test_each_top_job_shows_where_its_matched_skills_are_written(service):
    resumes, _ = resume_tables(load_builtin(), 0, 0, 3, 0.0, 0.0)
    texts = resumes.column("text").to_pylist()
    for text, answer in zip(texts, service.score(texts)):
        assert len(answer["top_jobs"]) == compose_config(["experiment=smoke"]).score.top_jobs
        for job in answer["top_jobs"]:
            required = service.jobs[job["job_id"]]["required_skills"]
            assert sorted(job["matched_skills"] + job["missing_skills"]) == sorted(required)
            for skill in job["matched_skills"]:
                spans = job["evidence"][skill]
                assert spans and all(text[s["start"]:s["end"]] == s["text"] for s in spans)
        fits = [job["fit"] for job in answer["top_jobs"]]
        assert fits == sorted(fits, reverse=True)


def test_a_shortlist_comes_back_by_rank_and_unknown_jobs_are_404(service):
    rows = service.shortlist("J000001")["shortlist"]
    assert [r["resume_id"] for r in rows] == ["R7", "R9"]
    assert rows[0]["bi_score"] is None  # NaN has no JSON form
    assert service.shortlist("J000003")["shortlist"] == []  # open, nobody shortlisted
    with pytest.raises(RequestError) as refused:
        service.shortlist("J999999")
    assert (refused.value.status, refused.value.reason) == (404, "unknown_job")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_LIMITS = Limits(max_body_bytes=200_000, max_text_chars=20_000)


@pytest.mark.parametrize("content_type", ["application/pdf", DOCX])
def test_pdf_and_docx_uploads_read_as_the_ingest_job_reads_them(tmp_path, content_type):
    from recruit_core.data.validate import normalise_text
    from recruit_core.ingest import samples
    from recruit_core.ingest.extract import Limits as IngestLimits
    from recruit_core.ingest.extract import extract_file
    text = resume_tables(load_builtin(), 0, 0, 1, 0.0, 0.0)[0].column("text")[0].as_py()
    pdf = content_type == "application/pdf"
    data = samples.pdf_bytes(samples.text_pages(text)) if pdf else samples.docx_bytes(text)
    path = tmp_path / ("resume.pdf" if pdf else "resume.docx")
    path.write_bytes(data)
    ingested = extract_file(path, IngestLimits(200_000, 0.5, True))
    assert ingested.reason is None and text.splitlines()[0] in ingested.text
    assert resume_text(content_type, data, DOCUMENT_LIMITS) == normalise_text(ingested.text)


def test_a_broken_pdf_upload_gets_the_ingest_reason():
    assert _refusal("application/pdf", b"%PDF-1.4 truncated", DOCUMENT_LIMITS) == (422, "corrupt_file")
