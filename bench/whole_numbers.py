"""How well DigitNet reads whole numbers drawn by people: real pen digits of held-out writers, composed.

Numbers of 2-6 digits are laid out left to right from the pen strokes of pendigits writers 21-30
(or with --source unipen, the writers of UNIPEN's held-out sites; with --writers tune, the writers
settings may be chosen on), each number by one writer, drawn like the Number canvas, and read as the app
reads it (`Predictor.read_number`: the line reader, a CRNN, with the digit model reading each digit again)
and by the cutting segmenter it replaced (`--readers line-alone`: the line reader without the digit model).
Three layouts: gaps between digits, neighbours touching, and "written" (in one go: digits of their own widths,
some touching, some joined by the pen, the baseline drifting). Then lines that are no number (held-out
writers' letters, and scribbles no model trained on), the median time to read a 4-digit number on one
thread, and how often a reading given with at least 90% confidence is right. Seeded and deterministic.

    python -m bench.whole_numbers --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from bench import run
from bench.synth.pen import HELD_OUT_WRITERS, LAYOUTS, add_writers_argument, compose_number
from digitnet.constants import DEFAULT_BRUSH
from digitnet.learning.data import load_characters, load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.letters import counts_as_not_a_digit
from digitnet.learning.negatives import negative_drawings
from digitnet.learning.strokes import STYLES, PenDigit, draw_strokes
from digitnet.reading.pixels import EmptyImageError
from digitnet.reading.predictor import NumberReading, Predictor, load_predictor

SURE = 0.9  # a reading this confident must be right (the honesty figure)
# the line reader (the CRNN) with the digit model reading each digit again, as the app reads; the line reader
# alone; and the cutting segmenter with the digit model
READERS = ("line", "line-alone", "cutting")


@dataclass
class Tally:
    """One reader's results over a row of numbers."""

    exact: int = 0
    right_digits: int = 0
    digits: int = 0
    sure: int = 0
    sure_right: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, reading: NumberReading | None, truth: list[int], seconds: float) -> None:
        """Count one number read (None: nothing was found)."""
        read = digits_of(reading)
        right = read == truth
        self.exact += right
        self.digits += len(truth)
        self.right_digits += sum(a == b for a, b in zip(read, truth, strict=False)) if len(read) == len(truth) else 0
        if reading is not None and reading.confidence >= SURE:
            self.sure += 1
            self.sure_right += right
        self.seconds.append(seconds)


def digits_of(reading: NumberReading | None) -> list[int]:
    """The digits of a reading, left to right; [] where it gives no number."""
    return [p.digit for p in reading.predictions] if is_number(reading) else []


def is_number(reading: NumberReading | None) -> bool:
    """Whether a reading gives a number: every piece a digit."""
    return reading is not None and reading.is_number and all(p.is_digit for p in reading.predictions)


def timed_reading(predictor: Predictor, image: np.ndarray) -> tuple[NumberReading | None, float]:
    """The reading of a picture and the seconds it took, preprocessing included."""
    start = time.perf_counter()
    try:
        reading = predictor.read_number(image)
    except EmptyImageError:
        reading = None
    return reading, time.perf_counter() - start


