"""N `streamlit run app.py` replicas behind nginx, all on one database: start, watch, restart, stop.

    python -m deploy.run --replicas 2 --port 8080 --database-url postgresql+psycopg://digitnet@db/digitnet
    python -m deploy.run --replicas 3 --render-only digitnet.conf   # only write nginx's configuration

Each replica listens on loopback only; nginx is the one door, with sticky sessions by cookie and websocket
upgrades. The replicas share one cookie secret, so a session sent to another replica after a restart keeps
its XSRF token valid. Every replica's /_stcore/health is checked; one that exits or stops answering is
restarted, and nginx sends its people to the others meanwhile. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

from digitnet.constants import PROJECT_ROOT
from digitnet.storage.database import DATABASE_URL_ENV_VAR

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
STREAMLIT_CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
NGINX = "nginx"  # Debian's package: apt-get install -y nginx


class ConfTemplate(Template):
    """nginx's own variables start with $: the template's placeholders start with @."""

    delimiter = "@"


@dataclass(frozen=True)
class DeployConfig:
    """One deployment: how many replicas, where nginx listens, which database they share."""

    replicas: int = 2
    port: int = 8080  # nginx's
    first_replica_port: int = 8601  # replica k listens on first_replica_port + k, on loopback
    address: str = "0.0.0.0"  # where nginx listens
    base_path: str = ""  # serve under http://host/BASE/ (Streamlit's server.baseUrlPath), "" for the root
    database_url: str | None = None  # None: $DIGITNET_DATABASE_URL, else the embedded SQLite file
    health_interval: float = 5.0  # seconds between health checks of every replica
    health_failures: int = 3  # checks in a row a replica may fail before it is restarted
    start_timeout: float = 180.0  # seconds a replica may take to answer its first health check

    @property
    def replica_ports(self) -> list[int]:
        return [self.first_replica_port + k for k in range(self.replicas)]

    @property
    def url(self) -> str:
        """Where people open the app."""
        host = "127.0.0.1" if self.address in ("0.0.0.0", "::") else self.address
        return f"http://{host}:{self.port}/{self.base_path.strip('/')}".rstrip("/")


def upload_limit() -> str:
    """The app's upload limit (server.maxUploadSize, MB) in nginx's words, so nginx lets through what the app reads."""
    settings = tomllib.loads(STREAMLIT_CONFIG.read_text())
    return f"{settings.get('server', {}).get('maxUploadSize', 200)}m"  # 200: Streamlit's default


def render_conf(config: DeployConfig, state: Path) -> str:
    """nginx's configuration for `config`, its pid and temporary files under `state`."""
    name = config.base_path.strip("/")
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in config.replica_ports
    )
    return ConfTemplate(TEMPLATE.read_text()).substitute(
        replicas=config.replicas,
        state=state,
        upload_mb=upload_limit(),
        servers=servers,
        listen=f"{config.address}:{config.port}",
        base=f"/{name}/" if name else "/",
    )


