"""Fault drills for the scoring job on a multi-node Ray on this machine: lose a worker node, a
model actor or the driver in the middle of a run, and count what the outputs lost or doubled.

    python bench/fault_soak.py --repeat 2          # every fault twice; one JSON row per fault

The cluster is `ray.cluster_utils.Cluster`: a head with no CPUs (the GCS and the driver, as on a
real cluster) and `worker_nodes` nodes of `cpus_per_node` logical CPUs, every one on 127.0.0.1.
Each drill scores the same corpus into a fresh folder and injects its fault once at least one input
file is committed and before all are:

  node    Cluster.remove_node (SIGKILL, no grace) of a node hosting a ScorerActor; the run must
          finish on the nodes left; a fresh node joins after it, for the next drill
  actor   SIGKILL of one ScorerActor's process, found through Ray's state API
  driver  SIGKILL of `python ray_jobs/score.py cluster=remote` (the cluster lives on), then the
          same command again, which resumes from manifest.jsonl

The outputs are then compared with an undisturbed run's: every input row must appear exactly once
(scores + quarantine, keyed by input file and row) and every file must be equal bit for bit.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import ray

from recruit_core import env
from recruit_core.data.synth import job_table, resume_tables
from recruit_core.data.taxonomy import load_builtin
from recruit_core.score.manifest import MANIFEST_FILE

FAULTS = ("node", "actor", "driver")
SCORER_CLASS = "ScorerActor"  # Ray Data names the actor MapWorker(MapBatches(ScorerActor))
POLL_S = 0.2


def drill_corpus(root: Path, files: int = 8, rows: int = 24) -> Path:
    """`files` Parquet files of `rows` synthetic resumes (every 6th text empty: quarantined) in
    row groups of 4, and 6 requisitions: enough streaming for a fault to land mid-run."""
    taxonomy = load_builtin()
    (root / "resumes").mkdir(parents=True, exist_ok=True)
    for part in range(files):
        resumes, _ = resume_tables(taxonomy, 7, part * rows, (part + 1) * rows, 0.15, 0.0)
        texts = [("" if i % 6 == 5 else t) for i, t in enumerate(resumes.column("text").to_pylist())]
        resumes = resumes.set_column(1, "text", pa.array(texts, pa.string()))
        pq.write_table(resumes, root / "resumes" / f"part-{part:02d}.parquet", row_group_size=4)
    pq.write_table(job_table(taxonomy, 7, 6), root / "jobs.parquet")
    return root


def start_cluster(worker_nodes: int = 2, cpus_per_node: int = 2):
    """A multi-node Ray on 127.0.0.1, joined by this process; returns the Cluster."""
    env.apply({**env.LOCAL_RAY_ENV, **env.OFFLINE_ENV})
    # loopback stays loopback (recruit_core/ray_env.py says why Ray would swap it otherwise)
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    import ray._private.ray_constants as ray_constants
    from ray.cluster_utils import Cluster
    ray_constants.ENABLE_RAY_CLUSTER = False
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 0, "node_ip_address": "127.0.0.1", "include_dashboard": False})
    for _ in range(worker_nodes):
        add_worker_node(cluster, cpus_per_node)
    return cluster


def add_worker_node(cluster, cpus: int):
    return cluster.add_node(num_cpus=cpus, node_ip_address="127.0.0.1",
                            object_store_memory=200 * 2**20)


def committed_files(output: Path) -> int:
    path = output / MANIFEST_FILE
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if '"input_file"' in line)


def wait_for_commits(output: Path, total: int, done: Callable[[], bool], timeout_s: float) -> int:
    """Block until 1 <= committed < total (the moment to strike); returns the count, 0 if the run
    ended or the time ran out first (the fault was then not injected mid-run)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not done():
        count = committed_files(output)
        if count >= total:
            return 0
        if count >= 1:
            return count
        time.sleep(POLL_S)
    return 0


def scorer_actors(cluster) -> list[tuple[int, object]]:
    """(pid, node) of every ScorerActor process of `cluster`: children of its raylets, so that
    another Ray on this machine is never touched. Ray's state API would need the dashboard."""
    import psutil
    from ray._private import ray_constants as ray_constants
    found = []
    for node in [cluster.head_node, *cluster.worker_nodes]:
        for raylet in node.all_processes.get(ray_constants.PROCESS_TYPE_RAYLET, []):
            try:
                children = psutil.Process(raylet.process.pid).children()
            except psutil.Error:
                continue
            for child in children:
                try:
                    title = " ".join(child.cmdline())
                except psutil.Error:
                    continue
                if title.startswith("ray::") and SCORER_CLASS in title:
                    found.append((child.pid, node))
    return found


