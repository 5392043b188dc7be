"""deploy/: nginx's rendered configuration is valid, keeps a browser on one replica and upgrades websockets."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import urllib.request
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.chromium import consecutive_free_ports
from conftest import skip_or_fail
from deploy.run import DeployConfig, check_conf, nginx_command, render_conf, stop_process, wait_for_nginx


@pytest.fixture
def nginx() -> None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        skip_or_fail("nginx is not installed (Debian: apt-get install -y nginx)")


@pytest.mark.parametrize("replicas, base_path", [(1, ""), (3, ""), (2, "digitnet")])
def test_the_rendered_configuration_passes_nginx_t(nginx, tmp_path: Path, replicas: int, base_path: str):
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_conf(DeployConfig(replicas=replicas, base_path=base_path), tmp_path))
    checked = check_conf(conf)
    assert checked.returncode == 0, checked.stderr
    assert conf.read_text().count("server 127.0.0.1:") == replicas


class Echo(BaseHTTPRequestHandler):
    """A stand-in replica: answers every request with its port and the headers it received."""

    def do_GET(self) -> None:
        body = (
            b"ok"
            if self.path.endswith("/_stcore/health")
            else json.dumps(
                {"port": self.server.server_port, "headers": {k.lower(): v for k, v in self.headers.items()}}
            ).encode()
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy(nginx, tmp_path: Path):
    """nginx on the rendered configuration, in front of two stand-in replicas; yields its URL."""
    first = consecutive_free_ports(3)
    config = DeployConfig(replicas=2, port=first + 2, first_replica_port=first, address="127.0.0.1")
    with ExitStack() as stack:
        for port in config.replica_ports:
            server = ThreadingHTTPServer(("127.0.0.1", port), Echo)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            stack.callback(server.shutdown)
        conf = tmp_path / "nginx.conf"
        conf.write_text(render_conf(config, tmp_path))
        process = subprocess.Popen(nginx_command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stack.callback(stop_process, process)
        wait_for_nginx(config, process, tmp_path)
        yield config.url


def get(url: str, headers: dict[str, str] | None = None) -> tuple[dict, str | None]:
    """What the stand-in replica saw, and the Set-Cookie nginx added."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        return json.loads(response.read()), response.headers.get("Set-Cookie")


def test_a_browser_keeps_its_replica_and_browsers_spread_over_the_replicas(proxy: str):
    _, cookie = get(f"{proxy}/")
    assert cookie and cookie.startswith("digitnet_replica=")
    mine = {"Cookie": cookie.split(";")[0]}
    ports = {get(f"{proxy}/{path}", mine)[0]["port"] for path in ("", "static/x.js", "media/y.png", "") * 3}
    assert len(ports) == 1
    assert get(f"{proxy}/", mine)[1] is None  # a browser with its cookie is given no new one
    others = {get(f"{proxy}/", {"Cookie": f"digitnet_replica=browser{k}"})[0]["port"] for k in range(20)}
    assert len(others) == 2


def test_the_websocket_asks_its_replica_for_an_upgrade(proxy: str):
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Cookie": "digitnet_replica=x"}
    seen = get(f"{proxy}/_stcore/stream", upgrade)[0]["headers"]
    assert seen["upgrade"] == "websocket" and seen["connection"].lower() == "upgrade"
    assert seen["host"] == proxy.removeprefix("http://")  # Streamlit checks the websocket's Origin against it
