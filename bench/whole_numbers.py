"""How well DigitNet reads whole numbers drawn by people: real pen digits of held-out writers, composed.

Numbers of 2-6 digits are laid out left to right from the pen strokes of writers 21-30 (or with
--writers tune, writers 17-20, on which settings may be chosen), each number by one writer, with
varying size, slant, baseline and spacing, drawn like the canvas, segmented and read by
`Predictor.predict_number`. Reports exact whole-number accuracy and per-digit accuracy,
with gaps between digits and with neighbours touching. Seeded and deterministic.

    python bench/whole_numbers.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitnet.constants import DEFAULT_BRUSH
from digitnet.data import load_pendigits, resolve_data_dir
from digitnet.predict import load_predictor
from digitnet.preprocess import EmptyImageError
from digitnet.strokes import HELD_OUT_WRITERS, STYLES, compose_number, draw_strokes


def read_numbers(predictor, by_writer: dict, length: int, count: int, touching: bool, seed: int) -> tuple[float, float]:
    """Exact-number and per-digit accuracy over `count` numbers of `length` digits."""
    rng = np.random.default_rng(seed)
    exact = right_digits = 0
    writers = sorted(by_writer)
    for _ in range(count):
        pool = by_writer[writers[rng.integers(len(writers))]]
        digits = [pool[i] for i in rng.choice(len(pool), length, replace=False)]
        strokes, size = compose_number(digits, rng, touching=touching)
        ink, background = STYLES["transparent"]
        try:
            read = [
                p.digit for p in predictor.predict_number(draw_strokes(strokes, size, DEFAULT_BRUSH, ink, background))
            ]
        except EmptyImageError:
            read = []
        truth = [d.label for d in digits]
        exact += read == truth
        right_digits += sum(a == b for a, b in zip(read, truth, strict=False)) if len(read) == length else 0
    return exact / count, right_digits / (count * length)


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--count", type=int, default=1000, help="numbers per row of the table (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for choosing and laying out digits (default 0)")
    parser.add_argument(
        "--writers",
        choices=sorted(HELD_OUT_WRITERS),
        default="test",
        help="test = 21-30, the result; tune = 17-20, for choosing settings (default test)",
    )
    args = parser.parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    writers = HELD_OUT_WRITERS[args.writers]
    by_writer: dict[int, list] = {}
    for digit in load_pendigits(resolve_data_dir(args.data_dir), writers):
        by_writer.setdefault(digit.writer, []).append(digit)
    start = time.perf_counter()
    print(f"# {args.count} numbers per row, writers {writers.start}-{writers.stop - 1}, brush {DEFAULT_BRUSH} px\n")
    print("| digits | layout | whole number exact | per digit |\n|---|---|---|---|")
    for touching in (False, True):
        for length in range(2, 7):
            exact, per_digit = read_numbers(predictor, by_writer, length, args.count, touching, args.seed + length)
            print(f"| {length} | {'touching' if touching else 'gaps'} | {exact:.1%} | {per_digit:.2%} |", flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
