"""Words and pictures shown to people: doubt named, percentages honest, pixels visible."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from digitnet.reading.predictor import Prediction
from digitnet.ui.charts import enlarge_pixels, inline_png, probability_chart
from digitnet.ui.layout import digit_canvas_size, number_canvas_size
from digitnet.words import (
    a_digit,
    answer_line,
    confidence_sentence,
    count_of,
    format_percent,
    is_doubtful,
    not_digit_sentence,
    number_line,
)


def prediction(probs: dict[int, float]) -> Prediction:
    full = np.zeros(10)
    for digit, p in probs.items():
        full[digit] = p
    return Prediction(int(full.argmax()), full, np.zeros((28, 28), np.float32))


def test_a_sure_answer_says_so_without_rounding_to_100_percent():
    sure = prediction({3: 0.9996, 5: 0.0004})
    assert confidence_sentence(sure, 0.6) == "I'm sure it's a 3 (over 99.9%)."
    assert not is_doubtful(sure, 0.6)


def test_a_likely_answer_names_the_alternative():
    assert confidence_sentence(prediction({7: 0.8, 1: 0.2}), 0.6) == "Probably a 7 (80%), maybe a 1."


def test_below_the_threshold_it_says_it_is_not_sure_and_names_two_digits():
    doubtful = prediction({4: 0.5, 9: 0.45, 7: 0.05})
    assert is_doubtful(doubtful, 0.6)
    assert confidence_sentence(doubtful, 0.6) == "I'm not sure: a 4 or a 9? (50% vs 45%)"


def test_percentages_round_down_so_they_never_claim_more_than_the_model_said():
    shown = [format_percent(p) for p in (0.42, 0.29, 0.986, 0.8999, 0.995, 0.99449, 0.9991)]
    assert shown == ["42%", "29%", "98%", "89%", "99.5%", "99.4%", "over 99.9%"]


def test_a_nearly_sure_answer_is_not_called_probable_beside_99_percent():
    """A Greek lambda read "Probably a 1 (99%), maybe a 2": the words and the number must agree."""
    lambda_like = prediction({1: 0.986, 2: 0.01, 7: 0.004})
    assert confidence_sentence(lambda_like, 0.6) == "Very likely a 1 (98%); if not, a 2."


@pytest.mark.parametrize("confidence", np.linspace(0.54, 0.9999, 400))
def test_the_words_always_agree_with_the_percentage_shown(confidence):
    sentence = confidence_sentence(prediction({3: confidence, 5: 1 - confidence}), 0.537)
    shown = sentence[sentence.index("(") + 1 : sentence.index("%")].removeprefix("over ")
    if sentence.startswith("I'm sure"):
        assert float(shown) >= 99
    elif sentence.startswith("Very likely"):
        assert 90 <= float(shown) < 99
    else:
        assert sentence.startswith("Probably") and float(shown) < 90


def test_a_refused_drawing_gets_a_guess_not_a_certainty():
    refused = Prediction(4, np.eye(10)[4] * 0.9996 + 0.00004, np.zeros((28, 28), np.float32), is_digit=False)
    sentence = not_digit_sentence(refused)
    assert "guess" in sentence and "a 4" in sentence and "%" not in sentence


def test_the_command_line_answer_reads_at_a_glance():
    assert answer_line(prediction({7: 0.9996, 1: 0.0003, 9: 0.0001}), 0.6) == "7 (over 99.9%; then 1, 9)"
    assert answer_line(prediction({4: 0.5, 9: 0.45, 7: 0.05}), 0.6) == "not sure: 4 or 9? (50% vs 45%)"
    refused = Prediction(4, np.eye(10)[4], np.zeros((28, 28), np.float32), is_digit=False)
    assert answer_line(refused, 0.6) == "not a digit"
    assert number_line([prediction({2: 0.995, 3: 0.005}), refused]) == "2? (2: 99.5%, ?: not a digit)"


def test_enlarged_pixels_are_uniform_blocks():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    big = enlarge_pixels(image, 6)
    assert big.shape == (168, 168) and big.dtype == np.uint8
    assert (big[6:12, 12:18] == round(image[1, 2] * 255)).all()


def test_the_chart_has_every_digit_in_order_and_highlights_only_the_answer():
    probs = np.random.default_rng(3).dirichlet(np.ones(10)).tolist()
    values = probability_chart(probs)["data"]["values"]
    assert [v["digit"] for v in values] == [str(d) for d in range(10)]
    assert [v["probability"] for v in values] == probs
    assert [v["winner"] for v in values] == [d == int(np.argmax(probs)) for d in range(10)]


def test_every_digit_is_labelled_even_on_a_small_chart():
    for height in (220, 150):
        axis = probability_chart([0.1] * 10, height=height)["encoding"]["x"]["axis"]
        assert axis["labelOverlap"] is False and axis["labelFontSize"] >= 13


def test_an_inline_png_holds_the_same_pixels():
    pixels = np.random.default_rng(4).integers(0, 256, (12, 9), dtype=np.uint8)
    url = inline_png(pixels)
    assert url.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, pixels)


def test_an_eight_takes_an_and_every_other_digit_a():
    assert [a_digit(d) for d in (8, 7, 0, 1)] == ["an 8", "a 7", "a 0", "a 1"]
    assert confidence_sentence(prediction({8: 0.7, 3: 0.3}), 0.6) == "Probably an 8 (70%), maybe a 3."


def test_counts_are_singular_only_for_one():
    assert [count_of(n, "drawing") for n in (0, 1, 2)] == ["0 drawings", "1 drawing", "2 drawings"]
    assert count_of("An unknown number of", "drawing") == "An unknown number of drawings"


def test_the_draw_canvas_is_square_and_shrinks_to_its_column():
    assert digit_canvas_size(None) == digit_canvas_size(640) == (320, 320)
    assert digit_canvas_size(256) == (256, 256)  # a 1024 px window with the sidebar open


def test_the_number_canvas_takes_the_width_it_has_at_three_to_one():
    assert number_canvas_size(None) == (320, 106)  # until the page says how wide it is: fits any phone
    assert number_canvas_size(352) == (352, 117)  # a phone held upright: four digits of ~90 px
    assert number_canvas_size(800) == (800, 266)  # a phone on its side, a 1024 px window
    assert number_canvas_size(1600) == (960, 320)  # a projector: no wider than 960 px
