"""Benchmark results: one JSON line per run in bench/results.jsonl, rendered to bench/RESULTS.md.

Every benchmark script ends with

    from _results import record
    record(result, command="python bench/<name>.py ...")

`record` stamps the result with the UTC date, the git commit and the machine, appends it to the
history (rows are never removed: the table is how a regression is spotted) and regenerates the
Markdown table, newest first, with a "latest" section per benchmark. RECRUIT_BENCH_RESULTS_DIR moves
both files elsewhere (tests use a tmp dir); `python bench/_results.py <results.jsonl>` imports rows
measured on another machine (a GPU node). Stdlib, `recruit_core.io` (pyarrow) for its atomic
writes, and torch when it is installed, so the scripts also run on a bare GPU node.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # `python bench/_results.py rows.jsonl` runs from bench/
from recruit_core.io import write_text_atomic  # noqa: E402

RESULTS_DIR_ENV = "RECRUIT_BENCH_RESULTS_DIR"
COMMIT_ENV = "RECRUIT_BENCH_COMMIT"
# Fields of a row that are bookkeeping, not figures; they get their own columns.
_BOOKKEEPING = ("name", "ratio", "ratio_meaning", "machine", "date", "commit", "command")
# A table cell stays readable with this many figures; the JSON line keeps all of them.
_MAX_FIGURES = 8


def results_dir() -> Path:
    return Path(os.environ.get(RESULTS_DIR_ENV) or Path(__file__).resolve().parent)


def machine_info() -> dict:
    """What the figures depend on: cores, load, torch threads and version, accelerator. No hostname."""
    # The 1-minute load average: on a shared machine, a row measured under load says so itself.
    info = {"cpu_count": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)),
            "load_avg_1m": round(os.getloadavg()[0], 2)}
    try:
        import torch
    except ImportError:
        info["torch"] = None
        info["device"] = "cpu"
        return info
    info["torch"] = torch.__version__
    info["torch_threads"] = torch.get_num_threads()
    info["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return info


def _git(*args: str) -> str:
    # --no-optional-locks: never take the index lock while someone else commits in this repo.
    out = subprocess.run(["git", "--no-optional-locks", *args], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=30, check=True)
    return out.stdout.strip()


def git_commit() -> str:
    """Short hash of HEAD, with "-uncommitted" when tracked files differ; "unknown" outside git.
    RECRUIT_BENCH_COMMIT, when set, names the commit instead: a checkout copied to a GPU node may
    carry no .git, or a stale one."""
    if os.environ.get(COMMIT_ENV):
        return os.environ[COMMIT_ENV]
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        # the results files themselves change with every recorded row: they do not make code dirty
        dirty = _git("status", "--porcelain", "--untracked-files=no", "--", ".",
                     ":(exclude)bench/results.jsonl", ":(exclude)bench/RESULTS.md")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-uncommitted" if dirty else commit


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialise writers: two benchmarks finishing together must not interleave their rows."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".results.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_rows(folder: Path | None = None) -> list[dict]:
    """Every recorded row, oldest first; a torn or hand-broken line is skipped, not fatal."""
    path = (folder or results_dir()) / "results.jsonl"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def key_figures(row: dict) -> str:
    """The row's scalar figures as `k=v` pairs (nested detail stays in the JSON line)."""
    pairs = [f"{k}={_fmt(v)}" for k, v in row.items()
             if k not in _BOOKKEEPING and isinstance(v, (int, float, str, bool))]
    shown = pairs[:_MAX_FIGURES]
    if len(pairs) > len(shown):
        shown.append(f"(+{len(pairs) - len(shown)} more in results.jsonl)")
    return "; ".join(shown).replace("|", "/")


def _ratio(row: dict) -> str:
    ratio = _fmt(row.get("ratio", ""))
    return f"{ratio} ({row['ratio_meaning']})" if ratio and row.get("ratio_meaning") else ratio


