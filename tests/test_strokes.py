"""Pen strokes: parsing the UNIPEN file and drawing strokes the way the canvas does."""

from __future__ import annotations

import numpy as np

from conftest import PEN_SEVEN
from digitnet.strokes import draw_strokes, place_strokes, read_pendigits

TWO_STROKE_FOUR = (
    '.SEGMENT DIGIT 0 ? "4"\n.COMMENT 4 23 5\n.PEN_DOWN\n 100 400\n 100 250\n 300 250\n.PEN_UP\n.DT 100\n'
    ".PEN_DOWN\n 250 450\n 250 50\n.PEN_UP\n"
)


def test_parse_labels_writers_strokes_and_flip_y(tmp_path):
    path = tmp_path / "pen.tra"
    path.write_text('.INCLUDE x\n.LEXICON "0"\n' + PEN_SEVEN.format(writer=3) + TWO_STROKE_FOUR)
    seven, four = read_pendigits(path)
    assert (seven.label, seven.writer, len(seven.strokes)) == (7, 3, 1)
    assert (four.label, four.writer, len(four.strokes)) == (4, 23, 2)
    assert seven.strokes[0].tolist() == [[100, 100], [300, 100], [200, 400]]  # y = 500 - y: the bar is on top


def test_placed_strokes_have_the_asked_height_and_centre():
    strokes = place_strokes((np.float32([[0, 0], [10, 40]]),), canvas_height=200, height_fraction=0.5, center=(80, 90))
    points = strokes[0]
    assert np.ptp(points[:, 1]) == 100 and points.mean(axis=0).tolist() == [80, 90]


def test_drawn_strokes_are_anti_aliased_round_and_only_in_alpha():
    picture = draw_strokes([np.float32([[20, 50], [80, 50]])], (100, 100), brush_width=10)
    alpha = picture[:, :, 3]
    assert alpha[50, 50] == 255 and alpha[50, 16] > 0 and alpha[50, 12] == 0  # a round cap beyond the end point
    assert len(np.unique(alpha)) > 2  # soft edges
    assert alpha[10, 10] == 0 and picture[:, :, :3].max() <= 55  # dark ink, transparent elsewhere


def test_an_empty_stroke_is_skipped_and_the_rest_of_the_digit_kept(tmp_path):
    path = tmp_path / "pen.tra"
    empty_stroke_first = TWO_STROKE_FOUR.replace(".PEN_DOWN\n 100 400", ".PEN_DOWN\n.PEN_UP\n.PEN_DOWN\n 100 400", 1)
    path.write_text(empty_stroke_first + PEN_SEVEN.format(writer=3))
    four, seven = read_pendigits(path)
    assert (four.label, len(four.strokes), len(four.strokes[0])) == (4, 2, 3)
    assert (seven.label, len(seven.strokes)) == (7, 1)