def kill_scorer_actor(cluster) -> str:
    actors = scorer_actors(cluster)
    if not actors:
        return ""
    os.kill(actors[0][0], signal.SIGKILL)
    return f"SIGKILL actor pid {actors[0][0]}"


def remove_scorer_node(cluster) -> str:
    """Remove a worker node that hosts a ScorerActor (any worker node if none is placed yet)."""
    hosts = {id(node) for _, node in scorer_actors(cluster)}
    nodes = sorted(cluster.worker_nodes, key=lambda n: id(n) not in hosts)
    if not nodes:
        return ""
    victim = nodes[0]
    cluster.remove_node(victim, allow_graceful=False)
    return f"removed a node {'with' if id(victim) in hosts else 'without'} a ScorerActor"


def score_in_thread(run: Callable[[], dict]) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def target():
        try:
            outcome["summary"] = run()
        except Exception as error:  # reported as the drill's result, not raised in a thread
            outcome["error"] = f"{type(error).__name__}: {error}"
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def drill_in_process(fault: str, cfg, cluster, files: int, cpus: int, timeout_s: float) -> dict:
    """One scoring run in this process (joined to `cluster`) with `fault` injected mid-run."""
    from recruit_core.score import job_ray as score_job
    output = Path(cfg.score.output_dir)
    thread, outcome = score_in_thread(lambda: score_job.run(cfg))
    at = wait_for_commits(output, files, lambda: not thread.is_alive(), timeout_s)
    injected = ""
    if at:
        injected = kill_scorer_actor(cluster) if fault == "actor" else remove_scorer_node(cluster)
    thread.join(timeout_s)
    if fault == "node" and at:
        add_worker_node(cluster, cpus)  # after the run, which had to finish without it
    return {"fault": fault, "injected": injected, "after_files": at,
            "error": outcome.get("error", "" if "summary" in outcome else "timed out")}


def drill_driver(command: list[str], output: Path, files: int, timeout_s: float) -> dict:
    """SIGKILL a driver subprocess after its first commits, then run it again to the end."""
    started = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    at = wait_for_commits(output, files, lambda: started.poll() is not None, timeout_s)
    injected = ""
    if at:
        os.kill(started.pid, signal.SIGKILL)  # the driver alone: the cluster lives on
        injected = f"SIGKILL driver pid {started.pid}"
    started.communicate(timeout=timeout_s)
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    return {"fault": "driver", "injected": injected, "after_files": at,
            "error": "" if rerun.returncode == 0 else rerun.stderr[-2000:]}


def driver_command(overrides: list[str]) -> list[str]:
    root = Path(__file__).resolve().parents[2]
    return [sys.executable, str(root / "ray_jobs" / "score.py"), *overrides]


def rows_by_input_row(output: Path) -> dict[tuple[str, int], int]:
    """How many times each input row (file, row) appears in the scores and the quarantine."""
    seen: dict[tuple[str, int], int] = {}
    for path in sorted(output.glob("*/*.parquet")):
        table = pq.read_table(path, columns=["input_file", "input_row"])
        for key in zip(table.column("input_file").to_pylist(), table.column("input_row").to_pylist()):
            seen[key] = seen.get(key, 0) + 1
    return seen


def compare_outputs(clean: Path, faulted: Path) -> dict:
    """Rows lost and duplicated (against the clean run's rows), repeated resume ids in the scores,
    and whether every output file equals the clean run's, run_id aside."""
    expected, found = rows_by_input_row(clean), rows_by_input_row(faulted)
    lost = sum(1 for key in expected if key not in found)
    duplicated = sum(count - 1 for count in found.values() if count > 1)
    ids = [i for p in (faulted / "scores").glob("*.parquet")
           for i in pq.read_table(p, columns=["resume_id"]).column("resume_id").to_pylist()]
    names = sorted(p.relative_to(clean) for p in clean.glob("*/*.parquet"))
    same = names == sorted(p.relative_to(faulted) for p in faulted.glob("*/*.parquet")) and all(
        _without_run_id(clean / n).equals(_without_run_id(faulted / n)) for n in names)
    return {"rows_in": len(expected), "rows_out": sum(found.values()), "rows_lost": lost,
            "rows_duplicated": duplicated, "repeated_resume_ids": len(ids) - len(set(ids)),
            "bits_equal": same}


def _without_run_id(path: Path) -> pa.Table:
    table = pq.read_table(path)
    return table.drop_columns([c for c in ("run_id",) if c in table.column_names])


def leave_cluster(cluster) -> None:
    ray.shutdown()
    cluster.shutdown()
