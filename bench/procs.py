"""What processes on this machine use, as psutil reports it, for the load benchmarks."""

from __future__ import annotations

import psutil

CHROMIUM_PROGRAM = "/usr/lib/chromium/"  # Debian's /usr/bin/chromium is a script that runs it


def process_ids(pattern: str) -> list[int]:
    """Processes whose command line, or the program they run, contains `pattern`."""
    return [
        process.pid
        for process in psutil.process_iter(["cmdline", "exe"])
        if pattern in " ".join(process.info["cmdline"] or ()) or pattern in (process.info["exe"] or "")
    ]


def server_pid(url: str) -> int:
    """The process of the `streamlit run` serving `url` (started by bench.chromium.streamlit_server)."""
    return process_ids(f"--server.port={url.rsplit(':', 1)[1]}")[0]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB."""
    return psutil.Process(pid).memory_info().rss / 2**20


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of processes, in seconds (vanished processes count 0)."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot."""
    times = psutil.cpu_times()  # guest time is already inside user time
    return times.user + times.nice + times.system + times.irq + times.softirq + times.steal
