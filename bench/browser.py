"""The page as a person meets it, in Debian's chromium: start-up time and mouse-up -> Prediction latency.

1. From `streamlit run app.py` (a new server process) to a canvas ready to draw on,
   with the browser already open and polling, as a person waiting for the page would.
2. Strokes of real pen digits (tune writers) drawn with mouse events; for each, the time
   from releasing the mouse to the page showing the prediction for the new drawing.
   The canvas itself waits 200 ms after mouse-up before it sends the drawing.

    python bench/browser.py --strokes 20 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the browser helpers the tests use

from playwright.sync_api import sync_playwright

from browser import (
    CANVAS,
    MIN_TIMED_POINTS,
    canvas_origin,
    clear_canvas,
    launch_chromium,
    mouse_stroke,
    preview_source,
    streamlit_server,
    wait_for_new_preview,
)
from digitnet.constants import CANVAS_SIZE
from digitnet.data import load_pendigits, resolve_data_dir
from digitnet.strokes import TUNE_WRITERS, place_strokes


def time_to_canvas(browser) -> float:
    """Seconds from starting the server process to the canvas being on the page."""
    page = browser.new_page()
    start = time.perf_counter()
    with streamlit_server() as url:
        page.goto(url)
        page.wait_for_selector(CANVAS, timeout=60_000)
        seconds = time.perf_counter() - start
    page.close()
    return seconds


def stroke_latencies(browser, url: str, digits: list, count: int, wait_first: float) -> list[float]:
    """Milliseconds from each mouse-up to the new prediction on the page; Clear between digits."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    canvas_origin(page)
    time.sleep(wait_first)  # the first run loads the model meanwhile, as while a person reads the page
    latencies = []
    centre = (CANVAS_SIZE / 2, CANVAS_SIZE / 2)
    for digit in digits:
        origin = canvas_origin(page)
        for stroke in place_strokes(digit.strokes, CANVAS_SIZE, 0.6, centre):
            if len(stroke) < MIN_TIMED_POINTS:  # a tick the page answers with "only a dot": drawn, not timed
                mouse_stroke(page, stroke, origin)
                page.wait_for_timeout(500)
                continue
            before = preview_source(page)
            mouse_stroke(page, stroke, origin, release=False)
            start = time.perf_counter()
            page.mouse.up()
            wait_for_new_preview(page, before)
            latencies.append((time.perf_counter() - start) * 1000)
        if len(latencies) >= count:
            break
        clear_canvas(page)
    page.close()
    return latencies


def main(argv: list[str] | None = None) -> None:
    """Print the start-up time and the stroke latency distribution."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=20, help="strokes to time (default 20)")
    parser.add_argument("--starts", type=int, default=3, help="server start-ups to time (default 3)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    digits = load_pendigits(resolve_data_dir(args.data_dir), TUNE_WRITERS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        starts = [time_to_canvas(browser) for _ in range(args.starts)]
        print(
            f"start-up to canvas: median {statistics.median(starts):.2f} s over {len(starts)} "
            f"({', '.join(f'{s:.2f}' for s in starts)})"
        )
        with streamlit_server() as url:
            times = stroke_latencies(browser, url, digits, args.strokes, wait_first=5)
        browser.close()
    times.sort()
    print(
        f"mouse-up -> Prediction over {len(times)} strokes: median {statistics.median(times):.0f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms, min {times[0]:.0f} ms, max {times[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
