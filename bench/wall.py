"""The presenter's wall as a protocol-level session, so that no browser shares the server's cores during a crowd.

One real chromium page records what the Wall page sends: its page run, then its fragment's rerun, which the page
asks for every few seconds (the interval the server's auto_rerun message sets). Then the bench replays them over a
websocket from its own process, as the page's timer would, naming the messages it holds in the page's message cache
as the page does. What the replayed wall receives says when each drawing reached the wall: the wall's score
counting it, or its tile in the mosaic.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.chromium import launch_chromium
from bench.load import ANSWER_TIMEOUT
from bench.server_load import connect

TILE = re.compile(r"-tile-(\d+)$")  # a mosaic tile's container, keyed by its drawing's id (digitnet/ui/wall.py)
WALL_CODE = ".st-key-wall-code"  # the room's code in large type, drawn by the page's run
SCORE = "-wall-score"  # the container of the room's score, "42 drawings, read right 38 times (90%)"


@dataclass
class WallMessages:
    """What the Wall page sends: its page run, and its fragment's rerun."""

    opening: list[bytes]
    again: BackMsg


async def record_wall(url: str) -> WallMessages:
    """Open the wall (`url` holds the room and the presenter's key) in chromium until its fragment asks to rerun."""
    sent: list[bytes] = []
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})  # a projector's
        page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
        await page.goto(url)
        await page.locator(WALL_CODE).wait_for(timeout=ANSWER_TIMEOUT * 1000)  # the page's run has drawn the wall
        deadline = time.perf_counter() + ANSWER_TIMEOUT
        while not any(run.fragment_id for run in reruns(sent)) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        await browser.close()
    runs = reruns(sent)
    again = next((run for run in runs if run.fragment_id), None)
    if again is None:
        raise TimeoutError(f"The wall at {url} showed, but asked for no refresh within {ANSWER_TIMEOUT:.0f} s.")
    opening = [BackMsg(rerun_script=run).SerializeToString() for run in runs[: runs.index(again)]]
    return WallMessages(opening, BackMsg(rerun_script=again))


def reruns(frames: list[bytes]) -> list:
    """The runs the page asked for, in order (BackMsg.rerun_script)."""
    messages = [BackMsg.FromString(frame) for frame in frames]
    return [message.rerun_script for message in messages if message.WhichOneof("type") == "rerun_script"]


@dataclass
class WallLog:
    """What one replayed wall received, and when (time.perf_counter())."""

    counts: list[tuple[float, int]] = field(default_factory=list)  # the score's count of drawings, as received
    tiles: dict[int, float] = field(default_factory=dict)  # drawing id -> its tile first received
    errors: list[str] = field(default_factory=list)
    cache: dict[str, int] = field(default_factory=dict)  # the page's message cache: hash -> run it was last used in
    runs: int = 0  # runs finished
    max_age: int = 2  # runs a cached message is kept unused (the server says, in its new session)
    refreshing: asyncio.Event = field(default_factory=asyncio.Event)  # the server set the page's timer
    interval: float = math.inf  # seconds between the fragment's reruns, as the server set it
    score_path: list[int] = field(default_factory=list)

    def note(self, message: ForwardMsg, when: float) -> None:
        """Keep what the page would: cached messages, and when a drawing is counted or shown."""
        kind = message.WhichOneof("type")
        if message.metadata.cacheable or message.ref_hash:
            self.cache[message.hash or message.ref_hash] = self.runs
        if kind == "new_session":
            self.max_age = message.new_session.config.max_cached_message_age
        elif kind == "auto_rerun":
            self.interval = message.auto_rerun.interval
            self.refreshing.set()
        elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.runs += 1
            self.cache = {hash_: run for hash_, run in self.cache.items() if self.runs - run <= self.max_age}
        elif kind == "delta" and message.delta.WhichOneof("type") == "add_block":
            block, path = message.delta.add_block.id, list(message.metadata.delta_path)
            if tile := TILE.search(block):
                self.tiles.setdefault(int(tile[1]), when)
            elif block.endswith(SCORE):
                self.score_path = path
        elif (
            kind == "delta"
            and message.delta.new_element.WhichOneof("type") == "markdown"
            and (list(message.metadata.delta_path[:-1]) == self.score_path)
        ):
            words = message.delta.new_element.markdown.body  # the count leads: "1,200 drawings, read right ..."
            self.counts.append((when, int(words.split()[0].replace(",", ""))))

    def first_seen(self, ids: list[int]) -> dict[int, float]:
        """When each drawing (`ids`: the room's, oldest first) was first on the wall: counted or shown. Writers
        store drawings one at a time (a lock on the table), so ids commit in order: a count of n is the first n."""
        seen, counted = {}, 0
        for when, count in self.counts:
            seen |= dict.fromkeys(ids[counted:count], when)
            counted = max(counted, count)
        return {id_: min(seen.get(id_, math.inf), self.tiles.get(id_, math.inf)) for id_ in ids}


@contextlib.asynccontextmanager
async def replayed_wall(url: str, messages: WallMessages, cookie: str = "") -> AsyncIterator[WallLog]:
    """The wall, open for as long as the block runs: its page run, then its fragment's reruns."""
    log = WallLog()
    async with connect(url, cookie) as socket:
        tasks = [asyncio.create_task(receive(socket, log)), asyncio.create_task(refresh(socket, messages, log))]
        for frame in messages.opening:
            await socket.send(frame)
        try:
            yield log
        finally:
            for task in tasks:
                task.cancel()
            for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(outcome, Exception):
                    log.errors.append(f"the wall: {type(outcome).__name__}")


async def receive(socket, log: WallLog) -> None:
    """Read everything the server sends the wall."""
    while True:
        message = ForwardMsg.FromString(await socket.recv())
        log.note(message, time.perf_counter())


async def refresh(socket, messages: WallMessages, log: WallLog) -> None:
    """The page's timer: ask for the fragment at the server's interval, whether or not the last one finished,
    naming the messages the page holds in its cache."""
    await log.refreshing.wait()
    due = time.perf_counter()
    while True:
        due += log.interval
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        message = BackMsg()
        message.CopyFrom(messages.again)
        del message.rerun_script.cached_message_hashes[:]
        message.rerun_script.cached_message_hashes.extend(log.cache)
        await socket.send(message.SerializeToString())
