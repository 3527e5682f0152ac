"""Memory and CPU time of a process and all its descendants (a job and the local Ray it started)."""
from __future__ import annotations

import threading

import psutil

RAY_SYSTEM = ("raylet", "gcs_server", "dashboard", "log_monitor", "monitor.py", "runtime_env",
              "agent", "plasma")


def is_ray_system(command: str) -> bool:
    """Ray's own processes (raylet, GCS, dashboard and its agents), not the job's work."""
    lowered = command.lower()
    return any(name in lowered for name in RAY_SYSTEM)


def tree_memory(process: psutil.Process) -> dict[str, int]:
    """Bytes summed over the tree: rss, pss, and pss of the driver and Ray workers only."""
    totals = {"rss": 0, "pss": 0, "pss_work": 0}
    for proc in [process, *process.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
            command = " ".join(proc.cmdline())
        except psutil.Error:
            continue
        totals["rss"] += info.rss
        totals["pss"] += info.pss
        if proc.pid == process.pid or not is_ray_system(command):
            totals["pss_work"] += info.pss
    return totals


def role(process: psutil.Process, driver_pid: int) -> str:
    """driver, ray_system (raylet, GCS, dashboard, agents), actor (a Ray Data map actor) or task
    (any other Ray worker: read, tokenize, write tasks, idle workers)."""
    if process.pid == driver_pid:
        return "driver"
    command = " ".join(process.cmdline())
    if is_ray_system(command):
        return "ray_system"
    return "actor" if command.startswith("ray::MapWorker") else "task"


class CpuSeconds:
    """CPU seconds used by this process and its descendants while the block runs, by role.

    Sampled per process every 0.5 s (children_* times would count reaped workers twice); each
    sample's increase goes to the role the process has then: Ray renames a worker per task."""

    def __init__(self):
        self.last: dict[int, float] = {}  # pid -> latest user+system seconds seen
        self.by_role: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, count: bool = True) -> None:
        me = psutil.Process()
        for process in [me, *me.children(recursive=True)]:
            try:
                times = process.cpu_times()
                name = role(process, me.pid)
            except psutil.Error:
                continue
            now = times.user + times.system
            if count:
                self.by_role[name] = self.by_role.get(name, 0.0) + now - self.last.get(process.pid, 0.0)
            self.last[process.pid] = now

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def __enter__(self) -> "CpuSeconds":
        self._sample(count=False)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        return sum(self.by_role.values())


class PeakMemory:
    """Samples `tree_memory` of a process (default: this one) every 0.5 s until stopped, keeping
    the peak of each figure. PSS reads every process's smaps, so sampling faster costs CPU."""

    def __init__(self, process: psutil.Process | None = None, every_s: float = 0.5):
        self.process, self.every_s = process or psutil.Process(), every_s
        self.peak = {"rss": 0, "pss": 0, "pss_work": 0}
        self.samples, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, value in tree_memory(self.process).items():
                self.peak[key] = max(self.peak[key], value)
            self.samples += 1
            self._stop.wait(self.every_s)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
