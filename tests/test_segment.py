"""Splitting a drawn number into digits: synthetic shapes, and real pen digits composed into numbers."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bench.synth.pen import NUMBER_TRIES, compose_number, number_read_right
from conftest import held_out_pen_digits
from digitnet import EmptyImageError, load_predictor
from digitnet.learning.strokes import STYLES, PenDigit, draw_strokes
from digitnet.reading.segment import segment_digits


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


def test_a_five_whose_bar_reaches_far_right_is_still_one_digit():
    def five(d):
        d.line([(260, 40), (250, 100), (300, 100), (320, 140), (290, 170), (240, 160)], 255, 10, joint="curve")
        d.line([(300, 35), (390, 30)], 255, 10)  # the bar overlaps the body by a third of its length

    seg = segment_digits(canvas(five))
    assert len(seg.crops) == 1 and seg.boxes[0][3] > 390


def test_a_dot_is_ignored_and_counted():
    def bar_and_dot(d):
        d.line([(200, 40), (200, 160)], 255, 12)
        d.ellipse((400, 95, 410, 105), 255)

    seg = segment_digits(canvas(bar_and_dot))
    assert len(seg.crops) == 1 and seg.ignored == 1


def test_a_dot_alone_is_refused_with_a_message():
    with pytest.raises(EmptyImageError, match="dots"):
        segment_digits(canvas(lambda d: d.ellipse((400, 95, 406, 101), 255)))


def test_touching_digits_are_cut_apart():
    def two_rings(d):
        d.ellipse((130, 40, 250, 160), outline=255, width=10)
        d.ellipse((245, 40, 365, 160), outline=255, width=10)  # touches the first

    seg = segment_digits(canvas(two_rings))
    assert len(seg.crops) == 2
    assert 235 < seg.boxes[0][3] < 260 and seg.boxes[0][3] == seg.boxes[1][2]


def two_narrow_touching_rings(d):
    d.ellipse((200, 40, 270, 160), outline=255, width=10)
    d.ellipse((265, 40, 335, 160), outline=255, width=10)  # together 135 wide, 120 tall: no obvious pair


def test_a_scorer_decides_whether_a_middling_piece_is_cut_and_where():
    image = canvas(two_narrow_touching_rings)
    assert len(segment_digits(image).crops) == 1  # without a scorer, too narrow to be two digits

    def likes_halves(crops):  # sure of ring-shaped crops: about as wide as one ring
        return np.array([-abs(np.ptp(np.flatnonzero(c.any(axis=0))) - 70) / 10 for c in crops])

    seg = segment_digits(image, likes_halves)
    assert len(seg.crops) == 2 and 260 <= seg.boxes[0][3] == seg.boxes[1][2] <= 275

    def likes_whole(crops):  # sure only of crops as wide as both rings
        return np.array([-float(np.ptp(np.flatnonzero(c.any(axis=0))) < 100) for c in crops])

    assert len(segment_digits(image, likes_whole).crops) == 1


def width_of(crop: np.ndarray) -> int:
    return int(np.ptp(np.flatnonzero(crop.any(axis=0)))) + 1


def prefers_narrow(crops):  # a scorer that would cut anything wide, and join nothing, if it could
    return np.array([-((width_of(c) / 100) ** 2) for c in crops])


def test_a_cut_must_leave_two_digit_tall_halves():
    def nine_with_a_long_tail(d):
        d.ellipse((320, 40, 370, 95), outline=255, width=10)
        d.line([(366, 70), (360, 160), (200, 165)], 255, 10, joint="curve")  # 170 wide, 125 tall

    assert len(segment_digits(canvas(nine_with_a_long_tail), prefers_narrow).crops) == 1


def l_and_bar(d):
    d.line([(220, 40), (210, 120), (268, 120)], 255, 10, joint="curve")  # the L of a 4
    d.line([(305, 45), (268, 170)], 255, 10)  # its slanted bar: the boxes overlap, the ink does not touch


def test_a_digit_drawn_in_two_pieces_side_by_side_is_joined_when_it_reads_better():
    image = canvas(l_and_bar)
    assert len(segment_digits(image).crops) == 2  # without a scorer, two pieces side by side

    def likes_wide(crops):  # sure of crops as wide as the L and the bar together
        return np.array([-abs(width_of(c) - 105) / 10 for c in crops])

    seg = segment_digits(image, likes_wide)
    assert len(seg.crops) == 1 and seg.boxes[0][2] < 215 and seg.boxes[0][3] > 300
    assert len(segment_digits(image, prefers_narrow).crops) == 2


def test_a_dash_beside_a_digit_is_not_cut_into_digits():
    def one_and_dash(d):
        d.line([(100, 40), (100, 160)], 255, 12)
        d.line([(250, 100), (400, 100)], 255, 10)  # 150 wide, 10 tall

    seg = segment_digits(canvas(one_and_dash), prefers_narrow)
    assert len(seg.crops) == 2 and seg.boxes[1][3] - seg.boxes[1][2] > 150


def test_a_sliver_is_not_cut_endlessly_and_stays_whole_when_no_half_reads_as_a_digit():
    image = np.zeros((200, 600), np.uint8)
    image[100, 300:340] = 255  # 40 pixels wide (not a dot), 1 tall: "much wider than tall"
    boxes = segment_digits(image).boxes  # the ink-only cut may split it, into pieces that tile it
    assert boxes[0][2] == 300 and boxes[-1][3] == 340 and all(a[3] == b[2] for a, b in pairwise(boxes))
    assert len(segment_digits(image, lambda crops: np.full(len(crops), -np.inf)).crops) == 1


def test_nothing_drawn_raises():
    with pytest.raises(EmptyImageError):
        segment_digits(np.zeros((200, 600), np.uint8))


def composed_numbers(count: int, length: int, touching: bool, seed: int):
    """(image, true digits) of numbers composed from held-out writers' pen digits, drawn like the canvas."""
    digits = held_out_pen_digits()
    rng = np.random.default_rng(seed)
    for _ in range(count):
        number = [digits[i] for i in rng.choice(len(digits), length, replace=False)]
        strokes, size = compose_number(number, rng, layout="touching" if touching else "gaps")
        yield draw_strokes(strokes, size, 16, *STYLES["transparent"]), [d.label for d in number]


