"""The `recruit` command: one verb per job, Hydra overrides passed through, and a look at outputs.

    recruit demo                                   # the end-to-end job on local Ray
    recruit generate data.n_resumes=200000         # any ray_jobs/<verb>.py with Hydra overrides
    recruit ingest ingest.input=/data/cvs ingest.output_dir=/data/ingested   # PDF/DOCX/text in
    recruit score score.model_path=outputs/train/recruit-train/model
    recruit train -m train.lr=2e-5,5e-5            # Hydra multirun sweeps work the same way
    recruit sweep train.lr=2e-5,5e-5               # the same sweep, trials side by side on Ray
    recruit audit audit.scores=outputs/scores      # bias audit of the recommendations
    recruit drift outputs/a/scores outputs/b/scores   # what changed between two score runs
    recruit feedback feedback.decisions=d.parquet feedback.feedback=f.parquet   # question quality
    recruit score --help                           # score's settings, their values and meaning
    recruit serve inputs.jobs=outputs/pool/jobs    # the scoring model over HTTP on 127.0.0.1:8000
    recruit show outputs/demo/match/shortlists     # any output: Parquet, .jsonl, .json, .md, .ics
    recruit report outputs/demo                    # a run's HTML report: outputs/demo/report/index.html
    recruit report s3://bucket/runs/demo           # a run in an object store: its report there too
    recruit -v demo                                # with Ray's own logs (also RECRUIT_VERBOSE=1)

Exit codes: 0 done; 2 a wrong command, setting or input (one line says which); 1 a job failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

JOBS_DIR = Path(__file__).resolve().parent
VERBS = ("demo", "generate", "ingest", "train", "sweep", "score", "match", "interview_pack", "schedule",
         "evaluate", "audit", "serve", "drift", "feedback")
# `recruit drift A B`: the two folders given by position are these settings
POSITIONAL = {"drift": ("drift.baseline", "drift.current")}
USAGE = 2


def job_help(verb: str, overrides: list[str]) -> int:
    """`recruit <verb> --help`: composed without starting the job (no Ray, no torch)."""
    from ray_jobs._entry import CONFIG_PATH, compose_config
    from recruit_core.config_help import job_help as text
    try:
        cfg = compose_config([o for o in overrides if o not in ("-h", "--help", "-m", "--multirun")])
    except Exception as error:  # Hydra's parse and composition errors share no base class
        print(f"recruit {verb}: {str(error).strip().splitlines()[0]}", file=sys.stderr)
        return USAGE
    print(text(verb, cfg, Path(CONFIG_PATH)))
    return 0


def positional_overrides(verb: str, args: list[str]) -> list[str]:
    """Arguments without '=' (and not options) name the verb's POSITIONAL settings, in order."""
    names = iter(POSITIONAL.get(verb, ()))
    return [f"{next(names)}={a}" if "=" not in a and not a.startswith("-")
            and verb in POSITIONAL else a for a in args]


def run_job(verb: str, args: list[str]) -> int:
    script = JOBS_DIR / f"{verb}.py"
    if not script.is_file():
        print(f"recruit {verb}: {script} is missing from this installation", file=sys.stderr)
        return USAGE
    if "-h" in args or "--help" in args:
        return job_help(verb, args)
    args = positional_overrides(verb, args)
    # The job sets its own environment first thing (ray_jobs/_entry.py -> recruit_core.env) and
    # exits 0, 1 or 2 itself (_entry.main_for).
    return subprocess.call([sys.executable, str(script), *args])


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="recruit", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("-v", "--verbose", action="store_true",
                     help="show Ray's, Ray Data's and transformers' own logs")
    sub = top.add_subparsers(dest="command", required=True)
    for verb in VERBS:
        sub.add_parser(verb, help=f"run ray_jobs/{verb}.py with Hydra overrides "
                                  f"(recruit {verb} --help: its settings)")
    show_cmd = sub.add_parser("show", help="print an output: Parquet file or folder, .jsonl, .json, .md, .ics")
    show_cmd.add_argument("path")
    show_cmd.add_argument("-n", "--rows", type=int, default=10)
    show_cmd.add_argument("-c", "--columns", nargs="*")
    report_cmd = sub.add_parser("report", help="write a run's HTML report (<output dir>/report/index.html)")
    report_cmd.add_argument("output_dir", help="a run's output_root, e.g. outputs/demo")
    report_cmd.add_argument("-o", "--out", help="where to write it (default: <output_dir>/report)")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-v"], ["--verbose"]):
        os.environ["RECRUIT_VERBOSE"] = "1"  # read by recruit_core.env in the job's process
        argv = argv[1:]
    if argv and argv[0] in VERBS:
        return run_job(argv[0], argv[1:])
    try:
        args = parser().parse_args(argv)
    except SystemExit as done:  # argparse: 0 after --help, 2 on a usage error
        return int(done.code or 0)
    if args.command == "show":
        from recruit_core.report.show import ShowError, show
        try:
            show(args.path, args.rows, args.columns)
        except ShowError as error:
            print(f"recruit show: {error}", file=sys.stderr)
            return USAGE
        return 0
    from recruit_core import storage
    from recruit_core.report.build import ReportError, write_report
    try:
        if storage.is_remote(args.output_dir) or storage.is_remote(args.out or ""):
            from recruit_core.report.remote import write_report_from_store
            print(f"report: {write_report_from_store(args.output_dir, args.out)}")
            return 0
        index = write_report(Path(args.output_dir), Path(args.out) if args.out else None)
    except ReportError as error:
        print(f"recruit report: {error}", file=sys.stderr)
        return USAGE
    print(f"report: {index.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
