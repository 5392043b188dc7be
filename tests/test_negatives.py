"""Non-digit drawings: shapes, determinism, and test kinds kept apart from training kinds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from digitnet.constants import DIGIT_PART, NOT_A_DIGIT
from digitnet.learning import negatives
from digitnet.learning.negatives import kind_family
from digitnet.learning.splits import load_negatives
from digitnet.learning.strokes import draw_strokes, place_drawing
from digitnet.reading.preprocess import preprocess


@pytest.fixture(autouse=True)
def no_pen_digits(monkeypatch, tmp_path):
    """Point the data root at an empty folder: pen-digit kinds are left out, the rest must still work."""
    monkeypatch.setenv("DIGITNET_DATA", str(tmp_path))
    negatives._pen_digits.cache_clear()
    yield
    negatives._pen_digits.cache_clear()


@pytest.mark.parametrize("split", negatives.SPLITS)
def test_images_are_preprocessed_inputs_and_repeatable(split):
    images, kinds = negatives.negative_images(12, seed=3, split=split)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() == 1 and (images.reshape(12, -1).max(axis=1) > 0.5).all()
    assert np.array_equal(images, negatives.negative_images(12, seed=3, split=split)[0]) and len(kinds) == 12
    assert not np.array_equal(images, negatives.negative_images(12, seed=4, split=split)[0])


def test_splits_draw_different_things_from_the_same_seed():
    train, val = (negatives.negative_images(8, seed=0, split=s)[0] for s in ("train", "val"))
    assert not np.array_equal(train, val)


def test_drawings_are_float32_strokes_named_by_kind():
    drawings = negatives.negative_drawings(40, seed=1, split="train")
    assert len(drawings) == 40 and len({kind for kind, _ in drawings}) > 5
    for _kind, strokes in drawings:
        assert all(s.dtype == np.float32 and s.ndim == 2 and s.shape[1] == 2 for s in strokes)


def test_the_test_split_has_its_own_kinds_fonts_and_letters():
    train_kinds, test_kinds = (set(negatives._kinds(s)) for s in ("train", "test"))
    assert train_kinds == set(negatives._kinds("val"))
    assert not (train_kinds & test_kinds) - {"letter"}  # letters in both, but from other fonts and letters:
    train_fonts = {f for choices in negatives.TRAIN_GLYPHS.values() for f, _ in choices}
    test_fonts = {f for choices in negatives.TEST_GLYPHS.values() for f, _ in choices}
    assert not train_fonts & test_fonts
    train_letters = {c.lower() for f, chars in negatives.TRAIN_GLYPHS["letter"] for c in chars}
    test_letters = {c.lower() for f, chars in negatives.TEST_GLYPHS["letter"] for c in chars}
    assert not train_letters & test_letters


def test_an_unknown_split_is_refused():
    with pytest.raises(ValueError, match="split"):
        negatives.negative_images(1, seed=0, split="tets")


def test_placed_drawings_fit_the_canvas_however_wide():
    rng = np.random.default_rng(0)
    wide = (np.float32([[0, 0], [10, 1], [20, 0], [30, 1]]),)
    placed = place_drawing(wide, (320, 320), rng)
    assert placed[0][:, 0].min() >= 0 and placed[0][:, 0].max() <= 320
    preprocess(draw_strokes(placed, (320, 320), 16))  # drawn, it is readable ink


def test_fragments_bend_and_stay_open_and_bars_never_pass():
    assert negatives._bends_open(np.float32([[0, 0], [50, 0], [50, 50], [0, 50], [0, 10]])) is False  # closed
    assert negatives._bends_open(np.float32([[0, 0], [3, 50], [0, 100], [3, 150]])) is False  # a wobbly bar
    assert negatives._bends_open(np.float32([[0, 0], [50, 0], [50, 50], [0, 50]])) is True  # a hook


def test_training_writers_digits_give_fragments_and_overlays_but_never_in_test(monkeypatch, tmp_path):
    corners = np.array([(100, 400), (300, 400), (100, 250), (300, 250), (100, 100)])
    dense = np.concatenate([np.linspace(a, b, 10, endpoint=False) for a, b in itertools.pairwise(corners)])
    zigzag = "\n".join(f" {x:.0f} {y:.0f}" for x, y in dense)
    pen = tmp_path / "pendigits"
    pen.mkdir()
    records = [f'.SEGMENT DIGIT 0 ? "{d}"\n.COMMENT {d} 1 {d}\n.PEN_DOWN\n{zigzag}\n.PEN_UP\n' for d in (3, 5, 7)]
    (pen / "pendigits-orig.tra").write_text("".join(records))
    monkeypatch.setenv("DIGITNET_DATA", str(tmp_path))
    negatives._pen_digits.cache_clear()
    digits = negatives._pen_digits(None)
    assert sorted(d.label for d in digits) == [3, 5]  # no 7: a piece of a 7 is often still a 7
    assert {"fragment", "overlay"} <= set(negatives._kinds("val"))
    assert not {"fragment", "overlay"} & set(negatives._kinds("test"))
    rng = np.random.default_rng(0)
    assert len(negatives._overlay(digits, rng)) == 2 and len(negatives._fragment(digits, rng)) == 1
    assert negatives.negative_images(4, seed=0)[0].shape == (4, 28, 28)
    # pieces of digits keep "not a digit" but are told apart, for outlier exposure to leave their digits alone
    labels = load_negatives(80, 0, "train", tmp_path)[1]
    parts = [kind_family(kind) == "digit parts" for kind in negatives.negative_images(80, 0, "train", tmp_path)[1]]
    assert torch.equal(labels, torch.where(torch.tensor(parts), DIGIT_PART, NOT_A_DIGIT)) and any(parts)


def test_digits_of_straight_strokes_give_no_fragment_instead_of_looping():
    from digitnet.learning.strokes import PenDigit

    bar = PenDigit(3, 1, (np.float32([[0, 0], [100, 0], [200, 0]]),))
    assert negatives._fragment((bar,), np.random.default_rng(0)) is None


def test_every_kind_has_a_family():
    kinds = {*negatives._kinds("train"), *negatives._kinds("test"), "overlay", "fragment"}
    families = {kind: negatives.kind_family(kind) for kind in kinds}
    assert set(families.values()) == set(negatives.FAMILIES)
    assert (families["greek"], families["tangle"], families["heart"]) == ("letters", "scribbles", "shapes")
    assert (families["pictogram"], families["knot"], families["cyrillic"]) == ("shapes", "scribbles", "letters")


@pytest.mark.parametrize("kind", negatives.TRAIN_DOODLES)
def test_every_training_picture_draws_a_repeatable_inkable_drawing(kind):
    generator = negatives._kinds("train")[kind][1]
    for seed in range(5):
        strokes = generator(np.random.default_rng(seed))
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes)
        assert all(np.array_equal(a, b) for a, b in zip(strokes, generator(np.random.default_rng(seed)), strict=True))
        placed = place_drawing(
            negatives.wobble(strokes, np.random.default_rng(seed)), (200, 200), np.random.default_rng(0)
        )
        assert preprocess(draw_strokes(placed, (200, 200), 8)).max() == 1


def test_every_training_glyph_exists_in_its_font():
    """A character a font lacks would silently draw nothing: every listed one must have strokes."""
    for font, chars in itertools.chain.from_iterable(negatives.TRAIN_GLYPHS.values()):
        assert all(negatives._glyph(font, char) for char in chars), font
