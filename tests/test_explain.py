"""The occlusion heat map: its shape, and that it finds the pixels the answer depends on."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import draw_seven
from digitnet import load_predictor, preprocess
from digitnet.reading.explain import occluded_copies, occlusion_map, overlay


@pytest.fixture(scope="module")
def predictor():
    return load_predictor()  # the committed model: an untrained one has no reasons to find


def test_every_copy_hides_exactly_one_patch():
    image = np.ones((28, 28), np.float32)
    copies, corners = occluded_copies(image, patch=4, stride=2)
    assert len(copies) == 13 * 13 and corners[0] == (0, 0) and corners[-1] == (24, 24)
    assert all((copy == 0).sum() == 16 for copy in copies)


def test_heat_map_has_the_input_shape_and_range(predictor):
    input28 = preprocess(draw_seven())
    heat = occlusion_map(predictor, input28, digit=7)
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    assert heat[input28 == 0].mean() < heat[input28 > 0.5].mean()  # the ink matters, the background less


def test_hiding_the_hottest_pixels_hurts_more_than_hiding_random_ink(predictor):
    input28 = preprocess(draw_seven())
    digit = predictor.predict(draw_seven()).digit
    heat = occlusion_map(predictor, input28, digit)
    k = 40
    ink = np.flatnonzero(input28.ravel() > 0.2)
    hottest = ink[np.argsort(heat.ravel()[ink])[-k:]]  # ink against ink: zeroing blank pixels hides nothing
    rng = np.random.default_rng(0)
    random_drops = []
    for _ in range(20):
        masked = input28.copy().ravel()
        masked[rng.choice(ink, k, replace=False)] = 0
        random_drops.append(predictor.probabilities(masked.reshape(1, 28, 28))[0, digit])
    masked = input28.copy().ravel()
    masked[hottest] = 0
    assert predictor.probabilities(masked.reshape(1, 28, 28))[0, digit] < np.median(random_drops)


def test_overlay_is_an_enlarged_rgb_picture():
    picture = overlay(np.zeros((28, 28), np.float32), np.ones((28, 28), np.float32), scale=6)
    assert picture.shape == (168, 168, 3) and (picture[:, :, 0] == 255).all() and picture[:, :, 1:].max() == 0
