"""Read real pen-drawn digits rendered the way the app's canvas shows them (the drawn-digit measure)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, NUM_CLASSES
from digitnet.learning.strokes import PenDigit, render_on_canvas
from digitnet.reading.pixels import EmptyImageError
from digitnet.reading.preprocess import preprocess

if TYPE_CHECKING:
    from digitnet.reading.predictor import Predictor

BATCH = 500  # renderings preprocessed and read at a time, to bound memory


def drawn_pictures(
    digits: list[PenDigit],
    canvas: int = CANVAS_SIZE,
    brush: float = DEFAULT_BRUSH,
    style: str = "transparent",
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """Each digit on a canvas as a person would draw it (seeded size and place), one RGBA picture at a time."""
    rng = np.random.default_rng(seed)
    for digit in digits:
        yield render_on_canvas(digit, canvas, brush, rng, style)


def predict_drawn(
    predictor: Predictor,
    digits: list[PenDigit],
    canvas: int = CANVAS_SIZE,
    brush: float = DEFAULT_BRUSH,
    style: str = "transparent",
    seed: int = 0,
) -> np.ndarray:
    """Read each digit as `drawn_pictures` draws it and return the predictor's probabilities (N, 10).

    Raises EmptyImageError, naming the digit, if preprocessing refuses a real digit: that is a bug to fix,
    not a score to average in.
    """
    pictures = drawn_pictures(digits, canvas, brush, style, seed)
    probs = []
    for start in range(0, len(digits), BATCH):
        batch = digits[start : start + BATCH]
        inputs = []
        for digit, picture in zip(batch, islice(pictures, len(batch)), strict=True):
            try:
                inputs.append(preprocess(picture))
            except EmptyImageError as error:
                raise EmptyImageError(f"writer {digit.writer}'s {digit.label} was refused: {error}") from error
        probs.append(predictor.probabilities(np.stack(inputs)))
    return np.concatenate(probs) if probs else np.zeros((0, NUM_CLASSES))
