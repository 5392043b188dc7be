"""Splitting a drawn number into digits: synthetic shapes, and real pen digits composed into numbers."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import held_out_pen_digits
from digitnet import EmptyImageError, load_predictor
from digitnet.segment import segment_digits
from digitnet.strokes import STYLES, compose_number, draw_strokes


def canvas(draw_on, size=(600, 200)) -> np.ndarray:
    image = Image.new("L", size, 0)
    draw_on(ImageDraw.Draw(image))
    return np.asarray(image)


def test_two_separate_bars_are_two_digits_in_order():
    seg = segment_digits(
        canvas(lambda d: (d.line([(400, 40), (400, 160)], 255, 12), d.line([(100, 40), (100, 160)], 255, 12)))
    )
    assert len(seg.crops) == 2 and seg.boxes[0][2] < 110 < 390 < seg.boxes[1][2]


def test_a_five_drawn_in_two_strokes_is_one_digit():
    def five(d):
        d.line([(260, 40), (250, 100), (300, 100), (320, 140), (290, 170), (240, 160)], 255, 10, joint="curve")
        d.line([(262, 35), (330, 35)], 255, 10)  # the separate top bar

    seg = segment_digits(canvas(five))
    assert len(seg.crops) == 1 and seg.ignored == 0


def test_a_dot_is_ignored_and_counted():
    def bar_and_dot(d):
        d.line([(200, 40), (200, 160)], 255, 12)
        d.ellipse((400, 95, 410, 105), 255)

    seg = segment_digits(canvas(bar_and_dot))
    assert len(seg.crops) == 1 and seg.ignored == 1


def test_touching_digits_are_cut_apart():
    def two_rings(d):
        d.ellipse((130, 40, 250, 160), outline=255, width=10)
        d.ellipse((245, 40, 365, 160), outline=255, width=10)  # touches the first

    seg = segment_digits(canvas(two_rings))
    assert len(seg.crops) == 2
    assert 235 < seg.boxes[0][3] < 260 and seg.boxes[0][3] == seg.boxes[1][2]


def test_nothing_drawn_raises():
    with pytest.raises(EmptyImageError):
        segment_digits(np.zeros((200, 600), np.uint8))


@pytest.mark.data
def test_numbers_composed_from_real_pen_digits_are_read():
    predictor = load_predictor()
    digits = held_out_pen_digits()
    rng = np.random.default_rng(0)
    right = total = 0
    for _ in range(20):
        number = [digits[i] for i in rng.choice(len(digits), 3, replace=False)]
        strokes, size = compose_number(number, rng)
        read = predictor.predict_number(draw_strokes(strokes, size, 16, *STYLES["transparent"]))
        assert [p.box[2] for p in read] == sorted(p.box[2] for p in read)  # left to right
        right += sum(p.digit == d.label for p, d in zip(read, number, strict=False)) if len(read) == 3 else 0
        total += 3
    assert right / total >= 0.9
