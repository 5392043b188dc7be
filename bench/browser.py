"""The page as a person meets it, in Debian's chromium, timed in the page itself.

1. `streamlit run app.py` (a new server process) -> the canvas on the page, the browser already waiting.
2. Fresh pages on a warm server: opening the link -> the drawing canvas on screen, then a stroke drawn
   the moment it shows: mouse-up -> its prediction (the first answer). A stroke with no answer is lost.
3. One page: pen digits drawn stroke by stroke, Clear pressed before each digit with no pause at all
   before its first stroke; mouse-up -> prediction for every stroke (the later answers), and the
   strokes lost: a remounted canvas used to drop a stroke drawn right after Clear.
The canvas itself waits 200 ms after the pen lifts before it sends the drawing. For the later answers
the websocket's messages are timed in the page too, which splits an answer in three: mouse-up -> the
canvas sends, -> the page reads the server's last reply (late when it is busy with the earlier ones),
-> the picture shows (the page laying out the reply).

`--app bench/bare_canvas.py` times Streamlit and the canvas component alone (no model, no tabs), the
floor under app.py's figures; alternate the two in the same hour to compare them.

    python -m bench.browser --pages 20 --digits 100 --data-dir ../shared/data
    python -m bench.browser --app bench/bare_canvas.py --pages 20 --digits 100 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import run
from bench.chromium import (
    CANVAS,
    MIN_TIMED_POINTS,
    PAGE_TIMING_JS,
    TIMEOUT_MS,
    answer_ms,
    canvas_origin,
    launch_chromium,
    mouse_stroke,
    streamlit_server,
    wait_for_idle,
)
from digitnet.constants import CANVAS_RESET, CANVAS_SIZE, PROJECT_ROOT
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.learning.strokes import TUNE_WRITERS, place_strokes

VIEWPORT = {"width": 1280, "height": 800}
# The page's websocket, timed in the page: every message sent and received (an init script).
SOCKET_TIMING_JS = """(() => {
  const log = window.__socket = [];
  window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => log.push(['in', performance.now()]));
    }
    send(data) { log.push(['out', performance.now()]); super.send(data); }
  };
})()"""
# For the last stroke: [the canvas sends, the page reads the last reply before the picture], ms after mouse-up.
SPLIT_JS = """() => {
  const up = __timing.ups.at(-1), picture = __timing.previews.find(p => p > up);
  const sent = __socket.find(([kind, at]) => kind === 'out' && at > up)?.[1];
  const replies = __socket.filter(([kind, at]) => kind === 'in' && at > sent && at <= picture);
  return sent && replies.length ? [sent - up, replies.at(-1)[1] - up] : null;
}"""
CENTRE = (CANVAS_SIZE / 2, CANVAS_SIZE / 2)


def time_to_canvas(browser, app: Path) -> float:
    """Seconds from starting the server process for `app` to the canvas being on the page."""
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    start = time.perf_counter()
    with streamlit_server(app=app) as url:
        page.goto(url)
        page.wait_for_selector(CANVAS, timeout=60_000)
        seconds = time.perf_counter() - start
    page.close()
    return seconds


def fresh_page(browser, url: str, stroke) -> tuple[float, float | None]:
    """Open the link in a new session, draw `stroke` as soon as the canvas shows; (open -> canvas, answer) ms."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.add_init_script(PAGE_TIMING_JS)
    page.goto(url)
    mouse_stroke(page, stroke, canvas_origin(page))
    answer = answer_ms(page)
    opened = page.evaluate("() => __timing.canvas")
    context.close()
    return opened, answer


def strokes_after_clear(browser, url: str, digits: list) -> tuple[list[float], list[list[float]], int, int]:
    """Each digit drawn right after Clear, stroke by stroke; (answer ms, split ms of every stroke, strokes, lost).

    A stroke's split: [the canvas sends, the page reads the server's last reply], ms after mouse-up (SPLIT_JS).
    """
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(PAGE_TIMING_JS)
    page.add_init_script(SOCKET_TIMING_JS)
    page.goto(url)
    origin = canvas_origin(page)
    wait_for_idle(page)
    answers, splits, drawn, lost = [], [], 0, 0
    for digit in digits:
        press_clear(page)  # and at once the first stroke: no pause
        for stroke in place_strokes(digit.strokes, CANVAS_SIZE, 0.6, CENTRE):
            mouse_stroke(page, stroke, origin)
            drawn += 1
            answer = answer_ms(page)
            if answer is None:
                lost += 1
            else:
                answers.append(answer)
                if split := page.evaluate(SPLIT_JS):
                    splits.append(split)
    page.close()
    return answers, splits, drawn, lost


