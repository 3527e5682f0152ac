"""One resume file in, its text or the reason it cannot be used out: PDF, DOCX, .txt and .md.

    python -m pytest -q tests/test_ingest.py -k "not ray"     # every format and every reason

`extract_file` never raises for a bad file: a file that cannot be used gets one reason, with a
detail that names the file and what to do:

    unreadable_path   the path cannot be stat'ed or opened (deleted since listing, permissions);
                      the same for an object in a store (s3://, gs://)
    oversized_file    larger than ingest.max_file_mb; checked on the size before any byte is read
    unsupported_type  not .pdf, .docx, .txt or .md (a scanned image, a legacy .doc, an archive)
    corrupt_file      the parser cannot read it (truncated, not the format its name says)
    encrypted_pdf     needs a password to open (a PDF that opens with an empty one is read)
    no_text_layer     a PDF whose pages carry no text: a scan or a blank page. There is no OCR:
                      the text is never guessed, the file is flagged for a person to look at
    empty_document    the file holds no text (0 bytes, whitespace, a DOCX without paragraphs)
    garbled_text      the text is mostly not words (see quality.word_share): a failed extraction

The content hash is of the file's bytes, so the same file under any path gets the same resume id.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path, PurePosixPath

from recruit_core import storage
from recruit_core.ingest import pdf_layout
from recruit_core.ingest.quality import detect_language, normalise, word_share

# pypdf logs a warning for every malformed object it recovers from; the outcome is in the row.
logging.getLogger("pypdf").setLevel(logging.ERROR)

SUPPORTED = {".pdf": "pdf", ".docx": "docx", ".txt": "text", ".md": "text"}
ID_HEX_DIGITS = 16  # 64 bits of sha256: two of 100 million distinct files collide with odds ~1 in 3,700
# Raised by version 2 of the reading order (pdf_layout) or text cleaning: outputs made with another
# version are not mixed with this one's (the manifest's provenance).
EXTRACTION_VERSION = 1
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Limits:
    """What extraction needs from the config (ingest.*), in the units it uses."""

    max_file_bytes: int
    min_word_share: float
    layout: bool = True


@dataclass
class Extraction:
    """One file's outcome: text and provenance, or `reason` + `detail` when it cannot be used."""

    path: str
    size_bytes: int | None = None
    file_sha256: str | None = None
    text: str | None = None
    pages: int | None = None
    extractor: str | None = None
    extractor_version: str | None = None
    word_share: float | None = None
    language: str | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def resume_id(self) -> str | None:
        return self.file_sha256[:ID_HEX_DIGITS] if self.file_sha256 else None


