"""What reading one upload costs the server: extra peak memory and wall time, in a fresh process.

    python -m bench.upload_cost PICTURE     # prints: outcome, extra peak MB, ms

`upload_cost(data)` runs that on a picture's bytes and returns the figures (the tests and bench.pictures use it).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import run
from bench.synth.pictures import saved


def upload_cost(data: bytes) -> tuple[str, float, float]:
    """The outcome ("read" or the error's class), extra peak memory (MB) and wall time (ms) of reading `data`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        out = subprocess.run(
            [sys.executable, "-m", "bench.upload_cost", str(path)], capture_output=True, text=True, check=True
        )
    outcome, megabytes, milliseconds = out.stdout.split()
    return outcome, float(megabytes), float(milliseconds)


def reset_peak_kib() -> int:
    """Set the kernel's peak resident memory of this process (VmHWM) to the present one and return it, in KiB.

    getrusage's ru_maxrss cannot be reset, and a new process starts with its parent's: it would hide the figure.
    """
    Path("/proc/self/clear_refs").write_text("5")
    return peak_kib()


def peak_kib() -> int:
    """This process's peak resident memory since the last reset, in KiB (psutil does not report it)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0])


def main(argv: list[str] | None = None) -> None:
    """Read the picture named in `argv` as an upload is read, after a small one has loaded every module."""
    from digitnet.reading.images import decode_image
    from digitnet.reading.pixels import EmptyImageError
    from digitnet.reading.preprocess import preprocess

    data = Path((argv or sys.argv[1:])[0]).read_bytes()
    for warm_up in (np.full((200, 200, 3), 255, np.uint8), np.zeros((200, 200, 4), np.uint8)):
        with contextlib.suppress(EmptyImageError):
            preprocess(decode_image(saved(warm_up)))
    before = reset_peak_kib()
    start = time.perf_counter()
    try:
        preprocess(decode_image(data))
        outcome = "read"
    except ValueError as error:  # ImageDecodeError and EmptyImageError: refused
        outcome = type(error).__name__
    milliseconds = (time.perf_counter() - start) * 1000
    print(outcome, (peak_kib() - before) / 1024, milliseconds)


if __name__ == "__main__":
    run(main)
