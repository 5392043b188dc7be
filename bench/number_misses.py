"""Why numbers are read wrong: a wrong count of digits, or a digit misread, and by which of the two models.

Draws one row of `bench/whole_numbers.py` (by default 2,000 numbers of 4 digits with gaps by pendigits writers
21-30; --writers tune: the choosing writers) and reads it as the app does: the line reader (a CRNN) finds the
digits and the digit model reads each one's crop again, the two fused. For the numbers read wrong it prints
how many have the wrong count of digits and how many misread a digit; for the digits misread, whether the
line reader alone or the digit model alone would have read them right, whether the right digit came second
in the app's reading, and the commonest confusions. Then the same numbers read with other digit models
averaged in (--also, e.g. other seeds of the recipe), and, with --sheet, a picture of the misread numbers.

    python -m bench.number_misses --data-dir ../shared/data --sheet bench/out/number-misses.png
"""

from __future__ import annotations

import argparse
import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from bench import run
from bench.synth.pen import LAYOUTS, add_writers_argument
from bench.whole_numbers import digits_by_writer, digits_of, line_alone, numbers, timed_reading
from digitnet.learning.data import resolve_data_dir
from digitnet.reading.predictor import Predictor, load_predictor


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    p.add_argument("--checkpoint", default=None, help="digit model; its reader beside it (default: committed)")
    p.add_argument("--count", type=int, default=2000, help="numbers drawn (default 2000)")
    p.add_argument(
        "--seed", type=int, default=0, help="whole_numbers' --seed: its row draws with SEED + LENGTH (default 0)"
    )
    add_writers_argument(p)
    p.add_argument(
        "--source", choices=("pendigits", "unipen"), default="pendigits", help="whose digits (default pendigits)"
    )
    p.add_argument("--length", type=int, default=4, help="digits a number (default 4)")
    p.add_argument("--layout", choices=LAYOUTS, default="gaps", help="how the digits are laid out (default gaps)")
    p.add_argument("--also", nargs="*", default=[], help="digit models averaged with it, one at a time (default none)")
    p.add_argument("--sheet", type=Path, default=None, help="PNG of the misread numbers (default none)")
    return p.parse_args(argv)


def averaged(predictor: Predictor, other: Predictor) -> Predictor:
    """The predictor with its digit model's calibrated logits averaged with `other`'s (its line reader unused)."""
    ensemble = copy.copy(predictor)
    ensemble.logits = lambda inputs: (predictor.logits(inputs) + other.logits(inputs)) / 2
    return ensemble


@dataclass
class Misses:
    """A row's numbers read wrong, sorted: a wrong count of digits (no number counts as one), or a digit misread."""

    wrong: list[tuple[np.ndarray, list[int], list[int]]] = field(default_factory=list)  # picture, truth, read
    wrong_count: int = 0
    misread: int = 0  # numbers of the right count with a digit misread
    digits: int = 0  # digits of the numbers read with the right count, right or not
    tally: Counter[str] = field(default_factory=Counter)  # the misread digits, and who else reads them right
    confusions: Counter[tuple[int, int]] = field(default_factory=Counter)  # (truth, read): misread digits


def misses(predictor: Predictor, pictures: Iterable[tuple[np.ndarray, list[int]]]) -> Misses:
    """How the numbers are read wrong, and each misread digit's other readings."""
    alone, found = line_alone(predictor), Misses()
    for image, truth in pictures:
        reading = timed_reading(predictor, image)[0]
        read = digits_of(reading)
        found.digits += len(truth) * (len(read) == len(truth))
        if read == truth:
            continue
        found.wrong.append((image, truth, read))
        if len(read) != len(truth):
            found.wrong_count += 1
            continue
        found.misread += 1
        line = digits_of(timed_reading(alone, image)[0])
        for k in np.flatnonzero(np.array(read) != np.array(truth)):
            digit = reading.predictions[k]
            own = predictor.probabilities(digit.input28[None])[0] if digit.input28.any() else None  # None: blank crop
            found.tally["digits"] += 1
            found.tally["line alone right"] += len(line) == len(truth) and line[k] == truth[k]
            found.tally["digit model alone right"] += own is not None and int(own.argmax()) == truth[k]
            found.tally["right one second"] += digit.runner_up() == truth[k]
            found.confusions[(truth[k], read[k])] += 1
    return found


def report(found: Misses, count: int) -> None:
    """Print where the misses come from."""
    wrong, misread = len(found.wrong), found.tally["digits"]
    print(
        f"read right {1 - wrong / count:.2%}; {wrong} wrong: {found.wrong_count} with a wrong count of digits ", end=""
    )
    print(f"or no number, {found.misread} with the right count and a digit misread")
    print(f"  {misread} digits misread of the {found.digits} in numbers of the right count ", end="")
    print(f"({1 - misread / max(found.digits, 1):.2%} right)")
    for what in ("line alone right", "digit model alone right", "right one second"):
        print(f"  {what}: {found.tally[what]}")
    common = ", ".join(f"{a} as {b} ({n})" for (a, b), n in found.confusions.most_common(8))
    print(f"  commonest: {common}")


def sheet(wrong: list[tuple[np.ndarray, list[int], list[int]]], path: Path, columns: int = 6) -> None:
    """The misread numbers as dark ink on white, `columns` a row, left to right in the order drawn."""
    inks = [255 - (image[..., 3] if image.ndim == 3 else image) for image, _, _ in wrong]
    height, width = max(i.shape[0] for i in inks), max(i.shape[1] for i in inks)
    rows = -(-len(inks) // columns)
    page = np.full((rows * height, columns * width), 255, np.uint8)
    for k, ink in enumerate(inks):
        row, column = divmod(k, columns)
        page[row * height : row * height + ink.shape[0], column * width : column * width + ink.shape[1]] = ink
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(page).resize((columns * width // 3, rows * height // 3)).save(path)
    print(f"wrote {path}: " + ", ".join(f"{''.join(map(str, t))} as {''.join(map(str, r))}" for _, t, r in wrong))


def main(argv: list[str] | None = None) -> None:
    """Print where one row's misses come from, and what other digit models averaged in would change."""
    args = parse_args(argv)
    torch.set_num_threads(1)  # as whole_numbers reads: one picture at a time
    predictor = load_predictor(args.checkpoint)
    if predictor.reader is None:
        raise SystemExit("error: no number reader beside the checkpoint: train one with `python train.py numbers`.")
    by_writer = digits_by_writer(resolve_data_dir(args.data_dir), args.source, args.writers, args.length)
    pictures = partial(numbers, by_writer, args.length, args.layout, args.count, args.seed + args.length)
    # drawn again for each reader: 2,000 pictures would hold gigabytes
    print(f"# {args.count} numbers of {args.length} digits, {args.layout}, {args.writers} writers of {args.source}\n")
    found = misses(predictor, pictures())
    report(found, args.count)
    for path in args.also:
        ensemble = averaged(predictor, load_predictor(path))
        right = sum(digits_of(timed_reading(ensemble, image)[0]) == truth for image, truth in pictures())
        print(f"with {path} averaged in: read right {right / args.count:.2%}")
    if args.sheet and found.wrong:
        sheet(found.wrong, args.sheet)


if __name__ == "__main__":
    run(main)
