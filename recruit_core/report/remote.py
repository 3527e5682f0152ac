"""`recruit report s3://bucket/run`: the HTML report of a run whose output_root is in an object store.

    recruit report s3://bucket/runs/demo            # -> s3://bucket/runs/demo/report/index.html
    recruit report s3://bucket/runs/demo -o /tmp/demo-report

The report is built from local files (recruit_core/report/build.py), so the outputs it reads, and
only those (REPORT_INPUTS: summaries, score, quarantine, shortlist and schedule tables, packs,
eval.json files), are downloaded into a temp folder first; the pages are then uploaded, each page
one object, index.html last, so a reader who finds the index finds every page it links to.
"""
from __future__ import annotations

import posixpath
import re
import tempfile
from pathlib import Path

from recruit_core import storage
from recruit_core.report.outputs import ReportError

# The run's files that RunOutputs.read and the pages read, by their key under the run's root.
REPORT_INPUTS = re.compile(
    r"demo_summary\.json|(scores|match)/summary\.json|scores/(scores|quarantine)/.*\.parquet"
    r"|scores/near_duplicates\.parquet|pool/(jobs|resumes)/.*|match/shortlists/.*|interview/.*"
    r"|train/[^/]+/eval\.json|eval/[^/]+/(report\.json|predictions\.parquet)|audit/audit\.json"
    r"|drift/drift\.json")


def write_report_from_store(root: str, out: str | None = None) -> str:
    """Write the report of the run under `root` to `out`, either or both of them URIs (default
    <root>/report); returns the index page's URI or path."""
    from recruit_core.report.build import write_report
    out = out or storage.join(root, "report")
    with tempfile.TemporaryDirectory(prefix="recruit-report-") as scratch:
        local_root, shown = Path(root), None
        if storage.is_remote(root):
            # named as the run: its name is the report's title
            local_root = Path(scratch) / (posixpath.basename(root.rstrip("/")) or "run")
            shown = root
            if not _download_inputs(root, local_root):
                raise ReportError(f"{root}: none of a run's outputs (scores/, match/, interview/, "
                                  "train/, audit/, drift/, demo_summary.json) are there; give a "
                                  "run's output_root")
        if not storage.is_remote(out):
            return str(write_report(local_root, Path(out), shown_root=shown))
        index = write_report(local_root, Path(scratch) / "report", shown_root=shown)
        return _upload_pages(index.parent, out)


def _download_inputs(root: str, local_root: Path) -> int:
    prefix = root.rstrip("/") + "/"
    copied = 0
    for uri in storage.files_under(root):
        key = uri[len(prefix):]
        if not REPORT_INPUTS.fullmatch(key):
            continue
        data = storage.read_bytes(uri)
        if data is None:
            continue  # removed since listing: the report shows what is there
        (local_root / key).parent.mkdir(parents=True, exist_ok=True)
        (local_root / key).write_bytes(data)
        copied += 1
    return copied


def _upload_pages(folder: Path, out: str) -> str:
    pages = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (p.name == "index.html", p.as_posix()))
    for page in pages:
        storage.put(page.read_bytes(), storage.join(out, page.relative_to(folder).as_posix()))
    return storage.join(out, "index.html")
