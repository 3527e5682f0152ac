"""Ray Data scoring throughput vs a bare single-process loop: same model, data and total threads.

    .venv/bin/python bench/score_throughput.py                          # 4,000 resumes, the default
    .venv/bin/python bench/score_throughput.py --resumes 800 --variants all   # the variant table

The pool comes from `ray_jobs/generate.py`'s run into a temp dir. The bare loop reads Parquet
batches, validates them, scores them with the same `ResumeScorer` (same tokenizer, same model) using
all threads, and writes Parquet; each Ray variant is a whole `ray_jobs/score.py` run. Both timings
include loading the model and embedding the requisitions. Baselines run first and last and are
averaged (the machine is shared); ratio = Ray rows/s / bare rows/s, goal >= 0.95.

Other users' load moves wall-clock ratios by tens of percent on a shared machine, so each run also
reports its CPU seconds (this process and all its descendants, every Ray worker included, sampled
per process so workers that exit still count) and `cpu_ratio` = bare CPU s / Ray CPU s per row:
the work Ray adds, whatever else runs on the machine. It does not see idle time (an actor waiting
for the last batch of another), which the wall-clock ratio does. `cpu_s_by_role` splits a Ray
run's CPU seconds between the driver, Ray's own processes (raylet, GCS, dashboard), the model
actors and the other workers (read, tokenize and write tasks, idle workers): where Ray's extra goes.
Each Ray run starts its own local Ray, as a job does.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import torch  # noqa: E402

from _process_tree import CpuSeconds  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402  (also sets the offline environment)
from recruit_core.config import RecruitConfig  # noqa: E402
from recruit_core.data.validate import validate_resumes  # noqa: E402
from recruit_core.io import parquet_files  # noqa: E402
from recruit_core.privacy.redact import redact_resumes  # noqa: E402
from recruit_core.score.scorer import ResumeScorer  # noqa: E402

# (name, overrides): where tokenization runs, batch size, how the threads are split. The first is
# the config default; the rest are what was tried against it.
VARIANTS = {
    "2 actors x 1 thread, tokenize in actor, batch 64 (default)": [],
    "the default with Ray's dashboard on": ["cluster.include_dashboard=true"],
    "2 actors x 1 thread, tokenize in 0.5-CPU tasks, batch 64": ["score.tokenize_in_actor=false"],
    "2 actors x 1 thread, tokenize in 0.25-CPU tasks, batch 64": ["score.tokenize_in_actor=false",
                                                                  "score.cpus_per_task=0.25"],
    "1 actor x 2 threads, tokenize in actor, batch 64": ["score.pool_size=1", "score.torch_threads=2",
                                                         "score.cpus_per_actor=1"],
    "2 actors x 1 thread, tokenize in actor, batch 16": ["score.batch_size=16"],
    "2 actors x 1 thread, tokenize in actor, batch 128": ["score.batch_size=128"],
}


def config(overrides: list[str]) -> RecruitConfig:
    return compose_config(overrides)


def bare_loop(cfg: RecruitConfig, output: Path, threads: int) -> tuple[int, float, float]:
    """The single-process reference: Parquet batches -> validate -> redact -> tokenize + model ->
    Parquet."""
    torch.set_num_threads(threads)
    started, cpu_started = time.perf_counter(), time.process_time()
    scorer = ResumeScorer.from_config(cfg.score, cfg.model, cfg.data, jobs_path=cfg.inputs.jobs)
    rows = 0
    output.mkdir(parents=True, exist_ok=True)
    for path in parquet_files(cfg.inputs.resumes):
        writer, position = None, 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=cfg.score.batch_size,
                                                       columns=["resume_id", "text"]):
            validated = redact_resumes(validate_resumes(pa_table(batch), str(path), position,
                                                        cfg.inputs.max_text_chars), cfg.privacy)
            position += batch.num_rows
            good = validated.filter(pc.is_null(validated.column("reason")))
            with torch.inference_mode():
                scored = scorer.score_table(good.select(["resume_id", "text"]))
            writer = writer or pq.ParquetWriter(output / path.name, scored.schema, compression="zstd")
            writer.write_table(scored)
            rows += scored.num_rows
        if writer:
            writer.close()
    return rows, time.perf_counter() - started, time.process_time() - cpu_started


def pa_table(batch):
    import pyarrow as pa
    return pa.Table.from_batches([batch])


def ray_run(base: list[str], overrides: list[str], output: Path) -> tuple[int, float, float, dict]:
    import ray

    from recruit_core.score import job_ray as score
    ray.shutdown()  # each variant starts its own Ray, as a job does: start-up is part of its cost
    with CpuSeconds() as cpu:
        started = time.perf_counter()
        summary = score.run(config([*base, f"score.output_dir={output}", "score.overwrite=true",
                                    *overrides]))
        seconds = time.perf_counter() - started
    ray.shutdown()  # an idle Ray left running would take CPU from the bare loop after it
    return summary["rows_scored"], seconds, cpu.seconds, cpu.by_role


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resumes", type=int, default=4000)
    parser.add_argument("--shard-rows", type=int, default=250)  # 16 files for 4,000: work for every actor
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--variants", default="default",
                        help="default | all | 1-based numbers of VARIANTS, e.g. 1,2")
    parser.add_argument("--threads", type=int, default=2)  # the cores of this machine
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="score_bench_"))
    base = [f"model={args.model}", f"data.dir={work / 'pool'}", f"data.n_resumes={args.resumes}",
            f"data.shard_rows={args.shard_rows}", "data.n_jobs=60", f"cluster.num_cpus={args.threads}"]
    from recruit_core.data import job_ray as generate
    generate.run(config(base))
    cfg = config(base)
    names = list(VARIANTS)
    if args.variants != "all":  # "default" or 1-based numbers of VARIANTS: "1,2"
        picks = [1] if args.variants == "default" else [int(i) for i in args.variants.split(",")]
        names = [names[i - 1] for i in picks]
    first = bare_loop(cfg, work / "bare_first", args.threads)
    runs = {name: ray_run(base, VARIANTS[name], work / f"ray_{i}") for i, name in enumerate(names)}
    last = bare_loop(cfg, work / "bare_last", args.threads)
    bare_rate = (first[0] / first[1] + last[0] / last[1]) / 2
    bare_cpu_per_row = (first[2] / first[0] + last[2] / last[0]) / 2
    table = [{"variant": name, "rows": rows, "seconds": round(seconds, 1), "cpu_s": round(cpu, 1),
              "cpu_s_by_role": {k: round(v, 1) for k, v in sorted(roles.items())},
              "rows_per_s": round(rows / seconds, 2), "ratio": round(rows / seconds / bare_rate, 3),
              "cpu_ratio": round(bare_cpu_per_row / (cpu / rows), 3)}
             for name, (rows, seconds, cpu, roles) in runs.items()]
    result = {"name": "score_throughput", "model": args.model, "resumes": args.resumes,
              "files": len(parquet_files(cfg.inputs.resumes)), "threads": args.threads,
              "bare_rows_per_s": round(bare_rate, 2),
              "bare_seconds_first_last": [round(first[1], 1), round(last[1], 1)],
              "bare_cpu_s_first_last": [round(first[2], 1), round(last[2], 1)],
              "ray_rows_per_s": table[0]["rows_per_s"], "cpu_ratio": table[0]["cpu_ratio"],
              "bare_cpu_s": round((first[2] + last[2]) / 2, 1), "ray_cpu_s_by_role": table[0]["cpu_s_by_role"],
              "variants": table, "ratio": table[0]["ratio"]}
    print(json.dumps(result))
    try:
        from _results import record
    except ImportError:
        return result
    record(result, command="python bench/score_throughput.py " + " ".join(sys.argv[1:]))
    return result


if __name__ == "__main__":
    main()
