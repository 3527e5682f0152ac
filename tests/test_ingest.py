"""Ingesting resume files: every format and every quarantine reason on files made here (no Ray),
reading order of PDF pages, listing inputs, duplicates across units and runs, and one end-to-end
run on local Ray whose output the scoring job reads."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.config import DataConfig
from recruit_core.data.livecareer import load_livecareer
from recruit_core.ingest import samples
from recruit_core.ingest.extract import Limits, extract_file
from recruit_core.ingest.outputs import IngestManifest, commit_unit, parse_units
from recruit_core.ingest.quality import detect_language, word_share
from recruit_core.ingest.sources import SourceFile, list_sources, work_units

MAX_BYTES = 100_000
LIMITS = Limits(MAX_BYTES, 0.5)
RESUME = samples.SAMPLE_RESUME


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# ---- one reason per bad file ------------------------------------------------------------------

@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, Path]:
    return samples.bad_files(tmp_path_factory.mktemp("bad"), MAX_BYTES)


@pytest.mark.parametrize("reason", ["corrupt_file", "encrypted_pdf", "no_text_layer", "empty_document",
                                    "oversized_file", "garbled_text", "unsupported_type",
                                    "unreadable_path"])
def test_a_file_that_cannot_be_used_gets_its_reason_and_a_detail_naming_it(bad, reason):
    found = extract_file(bad[reason], LIMITS)
    assert (found.reason, found.text) == (reason, None)
    assert str(bad[reason]) in found.detail


def test_a_good_pdf_gives_its_text_and_provenance(bad):
    found = extract_file(bad["ingested"], LIMITS)
    assert found.reason is None, found.detail
    assert found.text.splitlines()[0] == "Senior Accountant"
    assert "Accountant Aug 2015 to Current" in found.text.splitlines()
    assert (found.pages, found.extractor, found.language) == (1, "pypdf", "en")
    assert found.resume_id == found.file_sha256[:16]


def test_the_same_bytes_under_two_paths_get_the_same_resume_id(bad):
    assert extract_file(bad["ingested"], LIMITS).resume_id == extract_file(bad["duplicate_file"], LIMITS).resume_id


def test_an_oversized_file_is_refused_before_its_bytes_are_read(bad, monkeypatch):
    def no_reading(self):
        raise AssertionError(f"{self} was read")
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert extract_file(bad["oversized_file"], LIMITS).reason == "oversized_file"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_a_file_without_read_permission_is_unreadable(tmp_path):
    path = _write(tmp_path, "cv.txt", RESUME.encode())
    path.chmod(0)
    assert extract_file(path, LIMITS).reason == "unreadable_path"


def test_a_pdf_that_opens_with_an_empty_password_is_read(tmp_path):
    locked = samples.encrypt_pdf(samples.pdf_bytes(samples.text_pages(RESUME)), user_password="")
    found = extract_file(_write(tmp_path, "cv.pdf", locked), LIMITS)
    assert found.reason is None and found.text.startswith("Senior Accountant")


def test_a_pdf_with_no_pages_is_an_empty_document(tmp_path):
    from pypdf import PdfWriter
    path = tmp_path / "none.pdf"
    PdfWriter().write(path)
    assert extract_file(path, LIMITS).reason == "empty_document"


def test_a_docx_gives_paragraphs_then_its_table_rows(tmp_path):
    data = samples.docx_bytes("Jane Doe\nData analyst with five years in the retail sector.",
                              table=[["Skill", "Years"], ["SQL", "5"]])
    found = extract_file(_write(tmp_path, "cv.docx", data), LIMITS)
    assert found.text.splitlines() == ["Jane Doe", "Data analyst with five years in the retail sector.",
                                       "Skill | Years", "SQL | 5"]
    assert (found.extractor, found.pages) == ("python-docx", None)


def test_a_doc_renamed_to_docx_is_corrupt(tmp_path):
    found = extract_file(_write(tmp_path, "cv.docx", b"\xd0\xcf\x11\xe0 legacy word file"), LIMITS)
    assert found.reason == "corrupt_file"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_text_files_are_decoded_in_their_encoding(tmp_path, encoding):
    text = ("Résumé of José Müller\nAccountant in the finance team, responsible for the closing of "
            "the books and the reporting of results to the board.")
    found = extract_file(_write(tmp_path, "cv.txt", text.encode(encoding)), LIMITS)
    assert found.text == text


def test_word_share_separates_resumes_from_symbol_soup():
    assert word_share(RESUME)[0] > 0.9
    assert word_share("#$%& *+/< =>@^ _|~0 1234 " * 20)[0] == 0.0


def test_language_is_named_only_when_the_text_says_so():
    assert detect_language(RESUME) == "en"
    assert detect_language("Experiencia en la gestión de proyectos con el equipo y los clientes de "
                           "la empresa como responsable de las ventas") == "es"
    assert detect_language("Excel SAP SQL") is None


# ---- reading order of PDF pages -----------------------------------------------------------------

def test_a_job_title_and_its_dates_stay_on_one_line(tmp_path):
    """Separate text objects on one baseline: pypdf's stream order breaks the line, layout does not."""
    page = [(56, 700, "Accountant"), (130, 700, "Aug 2015"), (190, 700, "to Current"),
            (56, 686, "Prepared the monthly financial statements for the company.")]
    path = _write(tmp_path, "cv.pdf", samples.pdf_bytes([page]))
    assert extract_file(path, LIMITS).text.splitlines()[0] == "Accountant Aug 2015 to Current"
    assert extract_file(path, Limits(MAX_BYTES, 0.5, layout=False)).text.splitlines()[0] == "Accountant"


