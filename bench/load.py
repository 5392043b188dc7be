"""A classroom at once: N people drawing real digits in their own browser sessions against one server.

Starts `streamlit run app.py` on loopback, opens N pages in Debian's chromium (each in its own
context, so its own Streamlit session), starts them within a few seconds of each other, and has each
draw pen digits of writers 17-20 stroke by stroke at a pen's pace, pausing 0.5-2 s before each stroke
as a person looks at the answer, pressing Clear between digits. For every stroke it times
mouse-up -> the page showing the new prediction. Reports the latency distribution, errors
(a stroke with no answer within the timeout, or an error shown on the page), the server's memory
before and after, and the CPU time spent by the server and by chromium, which says whether the
server or the browsers were the limit.

    python -m bench.load --sessions 1 10 20 40 --digits 4 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import time

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from bench import run
from bench.chromium import (
    CANVAS,
    MIN_TIMED_POINTS,
    PREVIEW,
    PREVIEW_JS,
    launch_chromium,
    streamlit_server,
)
from bench.procs import CHROMIUM_PROGRAM, cpu_seconds, machine_busy_seconds, process_ids, rss_mb, server_pid
from digitnet.constants import CANVAS_SIZE
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.learning.strokes import TUNE_WRITERS, place_strokes

ANSWER_TIMEOUT = 30.0  # seconds a stroke may wait for its prediction before it counts as an error
STAGGER = 5.0  # seconds over which the sessions arrive
THINK = (0.5, 2.0)  # seconds a person takes between one answer and their next stroke
ERROR_ON_PAGE = '[data-testid="stException"], [data-testid="stConnectionStatus"]'
# Timed in the page, so the time the load generator itself takes to notice is not counted:
# from the mouse's release (noted by STROKE_JS) to the DOM holding a new 28x28 preview.
TIMING_JS = f"""() => {{
  const timing = {{up: 0, src: '', changed: 0}};
  window.__timing = timing;
  new MutationObserver(() => {{
    const src = document.querySelector('{PREVIEW}')?.src ?? '';
    if (src && src !== timing.src) {{ timing.src = src; timing.changed = performance.now(); }}
  }}).observe(document, {{subtree: true, childList: true, attributes: true, attributeFilter: ['src']}});
}}"""
ANSWERED_JS = "() => __timing.changed > __timing.up"  # a new preview since the last mouse-up


# Forty pages driven point by point through Playwright cost the load generator more CPU than the
# server and the browsers together; the page replays each stroke itself instead, with the mouse events
# Fabric listens to, a pen point every POINT_MS, and notes the release time for TIMING_JS.
POINT_MS = 10
STROKE_JS = f"""async (canvas, points) => {{
  const box = canvas.getBoundingClientRect();
  const fire = (type, [x, y]) => canvas.dispatchEvent(new MouseEvent(type, {{
    bubbles: true, composed: true, cancelable: true, button: 0, buttons: type === 'mouseup' ? 0 : 1,
    clientX: box.left + x, clientY: box.top + y, view: window}}));
  fire('mousedown', points[0]);
  for (const point of points.slice(1)) {{
    await new Promise(resolve => setTimeout(resolve, {POINT_MS}));
    fire('mousemove', point);
  }}
  fire('mouseup', points[points.length - 1]);
  window.__timing.up = performance.now();
}}"""


async def draw_stroke(canvas, stroke) -> None:
    """Draw one stroke (canvas pixels) on the canvas, as the page's own mouse events."""
    await canvas.evaluate(STROKE_JS, [[float(x), float(y)] for x, y in stroke])


async def clear(page) -> None:
    """Press Clear (it empties the canvas in the page at once) and wait until the answer is gone."""
    await page.get_by_role("button", name="Clear").click()
    await page.wait_for_function(f"() => !({PREVIEW_JS})()", polling=50, timeout=ANSWER_TIMEOUT * 1000)


async def time_answer(page, result: dict) -> None:
    """Wait for the answer to the stroke just drawn; note its time, or the error the page shows instead."""
    try:
        await page.wait_for_function(ANSWERED_JS, polling=20, timeout=ANSWER_TIMEOUT * 1000)
        result["latencies"].append(await page.evaluate("() => (__timing.changed - __timing.up) / 1000"))
    except PlaywrightTimeout:
        result["errors"].append("no answer within the timeout")
    result["errors"] += ["error on the page"] * await page.locator(ERROR_ON_PAGE).count()


