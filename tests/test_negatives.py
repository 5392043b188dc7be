"""Non-digit drawings: shapes, determinism, and test kinds kept apart from training kinds."""

from __future__ import annotations

import numpy as np
import pytest

from digitnet import negatives
from digitnet.preprocess import preprocess
from digitnet.strokes import draw_strokes


@pytest.fixture(autouse=True)
def no_pen_digits(monkeypatch, tmp_path):
    """Point the data root at an empty folder: pen-digit kinds are left out, the rest must still work."""
    monkeypatch.setenv("DIGITNET_DATA", str(tmp_path))
    negatives._pen_digits.cache_clear()
    yield
    negatives._pen_digits.cache_clear()


@pytest.mark.parametrize("split", negatives.SPLITS)
def test_images_are_preprocessed_inputs_and_repeatable(split):
    images = negatives.negative_images(12, seed=3, split=split)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() == 1 and (images.reshape(12, -1).max(axis=1) > 0.5).all()
    assert np.array_equal(images, negatives.negative_images(12, seed=3, split=split))
    assert not np.array_equal(images, negatives.negative_images(12, seed=4, split=split))


def test_splits_draw_different_things_from_the_same_seed():
    train, val = (negatives.negative_images(8, seed=0, split=s) for s in ("train", "val"))
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
    placed = negatives.place_drawing(wide, (320, 320), rng)
    assert placed[0][:, 0].min() >= 0 and placed[0][:, 0].max() <= 320
    preprocess(draw_strokes(placed, (320, 320), 16))  # drawn, it is readable ink


def test_fragments_are_neither_bars_nor_closed_loops():
    from digitnet.strokes import PenDigit

    zigzag = PenDigit(2, 1, (np.float32([[0, 0], [100, 0], [0, 100], [100, 100], [0, 200], [100, 200]]),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(negatives, "_pen_digits", lambda: (zigzag,))
        parts = [negatives._fragment(np.random.default_rng(seed))[0] for seed in range(5)]
    for part in parts:
        steps = np.linalg.norm(np.diff(part, axis=0), axis=1).sum()
        assert np.linalg.norm(part[-1] - part[0]) < 0.9 * steps


def test_training_writers_digits_give_fragments_but_one_label_gives_no_overlay(monkeypatch, data_root):
    monkeypatch.setenv("DIGITNET_DATA", str(data_root))  # its pen digits are all 7s
    negatives._pen_digits.cache_clear()
    kinds = negatives._kinds("train")
    assert "fragment" in kinds and "overlay" not in kinds and "fragment" not in negatives._kinds("test")
    assert negatives.negative_images(4, seed=0).shape == (4, 28, 28)


def test_every_kind_has_a_family():
    kinds = {*negatives._kinds("train"), *negatives._kinds("test"), "overlay", "fragment"}
    families = {kind: negatives.kind_family(kind) for kind in kinds}
    assert set(families.values()) == set(negatives.FAMILIES)
    assert (families["greek"], families["tangle"], families["heart"]) == ("letters", "scribbles", "shapes")
