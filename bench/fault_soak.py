"""Fault soak: scoring survives losing a worker node, a model actor or its driver; training a worker.

    .venv/bin/python bench/fault_soak.py                       # each fault twice
    .venv/bin/python bench/fault_soak.py --faults node --repeat 5 --no-record

One multi-node Ray on 127.0.0.1 (a head without CPUs and --nodes worker nodes of --cpus-per-node
CPUs), one synthetic corpus, one undisturbed run; then each fault --repeat times, each run into a
fresh folder (recruit_core/score/faults_ray.py says how each fault is injected; train_worker, a Ray
Train worker SIGKILLed mid-run: recruit_core/train/faults_ray.py). One JSON row per
fault: runs, injected (the fault landed after the first and before the last commit), survived (the
job finished and its outputs equal the undisturbed run's bit for bit), rows lost and duplicated
summed over the runs, and the wall and CPU seconds of the whole soak (this process and every Ray
process of the cluster, sampled per process: the machine is shared, so CPU time is the steadier).
For train_worker, survived means the run restarted at its checkpoint, trained only the steps after
it and published its model.
--json-out also writes the rows to a file (the tests read it).
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

from _process_tree import CpuSeconds  # noqa: E402
from ray_jobs._entry import compose_config  # noqa: E402  (also sets the offline environment)
from recruit_core.score import faults_ray  # noqa: E402
from recruit_core.train.faults_ray import drill_training  # noqa: E402

SMOKE = ["experiment=smoke", "score.batch_size=4", "score.target_max_block_mb=1"]


def overrides_for(corpus: Path, output: Path, address: str) -> list[str]:
    return [*SMOKE, "cluster=remote", f"cluster.address={address}",
            f"inputs.resumes={corpus / 'resumes'}", f"inputs.jobs={corpus / 'jobs.parquet'}",
            f"score.output_dir={output}"]


def soak(faults: list[str], repeat: int, work: Path, nodes: int, cpus: int, files: int,
         timeout_s: float) -> list[dict]:
    from recruit_core.score import job_ray as score_job
    corpus = faults_ray.drill_corpus(work / "corpus", files=files)
    cluster = faults_ray.start_cluster(nodes, cpus)
    try:
        clean = work / "clean"
        score_job.run(compose_config(overrides_for(corpus, clean, cluster.address)))
        rows = []
        for fault in faults:
            runs = []
            for attempt in range(repeat):
                output = work / f"{fault}-{attempt}"
                overrides = overrides_for(corpus, output, cluster.address)
                if fault == "train_worker":
                    run = drill_training(compose_config, cluster.address, output)
                    print(json.dumps(run), flush=True)
                    runs.append(run)
                    continue
                if fault == "driver":
                    run = faults_ray.drill_driver(faults_ray.driver_command(overrides), output,
                                                  files, timeout_s)
                else:
                    run = faults_ray.drill_in_process(fault, compose_config(overrides), cluster,
                                                      files, cpus, timeout_s)
                run.update(faults_ray.compare_outputs(clean, output))
                print(json.dumps(run), flush=True)
                runs.append(run)
            rows.append(summarise(fault, runs))
        return rows
    finally:
        faults_ray.leave_cluster(cluster)


def summarise(fault: str, runs: list[dict]) -> dict:
    if fault == "train_worker":  # no rows to count: survived = resumed from the checkpoint and finished
        return {"fault": fault, "runs": len(runs), "injected": sum(bool(r["injected"]) for r in runs),
                "survived": sum(not r["error"] for r in runs),
                "steps_after_restart": [r["steps_after_restart"] for r in runs],
                "errors": [r["error"][-300:] for r in runs if r["error"]]}
    return {"fault": fault, "runs": len(runs), "injected": sum(bool(r["injected"]) for r in runs),
            "survived": sum(not r["error"] and r["bits_equal"] for r in runs),
            "rows_in": runs[0]["rows_in"], "rows_lost": sum(r["rows_lost"] for r in runs),
            "rows_duplicated": sum(r["rows_duplicated"] for r in runs),
            "repeated_resume_ids": sum(r["repeated_resume_ids"] for r in runs),
            "errors": [r["error"][-300:] for r in runs if r["error"]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join((*faults_ray.FAULTS, "train_worker")))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=2, help="worker nodes")
    parser.add_argument("--cpus-per-node", type=int, default=2)
    parser.add_argument("--files", type=int, default=8, help="input files of 24 resumes")
    parser.add_argument("--timeout-s", type=float, default=600)
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    started, cpu = time.perf_counter(), CpuSeconds()
    with tempfile.TemporaryDirectory(prefix="fault-soak-") as work, cpu:
        rows = soak(args.faults.split(","), args.repeat, Path(work), args.nodes,
                    args.cpus_per_node, args.files, args.timeout_s)
    wall, cpu_s = round(time.perf_counter() - started, 1), round(sum(cpu.by_role.values()), 1)
    for row in rows:
        row.update({"name": "fault_soak", "nodes": args.nodes, "cpus_per_node": args.cpus_per_node,
                    "soak_wall_s": wall, "soak_cpu_s": cpu_s})
        print(json.dumps(row), flush=True)
    if args.json_out:
        args.json_out.write_text(json.dumps(rows))
    if not args.no_record:
        from _results import record
        for row in rows:
            record(row, command="python bench/fault_soak.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
