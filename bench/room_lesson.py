"""Learning from a room with a habit: how long "Learn from this room" takes, what it reads before and after.

The room: 200 drawings of real pen digits by the choosing writers (pendigits 17-20), all with one habit the
model often misreads: "european", every 1 with a long up-stroke and every 7 crossed, as much of Europe writes
them; or "turned", every digit turned by about QUIRK_DEGREES (phones lying askew on the desks). Each is
labelled right by its drawer, as the room's Right!/Wrong would. The lesson fine-tunes the committed model on
them (digitnet/learning/room_lesson.py) with the app's settings. Printed: its time and CPU, the room's
kept-aside drawings read before and after, the validation digits before and after (the adoption rule), and,
only measured, the same habit by writers the model never trained or chose on (pendigits 21-30).

    python -m bench.room_lesson --drawings 200 --habit european
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import torch

from bench import run
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, DEFAULT_CHECKPOINT
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.learning.drawn import predict_drawn
from digitnet.learning.room_lesson import learn_from_drawings
from digitnet.learning.strokes import TEST_WRITERS, TUNE_WRITERS, PenDigit, render_on_canvas
from digitnet.reading.predictor import Predictor, predictor_from_bytes
from digitnet.storage.corrections import Drawing

QUIRK_DEGREES = 40.0  # the room's turn, clockwise on the screen; each drawing varies by QUIRK_SPREAD
QUIRK_SPREAD = 5.0


def turned(digits: list[PenDigit], seed: int) -> list[PenDigit]:
    """The digits as the room draws them: each turned about QUIRK_DEGREES around its centre."""
    rng = np.random.default_rng(seed)
    out = []
    for digit in digits:
        angle = np.deg2rad(QUIRK_DEGREES + rng.uniform(-QUIRK_SPREAD, QUIRK_SPREAD))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        centre = np.concatenate(digit.strokes).mean(axis=0)
        out.append(replace(digit, strokes=tuple((stroke - centre) @ rotation.T + centre for stroke in digit.strokes)))
    return out


def european(digits: list[PenDigit], seed: int) -> list[PenDigit]:
    """The digits as a European room writes them: a 1 with a long up-stroke into its top, a 7 crossed."""
    rng = np.random.default_rng(seed)
    return [replace(digit, strokes=(*digit.strokes, *extra_stroke(digit, rng))) for digit in digits]


def extra_stroke(digit: PenDigit, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A 1's flag (from down-left up to its top) or a 7's bar (across its stem at mid-height); () for others."""
    points = np.concatenate(digit.strokes)
    height = np.ptp(points[:, 1])
    if digit.label == 1:
        top = points[points[:, 1].argmin()]
        start = top + height * np.array([-rng.uniform(0.3, 0.45), rng.uniform(0.25, 0.4)])
        return (np.linspace(start, top, 8),)
    if digit.label == 7:
        middle = points[:, 1].min() + height * rng.uniform(0.45, 0.6)
        stem = points[np.abs(points[:, 1] - middle).argmin()]
        bar = np.array([height * rng.uniform(0.18, 0.25), 0.0])  # half of it
        return (np.linspace(stem - bar, stem + bar, 8),)
    return ()


HABITS = {"european": european, "turned": turned}


def room_drawings(predictor: Predictor, digits: list[PenDigit], seed: int) -> list[Drawing]:
    """The room's drawings as the store keeps them: drawn on the canvas, read, and labelled by their drawers."""
    rng = np.random.default_rng(seed)
    pictures = [render_on_canvas(digit, CANVAS_SIZE, DEFAULT_BRUSH, rng) for digit in digits]
    readings = predictor.predict_batch(pictures)
    return [
        Drawing(d.label, r.digit == d.label, r.digit, r.probs.tolist(), predictor.version, b"", r.input28)
        for d, r in zip(digits, readings, strict=True)
    ]


def accuracy(predictor: Predictor, digits: list[PenDigit]) -> float:
    """Share of the digits read right, drawn like the canvas."""
    return float((predict_drawn(predictor, digits).argmax(1) == np.array([d.label for d in digits])).mean())


def main(argv: list[str] | None = None) -> None:
    """Run one lesson and print what it did."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drawings", type=int, default=200, help="the room's corrected drawings (default 200)")
    parser.add_argument(
        "--habit", choices=sorted(HABITS), default="european", help="the room's habit (default european)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for the digits chosen and drawn (default 0)")
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    torch.set_num_threads(1)  # as the app reads; the lesson takes its own threads
    checkpoint = Path(DEFAULT_CHECKPOINT).read_bytes()
    model = predictor_from_bytes(checkpoint, str(DEFAULT_CHECKPOINT))
    choosing = load_pendigits(data_dir, TUNE_WRITERS)
    picked = np.random.default_rng(args.seed).choice(len(choosing), args.drawings, replace=False)
    habit = HABITS[args.habit]
    room = room_drawings(model, habit([choosing[i] for i in picked], args.seed), args.seed)
    print(f"the room: {len(room)} drawings, {args.habit}; {np.mean([d.confirmed for d in room]):.1%} read right")
    others = habit(load_pendigits(data_dir, TEST_WRITERS), args.seed + 1)
    process, load = psutil.Process(), os.getloadavg()[0]
    cpu, start = sum(process.cpu_times()[:2]), time.perf_counter()
    shown = []
    lesson = learn_from_drawings(checkpoint, room, data_dir, lambda share: shown.append(round(share, 2)))
    seconds, cpu = time.perf_counter() - start, sum(process.cpu_times()[:2]) - cpu
    load = f"load {load:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"lesson: {seconds:.1f} s, {cpu:.1f} CPU s, {load}; progress {shown}")
    print(f"{lesson.reason} kept aside: {lesson.held_out}, read right {lesson.before:.1%} -> {lesson.after:.1%}")
    new = predictor_from_bytes(lesson.checkpoint, "the lesson's model") if lesson.checkpoint else model
    for name, digits in (("all", others), ("1s and 7s", [d for d in others if d.label in (1, 7)])):
        before, after = accuracy(model, digits), accuracy(new, digits)
        print(f"measured only, writers 21-30 with the habit, {name} ({len(digits)}): {before:.1%} -> {after:.1%}")


if __name__ == "__main__":
    run(main)