def test_two_columns_are_read_one_after_the_other(tmp_path):
    left = ["Skills", "Excel and SAP", "Payroll and audits", "Budgeting", "Languages", "English, French"]
    right = ["Experience", "Accountant at a bank", "Closed the books every month",
             "Reconciled the bank accounts", "Education", "BSc in Accounting"]
    page = [(56, 640, "Jane Doe, Senior Accountant, City, State, jane@example.com, 555 0100")]
    for i, (a, b) in enumerate(zip(left, right)):  # drawn row by row, as many writers emit them
        page += [(56, 600 - 14 * i, a), (330, 600 - 14 * i, b)]
    found = extract_file(_write(tmp_path, "cv.pdf", samples.pdf_bytes([page])), LIMITS)
    assert found.text.splitlines() == [page[0][2], *left, *right]


def test_a_two_column_table_on_a_one_column_page_is_read_column_by_column(tmp_path):
    """A skills table under prose: each column's items stay together; the heading after stays after."""
    prose = "Engineering team lead with years of experience at every stage of the software life-cycle."
    page = [(56, 700, prose), (56, 686, "Qualifications")]
    rows = [("Agile coach", "Web application development"), ("Product owner", "UI design"),
            ("Team lead", "Relational database design")]
    for i, (a, b) in enumerate(rows):
        page += [(80, 672 - 14 * i, a), (260, 672 - 14 * i, b)]
    page += [(56, 620, "Skills"), (80, 606, "ASP, C#, VB.NET, SOAP, REST and other web technologies")]
    found = extract_file(_write(tmp_path, "cv.pdf", samples.pdf_bytes([page])), LIMITS)
    assert found.text.splitlines() == [prose, "Qualifications", *[a for a, _ in rows], *[b for _, b in rows],
                                       "Skills", page[-1][2]]


def test_running_headers_and_page_numbers_do_not_split_a_sentence(tmp_path):
    pages = []
    for number, body in enumerate(["Managed the payroll of the company and", "reported to the CFO."], 1):
        pages.append([(56, 760, "Jane Doe - Accountant"), (56, 700, body),
                      (280, 40, f"Page {number} of 2")])
    found = extract_file(_write(tmp_path, "cv.pdf", samples.pdf_bytes(pages)), LIMITS)
    assert found.text.splitlines() == ["Jane Doe - Accountant", "Managed the payroll of the company and",
                                       "reported to the CFO."]


