"""The server alone under a crowd: N sessions speaking Streamlit's websocket protocol, no browser each.

In a classroom every person's browser runs on their own device; only the server is shared. On this
2-core machine 10 chromium pages already take 1.4 cores (`bench/load.py`), so to load the server as
a crowd would, one real chromium page first records what the page sends for a stroke; then N
lightweight sessions replay it, each stroke carrying a different real pen digit (writers 17-20,
drawn like the canvas) and a person's pause (think time) between strokes. Reports, per crowd size,
the server's answer time (message sent -> the run that shows the prediction has finished), errors
(no answer, an answer without a prediction, an exception on the page), the server's CPU and memory.
A person sees this plus the canvas's 200 ms wait before it sends and their browser's drawing.

    python -m bench.server_load --sessions 1 10 20 40 80 --strokes 20 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import random
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import websockets
from PIL import Image
from playwright.async_api import async_playwright
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import run
from bench.chromium import CANVAS, NEW_PREVIEW_JS, PREVIEW_JS, launch_chromium, streamlit_server
from bench.load import ANSWER_TIMEOUT, STAGGER, THINK, TIMING_JS, draw_stroke, latency_cells
from bench.procs import cpu_seconds, rss_mb, server_pid
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.learning.strokes import TUNE_WRITERS, render_on_canvas

SAVED = "Saved as"  # what the page says once a drawing's label is stored


async def record_messages(
    url: str, press: tuple[str, str] | None = None
) -> tuple[list[bytes], BackMsg, BackMsg | None]:
    """What a real page sends: the runs it asks for before the first stroke (the page run, then the Clear
    button's width once the canvas shows, which draws the rest of the page), a stroke's (the canvas's new
    value) and, with `press` (a button's name, a text that shows it worked), pressing that button after it."""
    sent: list[bytes] = []
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
        await page.add_init_script(f"({TIMING_JS})()")
        await page.goto(url)
        canvas = page.locator(f"{CANVAS} >> visible=true").first
        await canvas.wait_for(timeout=60_000)
        before = await page.evaluate(PREVIEW_JS)
        await draw_stroke(canvas, np.array([[140.0, 80.0], [180.0, 80.0], [160.0, 240.0]]))
        await page.wait_for_function(NEW_PREVIEW_JS, arg=before, polling=50, timeout=ANSWER_TIMEOUT * 1000)
        stroke_at = len(sent) - 1
        if press:
            await page.get_by_role("button", name=press[0]).click()
            await page.get_by_text(press[1]).first.wait_for(timeout=ANSWER_TIMEOUT * 1000)
        await browser.close()
    stroke = BackMsg()
    stroke.ParseFromString(sent[stroke_at])
    pressed = None
    if press:
        pressed = BackMsg()
        pressed.ParseFromString(next(frame for frame in sent[stroke_at + 1 :] if asks_for_run(frame)))
    return [frame for frame in sent[:stroke_at] if asks_for_run(frame)], stroke, pressed


def asks_for_run(frame: bytes) -> bool:
    """Whether a message the page sent asks the server for a run (not a heartbeat or a file request)."""
    message = BackMsg()
    message.ParseFromString(frame)
    return message.WhichOneof("type") == "rerun_script"


def canvas_widget(message: BackMsg):
    """The Draw tab canvas's entry among the widget states a stroke sends."""
    return next(w for w in message.rerun_script.widget_states.widgets if w.id.endswith("-draw-canvas"))


def stroke_message(template: BackMsg, png: bytes) -> bytes:
    """The recorded stroke message with another drawing in the canvas's value."""
    message = BackMsg()
    message.CopyFrom(template)
    widget = canvas_widget(message)
    value = json.loads(widget.json_value)
    value["drawing"]["data"] = "data:image/png;base64," + base64.b64encode(png).decode()
    widget.json_value = json.dumps(value)
    return message.SerializeToString()


def drawings(data_dir: Path, count: int, seed: int) -> list[bytes]:
    """PNGs of pen digits drawn the way the canvas sends them, each one different (random size and place),
    so no stroke is answered from the app's cache."""
    rng = np.random.default_rng(seed)
    digits = load_pendigits(data_dir, TUNE_WRITERS)
    pngs = []
    for index in rng.choice(len(digits), count):
        buffer = io.BytesIO()
        Image.fromarray(render_on_canvas(digits[index], CANVAS_SIZE, DEFAULT_BRUSH, rng)).save(buffer, "PNG")
        pngs.append(buffer.getvalue())
    return pngs


class RunOutcome(NamedTuple):
    """What one run of the page showed."""

    predicted: bool  # the prediction's metric
    failed: bool  # an exception
    saved: bool  # "Saved as ...": a drawing's label stored
    notes: list[str]  # the errors and warnings it said


async def run_finished(socket) -> RunOutcome:
    """Read the server's messages up to the end of a run, and what it showed."""
    outcome = RunOutcome(False, False, False, [])
    while True:
        message = ForwardMsg()
        message.ParseFromString(await socket.recv())
        kind = message.WhichOneof("type")
        if kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return outcome  # a run that stopped for another (st.rerun) is not the end of the answer
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            kind = element.WhichOneof("type")
            outcome = outcome._replace(
                predicted=outcome.predicted or (kind == "metric" and element.metric.label == "Prediction"),
                failed=outcome.failed or kind == "exception",
                saved=outcome.saved or (kind == "alert" and element.alert.body.startswith(SAVED)),
            )
            if kind == "alert" and element.alert.format in (Alert.ERROR, Alert.WARNING):
                outcome.notes.append(element.alert.body)


def connect(url: str, cookie: str = ""):
    """A websocket to the server of `url`, as a page opens it (`cookie`: the Cookie header its browser sends)."""
    return websockets.connect(
        url.replace("http://", "ws://") + "/_stcore/stream",
        subprotocols=["streamlit"],
        origin=url,
        max_size=None,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


async def session(url: str, opening: list[bytes], strokes: list[bytes], rng: random.Random, result: dict) -> None:
    """One person: open the page (the runs its opening asks for), then send strokes with a pause before each;
    time every answer."""
    sent = 0
    try:
        await asyncio.sleep(rng.uniform(0, STAGGER))
        async with connect(url) as socket:
            for frame in opening:
                await socket.send(frame)
                await asyncio.wait_for(run_finished(socket), ANSWER_TIMEOUT)
            for stroke in strokes:
                await asyncio.sleep(rng.uniform(*THINK))
                start = time.perf_counter()
                await socket.send(stroke)
                sent += 1
                predicted, failed, *_ = await asyncio.wait_for(run_finished(socket), ANSWER_TIMEOUT)
                result["latencies"].append(time.perf_counter() - start)
                if failed or not predicted:
                    result["errors"].append("exception on the page" if failed else "no prediction in the answer")
    except Exception as error:  # a session that breaks is the measurement, not a reason to stop
        result["errors"] += [f"{type(error).__name__}, session ended"] * (len(strokes) - sent + 1)


async def crowd(url: str, opening: list[bytes], strokes: list[bytes], sessions: int, seed: int) -> dict:
    """Run `sessions` people at once, each sending its own share of `strokes`; return latencies, errors, wall time."""
    rng = random.Random(seed)
    share = len(strokes) // sessions
    result: dict = {"latencies": [], "errors": []}
    start = time.perf_counter()
    await asyncio.gather(
        *(
            session(url, opening, strokes[k * share : (k + 1) * share], random.Random(rng.random()), result)
            for k in range(sessions)
        )
    )
    result["wall"] = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> None:
    """Print one Markdown table row per crowd size."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1, 10, 20, 40, 80], help="crowd sizes (default 1 10 20 40 80)"
    )
    parser.add_argument("--strokes", type=int, default=20, help="strokes each session sends (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed for drawings and pauses (default 0)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    pngs = drawings(resolve_data_dir(args.data_dir), max(args.sessions) * args.strokes, args.seed)
    print(
        "| sessions | strokes | median ms | p95 ms | max ms | errors | server RSS MiB | server CPU (cores) |\n"
        "|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    for sessions in args.sessions:
        with streamlit_server() as url:
            pid = server_pid(url)
            opening, template, _ = asyncio.run(record_messages(url))  # also loads the model, as the presenter would
            strokes = [stroke_message(template, png) for png in pngs[: sessions * args.strokes]]
            rss_before, cpu_before = rss_mb(pid), cpu_seconds([pid])
            result = asyncio.run(crowd(url, opening, strokes, sessions, args.seed))
            print(
                f"| {sessions} | {latency_cells(result['latencies'], result['errors'])} | "
                f"{rss_before:.0f} -> {rss_mb(pid):.0f} | {(cpu_seconds([pid]) - cpu_before) / result['wall']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    run(main)
