"""Photos of a digit on paper, made by bench.synth.scenes: the paper decides the background, only the digit is ink."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from bench.synth.scenes import digit_ink, photo_of_digit
from digitnet.cli import main as cli
from digitnet.learning.strokes import PenDigit
from digitnet.reading.images import decode_image
from digitnet.reading.ink import ink_map
from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.reading.preprocess import preprocess
from digitnet.reading.segment import segment_digits

SEVEN = PenDigit(7, 0, (np.float32([[100, 100], [300, 100], [180, 400]]),))
ONE = PenDigit(1, 0, (np.float32([[250, 60], [250, 440]]),))
SIZE = (900, 700)  # pixels: a small photo keeps the tests fast


def seven_ink(height: float, width: float) -> np.ndarray:
    return digit_ink(SEVEN, height, width)


def two_digits_ink(height: float, width: float) -> np.ndarray:
    """A 1 and a 7 side by side with a gap: a number."""
    one, seven = digit_ink(ONE, height, width), digit_ink(SEVEN, height, width)
    return np.concatenate([one, np.zeros((one.shape[0], one.shape[1] // 3), np.float32), seven], axis=1)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


REFERENCE = preprocess(seven_ink(300, 0.06))  # the 7's ink alone, as a drawing


@pytest.mark.parametrize(
    "condition",
    [
        "table at 2-4 edges",
        "cast shadow",
        "lighting gradient",
        "ruled paper",
        "squared paper",
        "pencil",
        "EXIF rotation",
    ],
)
def test_a_photographed_seven_gives_the_input_of_the_seven_itself(condition):
    picture = decode_image(photo_of_digit(seven_ink, np.random.default_rng(1), condition, size=SIZE))
    assert similarity(preprocess(picture), REFERENCE) > 0.8


@pytest.mark.parametrize("condition", ["plain", "table at 2-4 edges", "cast shadow", "ruled paper", "squared paper"])
def test_a_blank_sheet_has_no_digit(condition):
    picture = decode_image(photo_of_digit(None, np.random.default_rng(2), condition, size=SIZE))
    with pytest.raises(EmptyImageError, match="can't find a digit") as raised:
        preprocess(picture)
    assert not isinstance(raised.value, SeveralMarksError)


def test_a_blank_sheet_under_a_shadow_a_hotspot_and_noise_has_no_digit():
    picture = decode_image(photo_of_digit(None, np.random.default_rng(10), "everything at once", size=SIZE))
    with pytest.raises(EmptyImageError, match="can't find a digit"):
        preprocess(picture)


def test_light_ink_on_dark_paper_is_read_too():
    board = np.full((400, 500), 60, np.uint8)  # a blackboard
    ink = seven_ink(250, 0.06)
    board[60 : 60 + ink.shape[0], 100 : 100 + ink.shape[1]] += (ink * 170).astype(np.uint8)
    assert similarity(preprocess(board), REFERENCE) > 0.8


def test_several_marks_are_offered_to_the_number_reader():
    picture = decode_image(photo_of_digit(two_digits_ink, np.random.default_rng(3), "plain", size=SIZE))
    with pytest.raises(SeveralMarksError, match="2 separate marks"):
        preprocess(picture)
    assert len(segment_digits(picture, photo=True).crops) == 2


def test_cli_reads_a_photographed_number_with_number_and_says_so_without(tmp_path, tiny_checkpoint, capsys):
    path = tmp_path / "number.jpg"
    path.write_bytes(photo_of_digit(two_digits_ink, np.random.default_rng(3), "plain", size=SIZE))
    assert cli(["predict", str(path), "--checkpoint", str(tiny_checkpoint)]) == 1
    assert "--number" in capsys.readouterr().err
    assert cli(["predict", str(path), "--number", "--json", "--checkpoint", str(tiny_checkpoint)]) == 0
    assert '"number": "' in capsys.readouterr().out


def paper_with_seven(paper: float = 0.9) -> np.ndarray:
    """A 500x600 gray sheet (float, 0-1) with a dark 7 in its middle."""
    sheet = np.full((500, 600), paper, np.float32)
    ink = seven_ink(250, 0.06)
    top, left = 125, 300 - ink.shape[1] // 2
    sheet[top : top + ink.shape[0], left : left + ink.shape[1]] *= 1 - 0.9 * ink
    return sheet


def as_photo(sheet: np.ndarray) -> np.ndarray:
    return (np.clip(sheet, 0, 1) * 255).astype(np.uint8)


def test_a_shadow_edge_across_the_digit_leaves_its_strokes_whole():
    sheet = paper_with_seven()
    sheet[:, 290:] *= 0.45  # a sharp shadow from x = 290, through the 7's bar and stem
    assert similarity(preprocess(as_photo(sheet)), REFERENCE) > 0.8


def test_a_dark_seam_along_a_shadows_edge_is_no_second_digit():
    sheet = paper_with_seven()
    sheet[:, 480:] *= 0.45  # a shadow beside the 7
    sheet[100:250, 484:487] *= 0.6  # a seam of darker shade just inside it, as tall as a digit
    assert similarity(preprocess(as_photo(sheet)), REFERENCE) > 0.8


def test_the_lit_part_of_a_sheet_in_shadow_is_no_light_ink():
    sheet = paper_with_seven()
    sheet[:, 180:] *= 0.38  # the 7 lies in the shadow; a lit strip of the sheet is left at the side
    assert similarity(preprocess(as_photo(sheet)), REFERENCE) > 0.8


def test_a_four_drawn_as_an_l_and_a_bar_that_misses_it_is_one_mark():
    four = PenDigit(4, 0, (np.float32([[60, 20], [40, 200], [160, 200]]), np.float32([[165, 90], [215, 330]])))
    picture = decode_image(photo_of_digit(lambda h, w: digit_ink(four, h, w), np.random.default_rng(4), "plain", SIZE))
    assert similarity(preprocess(picture), preprocess(digit_ink(four, 300, 0.06))) > 0.8


def test_a_stroke_thicker_than_the_paper_window_is_ink_not_paper():
    sheet = np.full((500, 600), 0.9, np.float32)
    ink = seven_ink(300, 0.35)  # strokes ~100 px wide: wider than the window the paper is estimated with
    top, left = 60, 300 - ink.shape[1] // 2
    sheet[top : top + ink.shape[0], left : left + ink.shape[1]] *= 1 - 0.9 * ink
    assert similarity(preprocess(as_photo(sheet)), preprocess(ink)) > 0.8


def test_squared_lines_blotchy_in_print_are_lines_and_a_thin_stroke_across_them_stays_whole():
    sheet = np.ones((500, 600), np.float32)
    blotches = np.where((np.arange(600) % 35) < 12, 0.6, 0.7)  # printed lines, darker a third of their length
    for start in range(6, 500, 24):
        sheet[start : start + 2] = np.minimum(sheet[start : start + 2], blotches)
        sheet[:, start : start + 2] = np.minimum(sheet[:, start : start + 2], blotches[:500, None])
    ink = seven_ink(300, 0.012)  # a fine pen: strokes as thin as the lines
    seven = np.zeros(sheet.shape, bool)
    seven[60 : 60 + ink.shape[0], 105 : 105 + ink.shape[1]] = ink > 0.5
    sheet[seven] *= 0.1
    found = ink_map(as_photo(sheet * 0.9)) > 0.5
    assert found[seven].mean() > 0.9 and not (found & ~ndimage.binary_dilation(seven, iterations=3)).any()


@pytest.mark.parametrize("seed", [13, 18])
def test_a_shaded_corner_of_the_sheet_beside_the_table_is_no_thick_stroke(seed):
    # Under everything at once, these sheets have a shaded part wider than the paper window next to the table.
    picture = decode_image(photo_of_digit(seven_ink, np.random.default_rng(seed), "everything at once", size=SIZE))
    assert similarity(preprocess(picture), REFERENCE) > 0.6


def test_a_grain_line_on_a_light_table_beside_a_sheet_seen_whole_is_no_second_digit():
    picture = np.full((500, 800), 0.55, np.float32)  # a light table: brighter than PAPER_SHARE of the paper
    picture[60:440, 260:740] = 0.95  # the sheet, all of it in the picture
    ink = seven_ink(250, 0.06)
    top, left = 125, 500 - ink.shape[1] // 2
    picture[top : top + ink.shape[0], left : left + ink.shape[1]] *= 1 - 0.9 * ink
    picture[150:330, 120:124] *= 0.5  # a dark line of the table's grain, as tall as the digit
    assert similarity(preprocess(as_photo(picture)), REFERENCE) > 0.8


def test_a_lit_wedge_of_table_at_the_sheets_corner_is_no_part_of_the_digit():
    # Seed 444 of everything at once: a shadow's edge meets the sheet's top edge near the 7, leaving a lit
    # wedge of table narrower than the paper window, which the paper's brightness spills into.
    picture = decode_image(photo_of_digit(seven_ink, np.random.default_rng(444), "everything at once", size=SIZE))
    assert similarity(preprocess(picture), REFERENCE) > 0.8


def test_a_patch_of_shade_the_wide_window_lifts_is_no_thick_stroke():
    # Seed 143 of everything at once: a blank sheet whose shadow leaves a patch only a step darker than the
    # paper around it, narrower than the thick-stroke window; taken for a thick stroke, it was read as a digit.
    picture = decode_image(photo_of_digit(None, np.random.default_rng(143), "everything at once", size=SIZE))
    with pytest.raises(EmptyImageError, match="can't find a digit"):
        preprocess(picture)


def test_a_corner_of_lit_table_cut_off_by_a_shadows_edge_is_no_sheet():
    picture = np.full((500, 800), 0.5, np.float32)  # a light table
    picture[60:440, 260:740] = 0.95  # the sheet, all of it in the picture
    ink = seven_ink(200, 0.06)
    top, left = 180, 520 - ink.shape[1] // 2
    picture[top : top + ink.shape[0], left : left + ink.shape[1]] *= 1 - 0.9 * ink
    ys, xs = np.mgrid[0:500, 0:800]
    picture *= 1 - 0.45 / (1 + np.exp((ys - 1.2 * xs + 152) / 3))  # a shadow over the 7, its edge steep
    # Beside the sheet's corner the shadow's edge encloses a small wedge of lit table: no sheet the 7 is off.
    assert similarity(preprocess(as_photo(picture)), preprocess(seven_ink(200, 0.06))) > 0.8


def test_a_thin_one_on_speckled_paper_is_no_ruled_line():
    sheet = np.full((500, 600), 0.9, np.float32)
    sheet[np.random.default_rng(0).random(sheet.shape) < 0.05] *= 0.7  # specks of grain, faint, one pixel each
    one = np.zeros(sheet.shape, bool)
    one[160:340, 298:302] = True  # a 1 written with a fine pen: 4 px wide, 36% of the picture tall
    sheet[one] *= 0.1
    found = ink_map(as_photo(sheet)) > 0.5  # the specks along its column made it a line 40% of the picture long
    assert found[one].mean() > 0.9 and not (found & ~ndimage.binary_dilation(one, iterations=3)).any()
