"""One long session: 2,000 predictions in a single browser page, and the server's memory along the way.

Starts `streamlit run app.py` on loopback, opens the page in Debian's chromium and draws short random
strokes (each one a new drawing, so a new prediction; Clear every CLEAR_EVERY strokes), waiting for
each answer. Prints the server's resident memory after the first prediction and every --every
predictions, and its growth from the page's first drawing and from the first prediction (torch's first
forward pass makes its working memory, ~50 MiB, once per server).

    python bench/soak.py --predictions 2000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the browser helpers the tests use

from playwright.async_api import async_playwright

from browser import CANVAS, CHROMIUM, CHROMIUM_ARGS, NEW_PREVIEW_JS, PREVIEW_JS, streamlit_server
from load import ANSWER_TIMEOUT, TIMING_JS, clear, draw_stroke, process_ids, rss_mb

CLEAR_EVERY = 25  # strokes: a canvas full of scribbles stops looking like a digit
STROKE_POINTS = 8


def random_stroke(rng: np.random.Generator, size: int = 320) -> np.ndarray:
    """A short wandering stroke somewhere on the canvas (canvas pixels)."""
    start = rng.uniform(0.2 * size, 0.8 * size, 2)
    return np.clip(start + np.cumsum(rng.normal(0, 12, (STROKE_POINTS, 2)), axis=0), 5, size - 5)


async def soak(url: str, predictions: int, every: int, pid: int, seed: int) -> list[tuple[int, float]]:
    """Draw until `predictions` answers have arrived; return (answers so far, server RSS MiB) readings."""
    rng = np.random.default_rng(seed)
    readings = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await page.add_init_script(f"({TIMING_JS})()")
        await page.goto(url)
        await page.locator(CANVAS).first.wait_for(timeout=60_000)
        answered = 0
        while answered < predictions:
            if answered % every == 0 or answered == 1:  # after the first: torch has made its working memory
                readings.append((answered, rss_mb(pid)))
            if answered and answered % CLEAR_EVERY == 0:
                await clear(page)
            before = await page.evaluate(PREVIEW_JS)
            await draw_stroke(page.locator(f"{CANVAS} >> visible=true").first, random_stroke(rng))
            await page.wait_for_function(NEW_PREVIEW_JS, arg=before, polling=20, timeout=ANSWER_TIMEOUT * 1000)
            answered += 1
        readings.append((answered, rss_mb(pid)))
        await browser.close()
    return readings


def main(argv: list[str] | None = None) -> None:
    """Print the memory readings and the growth."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictions", type=int, default=2000, help="answers to wait for (default 2000)")
    parser.add_argument("--every", type=int, default=250, help="predictions between memory readings (default 250)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the strokes (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with streamlit_server() as url:
        pid = process_ids(f"--server.port={url.rsplit(':', 1)[1]}")[0]
        readings = asyncio.run(soak(url, args.predictions, args.every, pid, args.seed))
    for answered, rss in readings:
        print(f"after {answered:5d} predictions: server RSS {rss:.0f} MiB")
    first, warm, last = readings[0][1], readings[1][1], readings[-1][1]
    print(f"growth from the page's first drawing: {last - first:+.1f} MiB ({time.perf_counter() - start:.0f} s)")
    print(f"growth from the first prediction to the last: {last - warm:+.1f} MiB")


if __name__ == "__main__":
    main()
