"""Drive the real page: start `streamlit run app.py`, open it in Debian's chromium, draw with pointer events.

Shared by the browser tests and the browser benchmarks, so both draw the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from digitnet.constants import (
    CANVAS,  # Fabric's top canvas takes the pointer events
    PROJECT_ROOT,
)
from digitnet.ui.layout import REHEARSAL
from digitnet.words import NOT_A_DIGIT_WORDS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The answer's metric and its 28x28 input (a new picture after every read), not the hidden rehearsal's.
METRIC = f'[data-testid="stMetricValue"]:not(.st-key-{REHEARSAL} *)'
PREVIEW = f'[data-testid="stImage"]:not(.st-key-{REHEARSAL} *) img'
TIMEOUT_MS = 120_000  # for loading and answers: this 2-core machine is shared with training runs
MOVE_STEPS = 3  # intermediate pointer moves between two pen points, like a real mouse
MIN_TIMED_POINTS = 5  # pen points; the benches time only strokes this long (a tick alone may be a dot)
IDLE_JS = "() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'"
NEW_PREVIEW_JS = f"prev => {{ const img = document.querySelector('{PREVIEW}'); return img?.src && img.src !== prev; }}"
PREVIEW_JS = f"() => document.querySelector('{PREVIEW}')?.src ?? ''"
# Timed in the page (an init script): when the drawing canvas first shows (ms after the link was opened),
# each mouse release, and each new 28x28 preview, so the driver's own delays are not counted.
PAGE_TIMING_JS = f"""(() => {{
  const t = window.__timing = {{canvas: null, ups: [], previews: [], src: ''}};
  const find = root => {{
    for (const el of root.querySelectorAll('*')) {{
      if (el.matches('{CANVAS}') && el.getBoundingClientRect().width > 0) return el;
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }}
    return null;
  }};
  const look = () => {{ if (find(document)) t.canvas = performance.now(); else requestAnimationFrame(look); }};
  requestAnimationFrame(look);
  addEventListener('mouseup', () => t.ups.push(performance.now()), true);
  new MutationObserver(() => {{
    const src = document.querySelector('{PREVIEW}')?.src ?? '';
    if (src && src !== t.src) t.previews.push(performance.now());
    t.src = src;
  }}).observe(document, {{subtree: true, childList: true, attributes: true, attributeFilter: ['src']}});
}})()"""
ANSWER_MS_JS = (
    "() => { const t = __timing, up = t.ups.at(-1); const p = t.previews.find(p => p > up); return p ? p - up : null; }"
)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports nothing listens on now."""
    for first in range(20000, 30000, count):
        with ExitStack() as stack:
            try:
                for port in range(first, first + count):
                    stack.enter_context(socket.create_server(("127.0.0.1", port)))
            except OSError:
                continue
            return first
    raise RuntimeError("no free ports")


@contextmanager
def streamlit_server(
    env: dict[str, str] | None = None, timeout: float = 180, app: Path = PROJECT_ROOT / "app.py"
) -> Iterator[str]:
    """Run `streamlit run APP` (app.py) headless on a free loopback port; yield its URL; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
    ]
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": python_path(), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit status {server.poll()})")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a starved machine: never leave a server behind
            server.kill()
            server.wait()


def python_path() -> str:
    """PYTHONPATH for the server: this checkout's `digitnet` first, whichever copy the environment installed."""
    return os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def launch_chromium(playwright):
    """Debian's chromium, headless, with no background traffic (with the async API: await the result)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_context(browser, **options):
    """A browser context (its own Streamlit session) whose waits allow for a machine busy with other work."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def new_page(browser, **options):
    """A page in a context of its own (see new_context); close it with page.context.close()."""
    return new_context(browser, **options).new_page()


def canvas_origin(page) -> tuple[float, float]:
    """Page coordinates of the visible canvas's top-left corner (the open tab's), once it is on screen."""
    canvas = page.locator(f"{CANVAS} >> visible=true").first
    canvas.wait_for()  # the page's default timeout
    box = canvas.bounding_box()
    return box["x"], box["y"]


def mouse_stroke(page, stroke: np.ndarray, origin: tuple[float, float], release: bool = True) -> None:
    """Press at the first point, move through the others, and (by default) release."""
    points = page_points(stroke, origin)
    page.mouse.move(*points[0])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x, y, steps=MOVE_STEPS)
    if release:
        page.mouse.up()


def page_points(stroke: np.ndarray, origin: tuple[float, float]) -> list[tuple[float, float]]:
    """A stroke's canvas pixels as page coordinates."""
    return [(origin[0] + float(x), origin[1] + float(y)) for x, y in stroke]


def touch_stroke(cdp, stroke: np.ndarray, origin: tuple[float, float]) -> None:
    """The same stroke with a finger, through Chrome's touch events (Playwright has no touch-move)."""
    points = [{"x": x, "y": y} for x, y in page_points(stroke, origin)]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for point in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def clear_canvas(page) -> None:
    """Press Clear: the canvas empties in the page at once, so the next stroke may follow with no pause."""
    page.get_by_role("button", name="Clear").click()


def answer_ms(page, timeout: float = 15_000) -> float | None:
    """Milliseconds, timed in the page, from the last mouse release to the next new preview; None if none came."""
    try:
        page.wait_for_function(ANSWER_MS_JS, polling="raf", timeout=timeout)
    except Exception:  # Playwright's TimeoutError: the stroke got no answer
        return None
    return page.evaluate(ANSWER_MS_JS)


def wait_for_idle(page) -> None:
    """Wait until the app's script is not running."""
    page.wait_for_function(IDLE_JS, polling="raf")


def preview_source(page) -> str:
    """The address of the 28x28 preview now on the page ('' if none)."""
    return page.evaluate(PREVIEW_JS)


def wait_for_new_preview(page, previous_preview: str, timeout: float = TIMEOUT_MS) -> None:
    """Wait, checking every frame, until the page shows the model's input for a new drawing."""
    page.wait_for_function(NEW_PREVIEW_JS, arg=previous_preview, polling="raf", timeout=timeout)


def wait_for_new_read(page, previous_preview: str) -> str:
    """Wait until the page shows a prediction for a new drawing; return the digit it shows, or "not a digit"
    (a first stroke alone, such as a 4's, may look like no digit: the page then shows no metric)."""
    wait_for_new_preview(page, previous_preview)  # the preview comes after the metric in the same run
    metric = page.locator(METRIC)
    return metric.first.inner_text() if metric.count() else NOT_A_DIGIT_WORDS
