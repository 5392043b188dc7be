"""Read a whole line of ink as a number: the CRNN's frames, decoded greedily, each digit placed where it peaks."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from digitnet.constants import NUM_CLASSES, RETRAIN_HINT
from digitnet.model import softmax
from digitnet.number_model import FRAME, NumberConfig, NumberNet, greedy_path, sequence_log_prob
from digitnet.reading.pixels import NOISE_LEVEL
from digitnet.reading.strip import SIDE_PAD, Strip, picture_strip
from digitnet.storage.checkpoint import read_checkpoint, rebuild_model


@dataclass(frozen=True)
class DigitRead:
    """One digit of a line: what it is, its ten probabilities at the frame where it peaks, its columns."""

    digit: int
    probs: np.ndarray  # (10,) the peak frame's digit probabilities, renormalised without the blank
    columns: tuple[int, int]  # (left, right) in the picture, right exclusive


# How much the digit model's reading of a digit's own crop weighs against the line reader's peak frame, in a
# product of the two (log-linear). A digit with paper on both sides is cut cleanly and the digit model, trained
# on far more single digits, reads it at least as well; a crop cut from touching ink holds parts of its
# neighbours. Chosen on the choosing writers (docs/numbers.md).
APART_WEIGHT = 0.5
TOUCHING_WEIGHT = 0.15


@dataclass(frozen=True)
class LineReading:
    """A line read: its digits left to right, the probability of the whole reading, and the strip it was read on."""

    digits: list[DigitRead]
    confidence: float
    strip: Strip
    log_probs: np.ndarray  # (T, 11) each frame's log-probabilities, for the probability of another reading

    def apart(self) -> list[bool]:
        """Whether each digit has paper on both sides: no ink in the picture columns where it is cut from its
        neighbours."""
        ink = self.strip.ink
        last = ink.shape[1] - 1  # a cut may round to the ink's right edge, which can be the picture's
        cuts = [min(d.columns[0], last) for d in self.digits[1:]]
        paper = [True, *(bool(ink[:, c].max() <= NOISE_LEVEL) for c in cuts), True]
        return [left and right for left, right in pairwise(paper)][: len(self.digits)]

    def fused(self, crop_probs: np.ndarray, readable: list[bool], weights: tuple[float, float]) -> list[np.ndarray]:
        """Each digit's ten probabilities from both readings: its peak frame's and the digit model's `crop_probs`
        (N, 10) of its crop (not where the crop holds no digit shape: `readable` False), the digit model's to
        the power `weights` (where the digit stands apart, where it touches a neighbour)."""
        apart_weight, touching_weight = weights
        weights = [apart_weight if apart else touching_weight for apart in self.apart()]
        read = zip(self.digits, crop_probs, weights, readable, strict=True)
        return [fuse(d.probs, probs, weight * ok) for d, probs, weight, ok in read]

    def probability(self, digits: list[int]) -> float:
        """The line reader's probability that the line reads `digits` (summed over every alignment)."""
        return float(np.exp(sequence_log_prob(torch.from_numpy(self.log_probs), digits)))


def fuse(line_probs: np.ndarray, crop_probs: np.ndarray, weight: float) -> np.ndarray:
    """One digit's ten probabilities from two readings, the line reader's and the digit model's of its crop,
    multiplied with the digit model's to the power `weight` and the line reader's to 1 - `weight`."""
    return softmax((1 - weight) * np.log(line_probs + 1e-12) + weight * np.log(crop_probs + 1e-12))


class NumberReader:
    """A trained NumberNet on the CPU with its temperature and its "not a number" threshold."""

    def __init__(self, model: NumberNet, temperature: float, metadata: dict) -> None:
        self.model = model.eval()
        self.temperature = temperature
        self.metadata = metadata
        self.weights = (APART_WEIGHT, TOUCHING_WEIGHT)  # the digit model's say in each digit; (0, 0): none

    @property
    def not_number_threshold(self) -> float:
        """Probability of a reading below which the line is called no number (chosen on the choosing writers)."""
        return float(self.metadata.get("not_number_threshold", 0.0))

    @torch.inference_mode()
    def read(self, image: np.ndarray | Image.Image, photo: bool = False) -> LineReading:
        """Read a drawn number (`photo`: a photo of one); EmptyImageError if nothing is drawn."""
        strip = picture_strip(image, photo)
        logits = self.model(torch.from_numpy(strip.pixels)[None, None])[0] / self.temperature
        log_probs = logits.log_softmax(-1)
        probs = log_probs.exp().numpy()
        path = greedy_path(probs)
        confidence = float(np.exp(sequence_log_prob(log_probs, [d for d, _, _ in path])))
        peaks = [first + int(probs[first : last + 1, d].argmax()) for d, first, last in path]
        edges = _cuts(strip, peaks)
        digits = [
            DigitRead(d, probs[t, :NUM_CLASSES] / probs[t, :NUM_CLASSES].sum(), (edges[k], edges[k + 1]))
            for k, ((d, _, _), t) in enumerate(zip(path, peaks, strict=True))
        ]
        return LineReading(digits, confidence, strip, log_probs.numpy())


def _cuts(strip: Strip, peaks: list[int]) -> list[int]:
    """Picture columns that part the digits peaking at `peaks` (frames): the ink's edges, and between two
    neighbours the strip column with the least ink (where touching digits meet)."""
    ink = strip.pixels.sum(axis=0)
    # a peak may fall in the paper beside the ink: the cuts stay within the ink's columns, so boxes stay in order
    first, last = SIDE_PAD, strip.pixels.shape[1] - SIDE_PAD
    centres = [int(np.clip(t * FRAME + FRAME // 2, first, last)) for t in peaks]
    inner = [a + int(ink[a:b].argmin()) if b > a else a for a, b in pairwise(centres)]
    return [strip.box[2], *(strip.to_picture(c) for c in inner), strip.box[3]]


def load_number_reader(path: str | Path) -> NumberReader:
    """The number reader saved at `path`; CheckpointError with advice if it is missing, damaged or unsafe."""
    path = Path(path)
    # the reader's name is set by the digit model's beside it, so it is retrained in place, not into a new file
    retrain = f"Train a new one with `{RETRAIN_HINT} numbers --out {path}{' --force' * path.exists()}`."
    checkpoint, _version = read_checkpoint(path, retrain)
    model = rebuild_model(checkpoint, path, NumberNet, NumberConfig, retrain=retrain)
    return NumberReader(model, checkpoint["temperature"], checkpoint["metadata"])
