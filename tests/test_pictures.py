"""Clean digital pictures (screenshots, exports, tight crops) are read as the pictures they are."""

from __future__ import annotations

import numpy as np
import pytest

from bench.synth.pictures import cropped, saved
from digitnet.learning.strokes import PenDigit, draw_strokes, place_strokes
from digitnet.reading.images import decode_image
from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.reading.preprocess import preprocess
from digitnet.reading.segment import segment_digits

SEVEN = PenDigit(7, 0, (np.float32([[100, 100], [300, 100], [180, 400]]),))
ONE = PenDigit(1, 0, (np.float32([[250, 60], [250, 440]]),))
TWO = PenDigit(2, 0, (np.float32([[110, 160], [170, 100], [260, 100], [300, 160], [110, 400], [300, 400]]),))
BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def drawn(
    digit: PenDigit, side: int = 300, ink=BLACK, background=WHITE, centre=(150, 150), brush: float = 0.05
) -> np.ndarray:
    """The digit drawn 60% of `side` tall with a brush `brush` of the side wide (the app's), RGB, opaque."""
    strokes = place_strokes(digit.strokes, side, 0.6, (centre[0] * side / 300, centre[1] * side / 300))
    return draw_strokes(strokes, (side, side), brush * side, (*ink, 255), (*background, 255))[:, :, :3]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


CANVAS = preprocess(draw_strokes(place_strokes(SEVEN.strokes, 300, 0.6, (150, 150)), (300, 300), 15))


def read(pixels: np.ndarray, fmt: str = "PNG") -> np.ndarray:
    """The model's input for a picture uploaded in `fmt`."""
    return preprocess(decode_image(saved(pixels, fmt)))


@pytest.mark.parametrize("margin", [0, 4])
def test_a_crop_tight_to_the_ink_is_read_like_the_canvas(margin):
    assert similarity(read(cropped(drawn(SEVEN), (margin,) * 4, WHITE)), CANVAS) > 0.9


def test_a_digit_touching_an_edge_is_ink_not_a_sheets_edge():
    seven = cropped(drawn(SEVEN), (0.3, 0.3, 0, 0.3), WHITE)  # its bar's left end on the picture's left edge
    assert similarity(read(seven), CANVAS) > 0.9


def test_a_thick_stroke_along_an_edge_is_ink_not_a_table():
    # The 2's base runs along the bottom edge, over most of it, and stops short of the corners: a table seen
    # along one side of a photo covers the corners at its ends.
    two = cropped(drawn(TWO, brush=0.1), (0.2, 0, 0.02, 0.02), WHITE)
    canvas = preprocess(draw_strokes(place_strokes(TWO.strokes, 300, 0.6, (150, 150)), (300, 300), 30))
    assert similarity(read(two), canvas) > 0.9


def test_white_ink_on_black_is_read():
    assert similarity(read(cropped(drawn(SEVEN, ink=WHITE, background=BLACK), (2,) * 4, BLACK), "JPEG"), CANVAS) > 0.9


def test_a_4000_px_screenshot_like_picture_is_read():
    screen = drawn(SEVEN, 4000, ink=(230, 230, 235), background=(32, 33, 36), centre=(60, 150))  # dark mode, left
    assert similarity(read(screen), CANVAS) > 0.9


@pytest.mark.parametrize("colour", [WHITE, (32, 33, 36), (200, 60, 50)])
def test_a_blank_clean_picture_has_no_digit(colour):
    with pytest.raises(EmptyImageError) as raised:
        read(np.full((500, 700, 3), colour, np.uint8), "JPEG")
    assert not isinstance(raised.value, SeveralMarksError)


def two_digits() -> np.ndarray:
    """A 1 and a 7 side by side, cropped tight: a number."""
    return cropped(np.concatenate([drawn(ONE), drawn(SEVEN)], axis=1), (2,) * 4, WHITE)


def test_two_digits_in_a_clean_picture_are_offered_to_the_number_reader():
    picture = decode_image(saved(two_digits()))
    with pytest.raises(SeveralMarksError, match="2 separate marks"):
        preprocess(picture)
    assert len(segment_digits(picture, photo=True).crops) == 2


def test_number_boxes_are_in_the_input_pictures_pixels():
    number = np.full((700, 2400, 3), 255, np.uint8)
    number[:600, 200:800], number[:600, 1500:2100] = drawn(ONE, 600), drawn(SEVEN, 600)
    boxes = segment_digits(number, photo=True).boxes  # its ink is found on a copy at most 600 px wide
    ink = np.flatnonzero((number < 128).any(axis=(0, 2)))
    assert boxes[0][2] <= ink[ink < 1000].min() and ink[ink < 1000].max() < boxes[0][3]
    assert boxes[1][2] <= ink[ink > 1000].min() and ink[ink > 1000].max() < boxes[1][3] <= 2400
