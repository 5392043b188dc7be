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

    A rendering that preprocessing refuses counts as a wrong answer (uniform probabilities).
    """
    rng = np.random.default_rng(seed)
    probs = np.full((len(digits), NUM_CLASSES), 1.0 / NUM_CLASSES)
    for start in range(0, len(digits), BATCH):
        inputs, rows = [], []
        for row, digit in enumerate(digits[start : start + BATCH], start):
            try:
                inputs.append(preprocess(render_on_canvas(digit, canvas, brush, rng, style)))
                rows.append(row)
            except EmptyImageError:
                continue
        if inputs:
            probs[rows] = predictor.probabilities(np.stack(inputs))
    return probs