async def session(browser, url: str, digits: list, rng: random.Random, result: dict) -> None:
    """One person: open the page, draw each digit stroke by stroke, time every answer, Clear in between."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    await page.add_init_script(f"({TIMING_JS})()")
    try:
        await asyncio.sleep(rng.uniform(0, STAGGER))
        await page.goto(url, timeout=ANSWER_TIMEOUT * 1000)
        canvas = page.locator(f"{CANVAS} >> visible=true").first
        await canvas.wait_for(timeout=60_000)
        centre = (CANVAS_SIZE / 2, CANVAS_SIZE / 2)
        for digit in digits:
            for stroke in place_strokes(digit.strokes, CANVAS_SIZE, 0.6, centre):
                if len(stroke) < MIN_TIMED_POINTS:
                    continue  # a tick alone may be "only a dot", with no answer to wait for
                await asyncio.sleep(rng.uniform(*THINK))
                await draw_stroke(canvas, stroke)
                await time_answer(page, result)
            await clear(page)
    except Exception as error:  # a session that breaks is the measurement, not a reason to stop
        result["errors"].append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    # The context stays open: its renderer's CPU time is read when the whole crowd is done.


async def crowd(url: str, sessions: int, digits: list, per_session: int, seed: int) -> dict:
    """Run `sessions` people at once; return latencies, errors and CPU seconds of server and browser."""
    rng = random.Random(seed)
    result = {"latencies": [], "errors": []}
    server = [server_pid(url)]
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        chromium = process_ids(CHROMIUM_PROGRAM)
        server_cpu, browser_cpu, busy = cpu_seconds(server), cpu_seconds(chromium), machine_busy_seconds()
        wall = time.perf_counter()
        people = [(rng.sample(digits, per_session), random.Random(rng.random())) for _ in range(sessions)]
        await asyncio.gather(*(session(browser, url, mine, own_rng, result) for mine, own_rng in people))
        chromium = process_ids(CHROMIUM_PROGRAM)
        result["wall"] = time.perf_counter() - wall
        result["server_cpu"] = cpu_seconds(server) - server_cpu
        result["browser_cpu"] = cpu_seconds(chromium) - browser_cpu
        result["machine_cpu"] = machine_busy_seconds() - busy
        await browser.close()
    return result


def latency_cells(latencies: list[float], errors: list[str]) -> str:
    """Markdown cells: answers, median, p95 (nearest rank) and max in ms, and the errors by kind."""
    times = sorted(latencies)
    kinds = ", ".join(sorted(set(errors)))
    if not times:
        return f"0 | - | - | - | {len(errors)} ({kinds})"
    p95 = times[math.ceil(0.95 * len(times)) - 1]
    return (
        f"{len(times)} | {statistics.median(times) * 1000:.0f} | {p95 * 1000:.0f} | {times[-1] * 1000:.0f} | "
        f"{len(errors)}{f' ({kinds})' if kinds else ''}"
    )


def report(sessions: int, result: dict, rss_before: float, rss_after: float) -> str:
    """One Markdown table row."""
    return (
        f"| {sessions} | {latency_cells(result['latencies'], result['errors'])} | "
        f"{rss_before:.0f} -> {rss_after:.0f} | {result['server_cpu'] / result['wall']:.2f} | "
        f"{result['browser_cpu'] / result['wall']:.2f} | {result['machine_cpu'] / result['wall']:.2f} |"
    )


def main(argv: list[str] | None = None) -> None:
    """Print one row per crowd size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1, 10, 20, 40], help="crowd sizes (default 1 10 20 40)"
    )
    parser.add_argument("--digits", type=int, default=4, help="digits each session draws (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed for digits and arrival times (default 0)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    digits = load_pendigits(resolve_data_dir(args.data_dir), TUNE_WRITERS)
    print(
        "| sessions | strokes timed | median ms | p95 ms | max ms | errors | server RSS MiB | "
        "server CPU (cores) | chromium CPU (cores) | machine CPU (of 2 cores) |\n"
        "|---|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    for sessions in args.sessions:
        with streamlit_server() as url:
            pid = server_pid(url)
            asyncio.run(crowd(url, 1, digits, 1, args.seed))  # the presenter opens the page first: model loaded
            rss_before = rss_mb(pid)
            result = asyncio.run(crowd(url, sessions, digits, args.digits, args.seed))
            print(report(sessions, result, rss_before, rss_mb(pid)), flush=True)


if __name__ == "__main__":
    run(main)
