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
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from bench.synth.pen import LAYOUTS, add_writers_argument
from bench.whole_numbers import digits_by_writer, is_number, line_alone, numbers
from digitnet.learning.data import resolve_data_dir
from digitnet.reading.predictor import Prediction, Predictor, load_predictor


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    p.add_argument("--checkpoint", default=None, help="digit model; its reader beside it (default: committed)")
    p.add_argument("--count", type=int, default=2000, help="numbers drawn (default 2000)")
    p.add_argument("--seed", type=int, default=4, help="seed for choosing and laying out digits (default 4)")
    add_writers_argument(p)
    p.add_argument("--source", choices=("pendigits", "unipen"), default="pendigits", help="(default pendigits)")
    p.add_argument("--length", type=int, default=4, help="digits a number (default 4)")
    p.add_argument("--layout", choices=LAYOUTS, default="gaps", help="(default gaps)")
    p.add_argument("--also", nargs="*", default=[], help="digit models averaged with it, each in turn (default none)")
    p.add_argument("--sheet", type=Path, default=None, help="PNG of the misread numbers (default none)")
    return p.parse_args(argv)


def digits_read(predictor: Predictor, image: np.ndarray) -> tuple[list[int], list[Prediction]]:
    """The digits a predictor reads in a number ([] for no number), and its reading of each."""
    reading = predictor.read_number(image)
    if not is_number(reading):
        return [], []
    return [p.digit for p in reading.predictions], reading.predictions


def averaged(predictor: Predictor, others: list[Predictor]) -> Predictor:
    """The predictor with its digit model's calibrated logits averaged with `others'` (their line reader unused)."""
    ensemble = copy.copy(predictor)
    ensemble.logits = lambda inputs: np.mean([p.logits(inputs) for p in [predictor, *others]], axis=0)
    return ensemble


def misses(predictor: Predictor, pictures: Iterable[tuple[np.ndarray, list[int]]]) -> dict:
    """How the numbers are read wrong, and each misread digit's other readings."""
    alone = line_alone(predictor)
    tally = Counter()
    confusions: Counter = Counter()
    wrong = []
    for image, truth in pictures:
        read, predictions = digits_read(predictor, image)
        if read == truth:
            continue
        wrong.append((image, truth, read))
        if len(read) != len(truth):
            tally["count"] += 1
            continue
        tally["misread"] += 1
        line = digits_read(alone, image)[0]
        own = predictor.probabilities(np.stack([p.input28 for p in predictions]))
        for k in np.flatnonzero(np.array(read) != np.array(truth)):
            tally["digits"] += 1
            tally["line alone right"] += len(line) == len(truth) and line[k] == truth[k]
            tally["digit model alone right"] += int(own[k].argmax()) == truth[k]
            tally["right one second"] += predictions[k].runner_up() == truth[k]
            confusions[(truth[k], read[k])] += 1
    return {"tally": tally, "confusions": confusions, "wrong": wrong}


def report(result: dict, count: int, length: int) -> None:
    """Print where the misses come from."""
    tally, wrong = result["tally"], len(result["wrong"])
    print(f"read right {1 - wrong / count:.2%}; {wrong} wrong: {tally['count']} with a wrong count of digits, ", end="")
    print(f"{tally['misread']} with the right count and a digit misread")
    print(
        f"  {tally['digits']} digits misread of {count * length} ({1 - tally['digits'] / (count * length):.2%} right)"
    )
    for what in ("line alone right", "digit model alone right", "right one second"):
        print(f"  {what}: {tally[what]}")
    common = ", ".join(f"{a} as {b} ({n})" for (a, b), n in result["confusions"].most_common(8))
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
    torch.set_num_threads(1)
    predictor = load_predictor(args.checkpoint)
    if predictor.reader is None:
        raise SystemExit("error: no number reader beside the checkpoint: train one with `python train.py numbers`.")
    by_writer = digits_by_writer(resolve_data_dir(args.data_dir), args.source, args.writers, args.length)
    pictures = partial(numbers, by_writer, args.length, args.layout, args.count, args.seed)  # drawn again each time
    print(f"# {args.count} numbers of {args.length} digits, {args.layout}, {args.writers} writers of {args.source}\n")
    result = misses(predictor, pictures())
    report(result, args.count, args.length)
    for path in args.also:
        ensemble = averaged(predictor, [load_predictor(path)])
        right = sum(digits_read(ensemble, image)[0] == truth for image, truth in pictures())
        print(f"with {path} averaged in: read right {right / args.count:.2%}")
    if args.sheet and result["wrong"]:
        sheet(result["wrong"], args.sheet)


if __name__ == "__main__":
    main()