# ---- which files are read ------------------------------------------------------------------------

def test_a_folder_is_read_recursively_without_hidden_files(tmp_path):
    for name in ("a/cv1.pdf", "a/b/cv2.docx", "cv3.txt", ".DS_Store", "a/.~lock.cv1.pdf#"):
        _write(tmp_path, name, b"x")
    listing = list_sources(str(tmp_path))
    assert [Path(f.path).relative_to(tmp_path).as_posix() for f in listing.files] == [
        "a/b/cv2.docx", "a/cv1.pdf", "cv3.txt"]
    assert len(listing.skipped) == 2


def test_a_glob_and_a_list_file_name_the_same_files(tmp_path):
    for name in ("pool/x/cv1.pdf", "pool/y/cv2.pdf", "pool/y/notes.txt"):
        _write(tmp_path, name, b"x")
    by_glob = list_sources(str(tmp_path / "pool" / "**" / "*.pdf"))
    pd.DataFrame({"path": ["pool/y/cv2.pdf", "pool/x/cv1.pdf", "pool/x/cv1.pdf"]}).to_csv(
        tmp_path / "list.csv", index=False)
    by_list = list_sources(str(tmp_path / "list.csv"))
    assert [f.path for f in by_glob.files] == [f.path for f in by_list.files]
    assert len(by_list.files) == 2 and by_list.kind == "list"


def test_a_list_file_without_a_path_column_is_refused(tmp_path):
    pq.write_table(pa.table({"file": ["a.pdf"]}), tmp_path / "list.parquet")
    with pytest.raises(ValueError, match="needs a `path` column"):
        list_sources(str(tmp_path / "list.parquet"))


def test_a_wrong_input_path_fails_before_anything_runs(tmp_path):
    with pytest.raises(FileNotFoundError, match="ingest.input="):
        list_sources(str(tmp_path / "missing"))


def test_work_units_hold_at_most_their_files_and_bytes():
    files = [SourceFile(f"cv{i}.pdf", 40) for i in range(10)]
    units = work_units(files, files_per_unit=4, unit_bytes=100)
    assert [len(u.paths) for u in units] == [2, 2, 2, 2, 2]
    assert [len(u.paths) for u in work_units(files, 4, 10_000)] == [4, 4, 2]
    assert len({u.key for u in units}) == 5


# ---- duplicates, labels, livecareer --------------------------------------------------------------

def _ingest_without_ray(folder: Path, output: Path, labels: bool = False) -> IngestManifest:
    """parse_units + commit_unit, the job's two steps, in one process."""
    manifest = IngestManifest.open(output, {"test": 1})
    files = [f for f in list_sources(str(folder)).files if not manifest.is_finished(f.path)]
    first = {e["file_sha256"]: p for p, e in manifest.files.items() if e.get("ingested")}
    for unit in work_units(files, 2, 2**30):
        table = pa.table({"key": [unit.key], "paths": [unit.paths]})
        outcomes = parse_units(table, output_dir=str(output), limits=LIMITS, labels_from_path=labels)
        commit_unit(output, unit.key, outcomes.to_pylist(), first, manifest)
    return manifest


