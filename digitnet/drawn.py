"""Read real pen-drawn digits rendered the way the app's canvas shows them (the drawn-digit measure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, NUM_CLASSES
from digitnet.preprocess import EmptyImageError, preprocess
from digitnet.strokes import PenDigit, render_on_canvas

if TYPE_CHECKING:
    from digitnet.predict import Predictor

BATCH = 500  # renderings preprocessed and read at a time, to bound memory


def read_drawn(
    predictor: Predictor,
    digits: list[PenDigit],
    canvas: int = CANVAS_SIZE,
    brush: float = DEFAULT_BRUSH,
    style: str = "transparent",
    seed: int = 0,
) -> np.ndarray:
    """Render each digit on a canvas (seeded size and place) and return the predictor's probabilities (N, 10).

    Raises EmptyImageError, naming the digit, if preprocessing refuses a real digit: that is a bug to fix,
    not a score to average in.
    """
    rng = np.random.default_rng(seed)
    probs = []
    for start in range(0, len(digits), BATCH):
        inputs = []
        for digit in digits[start : start + BATCH]:
            try:
                inputs.append(preprocess(render_on_canvas(digit, canvas, brush, rng, style)))
            except EmptyImageError as error:
                raise EmptyImageError(f"writer {digit.writer}'s {digit.label} was refused: {error}") from error
        probs.append(predictor.probabilities(np.stack(inputs)))
    return np.concatenate(probs) if probs else np.zeros((0, NUM_CLASSES))
