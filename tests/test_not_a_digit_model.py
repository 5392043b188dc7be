"""The committed model's verdict on clear cases: an X, a coloured-in square and a spiral are no digits;
held-out writers' digits are."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import held_out_pen_digits
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, DEFAULT_CHECKPOINT
from digitnet.learning.strokes import draw_strokes, render_on_canvas
from digitnet.reading.predictor import load_predictor
from digitnet.reading.preprocess import preprocess

PREDICTOR = load_predictor(DEFAULT_CHECKPOINT)


def canvas(strokes: list[list[tuple[float, float]]]) -> np.ndarray:
    """Strokes in canvas pixels drawn like the app's canvas at its defaults."""
    return draw_strokes([np.float32(s) for s in strokes], (CANVAS_SIZE, CANVAS_SIZE), DEFAULT_BRUSH)


def coloured_square() -> list[list[tuple[float, float]]]:
    """A square's outline and its inside coloured back and forth, as a person colours it in."""
    rows = np.arange(70, 251, 26)
    fill = [(x, y) for i, y in enumerate(rows) for x in ((70, 250) if i % 2 == 0 else (250, 70))]
    return [[(70, 70), (250, 70), (250, 250), (70, 250), (70, 70)], fill]


def spiral() -> list[list[tuple[float, float]]]:
    """Three and a half turns out from the centre."""
    t = np.linspace(0, 7 * np.pi, 300)
    return [list(zip(160 + 4.5 * t * np.cos(t), 160 + 4.5 * t * np.sin(t), strict=True))]


CLEAR_NON_DIGITS = {
    "an X": [[(70, 70), (250, 250)], [(250, 70), (70, 250)]],
    "a coloured-in square": coloured_square(),
    "a spiral": spiral(),
}


@pytest.mark.parametrize("name", CLEAR_NON_DIGITS)
def test_clear_non_digits_are_refused(name):
    picture = canvas(CLEAR_NON_DIGITS[name])
    preprocess(picture)  # the model, not preprocessing, must refuse it
    assert not PREDICTOR.predict(picture).is_digit, name


@pytest.mark.data
def test_held_out_writers_digits_are_digits():
    digits = held_out_pen_digits()[::5]  # 500 of writers 21-30's 2,498
    rng = np.random.default_rng(0)
    pictures = [render_on_canvas(d, CANVAS_SIZE, DEFAULT_BRUSH, rng) for d in digits]
    refused = sum(not p.is_digit for p in PREDICTOR.predict_batch(pictures))
    assert refused <= 0.01 * len(digits), f"{refused} of {len(digits)} real digits refused"