def _table_row(row: dict) -> str:
    cells = [row.get("date", "?"), row.get("commit", "?"), row.get("name", "?"), key_figures(row),
             _ratio(row), f"`{row.get('command', '')}`",
             (row.get("machine") or {}).get("device", "?"),
             (row.get("machine") or {}).get("load_avg_1m", "?")]
    return "| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |"


def render_markdown(rows: list[dict]) -> str:
    header = ("| date (UTC) | commit | benchmark | key figures | ratio | command | device | load |\n"
              "|---|---|---|---|---|---|---|---|")
    # Rows recorded within the same second keep file order, newest last, hence reversed() first.
    newest_first = sorted(reversed(rows), key=lambda r: r.get("date", ""), reverse=True)
    latest: dict[str, dict] = {}
    for row in newest_first:
        latest.setdefault(row.get("name", "?"), row)
    parts = ["# Benchmark results", "",
             "Generated by `bench/_results.py` from `bench/results.jsonl`; do not edit by hand. "
             "How to run: `bench/README.md`. `load` is the machine's 1-minute load average when the "
             "row was recorded: on the shared 2-core machine, rows measured above ~2 are disturbed.",
             "", "## Latest per benchmark", ""]
    for name in sorted(latest):
        row = latest[name]
        parts += [f"### {name}", "", f"{row.get('date')} · commit {row.get('commit')} · "
                  f"`{row.get('command')}`", "", "```json",
                  json.dumps({k: v for k, v in row.items() if k not in ("date", "commit", "command")},
                             indent=1, sort_keys=True, default=str), "```", ""]
    parts += ["## History (newest first)", "", header, *(_table_row(r) for r in newest_first), ""]
    return "\n".join(parts)


def record(result: dict, command: str, folder: Path | None = None) -> dict:
    """Append `result` (stamped with date, commit, command, machine) and regenerate RESULTS.md."""
    if "name" not in result:
        raise ValueError(f"benchmark result {sorted(result)} has no 'name': add one, e.g. "
                         f"{{'name': 'score_throughput', ...}}")
    folder = Path(folder or results_dir())
    row = dict(result)
    row.setdefault("machine", machine_info())
    row["date"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    row["commit"] = git_commit()
    row["command"] = command.strip()
    with _locked(folder):
        with open(folder / "results.jsonl", "a", encoding="utf-8") as history:
            history.write(json.dumps(row, sort_keys=True, default=str) + "\n")
        write_text_atomic(render_markdown(load_rows(folder)), folder / "RESULTS.md")
    return row


def publish(result: dict, command: str) -> dict:
    """The benchmark convention's last step: add the machine, print the JSON line, record it."""
    result["machine"] = machine_info()
    print(json.dumps(result), flush=True)
    record(result, command.strip())
    return result


def import_rows(path: Path, folder: Path | None = None) -> int:
    """Append rows recorded elsewhere (a results.jsonl brought back from a GPU node) as they are:
    their date, commit, command and machine stay those of the run that measured them."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
    missing = [r for r in rows if not all(r.get(k) for k in ("name", "date", "command"))]
    if missing:
        raise ValueError(f"{path}: {len(missing)} row(s) lack name/date/command; not imported")
    folder = Path(folder or results_dir())
    with _locked(folder):
        with open(folder / "results.jsonl", "a", encoding="utf-8") as history:
            for row in rows:
                history.write(json.dumps(row, sort_keys=True, default=str) + "\n")
        write_text_atomic(render_markdown(load_rows(folder)), folder / "RESULTS.md")
    return len(rows)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Import benchmark rows measured on another machine "
                                     "into bench/results.jsonl and regenerate bench/RESULTS.md.")
    parser.add_argument("jsonl", type=Path, help="a results.jsonl written elsewhere "
                        "(RECRUIT_BENCH_RESULTS_DIR=<dir> on that machine)")
    print(f"imported {import_rows(parser.parse_args().jsonl)} row(s)")
