"""No personal data in logs, errors or outputs: scoring, matching and interview packs on a local Ray
over resumes with a planted name, e-mail address, phone number and a phrase of no type at all.

The phrase is never redacted, so it shows whether any log line or error quotes resume text; the
name, address and number show that redaction happens before the model, the outputs and the packs.
Logs read: the test's captured stdout/stderr and every file under the Ray session's log folder.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import compose_config

from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin

pytestmark = pytest.mark.ray
PHRASE = "Quokkamarmalade Zanzibarquill"  # in no list and of no type: never redacted
NAME = "Zebedee Okonkwo"
EMAIL = "zebedee.okonkwo@planted.example.org"
PHONE = "+44 20 7946 0321"
SECRETS = (PHRASE, NAME, "Okonkwo", EMAIL, "7946 0321")
CANARY = "Ptarmiganlog"  # printed on purpose: the logs the test reads do hold what is printed


def _planted(text: str) -> str:
    body = text.split("\n", 3)[3]  # the generated header (name, title, contact line) replaced
    return f"{NAME}\nData Analyst\n{EMAIL} | {PHONE}\n\nSummary\nKnown for {PHRASE}.\n\n{body}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pii")
    taxonomy = load_builtin()
    good, _ = resume_tables(taxonomy, 0, 0, 8, 0.0, 0.0)
    texts = [_planted(t) for t in good.column("text").to_pylist()]
    ids = good.column("resume_id").to_pylist()
    resumes = root / "resumes"
    resumes.mkdir()
    # good rows, and rows quarantined for their text: oversized, decoded lossily, a duplicate id
    pq.write_table(pa.table({"resume_id": ids + ["BIG", "LOSSY", ids[0]],
                             "text": texts + [PHRASE * 10_000, f"{PHRASE} {EMAIL} \ufffd", texts[1]]}),
                   resumes / "a.parquet", row_group_size=4)
    pq.write_table(pa.table({"resume_id": ["M1"], "body": [texts[2]]}), resumes / "b_no_text.parquet")
    pq.write_table(job_table(taxonomy, 0, 4), root / "jobs.parquet")
    return root


def _config(corpus: Path, out: Path, *extra: str):
    return compose_config(["experiment=smoke", "score.batch_size=4", f"inputs.resumes={corpus / 'resumes'}",
                           f"inputs.jobs={corpus / 'jobs.parquet'}", f"score.output_dir={out / 'scores'}",
                           f"match.output_dir={out / 'match'}", f"interview.output_dir={out / 'interview'}",
                           f"interview.shortlist_path={out / 'match' / 'shortlists'}", *extra])


def _texts_under(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text (Parquet decoded to its rows)."""
    found = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            found[str(path)] = json.dumps(pq.read_table(path).to_pylist(), default=str)
        else:
            found[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return found


def _leaks(texts: dict[str, str], secrets=SECRETS) -> list[str]:
    return [f"{path}: {secret!r}" for path, text in texts.items() for secret in secrets if secret in text]


@contextmanager
def _driver_output(path: Path):
    """Everything this process prints or logs goes to `path` meanwhile: file descriptors 1 and 2
    (native code, child processes), sys.stdout/sys.stderr (print, progress bars) and the root and
    `ray` loggers (Ray's own handlers hold the streams they were made with)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    loggers = [logging.getLogger(), logging.getLogger("ray")]
    with open(path, "w", encoding="utf-8", buffering=1) as sink:
        handler = logging.StreamHandler(sink)
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        for logger in loggers:
            logger.addHandler(handler)
        try:
            with redirect_stdout(sink), redirect_stderr(sink):
                yield
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
            for fd, copy in zip((1, 2), saved):
                os.dup2(copy, fd)
                os.close(copy)


@pytest.fixture(scope="module")
def runs(ray_local, corpus, tmp_path_factory):
    from recruit_core.interview import job_ray as interview
    from recruit_core.match import job_ray as match
    from recruit_core.score import job_ray as score
    out, driver = tmp_path_factory.mktemp("out"), tmp_path_factory.mktemp("driver") / "output.txt"
    cfg = _config(corpus, out)
    with _driver_output(driver):
        print(f"driver canary {CANARY}", flush=True)
        summaries = {"score": score.run(cfg), "match": match.run(cfg), "interview": interview.run(cfg)}
    return out, summaries, driver


def test_no_planted_text_in_driver_output_or_ray_logs(runs):
    import ray

    @ray.remote(num_cpus=0.25)
    def worker_canary() -> None:
        print(f"worker canary {CANARY}", flush=True)

    ray.get(worker_canary.remote())
    session = Path(ray._private.worker._global_node.get_session_dir_path()) / "logs"
    time.sleep(1)  # the canary's line reaches its worker-*.out file
    logs = {**_texts_under(session), "driver": runs[2].read_text(errors="replace"),
            "summaries": json.dumps(runs[1], default=str)}
    # the check reads what it should: the driver's output and the workers' logs
    assert len(_leaks(logs, [f"driver canary {CANARY}", f"worker canary {CANARY}"])) == 2
    assert "rows in 12 = rows scored 8 + rows quarantined 4" in logs["driver"]
    assert _leaks(logs) == []


def test_outputs_hold_counts_and_ids_never_the_text(runs):
    out, summaries, _ = runs
    outputs = _texts_under(out)
    assert _leaks(outputs) == [], "planted values in outputs"
    scores = pq.read_table(out / "scores" / "scores").to_pylist()
    assert len(scores) == 8
    assert all(r["pii_redacted"]["email"] == 1 and r["pii_redacted"]["name"] >= 1 for r in scores)
    totals = summaries["score"]["pii_redacted"]
    assert totals["email"] == 8 and totals["phone"] == 8
    quarantine = pq.read_table(out / "scores" / "quarantine").to_pylist()
    assert {r["resume_id"] for r in quarantine} >= {"BIG", "LOSSY", "M1"}
    assert list(out.glob("interview/packs/*/*.md"))


def test_quarantined_text_is_never_quoted_in_a_detail(corpus, tmp_path):
    from recruit_core.data.intake import check_files
    from recruit_core.score.job_ray import preflight
    files = check_files(sorted((corpus / "resumes").glob("*.parquet")))
    assert _leaks({c.path: c.detail for c in files.problems}) == []
    (corpus / "resumes" / "c_broken.parquet").write_bytes(PHRASE.encode() * 3)
    try:
        with pytest.raises(RuntimeError) as failure:
            preflight(_config(corpus, tmp_path, "score.on_unreadable_file=fail"))
        assert "c_broken.parquet" in str(failure.value) and PHRASE not in str(failure.value)
    finally:
        (corpus / "resumes" / "c_broken.parquet").unlink()
