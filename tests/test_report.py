"""The HTML report of a run: what a recruiter sees on each page, escaping of untrusted values,
pages that fetch nothing, and (with Chromium) the pages as a browser renders them on a phone."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from run_outputs import HOSTILE_ID, JOB_TITLE, write_run

from recruit_core.report.build import write_report
from recruit_core.report.outputs import ReportError

# src= / href= / url( pointing off the file: a CDN script, a web font, a tracking pixel
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)
SHOTS = Path("/tmp/report-shots")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = write_run(tmp_path_factory.mktemp("run") / "demo")
    return write_report(root).parent


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_overview_shows_counts_quarantine_reasons_plots_timings_models_and_links(report):
    index = (report / "index.html").read_text()
    assert re.search(r"resumes quarantined</td><td class=\"num\">1<", index)
    assert "empty_text" in index and "data:image/png;base64," in index
    assert 'href="jobs/J1.html"' in index and 'href="jobs/J2.html"' in index
    assert "Data Engineer &amp; Analyst" in index
    assert "cross@abc" in index and "bi@def" in index and "m@1" in index  # model fingerprints
    assert re.search(r"<td>score</td><td class=\"num\">12.500</td>", index)  # demo stage timing
    assert 'href="models.html"' in index and 'href="audit.html"' in index


def test_job_page_shows_title_ranked_shortlist_evidence_passages_and_pack(report):
    page = (report / "jobs" / "J1.html").read_text()
    assert f"<title>{JOB_TITLE.replace('&', '&amp;')} (J1)</title>" in page
    assert page.index(">R1</a>") < page.index(f"{html.escape(HOSTILE_ID)}</a>")  # rank order
    assert "0.920" in page and "0.810" in page  # rerank and bi-encoder scores
    assert '<span class="lack">Apache Airflow</span>' in page  # a required skill R1 does not show
    assert "Built ETL pipelines in <mark>Python</mark> and <mark>SQL</mark>" in page
    assert "<summary>Interview pack</summary>" in page and "How would you schedule a DAG?" in page
    assert "<strong>Strong:</strong> backfills" in page


def test_values_from_the_data_are_escaped_on_every_page(report):
    for path in _pages(report):
        text = path.read_text()
        assert "<script" not in text.lower(), path
        assert "<img src=x" not in text, path
    assert "&lt;img src=x onerror=alert(1)&gt; wrote <mark>Python</mark>" in (report / "jobs" / "J1.html").read_text()


def test_models_page_shows_per_category_figures_and_why_there_is_no_confusion_matrix(report):
    page = (report / "models.html").read_text()
    assert "secondary_teacher" in page and "data:image/png;base64," in page
    assert "No confusion matrix or reliability diagram" in page


def test_audit_page_shows_the_flagged_group(report):
    page = (report / "audit.html").read_text()
    assert "<td>Female</td>" in page and "flagged: under four-fifths" in page


def test_a_run_of_one_job_reports_what_it_has(tmp_path):
    root = write_run(tmp_path / "full")
    only = tmp_path / "scores_only"
    shutil.copytree(root / "scores", only / "scores")
    index = write_report(only).read_text()
    assert "resumes scored" in index and "No shortlists in this run" in index
    assert not (only / "report" / "audit.html").exists()


def test_a_folder_without_outputs_is_refused(tmp_path):
    with pytest.raises(ReportError, match="none of a run's outputs"):
        write_report(tmp_path)


def test_no_page_references_anything_outside_itself(report, tmp_path):
    for path in _pages(report):
        assert not EXTERNAL.search(path.read_text()), path
    planted = tmp_path / "planted.html"
    planted.write_text('<link rel="stylesheet" href="https://cdn.example.com/x.css">')
    assert EXTERNAL.search(planted.read_text())  # the check itself sees a CDN link


# ---- in a browser -----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (CI installs it: .ci/run)")
# Headless, and every host name resolves to nothing: a page that asks the network gets an error
# (nothing leaves the machine), and the NetLog records that it asked.
BROWSER = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--disable-extensions",
           # a container's small /dev/shm and the crash handler are what hung headless runs here
           "--disable-dev-shm-usage", "--disable-crash-reporter"]


def _chromium(tmp_path: Path, page: Path, *args: str) -> str:
    for attempt in range(2):  # a browser that hangs at start-up is retried once, in a fresh profile
        profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
        try:
            done = subprocess.run([CHROMIUM, *BROWSER, f"--user-data-dir={profile}", *args, page.as_uri()],
                                  capture_output=True, text=True, timeout=120)
            break
        except subprocess.TimeoutExpired:
            if attempt:
                raise
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def page_requests(tmp_path: Path, page: Path) -> list[str]:
    """URLs the page itself asked for over the network (not Chromium's own update checks): its
    requests are the ones whose network isolation key is the file's."""
    log = tmp_path / f"{page.stem}.netlog.json"
    _chromium(tmp_path, page, f"--log-net-log={log}", "--dump-dom")
    netlog = json.loads(log.read_text())
    start = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in netlog["events"] if e["type"] == start
            and e.get("params", {}).get("network_isolation_key", "").startswith("file://")
            and not e["params"]["url"].startswith(("file:", "data:"))]