class Unusable(Exception):
    """A file that cannot be used: `reason` is its quarantine reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@lru_cache(maxsize=None)
def extractor_versions() -> dict[str, str]:
    """The version string written with each row, per extractor (library version + ours)."""
    return {"pypdf": f"{version('pypdf')}+recruit{EXTRACTION_VERSION}",
            "python-docx": f"{version('python-docx')}+recruit{EXTRACTION_VERSION}",
            "text": f"{version('charset-normalizer')}+recruit{EXTRACTION_VERSION}"}


def extract_file(path: str | Path, limits: Limits) -> Extraction:
    """Read, hash, extract and check one file; never raises for a bad file."""
    result = Extraction(path=str(path))
    try:
        data = _read(str(path), limits, result)
        kind = SUPPORTED[Path(path).suffix.lower()]
        result.extractor = {"pdf": "pypdf", "docx": "python-docx", "text": "text"}[kind]
        result.extractor_version = extractor_versions()[result.extractor]
        raw = {"pdf": _pdf_text, "docx": _docx_text, "text": _plain_text}[kind](data, result, limits)
        _check_text(normalise(raw), kind, result, limits)
    except Unusable as problem:
        result.reason, result.detail = problem.reason, f"{path}: {problem.detail}"
    return result


def _read(path: str, limits: Limits, result: Extraction) -> bytes:
    result.size_bytes = _size(path)
    if result.size_bytes > limits.max_file_bytes:
        raise Unusable("oversized_file", f"{result.size_bytes} bytes, over ingest.max_file_mb="
                       f"{limits.max_file_bytes / 2**20:g} MiB; raise it if this is a resume")
    suffix = PurePosixPath(path).suffix if storage.is_remote(path) else Path(path).suffix
    if suffix.lower() not in SUPPORTED:
        raise Unusable("unsupported_type", f"'{suffix or '(no extension)'}' is not one of "
                       f"{', '.join(sorted(SUPPORTED))}; convert it to PDF or DOCX")
    try:
        data = storage.read_bytes(path) if storage.is_remote(path) else Path(path).read_bytes()
    except OSError as error:
        raise Unusable("unreadable_path", f"cannot read ({error.strerror or error}); check its "
                       "permissions") from error
    if data is None:
        raise Unusable("unreadable_path", "the object is gone; was it deleted after listing?")
    result.size_bytes = len(data)  # what was hashed, should the file have changed since stat
    result.file_sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise Unusable("empty_document", f"{len(data)} bytes and no content")
    return data


def _size(path: str) -> int:
    """Bytes in the file or object, asked before any byte is read."""
    try:
        if storage.is_remote(path):
            found = storage.info(path)
            if found.type != storage.pafs.FileType.File:
                raise FileNotFoundError(f"no object {path}")
            return found.size
        return os.stat(path).st_size
    except OSError as error:
        raise Unusable("unreadable_path", f"cannot stat ({error.strerror or error}); was it moved "
                       "or deleted after listing?") from error


def _pdf_text(data: bytes, result: Extraction, limits: Limits) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unusable("encrypted_pdf", "the PDF needs a password to open; ask for an "
                           "unprotected copy")
        result.pages = len(reader.pages)
        if result.pages == 0:
            raise Unusable("empty_document", "the PDF has no pages")
        rendered = [_page_text(page, limits.layout) for page in reader.pages]
    except Unusable:
        raise
    except (PdfReadError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            NotImplementedError, RecursionError, OSError, AssertionError) as error:
        # pypdf raises all of these on damaged files: none of them is worth stopping a job for
        raise Unusable("corrupt_file", f"pypdf cannot read it ({type(error).__name__}: "
                       f"{str(error)[:200]})") from error
    if not limits.layout:
        return "\n".join(rendered)
    pages = pdf_layout.drop_running_lines([pdf_layout.page_lines(page) for page in rendered])
    return "\n".join("\n".join(lines) for lines in pages)


def _page_text(page, layout: bool) -> str:
    if layout:
        return page.extract_text(extraction_mode="layout", layout_mode_space_vertically=False)
    return page.extract_text()


def _docx_text(data: bytes, result: Extraction, limits: Limits) -> str:
    """Paragraphs and tables in document order; the first section's header first, where resume
    templates put the name. Table rows become one line, cells joined by ' | '."""
    from zipfile import BadZipFile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    try:
        document = Document(io.BytesIO(data))
        lines = [p.text for p in document.sections[0].header.paragraphs] if document.sections else []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines += [_row_text(row) for row in block.rows]
            else:
                lines.append(block.text)
    except (BadZipFile, PackageNotFoundError, KeyError, ValueError, AttributeError) as error:
        raise Unusable("corrupt_file", f"python-docx cannot read it ({type(error).__name__}: "
                       f"{str(error)[:200]}); is it a .doc renamed to .docx?") from error
    return "\n".join(lines)


def _row_text(row) -> str:
    cells: list[str] = []
    for cell in row.cells:  # a merged cell is listed once per grid column it spans
        text = " ".join(cell.text.split())
        if text and (not cells or cells[-1] != text):
            cells.append(text)
    return " | ".join(cells)


def _plain_text(data: bytes, result: Extraction, limits: Limits) -> str:
    """UTF-8 (or UTF-16/32 with a byte-order mark) as it is; anything else as charset-normalizer
    guesses it (cp1252 and latin-1 resumes from older Windows tools are common)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None:
        raise Unusable("corrupt_file", "not text in any encoding charset-normalizer knows; "
                       "is it a binary file named .txt?")
    return str(best)


def _check_text(text: str, kind: str, result: Extraction, limits: Limits) -> None:
    if not text:
        if kind == "pdf":
            raise Unusable("no_text_layer", f"none of its {result.pages} pages has text (a scan or "
                           "blank pages); OCR is not run, so a person should look at it")
        raise Unusable("empty_document", "the document holds no text")
    share, tokens = word_share(text)
    result.word_share = round(share, 4)
    if share < limits.min_word_share:
        raise Unusable("garbled_text", f"{share:.0%} of its {tokens} tokens are words, under "
                       f"ingest.min_word_share={limits.min_word_share:g}: the extraction failed "
                       "(a font without a character map?)")
    result.text = text
    result.language = detect_language(text)