def draw(strokes: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    """Strokes drawn like the Number canvas."""
    return draw_strokes(strokes, size, DEFAULT_BRUSH, *STYLES["transparent"])


def read_row(readers: dict[str, Predictor], by_writer: dict, length: int, layout: str, count: int, seed: int) -> dict:
    """Each reader's Tally over `count` numbers of `length` digits laid out as `layout`."""
    tallies = {name: Tally() for name in readers}
    for image, truth in numbers(by_writer, length, layout, count, seed):
        for name, predictor in readers.items():
            reading, seconds = timed_reading(predictor, image)
            tallies[name].add(reading, truth, seconds)
    return tallies


def numbers(by_writer: dict, length: int, layout: str, count: int, seed: int) -> Iterator[tuple[np.ndarray, list[int]]]:
    """`count` pictures of numbers of `length` digits laid out as `layout`, each by one writer, and their digits."""
    rng = np.random.default_rng(seed)
    writers = sorted(by_writer)
    for _ in range(count):
        pool = by_writer[writers[rng.integers(len(writers))]]
        digits = [pool[i] for i in rng.choice(len(pool), length, replace=False)]
        yield draw(*compose_number(digits, rng, layout=layout)), [d.label for d in digits]


def digits_by_writer(data_dir: Path, source: str, writers: str, longest: int) -> dict[int | str, list[PenDigit]]:
    """The pen digits of `source`'s `writers` ("test" or "tune") by writer, of those who wrote `longest` or more."""
    digits = (
        load_pendigits(data_dir, HELD_OUT_WRITERS[writers]) if source == "pendigits" else load_unipen(data_dir, writers)
    )
    by_writer: dict[int | str, list[PenDigit]] = {}
    for digit in digits:
        by_writer.setdefault(digit.writer, []).append(digit)
    return {w: pool for w, pool in by_writer.items() if len(pool) >= longest}


def no_number_lines(data_dir, writers: str, count: int, seed: int) -> list[np.ndarray]:
    """`count` lines that are no number: half words of 1-6 held-out writers' letters, half 1-3 unseen scribbles."""
    rng = np.random.default_rng(seed)
    letters = [c for c in load_characters(data_dir, writers) if counts_as_not_a_digit(c.label)]
    scribbles = [PenDigit(-1, 0, tuple(d)) for _, d in negative_drawings(count, seed, "test", data_dir)]
    lines = []
    for k in range(count):
        pool, most = (letters, 6) if k % 2 == 0 and letters else (scribbles, 3)
        chosen = [pool[i] for i in rng.integers(len(pool), size=rng.integers(1, most + 1))]
        lines.append(draw(*compose_number(chosen, rng, layout="written")))
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The bench's flags."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="digit model; its reader beside it (default: committed)")
    parser.add_argument("--count", type=int, default=1000, help="numbers per row of the table (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for choosing and laying out digits (default 0)")
    add_writers_argument(parser)
    parser.add_argument("--source", choices=("pendigits", "unipen"), default="pendigits", help="(default pendigits)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[2, 3, 4, 5, 6], help="digits a number (default 2-6)")
    parser.add_argument("--layouts", nargs="+", choices=LAYOUTS, default=list(LAYOUTS), help="(default all three)")
    parser.add_argument(
        "--readers", nargs="+", choices=READERS, default=["line", "cutting"], help="(default line cutting)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Print the table, the lines that are no number, the time and the honesty."""
    args = parse_args(argv)
    torch.set_num_threads(1)  # as the app and the CLI read: one picture at a time
    line = load_predictor(args.checkpoint)
    if line.reader is None:
        raise SystemExit("error: no number reader beside the checkpoint: train one with `python train.py numbers`.")
    made = {"line": lambda: line, "line-alone": lambda: line_alone(line), "cutting": lambda: cutting_reader(line)}
    readers = {name: made[name]() for name in args.readers}
    data_dir = resolve_data_dir(args.data_dir)
    by_writer = digits_by_writer(data_dir, args.source, args.writers, max(args.lengths))
    start = time.perf_counter()
    print(f"# {args.count} numbers per row, {len(by_writer)} {args.writers} writers of {args.source}, ", end="")
    print(f"brush {DEFAULT_BRUSH} px\n")
    print("| digits | layout | " + " | ".join(f"{n} exact | per digit" for n in readers) + " |")
    print("|---|---|" + "---|---|" * len(readers))
    totals = {name: Tally() for name in readers}
    for layout in args.layouts:
        for length in args.lengths:
            row = read_row(readers, by_writer, length, layout, args.count, args.seed + length)
            cells = " | ".join(f"{t.exact / args.count:.1%} | {t.right_digits / t.digits:.2%}" for t in row.values())
            print(f"| {length} | {layout} | {cells} |", flush=True)
            for name, tally in row.items():
                merge(totals[name], tally, timed=length == 4)
    lines = no_number_lines(data_dir, args.writers, args.count, args.seed)
    for name, predictor in readers.items():
        as_number = sum(is_number(timed_reading(predictor, x)[0]) for x in lines)
        total = totals[name]
        print(f"\n{name}: {as_number / len(lines):.1%} of {len(lines)} lines that are no number read as a number; ")
        print(
            f"  {total.sure_right / max(total.sure, 1):.2%} right of the {total.sure} numbers read >= {SURE:.0%} sure"
        )
        if total.seconds:
            print(f"  median {np.median(total.seconds) * 1000:.1f} ms to read a 4-digit number (one thread)")
    print(f"\n{time.perf_counter() - start:.0f} s")


def line_alone(predictor: Predictor) -> Predictor:
    """The same line reader without the digit model's second reading of each digit."""
    alone = copy.copy(predictor)
    alone.reader = copy.copy(predictor.reader)
    alone.reader.weights = (0.0, 0.0)
    return alone


def cutting_reader(predictor: Predictor) -> Predictor:
    """The same digit model reading numbers by cutting them into digits."""
    cutting = copy.copy(predictor)
    cutting.reader = None
    return cutting


def merge(total: Tally, row: Tally, timed: bool) -> None:
    """Add a row's confident readings (and, for 4 digits, its times) to the totals."""
    total.sure += row.sure
    total.sure_right += row.sure_right
    if timed:
        total.seconds += row.seconds


if __name__ == "__main__":
    run(main)
