"""Read digits with a trained checkpoint: images in, calibrated probabilities out."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from digitnet.checkpoint import build_model, load_checkpoint
from digitnet.constants import NUM_CLASSES, checkpoint_path
from digitnet.model import DigitNet, normalize
from digitnet.preprocess import EmptyImageError, preprocess
from digitnet.segment import Segmentation, segment_digits


@dataclass(frozen=True)
class Prediction:
    """What the model read: the digit, every class's probability, and the 28x28 input it saw."""

    digit: int
    probs: np.ndarray  # (10,) calibrated, sums to 1
    input28: np.ndarray  # (28, 28) float32 in [0, 1], white ink on black
    box: tuple[int, int, int, int] | None = None  # (top, bottom, left, right) in the image, for numbers

    @property
    def confidence(self) -> float:
        """Probability of the predicted digit."""
        return float(self.probs[self.digit])

    def runner_up(self) -> int:
        """The second most likely digit."""
        return int(np.argsort(self.probs)[-2])


class Predictor:
    """A trained DigitNet on the CPU with its calibration temperature."""

    def __init__(self, model: DigitNet, temperature: float, metadata: dict, version: str) -> None:
        self.model = model.eval()
        self.temperature = temperature
        self.metadata = metadata
        self.version = version  # first 12 hex digits of the checkpoint file's SHA-256

    @property
    def doubt_threshold(self) -> float:
        """Top probability below which the page says it is not sure (chosen on validation data)."""
        return float(self.metadata["doubt_threshold"])

    @torch.inference_mode()
    def probabilities(self, inputs28: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (N, 10) for preprocessed inputs (N, 28, 28) in [0, 1]."""
        batch = torch.from_numpy(np.ascontiguousarray(inputs28, dtype=np.float32)).unsqueeze(1)
        logits = self.model(normalize(batch))[:, :NUM_CLASSES]  # the digits' logits, without "not a digit"
        return torch.softmax(logits / self.temperature, dim=1).double().numpy()

    def predict(self, image: np.ndarray | Image.Image) -> Prediction:
        """Read one digit; raises EmptyImageError if the image holds none."""
        return self._read([preprocess(image)])[0]

    def predict_batch(self, images: Sequence[np.ndarray | Image.Image]) -> list[Prediction]:
        """Read many digits in one forward pass; raises EmptyImageError naming the first blank image."""
        inputs = []
        for index, image in enumerate(images):
            try:
                inputs.append(preprocess(image))
            except EmptyImageError as error:
                raise EmptyImageError(f"Image {index}: {error}") from error
        return self._read(inputs) if inputs else []

    def predict_segments(self, segmentation: Segmentation) -> list[Prediction]:
        """Read each digit of a segmented number, left to right, each with its box; pieces with no digit shape
        (a sliver cut off a stroke) are left out."""
        inputs, readable = _readable_inputs(segmentation.crops)
        if not inputs:
            raise EmptyImageError("No digit could be read: write the number larger.")
        return self._read(inputs, [segmentation.boxes[i] for i in readable])

    def digit_scores(self, crops: list[np.ndarray]) -> np.ndarray:
        """Log-probability of the likeliest digit for each ink crop (-inf where there is no digit shape)."""
        scores = np.full(len(crops), -np.inf)
        inputs, readable = _readable_inputs(crops)
        if inputs:
            scores[readable] = np.log(self.probabilities(np.stack(inputs)).max(axis=1))
        return scores

    def segment(self, image: np.ndarray | Image.Image, photo: bool = False) -> Segmentation:
        """Split a drawn number (`photo`: a photo of one) into digits, cutting touching digits where this model
        reads both halves best."""
        return segment_digits(image, self.digit_scores, photo)

    def _read(self, inputs: list[np.ndarray], boxes: list | None = None) -> list[Prediction]:
        """Predictions for preprocessed inputs, in one forward pass."""
        all_probs = self.probabilities(np.stack(inputs))
        boxes = boxes or [None] * len(inputs)
        return [Prediction(int(p.argmax()), p, x, b) for p, x, b in zip(all_probs, inputs, boxes, strict=True)]

    def predict_number(self, image: np.ndarray | Image.Image, photo: bool = False) -> list[Prediction]:
        """Read a drawn number (`photo`: a photo of one) of one or more digits, left to right; raises
        EmptyImageError if blank."""
        return self.predict_segments(self.segment(image, photo))


def _readable_inputs(crops: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
    """Preprocessed inputs of the crops that hold a digit shape, and which crops those were."""
    inputs, readable = [], []
    for index, crop in enumerate(crops):
        try:
            inputs.append(preprocess(crop))
        except EmptyImageError:
            continue
        readable.append(index)
    return inputs, readable


def file_version(path: Path) -> str:
    """Short content hash identifying a checkpoint file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def load_predictor(path: str | Path | None = None, threads: int | None = 1) -> Predictor:
    """Load a checkpoint (default: $DIGITNET_CHECKPOINT, else the committed one) into a CPU Predictor.

    `threads` sets torch's CPU threads for the process (None leaves them): one digit is too small a job
    to split, and extra threads spinning beside a web server and a browser made a read 20-70x slower.
    Raises CheckpointError with a message for people if the file is missing, damaged or unsafe.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    path = checkpoint_path(path)
    checkpoint = load_checkpoint(path)
    model = build_model(checkpoint, path)
    return Predictor(model, checkpoint["temperature"], checkpoint["metadata"], file_version(path))
