"""Pen digits as the benches take them: which writers a --writers choice means, and numbers composed of them."""

from __future__ import annotations

import argparse

import numpy as np

from digitnet.constants import DEFAULT_BRUSH
from digitnet.learning.strips import joins
from digitnet.learning.strokes import STYLES, TEST_WRITERS, TUNE_WRITERS, PenDigit, draw_strokes, place_strokes

HELD_OUT_WRITERS = {"test": TEST_WRITERS, "tune": TUNE_WRITERS}  # the benches' --writers choices: never trained on
NUMBER_TRIES = 200  # numbers composed before number_read_right gives up


def add_writers_argument(parser: argparse.ArgumentParser) -> None:
    """The benches' --writers flag: the writers only ever measured, or those settings are chosen on."""
    parser.add_argument(
        "--writers",
        choices=sorted(HELD_OUT_WRITERS),
        default="test",
        help="test = measured-only writers (pendigits 21-30, UNIPEN's held-out sites), the result; tune = the "
        "writers settings are chosen on (default test)",
    )


LAYOUTS = ("gaps", "touching", "written")  # how compose_number lays digits out
# "written": each gap drawn from how people join digits when they write a number in one go
WRITTEN_GAPS = ((0.4, (-0.1, -0.02)), (0.3, (0.0, 0.15)), (0.3, (0.15, 0.4)))  # (share, gap range in heights)
LIGATURE = 0.3  # share of a written number's close gaps the pen crosses without lifting


def compose_number(
    digits: list[PenDigit], rng: np.random.Generator, height: int = 300, layout: str = "gaps"
) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Lay pen digits out left to right as a person writes a number: size, slant, baseline and spacing vary.

    "gaps" leaves space between neighbours, "touching" overlaps them slightly; "written" is a number written in
    one go: digits of their own width (a wide 0, a narrow 1), sitting on a drifting baseline, some touching,
    some joined by the pen, some apart. Returns strokes in canvas pixels and the canvas size (width, height).
    """
    written = layout == "written"
    base = height * rng.uniform(0.45, 0.65)
    slant = rng.uniform(-0.15, 0.15)  # x shift per pixel of height: italic or upright
    drift = rng.uniform(-0.04, 0.04) if written else 0.0  # baseline rise per digit, in digit heights
    strokes, x, gap, middle = [], height * 0.15, 1.0, 0.0
    for k, digit in enumerate(digits):
        size = base * rng.uniform(0.85, 1.15) / height
        placed = place_strokes(digit.strokes, height, size, (0.0, 0.0))
        if written:  # its own width, its bottom on the baseline
            placed = [s * np.float32([np.exp(rng.uniform(-0.2, 0.35)), 1]) for s in placed]
            offset = height / 2 + base / 2 - size * height / 2 - drift * (k - (len(digits) - 1) / 2) * base
        else:
            offset = height / 2
        placed = [s + np.float32([0, offset + rng.uniform(-0.05, 0.05) * height]) for s in placed]
        placed = [
            s + np.stack([slant * (height / 2 - s[:, 1]), np.zeros(len(s))], axis=1).astype(np.float32) for s in placed
        ]
        every = np.concatenate(placed)
        placed = [s + np.float32([x - every[:, 0].min(), 0]) for s in placed]
        if written and strokes and gap < 0.15 and rng.random() < LIGATURE and joins(strokes[-1], placed[0], middle):
            strokes.append(np.stack([strokes[-1][-1], placed[0][0]]))
        strokes += placed
        middle = x + float(np.ptp(every[:, 0])) / 2
        gap = _gap(layout, rng)
        x += float(np.ptp(every[:, 0])) + gap * base
    return strokes, (int(x + height * 0.15), height)


def _gap(layout: str, rng: np.random.Generator) -> float:
    """Space before the next digit, in digit heights (negative: they overlap)."""
    if layout == "touching":
        return -rng.uniform(0.02, 0.08)
    if layout == "written":
        shares = [share for share, _ in WRITTEN_GAPS]
        return rng.uniform(*WRITTEN_GAPS[rng.choice(len(WRITTEN_GAPS), p=shares)][1])
    return rng.uniform(0.15, 0.45)


def number_read_right(
    predictor, digits: list[PenDigit], rng: np.random.Generator, length: int, height: int, max_width: float
) -> tuple[list[np.ndarray], str]:
    """A number of `length` of `digits` that fits `max_width` and that `predictor` reads right: strokes, truth.

    The browser tests draw it, so that the page must read what the package reads. Raises RuntimeError after
    NUMBER_TRIES numbers rather than searching for ever (a model that reads none right).
    """
    for _ in range(NUMBER_TRIES):
        number = [digits[i] for i in rng.choice(len(digits), length, replace=False)]
        strokes, size = compose_number(number, rng, height=height)
        truth = "".join(str(d.label) for d in number)
        read = predictor.predict_number(draw_strokes(strokes, size, DEFAULT_BRUSH, *STYLES["transparent"]))
        if size[0] <= max_width and "".join(str(p.digit) for p in read) == truth:
            return strokes, truth
    raise RuntimeError(f"none of {NUMBER_TRIES} numbers of {length} digits fitting {max_width} px was read right")