def test_a_copy_in_another_unit_or_a_later_run_is_a_duplicate_naming_the_first(tmp_path):
    pdf = samples.pdf_bytes(samples.text_pages(RESUME))
    for name in ("a.pdf", "b.txt", "c.pdf"):  # a and c land in different units
        _write(tmp_path / "in", name, pdf if name.endswith(".pdf") else RESUME.encode())
    _ingest_without_ray(tmp_path / "in", tmp_path / "out")
    _write(tmp_path / "in", "d.pdf", pdf)  # a later run, the same bytes again
    manifest = _ingest_without_ray(tmp_path / "in", tmp_path / "out")
    resumes = pd.read_parquet(tmp_path / "out" / "resumes")
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine")
    assert sorted(Path(p).name for p in resumes.source_path) == ["a.pdf", "b.txt"]
    assert sorted(Path(p).name for p in quarantine.source_path) == ["c.pdf", "d.pdf"]
    assert set(quarantine.reason) == {"duplicate_file"}
    assert all(str(tmp_path / "in" / "a.pdf") in detail for detail in quarantine.detail)
    assert sum(e["ingested"] + e["quarantined"] for e in manifest.files.values()) == 4


def test_labels_from_path_give_what_the_livecareer_reader_needs(tmp_path):
    pdf = samples.pdf_bytes(samples.text_pages(RESUME))
    _write(tmp_path / "pdf" / "train" / "ACCOUNTANT", "111.pdf", pdf)
    _write(tmp_path / "pdf" / "dev" / "ACCOUNTANT", "222.txt", RESUME.encode())
    _write(tmp_path / "pdf" / "train" / "CHEF", "333.txt",
           b"Chef in a busy kitchen, cooking for the guests of the hotel.")
    _ingest_without_ray(tmp_path / "pdf", tmp_path / "out", labels=True)
    resumes = pd.read_parquet(tmp_path / "out" / "resumes")
    assert sorted(zip(resumes.source_id, resumes.split, resumes.category)) == [
        ("111", "train", "ACCOUNTANT"), ("222", "dev", "ACCOUNTANT"), ("333", "train", "CHEF")]
    splits = load_livecareer(DataConfig(livecareer_path=str(tmp_path / "out" / "resumes")))
    assert (len(splits.train), len(splits.dev)) == (2, 1)
    assert splits.train.categories == ["ACCOUNTANT", "CHEF"]


# ---- the job on Ray ------------------------------------------------------------------------------

@pytest.mark.ray
def test_the_job_ingests_a_mixed_folder_resumes_and_its_output_scores(ray_local, tmp_path):
    from recruit_core.ingest import job_ray as ingest_job
    from recruit_core.score import job_ray as score_job
    folder = tmp_path / "in"
    samples.bad_files(folder, MAX_BYTES)
    _write(folder, "cv.docx", samples.docx_bytes(RESUME.replace("Senior", "Junior")))
    _write(folder, "notes/cv.md", b"# Jane Doe\nAnalyst with experience in the reporting of sales.")
    out = tmp_path / "out"
    overrides = ["experiment=smoke", f"ingest.input={folder}", f"ingest.output_dir={out}",
                 f"ingest.max_file_mb={MAX_BYTES / 2**20}", "ingest.files_per_unit=3"]
    summary = ingest_job.run(compose_config(overrides))
    assert (summary["files_in"], summary["ingested"], summary["quarantined"]) == (12, 3, 9)
    assert summary["reasons"] == {r: 1 for r in ("corrupt_file", "duplicate_file", "empty_document",
                                                 "encrypted_pdf", "garbled_text", "no_text_layer",
                                                 "oversized_file", "unreadable_path", "unsupported_type")}
    assert json.loads((out / "summary.json").read_text())["invariant_ok"] is True
    before = pd.read_parquet(out / "resumes").sort_values("resume_id").reset_index(drop=True)
    _write(folder, "z_copy.pdf", (folder / "resume.pdf").read_bytes())
    again = ingest_job.run(compose_config(overrides))
    assert (again["files_parsed_now"], again["files_skipped_finished"]) == (1, 12)
    assert again["reasons"]["duplicate_file"] == 2
    after = pd.read_parquet(out / "resumes").sort_values("resume_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    scored = score_job.run(compose_config(["experiment=smoke", f"inputs.resumes={out / 'resumes'}",
                                           "inputs.jobs=", f"score.output_dir={tmp_path / 'scores'}"]))
    assert (scored["rows_in"], scored["rows_scored"]) == (3, 3)
