"""How well DigitNet reads whole numbers drawn by people: real pen digits of held-out writers, composed.

Numbers of 2-6 digits are laid out left to right from the pen strokes of pendigits writers 21-30
(or with --source unipen, the writers of UNIPEN's held-out sites; with --writers tune, the writers
settings may be chosen on), each number by one writer, with
varying size, slant, baseline and spacing, drawn like the canvas, segmented and read by
`Predictor.predict_number`. Reports exact whole-number accuracy and per-digit accuracy,
with gaps between digits and with neighbours touching. Seeded and deterministic.

    python -m bench.whole_numbers --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench.synth.pen import HELD_OUT_WRITERS, compose_number
from digitnet.constants import DEFAULT_BRUSH
from digitnet.learning.data import load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.strokes import STYLES, draw_strokes
from digitnet.reading.pixels import EmptyImageError
from digitnet.reading.predictor import load_predictor


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
        help="test = measured-only writers, the result; tune = for choosing settings (default test)",
    )
    parser.add_argument("--source", choices=("pendigits", "unipen"), default="pendigits", help="(default pendigits)")
    parser.add_argument("--lengths", type=int, nargs="+", default=[2, 3, 4, 5, 6], help="digits a number (default 2-6)")
    parser.add_argument("--gaps-only", action="store_true", help="leave out the rows of touching digits")
    args = parser.parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    data_dir = resolve_data_dir(args.data_dir)
    if args.source == "pendigits":
        digits = load_pendigits(data_dir, HELD_OUT_WRITERS[args.writers])
    else:
        digits = load_unipen(data_dir, args.writers)
    by_writer: dict[int | str, list] = {}
    for digit in digits:
        by_writer.setdefault(digit.writer, []).append(digit)
    by_writer = {w: pool for w, pool in by_writer.items() if len(pool) >= max(args.lengths)}
    start = time.perf_counter()
    print(f"# {args.count} numbers per row, {len(by_writer)} {args.writers} writers of {args.source}, ", end="")
    print(f"brush {DEFAULT_BRUSH} px\n\n| digits | layout | whole number exact | per digit |\n|---|---|---|---|")
    for touching in (False,) if args.gaps_only else (False, True):
        for length in args.lengths:
            exact, per_digit = read_numbers(predictor, by_writer, length, args.count, touching, args.seed + length)
            print(f"| {length} | {'touching' if touching else 'gaps'} | {exact:.1%} | {per_digit:.2%} |", flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
