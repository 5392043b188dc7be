"""The number reader: its shapes, greedy CTC decoding, the strip it reads, its training entry and its readings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from bench.number_misses import averaged, misses
from conftest import constant_checkpoint
from digitnet.model import softmax
from digitnet.number_model import BLANK, FRAME, NumberConfig, NumberNet, greedy_path, sequence_log_prob
from digitnet.reading.number import load_number_reader
from digitnet.reading.predictor import NumberReading, Prediction, load_predictor
from digitnet.reading.strip import INK_HEIGHT, SIDE_PAD, STRIP_HEIGHT, ink_strip

TINY = NumberConfig(stem_channels=4, mid_channels=8, top_channels=8, hidden=8)


@pytest.mark.parametrize("width", [16, 37, 120])
def test_the_reader_gives_one_frame_of_eleven_scores_per_four_columns(width):
    logits = NumberNet(TINY)(torch.rand(2, 1, STRIP_HEIGHT, width))
    assert logits.shape == (2, width // FRAME, 11)


def one_hot_frames(best: list[int]) -> np.ndarray:
    """Frames whose best class is `best[t]` (0.6) with the rest spread evenly."""
    frames = np.full((len(best), 11), 0.04)
    frames[np.arange(len(best)), best] = 0.6
    return frames


def test_greedy_decoding_merges_repeats_unless_a_blank_parts_them():
    b = BLANK
    assert greedy_path(one_hot_frames([b, 1, 1, b, 1, 2, 2, b])) == [(1, 1, 2), (1, 4, 4), (2, 5, 6)]
    assert greedy_path(one_hot_frames([b, b, b])) == []
    # plain ints, merged runs included: the CLI writes them as JSON, which takes no numpy integer
    assert all(type(d) is int for d, _, _ in greedy_path(one_hot_frames([3, 3, 3, b, 4])))


def test_the_reading_probability_sums_every_alignment():
    probs = np.array([[0.1] * 11, [0.1] * 11])
    probs[0, [3, BLANK]] = [0.5, 0.2]
    probs[1, [3, BLANK]] = [0.3, 0.4]
    probs /= probs.sum(axis=1, keepdims=True)
    p0, p1 = probs
    # "3" in two frames: 3 3, 3 blank, blank 3
    by_hand = p0[3] * p1[3] + p0[3] * p1[BLANK] + p0[BLANK] * p1[3]
    log_probs = torch.from_numpy(np.log(probs)).float()
    assert np.exp(sequence_log_prob(log_probs, [3])) == pytest.approx(by_hand, rel=1e-5)
    assert np.exp(sequence_log_prob(log_probs, [])) == pytest.approx(p0[BLANK] * p1[BLANK], rel=1e-5)


def test_the_strip_scales_the_ink_to_its_height_and_maps_columns_back():
    ink = np.zeros((300, 900), np.float32)
    ink[100:240, 200:620] = 1.0  # 140 rows of ink, 420 columns wide
    strip = ink_strip(ink)
    rows = np.flatnonzero(strip.pixels.max(axis=1) > 0.5)
    cols = np.flatnonzero(strip.pixels.max(axis=0) > 0.5)
    assert strip.pixels.shape == (STRIP_HEIGHT, 420 * INK_HEIGHT // 140 + 2 * SIDE_PAD)
    assert len(rows) == INK_HEIGHT and cols[0] == SIDE_PAD
    assert strip.to_picture(cols[0]) == 200 and abs(strip.to_picture(cols[-1] + 1) - 620) <= 5


def test_train_numbers_smoke_writes_a_reader_that_loads(data_root: Path, tmp_path: Path):
    from train import main

    out = tmp_path / "m-numbers.pt"
    metrics = main(["numbers", "--smoke", "--out", str(out), "--data-dir", str(data_root), "--threads", "1"])
    reader = load_number_reader(out)
    assert json.loads(out.with_suffix(".json").read_text())["temperature"] == metrics["temperature"]
    assert reader.temperature == metrics["temperature"] and len(metrics["history"]) == 1
    assert 0 <= reader.not_number_threshold <= 1


def canvas(strokes: list[np.ndarray]) -> np.ndarray:
    """Strokes (canvas pixels) on the Number canvas, drawn with its brush."""
    from digitnet.constants import DEFAULT_BRUSH
    from digitnet.learning.strokes import STYLES, draw_strokes

    return draw_strokes([np.float32(s) for s in strokes], (960, 320), DEFAULT_BRUSH, *STYLES["transparent"])


SEVENTY_ONE = canvas(  # a 7 whose foot touches a 1 written close beside it
    [[(300, 70), (420, 70), (340, 250)], [(400, 80), (430, 60), (430, 250)]]
)


def test_the_cli_prints_the_number_and_how_sure_the_reader_is(tmp_path, capsys):
    from PIL import Image

    from digitnet.cli import main as cli

    path = tmp_path / "number.png"
    Image.fromarray(SEVENTY_ONE).save(path)
    assert cli(["predict", str(path), "--number"]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"{path}: 71 (7: ") and " 71 (" in line.split("; ")[1]  # the sentence of how sure
    assert cli(["predict", str(path), "--number", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["number"] == "71" and len(record["digits"]) == 2 and 0 < record["confidence"] <= 1


def test_scribbles_are_not_read_as_numbers():
    from digitnet.learning.doodles import loops, tangle, zigzag
    from digitnet.reading.predictor import load_predictor

    predictor, refused = load_predictor(), 0
    for kind in (tangle, loops, zigzag):  # tangles and loops: kinds no model trains on
        for seed in range(4):
            strokes = kind(np.random.default_rng(seed))
            every = np.concatenate(strokes)
            scale = 200 / np.ptp(every, axis=0).max()
            reading = predictor.read_number(canvas([(s - every.min(axis=0)) * scale + (300, 60) for s in strokes]))
            refused += not reading.is_number and len(reading.predictions) == 1 and not reading.predictions[0].is_digit
    assert refused >= 10  # of 12


def test_digits_peaking_in_the_paper_beside_the_ink_keep_their_boxes_in_order():
    from digitnet.reading.number import _cuts

    ink = np.zeros((100, 300), np.float32)
    ink[20:80, 50:250] = 1.0
    strip = ink_strip(ink)
    edges = _cuts(strip, [0, 2, 5])  # frame 0 lies in the paper left of the ink
    assert edges == sorted(edges) and edges[0] == 50 and edges[-1] == 250


def test_a_damaged_reader_names_itself_and_the_command_that_remakes_it(tmp_path):
    from digitnet.storage.checkpoint import CheckpointError

    damaged = tmp_path / "m-numbers.pt"
    damaged.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError) as caught:
        load_number_reader(damaged)
    assert f"train.py numbers --out {damaged} --force" in str(caught.value)
    with pytest.raises(CheckpointError, match=f"train.py numbers --out {tmp_path / 'none-numbers.pt'}`"):
        load_number_reader(tmp_path / "none-numbers.pt")


def test_fusing_two_readings_weighs_each_by_its_power():
    from digitnet.reading.number import fuse

    line, crop = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.1, 0.8])
    np.testing.assert_allclose(fuse(line, crop, 0.0), line, atol=1e-9)
    np.testing.assert_allclose(fuse(line, crop, 1.0), crop, atol=1e-9)
    geometric = np.sqrt(line * crop)
    np.testing.assert_allclose(fuse(line, crop, 0.5), geometric / geometric.sum(), atol=1e-9)


def two_digit_line(bridge: bool, line_probs: list[np.ndarray]):
    """A LineReading of two rings of ink parted at column 150, joined there by a stroke if `bridge`."""
    from digitnet.reading.number import DigitRead, LineReading

    ink = np.zeros((100, 300), np.float32)
    for left in (60, 170):
        ink[20:80, left : left + 70] = 1.0
        ink[28:72, left + 8 : left + 62] = 0.0
    if bridge:
        ink[48:52, 130:170] = 1.0
    strip = ink_strip(ink)
    frames = strip.pixels.shape[1] // FRAME
    digits = [DigitRead(int(p.argmax()), p, cols) for p, cols in zip(line_probs, [(60, 150), (150, 240)], strict=True)]
    return LineReading(digits, 0.9, strip, np.full((frames, 11), -np.log(11), np.float32))


@pytest.mark.parametrize("bridge", [False, True])
def test_a_digit_standing_apart_is_read_by_both_models_and_a_touching_one_mostly_by_the_line(monkeypatch, bridge):
    from digitnet.reading.predictor import _digit_crops, load_predictor

    predictor = load_predictor()
    three_or_eight, one = np.eye(10)[3] * 0.8 + np.eye(10)[8] * 0.2, np.eye(10)[1] * 0.98 + 0.002
    line = two_digit_line(bridge, [three_or_eight, one])
    assert line.apart() == [not bridge, not bridge]
    assert all(crop.any() for crop in _digit_crops(line, line.strip.ink)[0])
    sure_eight = np.eye(10)[8] * 0.99 + 0.001  # the digit model is sure the first crop is an 8
    monkeypatch.setattr(predictor.reader, "read", lambda image, photo=False: line)
    monkeypatch.setattr(predictor, "classify", lambda inputs: (np.stack([sure_eight, one]), np.zeros(len(inputs))))
    reading = predictor.read_number(np.zeros((100, 300), np.float32))
    first = reading.predictions[0]
    assert [p.digit for p in reading.predictions] == ([3, 1] if bridge else [8, 1])
    assert first.probs.argmax() == first.digit and np.isclose(first.probs.sum(), 1)  # the chart agrees
    assert 0 < reading.confidence <= first.confidence * reading.predictions[1].confidence + 1e-9


def test_a_rooms_model_reads_numbers_with_the_servers_reader():
    from digitnet.constants import checkpoint_path
    from digitnet.reading.predictor import load_predictor, predictor_from_bytes

    server = load_predictor()
    room = predictor_from_bytes(checkpoint_path(None).read_bytes(), "room", server.reader)
    strokes = [np.array([[100, 60], [160, 60], [120, 220]]), np.array([[200, 60], [200, 220]])]  # 7 touching 1
    strokes.append(np.array([[160, 140], [200, 140]]))
    number = canvas(strokes)
    ours, theirs = room.read_number(number), server.read_number(number)
    assert [p.digit for p in ours.predictions] == [p.digit for p in theirs.predictions]
    assert ours.confidence == pytest.approx(theirs.confidence)  # read by the line, not cut into digits


def test_a_cut_at_the_pictures_right_edge_and_a_line_of_no_digits_have_their_places():
    from digitnet.reading.number import DigitRead, LineReading

    ink = np.zeros((12, 40), np.float32)
    ink[2:10, 10:40] = 1.0  # small ink touching the right edge: a cut can round to the picture's width
    strip, probs = ink_strip(ink), np.full(10, 0.1)
    frames = np.zeros((strip.pixels.shape[1] // FRAME, 11), np.float32)
    line = LineReading([DigitRead(1, probs, (10, 40)), DigitRead(1, probs, (40, 40))], 0.5, strip, frames)
    assert line.apart() == [False, False]
    assert LineReading([], 0.0, strip, frames).apart() == []


def test_the_misses_bench_averages_two_digit_models_as_the_geometric_mean_of_their_probabilities(tmp_path):
    def reads(digit: int, name: str):
        logits = [0.0] * 11
        logits[digit] = 3.0
        return load_predictor(constant_checkpoint(tmp_path / name, logits, {"doubt_threshold": 0.5}))

    fours, sevens = reads(4, "fours.pt"), reads(7, "sevens.pt")
    probs = averaged(fours, sevens).probabilities(np.zeros((1, 28, 28), np.float32))[0]
    expected = softmax(np.array([0.0] * 4 + [1.5, 0.0, 0.0, 1.5, 0.0, 0.0]))  # the mean of the two models' logits
    np.testing.assert_allclose(probs, expected, atol=1e-6)
    assert fours.probabilities(np.zeros((1, 28, 28), np.float32))[0].argmax() == 4  # the first model unchanged


class ScriptedReader:
    """A stand-in for a Predictor: reads picture k as scripted, with the digit model or (weights 0) without."""

    def __init__(self, script: dict[int, tuple[list[int], list[int]]]) -> None:
        self.script = script  # picture k -> (digits read by both models, digits read by the line reader alone)
        self.reader = SimpleNamespace(weights=(0.5, 0.15))

    def read_number(self, image: np.ndarray) -> NumberReading:
        fused, alone = self.script[int(image[0, 0])]
        digits = alone if self.reader.weights == (0.0, 0.0) else fused
        probs = [np.eye(10)[d] * 0.6 + np.eye(10)[4] * 0.3 + 0.01 for d in digits]  # each digit first, 4 second
        return NumberReading([Prediction(d, p, np.ones((28, 28))) for d, p in zip(digits, probs, strict=True)], 0.9)

    def probabilities(self, inputs28: np.ndarray) -> np.ndarray:
        return np.tile(np.eye(10)[4], (len(inputs28), 1))  # the digit model alone reads every crop as a 4


def test_the_misses_bench_sorts_a_wrong_count_from_a_misread_digit_and_asks_each_model():
    script = {0: ([1, 2], [1, 2]), 1: ([1], [1]), 2: ([3, 9], [3, 4])}
    truths = {0: [1, 2], 1: [1, 2], 2: [3, 4]}
    found = misses(ScriptedReader(script), [(np.full((2, 2), k), truths[k]) for k in script])
    assert (found.wrong_count, found.misread, found.digits) == (1, 1, 4)  # 4: the digits of pictures 0 and 2
    assert found.tally == Counter(
        {"digits": 1, "line alone right": 1, "digit model alone right": 1, "right one second": 1}
    )
    assert found.confusions == Counter({(4, 9): 1})
    assert [read for _, _, read in found.wrong] == [[1], [3, 9]]
