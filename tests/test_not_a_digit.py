"""The "not a digit" verdict: Prediction.is_digit from the 11th logit and the checkpoint's threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import constant_checkpoint, draw_seven
from digitnet.cli import main as cli
from digitnet.reading.predictor import load_predictor

SEVEN = draw_seven(size=320)


def test_a_winning_reject_logit_refuses_and_the_digits_keep_their_distribution(refusing_checkpoint):
    predictor = load_predictor(refusing_checkpoint)
    prediction = predictor.predict(SEVEN)
    assert not prediction.is_digit and predictor.not_digit_threshold == 0.5
    assert prediction.probs.shape == (10,) and abs(prediction.probs.sum() - 1) < 1e-6 and prediction.digit == 4
    _, not_digit = predictor.classify(prediction.input28[None])
    assert not_digit[0] == pytest.approx(0.9)


def test_logits_are_the_models_divided_by_the_temperature(refusing_checkpoint):
    predictor = load_predictor(refusing_checkpoint)
    inputs = predictor.predict(SEVEN).input28[None]
    expected = [0.0] * 4 + [1.0] + [0.0] * 5 + [np.log(0.9 / 0.1 * (9 + np.e))]
    assert predictor.logits(inputs)[0] == pytest.approx(expected, abs=1e-5)
    predictor.temperature = 2.0
    assert predictor.logits(inputs)[0] == pytest.approx(np.array(expected) / 2, abs=1e-5)


@pytest.mark.parametrize("threshold, is_digit", [(0.9 - 1e-6, False), (0.9 + 1e-6, True)])
def test_refused_at_or_above_the_threshold_only(tmp_path, threshold, is_digit):
    logits = [0.0] * 11
    logits[10] = float(np.log(0.9 / 0.1 * 10))  # "not a digit" has 0.9 of the eleven-way softmax
    path = constant_checkpoint(tmp_path / "m.pt", logits, {"doubt_threshold": 0.5, "not_digit_threshold": threshold})
    assert load_predictor(path).predict(SEVEN).is_digit is is_digit


def test_batches_and_the_pieces_of_a_number_are_refused_too(refusing_checkpoint):
    predictor = load_predictor(refusing_checkpoint)
    assert [p.is_digit for p in predictor.predict_batch([SEVEN, SEVEN])] == [False, False]
    wide = np.concatenate([SEVEN, SEVEN], axis=1)
    pieces = predictor.predict_number(wide)
    assert len(pieces) == 2 and not any(p.is_digit for p in pieces)


@pytest.mark.parametrize(
    "metadata, reject_class",
    [({"doubt_threshold": 0.5}, True), ({"doubt_threshold": 0.5, "not_digit_threshold": 0.5}, False)],
    ids=["no threshold in the checkpoint", "a ten-output model"],
)
def test_without_a_threshold_or_the_reject_class_everything_is_a_digit(tmp_path, metadata, reject_class):
    logits = [0.0] * 10 + [20.0] * reject_class
    path = constant_checkpoint(tmp_path / "m.pt", logits, metadata, reject_class=reject_class)
    predictor = load_predictor(path)
    assert predictor.not_digit_threshold is None and predictor.predict(SEVEN).is_digit


def png_file(tmp_path, picture: np.ndarray):
    from PIL import Image

    path = tmp_path / "drawing.png"
    Image.fromarray(picture).save(path)
    return path


def test_the_cli_says_not_a_digit_as_a_result(tmp_path, refusing_checkpoint, capsys):
    path = png_file(tmp_path, SEVEN)
    assert cli(["predict", str(path), "--checkpoint", str(refusing_checkpoint)]) == 0
    assert capsys.readouterr().out == f"{path}: not a digit\n"
    assert cli(["predict", str(path), "--json", "--checkpoint", str(refusing_checkpoint)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["is_digit"] is False and len(record["probs"]) == 10
    assert record["digit"] is None and record["sure"] is False  # a refusal names no digit and is sure of none
    assert record["top"][0]["digit"] == 4  # what it would be, if it were a digit


def test_the_cli_number_shows_a_refused_piece_as_the_page_does(tmp_path, refusing_checkpoint, capsys):
    path = png_file(tmp_path, np.concatenate([SEVEN, SEVEN], axis=1))
    assert cli(["predict", str(path), "--number", "--checkpoint", str(refusing_checkpoint)]) == 0
    assert capsys.readouterr().out == f"{path}: ?? (?: not a digit, ?: not a digit)\n"
    assert cli(["predict", str(path), "--number", "--json", "--checkpoint", str(refusing_checkpoint)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["number"] == "??" and [piece["digit"] for piece in record["digits"]] == [None, None]


def test_the_cli_json_says_a_digit_is_one(tmp_path, tiny_checkpoint, capsys):
    assert cli(["predict", str(png_file(tmp_path, SEVEN)), "--json", "--checkpoint", str(tiny_checkpoint)]) == 0
    assert json.loads(capsys.readouterr().out)["is_digit"] is True


def test_preprocessed_inputs_are_read_as_they_are(refusing_checkpoint):
    predictor = load_predictor(refusing_checkpoint)
    inputs = np.zeros((3, 28, 28), np.float32)
    assert [p.is_digit for p in predictor.predict_inputs(inputs)] == [False] * 3
    assert predictor.predict_inputs(inputs[:0]) == []