@pytest.mark.data
def test_numbers_composed_from_real_pen_digits_are_read():
    predictor = load_predictor()
    right = 0
    for image, truth in composed_numbers(20, 3, touching=False, seed=0):
        read = predictor.predict_number(image)
        assert [p.box[2] for p in read] == sorted(p.box[2] for p in read)  # left to right
        right += sum(p.digit == d for p, d in zip(read, truth, strict=False)) if len(read) == 3 else 0
    assert right / 60 >= 0.9


@pytest.mark.data
def test_the_model_cuts_touching_real_digits_better_than_the_ink_alone():
    predictor = load_predictor()
    by_model = by_ink = 0
    for image, truth in composed_numbers(40, 2, touching=True, seed=1):
        by_model += [p.digit for p in predictor.predict_segments(predictor.segment(image))] == truth
        by_ink += [p.digit for p in predictor.predict_segments(segment_digits(image))] == truth
    assert by_model >= by_ink + 8 and by_model >= 20


@pytest.mark.data
def test_the_committed_line_reader_reads_touching_real_digits_that_cutting_misses():
    predictor = load_predictor()
    assert predictor.reader is not None, "no number reader beside the committed checkpoint"
    by_line = by_cutting = 0
    for image, truth in composed_numbers(40, 2, touching=True, seed=2):
        read = predictor.predict_number(image)
        by_line += [p.digit for p in read] == truth
        by_cutting += [p.digit for p in predictor.predict_segments(predictor.segment(image))] == truth
        assert [p.box[2] for p in read] == sorted(p.box[2] for p in read)  # each digit's box, left to right
    assert by_line >= 37 and by_line >= by_cutting + 5


def test_the_search_for_a_number_read_right_gives_up_instead_of_looping_for_ever():
    class ReadsNothing:
        calls = 0

        def predict_number(self, image):
            self.calls += 1
            return []

    bar = (np.float32([[0, 0], [0, 100]]),)
    digits = [PenDigit(label, 1, bar) for label in range(10)]
    predictor = ReadsNothing()
    with pytest.raises(RuntimeError, match="none of"):
        number_read_right(predictor, digits, np.random.default_rng(0), 3, 100, max_width=10_000)
    assert predictor.calls == NUMBER_TRIES