@needs_chromium
def test_the_browser_fetches_nothing_for_the_report_and_catches_a_planted_cdn_link(report, tmp_path):
    planted = tmp_path / "planted.html"
    planted.write_text('<!DOCTYPE html><link rel="stylesheet" href="https://cdn.example.com/x.css">'
                       '<p>planted</p><img src="https://cdn.example.com/logo.png">')
    assert "https://cdn.example.com/logo.png" in page_requests(tmp_path, planted)
    for page in (report / "index.html", report / "jobs" / "J1.html"):
        assert page_requests(tmp_path, page) == [], page


@needs_chromium
def test_the_browser_shows_the_title_a_candidate_and_plots_on_a_phone_and_a_desktop(report, tmp_path):
    index = _chromium(tmp_path, report / "index.html", "--dump-dom")
    job = _chromium(tmp_path, report / "jobs" / "J1.html", "--dump-dom")
    assert "Data Engineer &amp; Analyst" in index and re.search(r'<img class="plot" src="data:image/png', index)
    assert "<h1>Data Engineer &amp; Analyst (J1)</h1>" in job and ">R1</a>" in job
    assert re.search(r'<img class="plot" src="data:image/png', job)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in job
    for name, size in (("phone", "412,915"), ("desktop", "1280,900")):
        for page in ("index", "J1"):
            shot = tmp_path / f"{page}-{name}.png"
            source = report / ("index.html" if page == "index" else "jobs/J1.html")
            _chromium(tmp_path, source, f"--window-size={size}", f"--screenshot={shot}")
            assert shot.stat().st_size > 10_000, shot  # a blank page is a few hundred bytes
            if SHOTS.is_dir():
                shutil.copy(shot, SHOTS / f"test-{shot.name}")


def test_job_pages_flag_near_duplicates_and_low_confidence_on_rows_and_cards(report):
    j1, j2 = ((report / "jobs" / f"{job}.html").read_text() for job in ("J1", "J2"))
    card = j1[j1.index(f'id="{html.escape(HOSTILE_ID)}"'):]
    for text in (j1[:j1.index("<h2>Evidence</h2>")], card):  # the shortlist row and the card
        assert "near-duplicate of R1, ranked above on this shortlist" in text
        assert "near-duplicate of R1 in the scored pool" in text
    assert "near-duplicate" not in j1[j1.index('id="R1"'):j1.index(f'id="{html.escape(HOSTILE_ID)}"')]
    assert "low confidence: no requisition fit reaches score.fit_threshold" in j2  # R3: 0 jobs above
    assert "low confidence: no requisition" not in j1
    assert "under score.fit_threshold" in j1 and "dedup.threshold" in j1  # what the flags mean
