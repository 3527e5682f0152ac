"""`recruit show PATH`: a look at any output of a job, in the terminal.

    recruit show outputs/demo/match/shortlists          # a Parquet folder: its rows as a table
    recruit show outputs/demo/scores                    # scores/ and quarantine/, one table each
    recruit show outputs/demo/scores/manifest.jsonl -n 5
    recruit show outputs/demo/match/summary.json
    recruit show outputs/demo/interview/packs/J0001/R00042.md

Parquet files and folders (files not named *.parquet, such as manifest.jsonl, are left out, the
same rule the jobs read inputs by: recruit_core/io.py), .jsonl and .csv as tables, .json, .md,
.ics and .txt as text. A wrong path or type is a `ShowError`: one line for the user, no traceback.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

TEXT_SUFFIXES = (".json", ".md", ".ics", ".txt", ".html")
TABLE_SUFFIXES = (".parquet", ".jsonl", ".csv")


class ShowError(ValueError):
    """What cannot be shown, and what to do instead."""


# Columns left out of a table unless asked for with -c: 128 numbers a row that no one reads.
UNSHOWN = ("minhash",)


def show(path: str, rows: int = 10, columns: list[str] | None = None) -> None:
    """Print `path` (file or folder): tables show `rows` rows of `columns` (default: all)."""
    target = Path(path)
    if not target.exists():
        raise ShowError(f"{path}: no such file or folder; check the path (outputs are under "
                        "output_root, e.g. outputs/demo)")
    if rows < 0:
        raise ShowError(f"--rows {rows}: must be 0 or more")
    if target.is_dir():
        return _show_folder(target, rows, columns)
    suffix = target.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _show_text(target)
    if suffix in TABLE_SUFFIXES:
        return _print_table(str(target), _read_rows(target, suffix), rows, columns)
    raise ShowError(f"{path}: cannot show a {suffix or 'file without a suffix'}; "
                    f"show a Parquet file or folder, or a {', '.join(TABLE_SUFFIXES[1:] + TEXT_SUFFIXES)} file")


def _show_folder(folder: Path, rows: int, columns: list[str] | None) -> None:
    from recruit_core.io import NoInputFilesError, list_input_files
    try:
        listing = list_input_files(folder)
    except NoInputFilesError:
        others = sorted(p.name for p in folder.iterdir())[:8]
        raise ShowError(f"{folder}: no Parquet files under it"
                        + (f"; it holds {', '.join(others)}: show one of them" if others else "")) from None
    by_folder = defaultdict(list)
    for file in listing.files:  # a file at the top is a table of its own; a folder's files, one
        by_folder[file if file.parent == folder else file.parent].append(file)
    for parent, files in sorted(by_folder.items()):
        _print_table(str(parent), _read_parquet(files), rows, columns)
    others = [p for p in sorted(folder.iterdir()) if p.is_file()
              and p.suffix.lower() in TEXT_SUFFIXES + (".jsonl",)]
    if others:
        print(f"also here: {', '.join(p.name for p in others)} (recruit show {folder}/<name>)")


def _read_parquet(files: list[Path]):
    import pyarrow as pa
    import pyarrow.parquet as pq
    try:
        tables = [pq.read_table(f) for f in files]
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()
    except (pa.ArrowException, OSError) as error:
        raise ShowError(f"{files[0].parent}: not readable as Parquet ({_first_line(error)})") from None


def _read_rows(target: Path, suffix: str):
    import pandas as pd
    if suffix == ".parquet":
        return _read_parquet([target])
    try:
        if suffix == ".csv":
            return pd.read_csv(target)
        return pd.DataFrame.from_records(
            [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()])
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ShowError(f"{target}: not readable as {suffix} ({_first_line(error)})") from None


def _print_table(name: str, frame, rows: int, columns: list[str] | None) -> None:
    import pandas as pd
    if columns:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ShowError(f"{name}: no column {', '.join(unknown)}; its columns: "
                            f"{', '.join(map(str, frame.columns))}")
        frame = frame[columns]
    print(f"{name}: {len(frame)} rows; columns: {', '.join(map(str, frame.columns))}")
    shown = frame if columns else frame.drop(columns=[c for c in UNSHOWN if c in frame.columns])
    with pd.option_context("display.max_columns", 12, "display.width", 160):
        print(shown.head(rows).to_string(index=False, max_colwidth=40))


def _show_text(target: Path) -> None:
    try:
        text = target.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ShowError(f"{target}: not a text file") from None
    if target.suffix.lower() == ".json":
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError as error:
            raise ShowError(f"{target}: not valid JSON ({_first_line(error)})") from None
    print(text.rstrip("\n"))


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
