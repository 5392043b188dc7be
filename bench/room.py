"""A room of phones: N people drawing into one room at once, on replicas behind nginx and on one process.

A throwaway PostgreSQL holds the rooms. For each way of serving, one real chromium page records what the page
sends for a stroke and for "Right!", in a room made for the run, and another what the room's wall sends (see
bench/wall.py); then N protocol-level sessions (as in bench/server_load.py) replay them at a person's pace: each
draws real pen digits of the choosing writers (17-20), one every few seconds, and says "Right!" to each answer,
which sends it to the wall, while one replayed wall asks for its refresh as the page does. No browser runs during
a crowd. Reported: the answers' times (stroke sent -> the run showing the prediction ended), errors (no answer,
an exception, a drawing not saved, the wall's socket failing), whether every drawing was stored exactly once (the
room's rows in the database, matched to the sessions by their pictures), how long each took to reach the wall
(Right! sent -> the replayed wall received its count or its tile) and the wall's query (polled), and the
server's CPU: with no wall open, and with one wall open (what the wall itself costs).

    python -m bench.room --sessions 150 --drawings 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import math
import os
import random
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import psutil
from sqlalchemy import create_engine, select

from bench import run
from bench.chromium import consecutive_free_ports, free_port, streamlit_server
from bench.load import ANSWER_TIMEOUT, STAGGER, latency_cells
from bench.postgres import server_processes, throwaway_postgres
from bench.procs import cpu_seconds, machine_busy_seconds, server_pid
from bench.server_load import SAVED, RunOutcome, connect, drawings, record_messages, run_finished, stroke_message
from bench.wall import WallLog, record_wall, replayed_wall
from deploy.run import DeployConfig, serving
from digitnet.learning.data import resolve_data_dir
from digitnet.storage.database import DATABASE_URL_ENV_VAR
from digitnet.storage.rooms import RoomStore
from digitnet.storage.tables import drawings as drawing_rows

RIGHT = ("Right!", SAVED)  # the button a person presses, and what the page says once the drawing is stored
DRAW = (3.0, 6.0)  # seconds a person takes to draw their next digit, after reading the answer
READ = (1.0, 2.5)  # seconds to read the answer and press Right!
WALL_POLL = 0.25  # seconds between the bench's reads of the wall's query
WALL_ALONE = 30.0  # seconds the server's CPU is measured with nobody drawing, without and with the wall open


@dataclass
class Crowd:
    """What the sessions of one run saw."""

    answers: list[float] = field(default_factory=list)  # seconds, stroke sent -> the answer's run ended
    errors: list[str] = field(default_factory=list)
    pressed: dict[str, float] = field(default_factory=dict)  # picture's hash -> when Right! was sent
    saved: list[set[str]] = field(default_factory=list)  # per session: the pictures the page said it stored


async def drawer(url: str, opening: list[bytes], steps: list, rng: random.Random, crowd: Crowd) -> None:
    """One person: open the room's link, then draw each digit and press Right! at a person's pace."""
    saved: set[str] = set()
    crowd.saved.append(saved)
    done = 0
    try:
        await asyncio.sleep(rng.uniform(0, STAGGER))
        async with connect(url, replica_cookie()) as socket:
            for frame in opening:
                await socket.send(frame)
                await asyncio.wait_for(run_finished(socket), ANSWER_TIMEOUT)
            for stroke, press, picture in steps:
                await asyncio.sleep(rng.uniform(*DRAW))
                answered, seconds = await timed(socket, stroke)
                crowd.answers.append(seconds)
                if answered.failed or not answered.predicted:
                    crowd.errors.append("exception on the page" if answered.failed else "no prediction in the answer")
                await asyncio.sleep(rng.uniform(*READ))
                crowd.pressed[picture] = time.perf_counter()
                outcome, _seconds = await timed(socket, press)
                done += 1
                if outcome.saved:
                    saved.add(picture)
                else:
                    crowd.errors.append(f"not saved ({'; '.join(outcome.notes) or 'nothing said'})")
    except Exception as error:  # a session that breaks is the measurement, not a reason to stop
        crowd.errors += [f"{type(error).__name__}, session ended"] * (len(steps) - done + 1)


def replica_cookie() -> str:
    """The cookie nginx gives a new browser, which keeps it on one replica."""
    return f"digitnet_replica={secrets.token_hex(16)}"


async def timed(socket, frame: bytes) -> tuple[RunOutcome, float]:
    """Send a message, wait for the run it asks for; what it showed, and how long it took."""
    start = time.perf_counter()
    await socket.send(frame)
    outcome = await asyncio.wait_for(run_finished(socket), ANSWER_TIMEOUT)
    return outcome, time.perf_counter() - start


class WallWatcher(threading.Thread):
    """Reads the wall's query every WALL_POLL seconds, as the wall does; notes when each drawing first shows."""

    def __init__(self, database: str, code: str, key: str) -> None:
        super().__init__(daemon=True)
        self.store, self.code, self.key = RoomStore(database), code, key
        self.first_seen: dict[int, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(WALL_POLL):
            seen = time.perf_counter()
            for drawing in self.store.wall(self.code, self.key).drawings:
                self.first_seen.setdefault(drawing.id, seen)


class CpuClock:
    """CPU used by groups of processes (name -> a function giving their ids, asked again at the end), in cores."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups, self.start, self.machine = groups, time.perf_counter(), machine_busy_seconds()
        self.before = {name: cpu_seconds(pids()) for name, pids in groups.items()}

    def cores(self) -> dict[str, float]:
        """Each group's, and the whole machine's ("machine")."""
        seconds = time.perf_counter() - self.start
        used = {name: (cpu_seconds(pids()) - self.before[name]) / seconds for name, pids in self.groups.items()}
        return used | {"machine": (machine_busy_seconds() - self.machine) / seconds}


async def idle_cores(groups: dict, seconds: float) -> dict[str, float]:
    """The CPU the processes use over `seconds` with nobody drawing."""
    clock = CpuClock(groups)
    await asyncio.sleep(seconds)
    return clock.cores()


async def crowd_run(
    url: str, database: str, sessions: int, pngs: list[bytes], wall: bool, groups: dict, idle: float = WALL_ALONE
) -> dict:
    """Make a room, record the page and its wall, run the crowd (with the wall open if `wall`); the run's figures,
    with the CPU the processes used meanwhile and, with the wall, for `idle` seconds with nobody drawing before
    it opened and after the crowd (the wall still open)."""
    room = RoomStore(database).create()
    opening, stroke, press = await record_messages(f"{url}/?room={room.code}", RIGHT)
    wall_messages = await record_wall(f"{url}/Wall?room={room.code}&key={room.key}") if wall else None
    share = len(pngs) // sessions
    steps = [(stroke_message(stroke, png), stroke_message(press, png), hashlib.sha256(png).hexdigest()) for png in pngs]
    crowd, rng = Crowd(), random.Random(0)  # every run the same pauses
    watcher = WallWatcher(database, room.code, room.key)
    watcher.start()
    alone = {"no wall": await idle_cores(groups, idle)} if wall else {}
    async with replayed_wall(url, wall_messages, replica_cookie()) if wall else contextlib.nullcontext() as log:
        clock = CpuClock(groups)
        await asyncio.gather(
            *(
                drawer(url, opening, steps[k * share : (k + 1) * share], random.Random(rng.random()), crowd)
                for k in range(sessions)
            )
        )
        cores = clock.cores()
        if wall:  # the full room's wall, alone; meanwhile the last drawings reach it
            alone["one wall"] = await idle_cores(groups, idle)
    await asyncio.sleep(2 * WALL_POLL)  # the last drawings' turn to show in the query
    watcher.stopping.set()
    watcher.join()
    crowd.errors += log.errors if log else []
    figures = stored(database, room.code, crowd, watcher.first_seen, log)
    return {"crowd": crowd, "cores": cores, "idle": alone, **figures}


def stored(database: str, code: str, crowd: Crowd, first_seen: dict[int, float], log: WallLog | None) -> dict:
    """Whether every drawing the page said it saved is in the room exactly once, each session's under one visit,
    and how long each took to show in the wall's query and, with a wall open, on the wall."""
    room_id = RoomStore(database).room(code).id
    engine = create_engine(database)
    with engine.connect() as connection:
        query = select(drawing_rows.c.id, drawing_rows.c.canvas_png, drawing_rows.c.session_hash)
        rows = connection.execute(query.where(drawing_rows.c.room_id == room_id)).all()
    engine.dispose()
    sent = crowd.pressed  # the room also holds the recording page's own drawing: left out
    picture = {id_: digest for id_, png, _ in rows if (digest := hashlib.sha256(bytes(png)).hexdigest()) in sent}
    counts = Counter(picture.values())
    visits = {picture[id_]: visit for id_, _, visit in rows if id_ in picture}
    acknowledged = set().union(*crowd.saved)
    problems = sum(counts[p] != 1 for p in acknowledged) + sum(p not in acknowledged for p in counts)
    problems += sum(len({visits.get(p) for p in saved}) > 1 for saved in crowd.saved)
    delays = sorted(first_seen.get(id_, math.inf) - sent[p] for id_, p in picture.items())
    on_wall = log.first_seen(sorted(id_ for id_, *_ in rows)) if log else {}
    return {
        "rows": len(picture),
        "acknowledged": len(acknowledged),
        "problems": problems,
        "delays": delays,
        "on wall": sorted(on_wall[id_] - sent[p] for id_, p in picture.items()) if log else [],
        "tiles": sum(id_ in log.tiles for id_ in picture) if log else None,
    }


def p95_and_max(delays: list[float]) -> str:
    """Two Markdown cells: the delays' p95 (nearest rank) and max in seconds, or dashes without any."""
    if not delays:
        return "- | -"
    return f"{delays[math.ceil(0.95 * len(delays)) - 1]:.2f} | {delays[-1]:.2f}"


def row(serving: str, wall: bool, sessions: int, result: dict) -> str:
    """One Markdown table row."""
    crowd, cores = result["crowd"], result["cores"]
    exactly = "yes" if not result["problems"] else f"no ({result['problems']} problems)"
    return (
        f"| {serving} | {int(wall)} | {sessions} | {latency_cells(crowd.answers, crowd.errors)} | "
        f"{result['acknowledged']} / {result['rows']} | {exactly} | {p95_and_max(result['on wall'])} | "
        f"{'-' if result['tiles'] is None else result['tiles']} | {p95_and_max(result['delays'])} | "
        f"{cores['streamlit']:.2f} | "
        f"{cores['nginx + db']:.2f} | {cores['machine']:.2f} | {os.getloadavg()[0]:.1f} |"
    )


def wall_alone(serving: str, result: dict, sessions: int) -> str:
    """The wall's own cost, measured with nobody drawing, against what the server spent on the crowd."""
    none, one = (result["idle"][name]["streamlit"] for name in ("no wall", "one wall"))
    return (
        f"{serving}, the full room's wall alone, nobody drawing: streamlit {one:.3f} cores with it open, "
        f"{none:.3f} with none, "
        f"{(one - none) / result['cores']['streamlit']:.1%} of the streamlit CPU with {sessions} people drawing."
    )


def children(pid: int) -> list[int]:
    """A process and its children (nginx's workers)."""
    return [pid, *(child.pid for child in psutil.Process(pid).children())]


def main(argv: list[str] | None = None) -> None:
    """Print one Markdown table row per run: replicas without and with the wall open, one process with it; and
    what the wall costs alone on each."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=150, help="people drawing at once (default 150)")
    parser.add_argument("--drawings", type=int, default=8, help="digits each person draws (default 8)")
    parser.add_argument("--replicas", type=int, default=2, help="streamlit processes behind nginx (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the drawings (default 0); every run pauses alike")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=WALL_ALONE,
        help=f"seconds the server's CPU is measured with nobody drawing, without and then with the wall open "
        f"(default {WALL_ALONE:.0f}); the wall stays open this long after the crowd, for its last drawings",
    )
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    count = args.sessions * args.drawings
    pngs = drawings(resolve_data_dir(args.data_dir), 3 * count, args.seed)  # each run its own pictures
    runs = [pngs[k * count : (k + 1) * count] for k in range(3)]
    print(
        "| serving | walls open | sessions | answers | median ms | p95 ms | max ms | errors | saved / rows | "
        "stored exactly once | on the wall p95 s | max s | shown as a tile | wall's query p95 s | max s | "
        "streamlit CPU (cores) | nginx + db CPU (cores) | machine CPU (of 2) | load (1 min) |\n|" + "---|" * 19,
        flush=True,
    )
    with throwaway_postgres() as (database, pg):
        config = DeployConfig(args.replicas, free_port(), consecutive_free_ports(args.replicas), "127.0.0.1")
        config = replace(config, database_url=database)
        with serving(config) as (replicas, nginx):
            groups = {
                "streamlit": lambda: [replica.process.pid for replica in replicas],
                "nginx + db": lambda: [*children(nginx.pid), *server_processes(pg)],
            }
            warm = 8 * args.replicas  # sessions enough to load the model in every replica before measuring
            asyncio.run(crowd_run(config.url, database, warm, runs[0][:warm], False, groups))
            name = f"{args.replicas} replicas + nginx"
            for wall, pictures in ((False, runs[0]), (True, runs[1])):
                crowd = crowd_run(config.url, database, args.sessions, pictures, wall, groups, args.idle_seconds)
                result = asyncio.run(crowd)
                print(row(name, wall, args.sessions, result), flush=True)
            walls = [wall_alone(name, result, args.sessions)]
        with streamlit_server(env={DATABASE_URL_ENV_VAR: database}) as url:
            groups = {"streamlit": lambda: [server_pid(url)], "nginx + db": lambda: server_processes(pg)}
            result = asyncio.run(crowd_run(url, database, args.sessions, runs[2], True, groups, args.idle_seconds))
            print(row("1 process", True, args.sessions, result), flush=True)
            walls.append(wall_alone("1 process", result, args.sessions))
    print("\n".join(walls), flush=True)


if __name__ == "__main__":
    run(main)
