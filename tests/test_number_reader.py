"""The number reader: its shapes, greedy CTC decoding, the strip it reads, its training entry and its readings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from digitnet.number_model import BLANK, FRAME, NumberConfig, NumberNet, greedy_path, sequence_log_prob
from digitnet.reading.number import load_number_reader
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
