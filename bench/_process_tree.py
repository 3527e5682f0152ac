"""Memory of a process and all its descendants (a job and the local Ray it started), for benchmarks."""
from __future__ import annotations

import psutil

RAY_SYSTEM = ("raylet", "gcs_server", "dashboard", "log_monitor", "monitor.py", "runtime_env",
              "agent", "plasma")


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
        if proc.pid == process.pid or not any(name in command for name in RAY_SYSTEM):
            totals["pss_work"] += info.pss
    return totals
