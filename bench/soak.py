"""One long session: 2,000 predictions in a single browser page, and the server's memory along the way.

Starts `streamlit run app.py` on loopback, opens the page in Debian's chromium and draws short random
strokes (each one a new drawing, so a new prediction; Clear every CLEAR_EVERY strokes), waiting for
each answer. Prints the server's resident memory after the first prediction and every --every
predictions, and its growth from the page's first drawing and from the first prediction (torch's first
forward pass makes its working memory, ~50 MiB, once per server).

    python -m bench.soak --predictions 2000
"""

from __future__ import annotations

import argparse
import asyncio
import time

import numpy as np
from playwright.async_api import async_playwright

from bench import run
from bench.chromium import CANVAS, launch_chromium, streamlit_server
from bench.load import TIMING_JS, clear, draw_stroke, time_answer
from bench.procs import rss_mb, server_pid
from digitnet.constants import CANVAS_SIZE

CLEAR_EVERY = 25  # strokes: a canvas full of scribbles stops looking like a digit
STROKE_POINTS = 8


def random_stroke(rng: np.random.Generator, size: int = CANVAS_SIZE) -> np.ndarray:
    """A short wandering stroke somewhere on the canvas (canvas pixels)."""
    start = rng.uniform(0.2 * size, 0.8 * size, 2)
    return np.clip(start + np.cumsum(rng.normal(0, 12, (STROKE_POINTS, 2)), axis=0), 5, size - 5)


def note(readings: list[tuple[int, float]], strokes: int, pid: int) -> None:
    """Read the server's memory now, keep it and print it (a run cut short still shows its readings)."""
    readings.append((strokes, rss_mb(pid)))
    print(f"after {strokes:5d} predictions: server RSS {readings[-1][1]:.0f} MiB", flush=True)


async def soak(url: str, predictions: int, every: int, seed: int) -> tuple[list[tuple[int, float]], list[str]]:
    """Draw `predictions` strokes, each waited for; return (strokes so far, server RSS MiB) readings and errors."""
    rng = np.random.default_rng(seed)
    pid, readings, result = server_pid(url), [], {"latencies": [], "errors": []}
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.add_init_script(f"({TIMING_JS})()")
        await page.goto(url)
        await page.locator(CANVAS).first.wait_for(timeout=60_000)
        for strokes in range(predictions):
            if strokes % every == 0 or strokes == 1:  # after the first: torch has made its working memory
                note(readings, strokes, pid)
            if strokes and strokes % CLEAR_EVERY == 0:
                await clear(page)
            await draw_stroke(page.locator(f"{CANVAS} >> visible=true").first, random_stroke(rng))
            await time_answer(page, result)
        note(readings, predictions, pid)
        await browser.close()
    return readings, result["errors"]


def main(argv: list[str] | None = None) -> None:
    """Print the memory readings and the growth."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", type=int, default=2000, help="answers to wait for (default 2000)")
    parser.add_argument("--every", type=int, default=250, help="predictions between memory readings (default 250)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the strokes (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with streamlit_server() as url:
        readings, errors = asyncio.run(soak(url, args.predictions, args.every, args.seed))
    first, warm, last = readings[0][1], readings[1][1], readings[-1][1]
    print(f"errors: {len(errors)}{' (' + ', '.join(sorted(set(errors))) + ')' if errors else ''}")
    print(f"growth from the page's first drawing: {last - first:+.1f} MiB ({time.perf_counter() - start:.0f} s)")
    print(f"growth from the first prediction to the last: {last - warm:+.1f} MiB")


if __name__ == "__main__":
    run(main)