def press_clear(page) -> None:
    """Press the page's Clear; a page without one (bench/bare_canvas.py) has the canvas's own bin, which it presses."""
    clear = page.get_by_role("button", name="Clear")
    (clear if clear.count() else page.locator(CANVAS_RESET)).click()


def spread(values: list[float], unit: str = "ms") -> str:
    """Median, p90 (nearest rank) and max of `values`."""
    ordered = sorted(values)
    if not ordered:
        return "none"
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    return f"median {statistics.median(ordered):.0f} {unit}, p90 {p90:.0f} {unit}, max {ordered[-1]:.0f} {unit}"


def split_line(answers: list[float], splits: list[list[float]]) -> str:
    """Where the later answers' time goes, as medians: the canvas's wait, the server's reply, the page's layout."""
    if not splits:
        return "later answers, split: none timed"
    sent, replied = (statistics.median(column) for column in zip(*splits, strict=True))
    answer = statistics.median(answers)
    return (
        f"later answers, split (medians, ms after mouse-up): the canvas sends at {sent:.0f}, the page reads the "
        f"server's last reply at {replied:.0f} (+{replied - sent:.0f}), the picture shows at {answer:.0f} "
        f"(+{answer - replied:.0f} laying it out)"
    )


def main(argv: list[str] | None = None) -> None:
    """Print start-up, open -> canvas, first and later answers, and strokes lost."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=3, help="server start-ups to time (default 3)")
    parser.add_argument("--pages", type=int, default=20, help="fresh pages to open and draw on (default 20)")
    parser.add_argument("--digits", type=int, default=100, help="digits drawn right after Clear (default 100)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument(
        "--app",
        type=Path,
        default=PROJECT_ROOT / "app.py",
        help="the page to serve (default app.py; floor: bench/bare_canvas.py)",
    )
    args = parser.parse_args(argv)
    app = args.app.resolve()
    # Digits whose first stroke is long enough to be read alone: that stroke is the one timed after Clear.
    digits = [
        d
        for d in load_pendigits(resolve_data_dir(args.data_dir), TUNE_WRITERS)
        if len(d.strokes[0]) >= MIN_TIMED_POINTS
    ]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        print(f"page: {args.app}", flush=True)
        starts = [time_to_canvas(browser, app) for _ in range(args.starts)]
        print(f"streamlit run -> canvas: {spread([s * 1000 for s in starts])} over {len(starts)} starts", flush=True)
        with streamlit_server(app=app) as url:
            fresh_page(browser, url, place_strokes(digits[0].strokes, CANVAS_SIZE, 0.6, CENTRE)[0])  # loads the model
            pages = [
                fresh_page(browser, url, place_strokes(d.strokes, CANVAS_SIZE, 0.6, CENTRE)[0])
                for d in digits[1 : args.pages + 1]
            ]
            print(f"open -> canvas (warm server): {spread([p[0] for p in pages])} over {len(pages)} pages", flush=True)
            firsts = [p[1] for p in pages if p[1] is not None]
            lost = len(pages) - len(firsts)
            print(f"first answer on a fresh page: {spread(firsts)}; strokes lost {lost} of {len(pages)}", flush=True)
            answers, splits, drawn, lost = strokes_after_clear(browser, url, digits[-args.digits :])
            print(
                f"later answers, Clear with no pause before each of {args.digits} digits: {spread(answers)} "
                f"over {len(answers)} strokes; strokes lost {lost} of {drawn}",
                flush=True,
            )
            print(split_line(answers, splits), flush=True)
        browser.close()


if __name__ == "__main__":
    run(main)
