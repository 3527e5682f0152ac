"""Resume files to try the ingest job on: PDFs and DOCX written here, and one bad file per reason.

    python -m recruit_core.ingest.samples /tmp/bad-resumes     # one file for every quarantine reason

The PDFs are written by hand (a Helvetica text object per placed text), so no PDF-writing library
is needed; pypdf adds the encryption. The tests, the benchmarks and the bad-files folder above all
use these functions.
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter in points
MARGIN, LEADING, FONT_SIZE = 56, 14, 10

Placed = tuple[float, float, str]  # (x, y, text) in points from the bottom left


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")  # Helvetica's WinAnsiEncoding
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(placed: list[Placed], font_size: float) -> bytes:
    """Each text placed by its own transform (`cm`), as Qt and wkhtmltopdf write them: pypdf's
    default order starts a new line at each, the layout order does not."""
    parts = [b"q 1 0 0 1 %g %g cm BT /F1 %g Tf (%s) Tj ET Q" % (x, y, font_size, _escape(text))
             for x, y, text in placed]
    return b"\n".join(parts)


def pdf_bytes(pages: list[list[Placed]], font_size: float = FONT_SIZE) -> bytes:
    """A PDF whose pages show the given texts at the given positions; `[[]]` is one blank page."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in below
    font = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for placed in pages:
        stream = _content(placed, font_size)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>"
                       % (PAGE_WIDTH, PAGE_HEIGHT, len(objects), font))
        kids.append(b"%d 0 R" % len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def text_pages(text: str, lines_per_page: int = 48) -> list[list[Placed]]:
    """`text` laid out one line per text line, top to bottom, as many pages as it takes."""
    lines = [line for line in text.split("\n") if line.strip()] or [""]
    pages = []
    for start in range(0, len(lines), lines_per_page):
        chunk = lines[start:start + lines_per_page]
        pages.append([(MARGIN, PAGE_HEIGHT - MARGIN - i * LEADING, line) for i, line in enumerate(chunk)])
    return pages


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    """The same PDF encrypted (AES-256); an empty `user_password` opens without asking."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(text: str, table: list[list[str]] | None = None) -> bytes:
    """A DOCX with one paragraph per line of `text`, then `table` (rows of cells) if given."""
    from docx import Document
    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SAMPLE_RESUME = ("Senior Accountant\nSummary\nAccountant with eight years of experience in payroll, "
                 "audits and the monthly close for companies of all sizes.\nExperience\n"
                 "Accountant Aug 2015 to Current\nCompany Name City, State\n"
                 "Prepared the monthly financial statements and reconciled every bank account.\n"
                 "Skills\nExcel, SAP, payroll, accounts payable, budgeting")


def bad_files(folder: str | Path, max_file_bytes: int) -> dict[str, Path]:
    """One file per quarantine reason in `folder` (plus a good PDF and its duplicate);
    {reason: path}. `max_file_bytes` is the job's ingest.max_file_mb in bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    good = pdf_bytes(text_pages(SAMPLE_RESUME))
    files = {
        "ingested": ("resume.pdf", good),
        "duplicate_file": ("copy_of_resume.pdf", good),
        "corrupt_file": ("truncated.pdf", good[: len(good) // 3]),
        "encrypted_pdf": ("locked.pdf", encrypt_pdf(good, "secret")),
        "no_text_layer": ("scanned.pdf", pdf_bytes([[]])),
        "empty_document": ("empty.txt", b"  \n\n"),
        # what a font without a character map gives: symbols and digits, no words
        "garbled_text": ("garbled.txt", b"#$%& *+/< =>@^ _|~0 1234 " * 200),
        "unsupported_type": ("resume.odt", b"PK\x03\x04 not read"),
        "oversized_file": ("huge.txt", b"x" * (max_file_bytes + 1)),
    }
    paths = {}
    for reason, (name, data) in files.items():
        paths[reason] = folder / name
        paths[reason].write_bytes(data)
    # a link to nothing: listed, then unreadable, as a file deleted between listing and reading
    vanished = folder / "vanished.pdf"
    if vanished.is_symlink():
        vanished.unlink()
    os.symlink(folder / "no_such_file.pdf", vanished)
    paths["unreadable_path"] = vanished
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m recruit_core.ingest.samples FOLDER")
    from recruit_core.config import IngestConfig
    made = bad_files(sys.argv[1], int(IngestConfig().max_file_mb * 2**20))
    for reason, path in made.items():
        print(f"{reason:>17}: {path}")
