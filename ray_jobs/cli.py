"""The `recruit` command: one verb per job, Hydra overrides passed through, and a look at outputs.

    recruit demo                                   # the end-to-end job on local Ray
    recruit generate data.n_resumes=200000         # any ray_jobs/<verb>.py with Hydra overrides
    recruit ingest ingest.input=/data/cvs ingest.output_dir=/data/ingested   # PDF/DOCX/text in
    recruit score score.model_path=outputs/train/recruit-train/model
    recruit train -m train.lr=2e-5,5e-5            # Hydra multirun sweeps work the same way
    recruit audit audit.scores=outputs/scores      # bias audit of the recommendations
    recruit serve inputs.jobs=outputs/pool/jobs    # the scoring model over HTTP on 127.0.0.1:8000
    recruit show outputs/demo/match/shortlists     # print a Parquet output as a table
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

JOBS_DIR = Path(__file__).resolve().parent
VERBS = ("demo", "generate", "ingest", "train", "score", "match", "interview_pack", "schedule",
         "evaluate", "audit", "serve")


def show(path: str, rows: int, columns: list[str] | None) -> int:
    import pandas as pd
    import pyarrow.dataset as pads

    dataset = pads.dataset(path, format="parquet")
    table = dataset.head(rows, columns=columns or None)
    print(f"{path}: {dataset.count_rows()} rows; columns: {', '.join(dataset.schema.names)}")
    with pd.option_context("display.max_columns", 12, "display.width", 160, "display.max_colwidth", 40):
        print(table.to_pandas().to_string(index=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in VERBS:
        script = JOBS_DIR / f"{argv[0]}.py"
        if not script.is_file():
            print(f"recruit {argv[0]}: {script} is missing from this installation", file=sys.stderr)
            return 2
        # The job sets its own environment first thing (ray_jobs/_entry.py -> recruit_core.env).
        return subprocess.call([sys.executable, str(script), *argv[1:]])
    parser = argparse.ArgumentParser(prog="recruit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        sub.add_parser(verb, help=f"run ray_jobs/{verb}.py with Hydra overrides")
    show_cmd = sub.add_parser("show", help="print the first rows of a Parquet file or folder")
    show_cmd.add_argument("path")
    show_cmd.add_argument("-n", "--rows", type=int, default=10)
    show_cmd.add_argument("-c", "--columns", nargs="*")
    args = parser.parse_args(argv)
    return show(args.path, args.rows, args.columns)


if __name__ == "__main__":
    sys.exit(main())
