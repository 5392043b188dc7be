"""What processes on this machine use: found in /proc, for the load benchmarks (Linux only)."""

from __future__ import annotations

from pathlib import Path

CLOCK_TICKS = 100  # per second, in /proc's CPU times
CHROMIUM_PROGRAM = "/usr/lib/chromium/"  # Debian's /usr/bin/chromium is a script that runs it


def process_ids(pattern: str) -> list[int]:
    """Processes whose command line, or the program they run, contains `pattern`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if pattern in command or pattern in str((proc / "exe").resolve()):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def server_pid(url: str) -> int:
    """The process of the `streamlit run` serving `url` (started by bench.chromium.streamlit_server)."""
    return process_ids(f"--server.port={url.rsplit(':', 1)[1]}")[0]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of processes, in seconds (vanished processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )  # guest time is already inside user time
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
