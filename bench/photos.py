"""The photo benchmark: digits photographed on paper as people take them, and scans; made here, seeded.

Digits from the MNIST test set and from held-out pen writers 21-30 (half each) are laid on paper and
photographed (bench/synth/scenes.py) under one condition per row on top of an ordinary photo (paper on a
table seen at one edge or more, mild tilt, light, blur, noise and JPEG). Each picture is read the
way the app and the CLI read an upload (bytes -> decode_image -> Predictor.predict). A refusal (no
digit found, or several marks) counts as not read right. Blank sheets and marks that are no digit
measure the refusals; scan-like MNIST pictures measure scans. With --split tune the pictures are
made from MNIST training digits and pen writers 17-20: thresholds are chosen on those, never here.

    python -m bench.photos --data-dir ../shared/data                 # about 2,200 pictures
    python -m bench.photos --data-dir ../shared/data --per-condition 20 --split tune
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import run
from bench.synth.pen import HELD_OUT_WRITERS
from bench.synth.scenes import PHOTO_CONDITIONS, digit_ink, photo_of_digit, scan_of_digit, scribble_ink
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.reading.images import decode_image
from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.reading.predictor import load_predictor

SCANS, BLANK, MARKS = "scan-like MNIST", "blank sheet", "non-digit marks"


@dataclass
class Row:
    """What happened to the pictures of one condition."""

    right: int = 0
    wrong: int = 0
    no_digit: int = 0
    several: int = 0
    doubtful: int = 0  # read, but below the page's doubt threshold

    @property
    def total(self) -> int:
        """Pictures in the row."""
        return self.right + self.wrong + self.no_digit + self.several

    def cells(self) -> str:
        """The row's table cells."""
        share = lambda n: f"{n / max(self.total, 1):.1%}"  # noqa: E731
        refused = self.no_digit + self.several
        return (
            f"{self.total} | {share(self.right)} | {share(refused)} ({self.several} several) | {share(self.doubtful)}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults measure the held-out digits."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every picture (default 0)")
    parser.add_argument("--per-condition", type=int, default=100, help="pictures per row (default 100)")
    parser.add_argument("--keep", type=Path, default=None, help="folder to save the digits not read right in")
    parser.add_argument(
        "--split",
        choices=sorted(HELD_OUT_WRITERS),
        default="test",
        help="test = MNIST test digits and writers 21-30, the result; tune = MNIST training digits and "
        "writers 17-20, for choosing thresholds (default test)",
    )
    return parser.parse_args(argv)


def load_digits(data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray, list]:
    """MNIST images (uint8) and labels of the split, and its pen digits."""
    from torchvision.datasets import MNIST

    mnist = MNIST(str(data_dir), train=split == "tune", download=True)
    return mnist.data.numpy(), mnist.targets.numpy(), load_pendigits(data_dir, HELD_OUT_WRITERS[split])


def read(predictor, picture: bytes, row: Row, label: int | None, keep: Path | None) -> None:
    """Read one picture the way the app does and count the outcome in `row`; keep it in `keep` if not right."""
    try:
        prediction = predictor.predict(decode_image(picture))
        outcome = "right" if prediction.digit == label else f"read-{prediction.digit}"
        row.doubtful += prediction.confidence < predictor.doubt_threshold
    except SeveralMarksError:
        outcome = "several"
    except EmptyImageError:
        outcome = "no_digit"
    if outcome.startswith("read"):
        row.wrong += 1
    else:
        setattr(row, outcome, getattr(row, outcome) + 1)
    if keep and outcome != "right" and label is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{row.total:04d}-{label}-{outcome}.jpg").write_bytes(picture)


def main(argv: list[str] | None = None) -> dict[str, Row]:
    """Make and read every picture; print the table; return its rows."""
    args = parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    images, labels, pen = load_digits(resolve_data_dir(args.data_dir), args.split)
    rng = np.random.default_rng(args.seed)
    rows = {name: Row() for name in (*PHOTO_CONDITIONS, SCANS, BLANK, MARKS)}
    start = time.perf_counter()
    for condition in PHOTO_CONDITIONS:
        for i in range(args.per_condition):
            if i % 2:
                digit = pen[rng.integers(len(pen))]
                label = digit.label
            else:
                index = rng.integers(len(images))
                digit, label = images[index], int(labels[index])
            picture = photo_of_digit(lambda height, width, d=digit: digit_ink(d, height, width), rng, condition)
            read(predictor, picture, rows[condition], label, args.keep and args.keep / condition)
    for _ in range(args.per_condition):
        index = rng.integers(len(images))
        read(
            predictor,
            scan_of_digit(images[index], rng),
            rows[SCANS],
            int(labels[index]),
            args.keep and args.keep / SCANS,
        )
        condition = PHOTO_CONDITIONS[rng.integers(len(PHOTO_CONDITIONS))]
        read(predictor, photo_of_digit(None, rng, condition), rows[BLANK], None, None)
        marks = lambda height, width: scribble_ink(rng, height)  # noqa: E731
        read(predictor, photo_of_digit(marks, rng, condition), rows[MARKS], None, None)
    report(rows, args, time.perf_counter() - start)
    return rows


def report(rows: dict[str, Row], args: argparse.Namespace, seconds: float) -> None:
    """Print the table and the summary lines."""
    print(f"# photo benchmark, split {args.split}, seed {args.seed}, {args.per_condition} pictures per row")
    print("\n| condition | pictures | read right | refused | doubtful |\n|---|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row.cells()} |")
    photos = [rows[c] for c in PHOTO_CONDITIONS]
    total = sum(r.total for r in photos)
    right = sum(r.right for r in photos)
    worst = min(PHOTO_CONDITIONS, key=lambda c: rows[c].right / max(rows[c].total, 1))
    print(
        f"\nphoto digits read right: {right / total:.2%} ({right} of {total}); lowest: {worst} "
        f"{rows[worst].right / max(rows[worst].total, 1):.1%}"
    )
    print(f"blank sheets answered 'no digit': {rows[BLANK].no_digit / max(rows[BLANK].total, 1):.1%}")
    print(f"scan-like MNIST read right: {rows[SCANS].right / max(rows[SCANS].total, 1):.1%}")
    print(f"{seconds:.0f} s")


if __name__ == "__main__":
    run(main)
