"""Preprocessing on synthetic images: centring, aspect, polarity, blanks, and a fuzz of inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageDraw

from conftest import draw_dot, draw_seven
from digitnet import EmptyImageError, preprocess
from digitnet.reading.ink import alpha_channel, ink_map
from digitnet.reading.pixels import to_float
from digitnet.reading.preprocess import center_by_mass, ink_bounding_box


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(image.shape)
    return (ys * image).sum() / image.sum(), (xs * image).sum() / image.sum()


def ink_extent(image: np.ndarray, level: float = 0.3) -> tuple[int, int]:
    rows, cols = np.flatnonzero((image > level).any(1)), np.flatnonzero((image > level).any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_off_centre_drawing_ends_up_centred_and_20_pixels_tall():
    corner = draw_seven(offset=(-120, -70))  # pushed into the top-left corner
    out = preprocess(corner)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
    cy, cx = center_of_mass(out)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert ink_extent(out, 0.05)[0] in (20, 21)


def test_position_on_the_canvas_does_not_matter():
    a, b = preprocess(draw_seven(offset=(-100, -60))), preprocess(draw_seven(offset=(90, 70)))
    assert np.abs(a - b).max() < 0.05


def test_aspect_ratio_is_kept_so_a_one_stays_thin():
    canvas = np.zeros((400, 400), np.uint8)
    canvas[50:350, 190:210] = 255  # a 300x20 vertical bar, light on dark
    height, width = ink_extent(preprocess(canvas))
    assert height == 20 and width <= 3


def test_alpha_dark_on_light_and_light_on_dark_give_the_same_input():
    alpha = preprocess(draw_seven())
    dark_on_light = preprocess(draw_seven(ink=(0, 0, 0, 255), background=(255, 255, 255, 255))[:, :, :3])
    light_on_dark = preprocess(draw_seven(ink=(255, 255, 255, 255), background=(0, 0, 0, 255))[:, :, 0])
    assert np.abs(alpha - dark_on_light).max() < 0.02
    assert np.abs(alpha - light_on_dark).max() < 0.02


def test_grey_paper_and_grey_ink_are_normalised():
    photo = np.full((300, 300), 200, np.uint8)  # grey paper
    photo[60:240, 140:160] = 90  # grey ink
    out = preprocess(photo)
    assert out.max() == pytest.approx(1.0) and out[0].max() == 0.0


def test_an_mnist_style_input_round_trips_almost_unchanged():
    # Reference: a digit already made the MNIST way (20 px tall, centred by mass) is left as it is.
    digit = np.zeros((20, 12), np.float32)
    digit[:, 5:8] = 1.0
    digit[0:3, :] = 1.0  # a 7-like corner
    reference = center_by_mass(digit)
    assert np.abs(preprocess((reference * 255).astype(np.uint8)) - reference).mean() < 0.03


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "CMYK", "I;16", "LA"])
def test_pil_images_of_every_mode_are_read(mode):
    light = Image.fromarray(draw_seven(ink=(0, 0, 0, 255), background=(255, 255, 255, 255)))
    picture = (
        light.convert(mode)
        if mode != "I;16"
        else Image.fromarray(np.asarray(light.convert("L")).astype(np.uint16) * 257)
    )
    assert np.abs(preprocess(picture) - preprocess(draw_seven())).max() < 0.1


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((400, 400, 4), np.uint8), "Nothing is drawn"),
        (np.zeros((400, 400), np.float32), "Nothing is drawn"),
        (np.pad(np.full((1, 2), 1.0, np.float32), 20), "stray pixels"),
        # Pictures (integer pixels, opaque) of any size get words for pictures.
        (np.full((48, 48, 3), 255, np.uint8), "can't find a digit"),
        (np.random.default_rng(0).integers(0, 12, (50, 50), dtype=np.uint8), "can't find a digit"),  # faint noise
        (np.full((300, 300, 3), 255, np.uint8), "can't find a digit"),
        (np.pad(np.full((1, 2), 255, np.uint8), 200), "can't find a digit"),
        (np.random.default_rng(0).integers(0, 12, (300, 300), dtype=np.uint8), "can't find a digit"),
    ],
)
def test_blank_and_near_blank_images_raise_empty_image_error(image, message):
    with pytest.raises(EmptyImageError, match=message):
        preprocess(image)


def test_a_dot_is_refused_with_a_message():
    with pytest.raises(EmptyImageError, match="dot"):
        preprocess(draw_dot(size=400, diameter=20))


def with_taps(canvas: np.ndarray, *centres: tuple[int, int], diameter: int = 16) -> np.ndarray:
    """The canvas with a click of the brush added at each (x, y)."""
    image = Image.fromarray(canvas)
    for x, y in centres:
        ImageDraw.Draw(image).ellipse((x - diameter / 2, y - diameter / 2, x + diameter / 2, y + diameter / 2), "black")
    return np.asarray(image)


@pytest.mark.parametrize("taps", [[(20, 20)], [(385, 200)], [(200, 388)], [(20, 20), (380, 30), (30, 385)]])
def test_taps_away_from_the_digit_are_left_out(taps):
    seven = draw_seven()
    assert np.abs(preprocess(with_taps(seven, *taps)) - preprocess(seven)).max() < 1e-6


def test_a_separate_stroke_far_from_the_rest_still_counts():
    picture = Image.fromarray(draw_seven())
    ImageDraw.Draw(picture).line([(100, 15), (300, 15)], "black", width=12)  # a long bar, well above the 7
    top, _bottom, _left, _right = ink_bounding_box(np.asarray(picture)[:, :, 3])
    assert top <= 15


def test_two_taps_far_apart_are_only_a_dot():
    with pytest.raises(EmptyImageError, match="dot"):
        preprocess(with_taps(np.zeros((320, 320, 4), np.uint8), (20, 20), (300, 290)))


def test_a_canvas_painted_all_over_is_refused_with_a_message():
    canvas = np.zeros((400, 400, 4), np.uint8)
    canvas[3:-3, 3:-3, 3] = 255  # the brush stopped just short of the edges, as on the app's canvas
    with pytest.raises(EmptyImageError, match="blob"):
        preprocess(canvas)


def test_a_scribble_is_fitted_and_centred_like_any_digit():
    rng = np.random.default_rng(0)
    picture = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(picture).line([tuple(p) for p in rng.uniform(20, 380, (40, 2))], fill=(0, 0, 0, 255), width=20)
    out = preprocess(np.asarray(picture))
    rows, cols = np.flatnonzero(out.any(axis=1)), np.flatnonzero(out.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == 20  # MNIST's 20x20 box
    ys, xs = np.indices(out.shape)
    assert abs((ys * out).sum() / out.sum() - 14) <= 1 and abs((xs * out).sum() / out.sum() - 14) <= 1


@pytest.mark.parametrize("strength", [255, 100, 40])  # full, faint and barely-there ink
def test_a_canvas_read_in_bytes_gives_the_input_its_ink_as_floats_gives(strength):
    canvas = draw_seven(ink=(0, 0, 0, strength), offset=(-60, 30), width=7).copy()  # anti-aliased, off centre
    canvas[20:60, 330:380, 3] = strength * 0.14  # a smudge just under the noise level: not part of the digit
    canvas[300:310, 330:380, 3] = strength * 0.16  # and a mark just over it, which is
    as_floats = canvas[:, :, 3].astype(np.float32) / 255  # the same ink as a float picture on black
    assert np.abs(preprocess(canvas) - preprocess(as_floats)).max() < 1e-6


@pytest.mark.parametrize("layout", ["contiguous", "flipped", "cropped", "16-bit"])
def test_the_alpha_channel_is_every_fourth_value_whatever_the_layout(layout):
    rgba = np.random.default_rng(0).integers(0, 256, (37, 23, 4), dtype=np.uint8)
    layouts = {"contiguous": rgba, "flipped": rgba[::-1, ::-1], "cropped": rgba[3:30, 5:19]}
    rgba = layouts.get(layout, rgba.astype(np.uint16) * 257)
    alpha = alpha_channel(rgba)
    assert alpha.dtype == rgba.dtype and alpha.flags.c_contiguous
    assert np.array_equal(alpha, rgba[:, :, 3])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_])
def test_to_float_gives_a_new_array_so_preprocessing_may_work_in_place(dtype):
    picture = (draw_seven()[:, :, 3] > 100).astype(dtype)
    assert not np.shares_memory(to_float(picture), picture)


def test_ink_map_uses_alpha_only_when_the_background_is_transparent():
    opaque = draw_seven(ink=(255, 255, 255, 255), background=(0, 0, 0, 255))
    assert ink_map(opaque).max() == pytest.approx(1.0)  # read from the colours, alpha is all 255


@pytest.mark.parametrize("where", ["one pixel", "rounded corners"])
def test_a_photo_with_a_few_transparent_pixels_is_read_from_its_colours(where):
    photo = draw_seven(ink=(30, 30, 30, 255), background=(235, 235, 225, 255)).copy()
    if where == "one pixel":
        photo[200, 399, 3] = 0
    else:  # a screenshot's see-through corners, 24 px
        ys, xs = np.indices(photo.shape[:2])
        for cy, cx in ((0, 0), (0, 399), (399, 0), (399, 399)):
            photo[(abs(ys - cy) < 24) & (abs(xs - cx) < 24) & (np.hypot(ys - cy, xs - cx) > 12), 3] = 0
    expected = preprocess(photo[:, :, :3])
    assert np.abs(preprocess(photo) - expected).max() < 0.02


shapes = st.sampled_from([(1, 1), (5, 7), (28, 28), (40, 33), (30, 30, 1), (30, 30, 3), (30, 30, 4), (64, 48, 4)])
dtypes = st.sampled_from([np.uint8, np.uint16, np.float32, np.float64, np.bool_])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), shape=shapes, dtype=dtypes)
def test_fuzz_any_accepted_array_gives_a_valid_input_or_empty_image_error(data, shape, dtype):
    image = data.draw(arrays(dtype, shape))
    try:
        out = preprocess(image)
    except EmptyImageError as error:
        assert str(error)
        return
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
