"""The `recruit` command as a user meets it: `show` on every kind of output, one-line errors with
exit code 2, a fast `--help` per job, the README's commands, the demo's list of outputs."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from run_outputs import write_run

from ray_jobs.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return write_run(tmp_path_factory.mktemp("run") / "demo")


def _recruit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ray_jobs.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_show_a_job_folder_reads_its_parquet_and_leaves_manifest_jsonl_alone(run_dir, capsys):
    assert main(["show", str(run_dir / "scores")]) == 0
    out = capsys.readouterr().out
    assert f"{run_dir / 'scores' / 'scores'}: 3 rows" in out and "data_engineer" in out
    assert f"{run_dir / 'scores' / 'quarantine'}: 1 rows" in out and "empty_text" in out
    assert "also here: manifest.jsonl, summary.json" in out


@pytest.mark.parametrize("name, expected", [
    ("scores/manifest.jsonl", "1 rows; columns: input_file, rows"),
    ("scores/summary.json", '"rows_quarantined": 1'),
    ("interview/packs/J1/R1.md", "How would you schedule a DAG?"),
])
def test_show_prints_jsonl_json_and_markdown(run_dir, capsys, name, expected):
    assert main(["show", str(run_dir / name)]) == 0
    assert expected in capsys.readouterr().out


def test_show_prints_a_calendar(tmp_path, capsys):
    (tmp_path / "panel.ics").write_text("BEGIN:VCALENDAR\nSUMMARY:Interview R1\nEND:VCALENDAR\n")
    assert main(["show", str(tmp_path / "panel.ics")]) == 0
    assert "SUMMARY:Interview R1" in capsys.readouterr().out


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "nowhere", "no such file or folder"),
    (lambda d: _write(d / "photo.png", b"\x89PNG"), "cannot show a .png"),
    (lambda d: _write(d / "broken.parquet", b"not parquet at all"), "not readable as Parquet"),
    (lambda d: _write(d / "broken.json", b"{oops"), "not valid JSON"),
    (lambda d: _write(d / "empty" / "notes.txt", b"x").parent, "no Parquet files under it"),
])
def test_show_answers_a_wrong_path_or_type_in_one_line_with_exit_code_2(tmp_path, capsys, make, message):
    assert main(["show", str(make(tmp_path))]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out


def test_show_names_the_columns_when_one_is_unknown(run_dir, capsys):
    assert main(["show", str(run_dir / "match" / "shortlists"), "-c", "rank", "salary"]) == 2
    assert "no column salary; its columns: job_id, rank" in capsys.readouterr().err


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_job_help_lists_that_jobs_settings_without_importing_ray_or_torch():
    done = subprocess.run([sys.executable, "-c", "import sys; from ray_jobs.cli import main; "
                           "code = main(['score', 'experiment=demo', '--help']); "
                           "print('loaded:', sorted(m for m in ('ray', 'torch') if m in sys.modules)); "
                           "sys.exit(code)"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "loaded: []" in out
    assert "score.batch_size=32" in out and "# resumes per actor call" in out  # experiment=demo's value
    assert "inputs.resumes=outputs/demo/pool/resumes" in out
    assert "match.top_k_jobs" not in out and "train.lr" not in out and "audit." not in out


def test_job_help_refuses_an_unknown_key_in_one_line(capsys):
    assert main(["score", "score.no_such_key=1", "--help"]) == 2
    assert "no_such_key" in capsys.readouterr().err


@pytest.mark.parametrize("override, message", [
    ("score.no_such_key=1", "no_such_key"),           # Hydra refuses it before the job starts
    ("score.top_jobs=0", "score.top_jobs=0: must be >= 1"),  # the schema's range check
    ("inputs.resumes=/nowhere/resumes", "no such Parquet file or folder"),  # preflight, before Ray
])
def test_a_job_given_a_wrong_setting_or_input_exits_2_in_a_line_or_two(tmp_path, override, message):
    done = _recruit("score", f"output_root={tmp_path}", override, cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]


def test_recruit_report_writes_the_report_and_refuses_a_folder_without_outputs(run_dir, tmp_path, capsys):
    assert main(["report", str(run_dir), "-o", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "index.html").is_file() and "report: " in capsys.readouterr().out
    assert main(["report", str(tmp_path / "r" / "jobs")]) == 2
    assert "none of a run's outputs" in capsys.readouterr().err


def _readme_commands(verb: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return sorted(set(re.findall(rf"^\s*(?:\.venv/bin/)?recruit {verb} (\S+)", text, re.M)))


@pytest.mark.parametrize("verb", ["show", "report"])
def test_the_readme_recruit_show_and_report_lines_work_on_a_demo_folder(run_dir, tmp_path, verb, capsys):
    """README's commands, with outputs/demo pointing at a run of the same layout."""
    paths = _readme_commands(verb)
    assert paths, f"README.md shows no `recruit {verb}` command"
    for path in paths:
        assert path.startswith("outputs/demo"), path
        target = run_dir / Path(path).relative_to("outputs/demo")
        args = [str(target)] + (["-o", str(tmp_path / "report")] if verb == "report" else [])
        assert main([verb, *args]) == 0, (path, capsys.readouterr().err)


def test_the_demo_lists_only_outputs_that_exist_by_absolute_path(tmp_path, monkeypatch):
    from recruit_core.demo_ray import output_paths
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out" / "scores").mkdir(parents=True)
    summary = {"outputs": {"score": {"scores": "out/scores", "quarantine": "out/quarantine", "rows_in": 3},
                           "match": {"scores_again": str(tmp_path / "out" / "scores")}}}
    assert output_paths(summary) == [("score", "scores", tmp_path / "out" / "scores")]
