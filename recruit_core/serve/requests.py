"""What the scoring service accepts: a request body in, one resume text out, or a 4xx with a reason.

    from recruit_core.serve.requests import resume_text
    text = resume_text("application/json", b'{"text": "Data engineer ..."}', limits)

No web framework and no Ray here, so every rule has a plain unit test (tests/test_serve_requests.py)
and the deployment (`recruit_core/serve/deployment_ray.py`) only moves bytes. A PDF or DOCX upload
(application/pdf, or the DOCX media type) is read by the ingest job's own extractor
(`recruit_core.ingest.extract.extract_file`, with its reasons: corrupt_file, encrypted_pdf,
no_text_layer, garbled_text ...) with the ingest.* settings. Every text then passes the batch
job's own row validation (`recruit_core.data.validate.validate_resumes`): the same reasons
(empty_text, oversized_text, invalid_utf8) and the same normalised text, so a resume scores the
same online as through `recruit ingest` and `recruit score`.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from recruit_core.data.validate import validate_resumes
from recruit_core.ingest.extract import Limits as DocumentLimits

JSON_TYPE, TEXT_TYPE = "application/json", "text/plain"
DOCUMENT_TYPES = {"application/pdf": ".pdf",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
# HTTP status per quarantine reason: too long is "payload too large", the rest unusable content.
REASON_STATUS = {"oversized_text": 413, "empty_text": 422, "invalid_utf8": 422, "null_text": 422,
                 "not_text": 422}


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_text_chars: int
    min_word_share: float = 0.5  # ingest.min_word_share: below it a document's text is garbled
    pdf_layout: bool = True  # ingest.layout: PDF reading order by position


class RequestError(Exception):
    """A request the service refuses: the HTTP status and a JSON body {"reason", "detail"}."""

    def __init__(self, status: int, reason: str, detail: str):
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail

    def body(self) -> dict:
        return {"reason": self.reason, "detail": self.detail}


def media_type(content_type: str | None) -> str:
    """'application/json; charset=utf-8' -> 'application/json'."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_length(declared: str | None, limits: Limits) -> None:
    """Refuse a body whose Content-Length is over the limit before reading any of it."""
    if declared is not None and declared.strip().isdigit() and int(declared) > limits.max_body_bytes:
        raise too_large(int(declared), limits)


def too_large(size: int, limits: Limits) -> RequestError:
    return RequestError(413, "body_too_large", f"request body of {size}+ bytes > "
                        f"serve.max_body_bytes={limits.max_body_bytes}; send a shorter resume")


def resume_text(content_type: str | None, body: bytes, limits: Limits) -> str:
    """The normalised resume text of a POST /score body: JSON {"text": ...} or a plain-text file."""
    if len(body) > limits.max_body_bytes:
        raise too_large(len(body), limits)
    kind = media_type(content_type)
    if kind == JSON_TYPE:
        raw = _json_text(body)
    elif kind == TEXT_TYPE:
        raw = _file_text(body)
    elif kind in DOCUMENT_TYPES:
        raw = _document_text(body, DOCUMENT_TYPES[kind], limits)
    else:
        raise RequestError(415, "unsupported_content_type",
                           f"Content-Type {content_type or '(none)'!r}: send application/json "
                           '{"text": "..."}, or a resume file as text/plain, application/pdf or '
                           f"{list(DOCUMENT_TYPES)[1]} (DOCX)")
    return _validated(raw, limits)


def _json_text(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RequestError(400, "invalid_json", f"body is not JSON ({err}); send "
                           '{"text": "<the resume>"}') from None
    if not isinstance(payload, dict) or "text" not in payload:
        raise RequestError(400, "missing_text", 'JSON body has no "text" field; send '
                           '{"text": "<the resume>"}')
    if not isinstance(payload["text"], str):
        raise RequestError(400, "text_not_string", f'"text" is {type(payload["text"]).__name__}, '
                           "not a string; send the resume as one string")
    return payload["text"]


def _file_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequestError(422, "invalid_utf8", f"file bytes are not UTF-8 ({err.reason} at byte "
                           f"{err.start}); save the resume as UTF-8 text") from None


def _document_text(body: bytes, suffix: str, limits: Limits) -> str:
    """The ingest job's text of an uploaded PDF or DOCX, or its quarantine reason as a 4xx."""
    from recruit_core.ingest.extract import extract_file
    with tempfile.TemporaryDirectory(prefix="recruit-upload-") as folder:
        path = Path(folder) / f"resume{suffix}"
        path.write_bytes(body)
        found = extract_file(path, DocumentLimits(limits.max_body_bytes, limits.min_word_share,
                                                  limits.pdf_layout))
    if found.reason:
        detail = found.detail.replace(f"{path}: ", "")
        raise RequestError(413 if found.reason == "oversized_file" else 422, found.reason, detail)
    return found.text


def _validated(text: str, limits: Limits) -> str:
    """The batch job's validation of one row: its normalised text, or its reason as a 4xx."""
    row = validate_resumes(pa.table({"resume_id": ["request"], "text": [text]}), "request", 0,
                           limits.max_text_chars).to_pylist()[0]
    if row["reason"] is not None:
        detail = row["detail"].replace("resume request: ", "")
        raise RequestError(REASON_STATUS.get(row["reason"], 422), row["reason"], detail)
    return row["text"]