def check_conf(conf: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on a rendered configuration (its output says what is wrong)."""
    return subprocess.run(nginx_command(conf, "-t"), capture_output=True, text=True)


def nginx_command(conf: Path, *flags: str) -> list[str]:
    """nginx on `conf`, logging to stderr from its first line (not to a system folder it may not write)."""
    program = shutil.which(NGINX) or shutil.which(NGINX, path="/usr/sbin:/sbin")
    if program is None:
        raise FileNotFoundError("nginx is not installed: on Debian, `apt-get install -y nginx`.")
    return [program, "-e", "stderr", "-p", str(conf.parent), "-c", str(conf), *flags]


def replica_command(config: DeployConfig, port: int) -> list[str]:
    """`streamlit run app.py` for one replica; the rest of its settings come from .streamlit/config.toml."""
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py")]
    command += [f"--server.port={port}", "--server.address=127.0.0.1", "--server.headless=true"]
    if config.base_path.strip("/"):
        command.append(f"--server.baseUrlPath={config.base_path.strip('/')}")
    return command


def replica_env(config: DeployConfig, cookie_secret: str) -> dict[str, str]:
    """A replica's environment: the shared database and cookie secret (in the environment, not on `ps`)."""
    env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    database = config.database_url or os.environ.get(DATABASE_URL_ENV_VAR)
    if database:
        env[DATABASE_URL_ENV_VAR] = database
    return env


def healthy(port: int, base: str = "") -> bool:
    """Whether the replica on `port` answers its health check."""
    path = f"/{base.strip('/')}/_stcore/health".replace("//", "/")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


class Replica:
    """One `streamlit run` process, restartable."""

    def __init__(self, config: DeployConfig, port: int, cookie_secret: str, log: Path) -> None:
        self.config, self.port, self.log = config, port, log
        self.env = replica_env(config, cookie_secret)
        self.process: subprocess.Popen | None = None
        self.failures = 0

    def start(self) -> None:
        with self.log.open("ab") as log:
            command = replica_command(self.config, self.port)
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=log)
        self.failures = 0

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.config.start_timeout
        while not healthy(self.port, self.config.base_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the replica on port {self.port} did not start: see {self.log}")
            time.sleep(0.1)

    def check(self) -> bool:
        """Check its health once; restart it if it exited or failed too often. True if it was restarted."""
        alive = self.process.poll() is None
        self.failures = 0 if alive and healthy(self.port, self.config.base_path) else self.failures + 1
        if alive and self.failures < self.config.health_failures:
            return False
        self.stop()
        self.start()
        return True

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen | None) -> None:
    """Ask a process to end; kill it if it has not within 30 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(config: DeployConfig, state: Path | None = None) -> Iterator[tuple[list[Replica], subprocess.Popen]]:
    """The replicas, healthy, behind a running nginx (its process); everything stopped afterwards. Logs go to
    `state`."""
    with ExitStack() as stack:
        if state is None:
            state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="digitnet-deploy-")))
        state.chmod(0o755)  # nginx's workers run as nobody when it is started as root
        conf = state / "nginx.conf"
        conf.write_text(render_conf(config, state))
        secret = secrets.token_hex(32)
        replicas = [Replica(config, port, secret, state / f"replica-{port}.log") for port in config.replica_ports]
        for replica in replicas:
            stack.callback(replica.stop)
            replica.start()
        for replica in replicas:
            replica.wait_healthy()
        with (state / "nginx.log").open("ab") as log:
            nginx = subprocess.Popen(nginx_command(conf), stdout=log, stderr=log)
        stack.callback(stop_process, nginx)
        wait_for_nginx(config, nginx, state)
        yield replicas, nginx


def wait_for_nginx(config: DeployConfig, nginx: subprocess.Popen, state: Path, timeout: float = 30) -> None:
    """Return once nginx answers the app's health check; RuntimeError naming its log if it stops or never does."""
    deadline = time.monotonic() + timeout
    while not healthy(config.port, config.base_path):
        if nginx.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start: see {state / 'nginx.log'}")
        time.sleep(0.1)


def parse_args(argv: list[str] | None) -> tuple[DeployConfig, argparse.Namespace]:
    """The deployment's settings from its flags."""
    d = DeployConfig()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--replicas", type=int, default=d.replicas, help=f"streamlit processes (default {d.replicas})")
    p.add_argument("--port", type=int, default=d.port, help=f"port nginx listens on (default {d.port})")
    p.add_argument("--address", default=d.address, help=f"address nginx listens on (default {d.address})")
    p.add_argument(
        "--first-replica-port",
        type=int,
        default=d.first_replica_port,
        help=f"replica k listens on this port + k, on 127.0.0.1 (default {d.first_replica_port})",
    )
    p.add_argument("--base-path", default=d.base_path, help="serve under http://HOST/BASE-PATH/ (default: the root)")
    p.add_argument(
        "--database-url",
        default=None,
        help=f"SQLAlchemy URL of the shared database (default ${DATABASE_URL_ENV_VAR}, else the SQLite file)",
    )
    p.add_argument(
        "--health-interval",
        type=float,
        default=d.health_interval,
        help=f"seconds between health checks (default {d.health_interval})",
    )
    p.add_argument("--state-dir", type=Path, default=None, help="folder for nginx.conf and logs (default: a temp one)")
    p.add_argument("--render-only", type=Path, default=None, help="write nginx's configuration here and stop")
    args = p.parse_args(argv)
    if args.replicas < 1:
        p.error("--replicas must be at least 1")
    config = DeployConfig(
        args.replicas,
        args.port,
        args.first_replica_port,
        args.address,
        args.base_path,
        args.database_url,
        args.health_interval,
    )
    return config, args


def main(argv: list[str] | None = None) -> None:
    """Render nginx's configuration, or run the replicas behind nginx until interrupted."""
    config, args = parse_args(argv)
    if args.render_only:
        state = args.state_dir or args.render_only.resolve().parent
        args.render_only.write_text(render_conf(config, state.resolve()))
        try:
            checked = check_conf(args.render_only.resolve())
        except FileNotFoundError:
            print(f"wrote {args.render_only} (nginx is not installed here, so it was not checked)")
            return
        print(checked.stderr.strip())
        if checked.returncode:
            raise SystemExit(1)
        return
    if args.state_dir:
        args.state_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop like Ctrl-C: replicas and nginx end too
    try:
        with serving(config, args.state_dir) as (replicas, _nginx):
            print(f"DigitNet on {config.url} ({config.replicas} replicas on ports {config.replica_ports})", flush=True)
            while True:
                time.sleep(config.health_interval)
                for replica in replicas:
                    if replica.check():
                        print(f"restarted the replica on port {replica.port}", flush=True)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    try:
        main()
    except (FileNotFoundError, RuntimeError) as error:
        raise SystemExit(f"error: {error}") from None
