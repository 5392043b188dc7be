"""Pen strokes: parsing the UNIPEN file and drawing strokes the way the canvas does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import PEN_SEVEN
from digitnet.learning.augment import StrokeAugmentConfig, distort_strokes
from digitnet.learning.strokes import (
    UNIPEN_TEST_SITES,
    draw_strokes,
    parse_pendigits,
    parse_unipen,
    parse_unipen_sample,
    place_strokes,
    split_unipen,
)

TWO_STROKE_FOUR = (
    '.SEGMENT DIGIT 0 ? "4"\n.COMMENT 4 23 5\n.PEN_DOWN\n 100 400\n 100 250\n 300 250\n.PEN_UP\n.DT 100\n'
    ".PEN_DOWN\n 250 450\n 250 50\n.PEN_UP\n"
)


def test_parse_labels_writers_strokes_and_flip_y(tmp_path):
    path = tmp_path / "pen.tra"
    path.write_text('.INCLUDE x\n.LEXICON "0"\n' + PEN_SEVEN.format(writer=3) + TWO_STROKE_FOUR)
    seven, four = parse_pendigits(path)
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


def unipen_line(label=3, writer="syn:7", site="syn", strokes=None) -> str:
    """One line of the UNIPEN JSONL file."""
    strokes = [[[1000, 2000], [1030, 2000], [1000, 1940]], [[1010, 1970], [1025, 1970]]] if strokes is None else strokes
    return json.dumps({"label": label, "site": site, "writer": writer, "quality": "OK", "strokes": strokes})


def test_unipen_sample_is_flipped_normalised_and_keeps_its_strokes():
    digit = parse_unipen_sample(unipen_line())
    assert (digit.label, digit.writer, digit.site, len(digit.strokes)) == (3, "syn:7", "syn", 2)
    first = digit.strokes[0]
    # The box (30 wide, 60 tall) is scaled to 500 tall; y flipped: the point at y=2000 (top) goes to 0.
    assert np.allclose(first[0], [0, 0]) and np.allclose(first[-1], [0, 500])
    assert np.allclose(first[1], [125, 125])  # (0, 0), (250, 0), (0, 500) smoothed 1-2-1 at the middle point
    assert np.allclose(digit.strokes[1], [[250 / 3, 250], [625 / 3, 250]])  # the bar at y=1970 is halfway down


def test_unipen_refuses_empty_one_point_and_non_digit_samples_and_reads_the_rest(tmp_path):
    lines = [
        unipen_line(),
        unipen_line(strokes=[]),
        unipen_line(strokes=[[], [[5, 5]]]),
        unipen_line(label=12),
        unipen_line(label="7"),
        unipen_line(label=0, writer="uqb:1", site="uqb"),
    ]
    for bad in lines[1:5]:
        with pytest.raises(ValueError):
            parse_unipen_sample(bad)
    path = tmp_path / "unipen.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    digits, refused = parse_unipen(path)
    assert [d.label for d in digits] == [3, 0] and refused == 4


def test_unipen_split_keeps_test_sites_whole_and_every_writer_on_one_side():
    writers = [(site, n) for site in ("syn", "ced", "apa", "uqb") for n in range(12)]
    digits = [parse_unipen_sample(unipen_line(writer=f"{s}:{n}", site=s)) for s, n in writers for _ in range(2)]
    roles = split_unipen(digits)
    assert {d.site for d in roles["test"]} == set(UNIPEN_TEST_SITES) and len(roles["test"]) == 48
    assert not {d.site for d in roles["fit"] + roles["tune"]} & set(UNIPEN_TEST_SITES)
    sides = {role: {d.writer for d in roles[role]} for role in roles}
    assert not sides["fit"] & sides["tune"] and len(sides["tune"]) == 2 * 2  # 12 writers a site: the 3rd, the 8th


def test_distorted_strokes_keep_their_shape_roughly_and_are_seeded():
    strokes = (np.float32([[0, 0], [100, 0], [40, 200]]), np.float32([[20, 100], [80, 100]]))
    config = StrokeAugmentConfig()
    once, again = (distort_strokes(strokes, config, np.random.default_rng(5)) for _ in range(2))
    assert all(np.array_equal(a, b) for a, b in zip(once, again, strict=True))
    assert [len(s) for s in once] == [3, 2]
    moved = max(np.abs(a - b).max() for a, b in zip(once, strokes, strict=True))
    assert 1 < moved < 0.4 * 200  # changed, but still the same digit's size
    still = distort_strokes(strokes, StrokeAugmentConfig(0, 0, 0, 0, 0, 0), np.random.default_rng(5))
    assert all(np.allclose(a, b, atol=1e-4) for a, b in zip(still, strokes, strict=True))


def test_an_empty_stroke_is_skipped_and_the_rest_of_the_digit_kept(tmp_path):
    path = tmp_path / "pen.tra"
    empty_stroke_first = TWO_STROKE_FOUR.replace(".PEN_DOWN\n 100 400", ".PEN_DOWN\n.PEN_UP\n.PEN_DOWN\n 100 400", 1)
    path.write_text(empty_stroke_first + PEN_SEVEN.format(writer=3))
    four, seven = parse_pendigits(path)
    assert (four.label, len(four.strokes), len(four.strokes[0])) == (4, 2, 3)
    assert (seven.label, len(seven.strokes)) == (7, 1)
