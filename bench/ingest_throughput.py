"""Ingest throughput: resume files/s per core for PDF and DOCX, and peak memory against file count.

    .venv/bin/python bench/ingest_throughput.py                    # 40 and 400 files of each kind
    .venv/bin/python bench/ingest_throughput.py --small 20 --quick # 20 and 200 (suite, quick: 10)

Times the parse task the job runs (`recruit_core.ingest.outputs.parse_units`: read, hash, extract,
check, stage the unit's Parquet) over work units of `ingest.files_per_unit` files, in a fresh
process per run, like one Ray worker running task after task. Files/s per core = files / CPU
seconds of that process (the machine is shared, so wall time says little). PDFs: the livecareer
PDFs (../shared/data), else PDFs written from generated resumes; DOCX: written here with
python-docx from the same texts. Memory: the peak RSS of the process for `--small` files and for
each of them copied 10 times; `ratio` is the larger of the two kinds' peak(10x) / peak(1x), and should stay <= 1.2:
a task holds one unit at a time, so memory must not grow with the number of files.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIVECAREER = ROOT.parent / "shared/data/livecareer"


def resume_texts(n: int) -> list[str]:
    parquet = LIVECAREER / "resumes.parquet"
    if parquet.is_file():
        import pyarrow.parquet as pq
        texts = [t for t in pq.read_table(parquet, columns=["text"]).column("text").to_pylist() if t]
    else:
        from recruit_core.data.synth import resume_tables
        from recruit_core.data.taxonomy import load_builtin
        texts = resume_tables(load_builtin(), 0, 0, min(n, 2000), 0.15, 0.0)[0].column("text").to_pylist()
    return [texts[i % len(texts)] for i in range(n)]


def make_files(kind: str, n: int, folder: Path) -> list[str]:
    """n resume files of `kind` in `folder` (livecareer PDFs are used in place)."""
    from recruit_core.ingest import samples
    pdfs = sorted((LIVECAREER / "pdf").glob("*/*/*.pdf"))
    if kind == "pdf" and len(pdfs) >= n:
        return [str(p) for p in pdfs[:n]]
    paths = []
    for i, text in enumerate(resume_texts(n)):
        path = folder / f"{i:06d}.{kind}"
        data = samples.pdf_bytes(samples.text_pages(text)) if kind == "pdf" else samples.docx_bytes(text)
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def child(listed: str) -> dict:
    """One measured run in this (fresh) process: parse_units over units, like a Ray worker."""
    import pyarrow as pa

    from recruit_core.config import IngestConfig
    from recruit_core.ingest.job_ray import limits
    from recruit_core.ingest.outputs import parse_units
    from recruit_core.ingest.sources import SourceFile, work_units
    ingest = IngestConfig()
    paths = Path(listed).read_text().split("\n")
    n = len(paths)
    with tempfile.TemporaryDirectory() as scratch:
        units = work_units([SourceFile(p, os.path.getsize(p)) for p in paths], ingest.files_per_unit,
                           ingest.unit_mb * 2**20)
        started_cpu, started = time.process_time(), time.perf_counter()
        outcomes = 0
        for unit in units:
            table = pa.table({"key": [unit.key], "paths": [unit.paths]})
            done = parse_units(table, output_dir=str(Path(scratch) / "out"), limits=limits(ingest),
                               labels_from_path=False)
            outcomes += sum(1 for r in done.column("reason").to_pylist() if r is None)
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    return {"files": n, "ingested": outcomes, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "files_per_cpu_s": round(n / cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def measure(kind: str, n: int, copies: int) -> dict:
    """`n` files made here, each copied `copies` times, parsed in a child process whose peak RSS is
    the parse path's alone. Copies, not more files: the peak then cannot rise just because a larger
    set holds a larger resume, only if memory grows with the number of files."""
    with tempfile.TemporaryDirectory() as scratch:
        originals = make_files(kind, n, Path(scratch))
        paths = []
        for copy in range(copies):
            for original in originals:
                paths.append(str(Path(scratch) / f"copy{copy}-{Path(original).name}"))
                shutil.copyfile(original, paths[-1])
        listed = Path(scratch) / "files.txt"
        listed.write_text("\n".join(paths))
        done = subprocess.run([sys.executable, __file__, "--child", str(listed)], capture_output=True,
                              text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=0, help="files in the 1x run (10x in the other)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", metavar="LIST", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return {}
    quick = args.quick or os.environ.get("RECRUIT_BENCH_QUICK") == "1"
    suite = os.environ.get("RECRUIT_BENCH_SUITE") == "1"
    small = args.small or (10 if quick else 20 if suite else 40)
    result = {"name": "ingest_throughput", "quick": quick, "small_files": small,
              "pdf_source": "livecareer" if (LIVECAREER / "pdf").is_dir() else "generated"}
    ratios = []
    for kind in ("pdf", "docx"):
        one, ten = measure(kind, small, 1), measure(kind, small, 10)
        result[kind] = {"files_per_s_per_core": ten["files_per_cpu_s"], "1x": one, "10x": ten,
                        "peak_rss_ratio": round(ten["peak_rss_mb"] / one["peak_rss_mb"], 3)}
        ratios.append(result[kind]["peak_rss_ratio"])
    result["ratio"] = max(ratios)
    result["ratio_meaning"] = "peak RSS with 10x the files / with 1x (worst of PDF, DOCX); <= 1.2 is flat"
    print(json.dumps(result, sort_keys=True))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/ingest_throughput.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
