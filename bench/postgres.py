"""A throwaway PostgreSQL cluster for the benches: Debian's server, in a temp folder, on a unix socket only."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

SERVER_BINARIES = Path("/usr/lib/postgresql")  # Debian's package: apt-get install -y postgresql
MAX_CONNECTIONS = 300  # every replica keeps a pool, and the bench's own readers come on top


def server_binaries() -> Path:
    """The newest installed PostgreSQL's bin folder; FileNotFoundError saying how to install one."""
    versions = sorted(SERVER_BINARIES.glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    if not versions:
        raise FileNotFoundError(f"No PostgreSQL under {SERVER_BINARIES}: on Debian, `apt-get install -y postgresql`.")
    return versions[-1].parent


def as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as nobody."""
    return ["runuser", "-u", "nobody", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_postgres() -> Iterator[tuple[str, int]]:
    """Start a fresh cluster; yield its SQLAlchemy URL and the server's process id; delete it all afterwards."""
    binaries = server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="digitnet-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, log = folder / "data", folder / "log"
    # from /: as nobody, the bench's own folder may not be enterable
    run = lambda *command: subprocess.run(as_server_user(list(command)), check=True, capture_output=True, cwd="/")  # noqa: E731
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "digitnet")
        options = f"-k {folder} -c listen_addresses='' -c max_connections={MAX_CONNECTIONS}"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
        pid = int((data / "postmaster.pid").read_text().split()[0])
        yield f"postgresql+psycopg://digitnet@/postgres?host={folder}", pid
    finally:
        if (data / "postmaster.pid").exists():
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def server_processes(pid: int) -> list[int]:
    """The PostgreSQL server and its backends (one per connection), for their CPU time."""
    server = psutil.Process(pid)
    return [pid, *(child.pid for child in server.children(recursive=True))]
