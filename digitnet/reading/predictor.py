"""Read digits with a trained checkpoint: images in, calibrated probabilities out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from digitnet.constants import IMAGE_SIZE, NOT_A_DIGIT, NUM_CLASSES, checkpoint_path
from digitnet.model import DigitNet, FusedDigitNet, normalize, softmax
from digitnet.reading.number import LineReading, NumberReader, load_number_reader
from digitnet.reading.pixels import NOISE_LEVEL, EmptyImageError
from digitnet.reading.preprocess import preprocess
from digitnet.reading.segment import PAD, Segmentation, in_image, segment_digits
from digitnet.storage.checkpoint import build_model, checkpoint_from_bytes, number_reader_path, read_checkpoint


@dataclass(frozen=True)
class Prediction:
    """What the model read: the digit, every digit's probability, the 28x28 input it saw, and whether it is one."""

    digit: int
    probs: np.ndarray  # (10,) calibrated, sums to 1: the digits' probabilities, as if it were a digit
    input28: np.ndarray  # (28, 28) float32 in [0, 1], white ink on black
    box: tuple[int, int, int, int] | None = None  # (top, bottom, left, right) in the image, for numbers
    is_digit: bool = True  # False when the drawing looks like no digit (models with the "not a digit" class)

    @property
    def confidence(self) -> float:
        """Probability of the predicted digit."""
        return float(self.probs[self.digit])

    def runner_up(self) -> int:
        """The second most likely digit."""
        return int(np.argsort(self.probs)[-2])


@dataclass(frozen=True)
class NumberReading:
    """A number read: its digits left to right (or one piece that is no number), how sure, and dots left out."""

    predictions: list[Prediction]
    confidence: float  # probability that the whole reading is right
    is_number: bool = True  # False: the line as a whole looks like no number (its one piece is not a digit)
    ignored: int = 0  # dots too small to be a digit (the cutting segmenter's; the line reader reads them)


class Predictor:
    """A trained DigitNet on the CPU with its calibration temperature, and the number reader trained for it."""

    def __init__(
        self, model: DigitNet, temperature: float, metadata: dict, version: str, reader: NumberReader | None = None
    ) -> None:
        self.model = FusedDigitNet(model.eval())  # batch norm folded in: same answers, a third faster
        self.temperature = temperature
        self.metadata = metadata
        self.version = version  # first 12 hex digits of the checkpoint file's SHA-256
        self.reader = reader  # None: numbers are cut into digits by reading/segment.py

    @property
    def doubt_threshold(self) -> float:
        """Top probability below which the page says it is not sure (chosen on validation data)."""
        return float(self.metadata["doubt_threshold"])

    @property
    def not_digit_threshold(self) -> float | None:
        """Probability of "not a digit" at or above which a drawing is refused; None if this model never refuses."""
        if not self.model.config.reject_class or "not_digit_threshold" not in self.metadata:
            return None
        return float(self.metadata["not_digit_threshold"])

    def probabilities(self, inputs28: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (N, 10) for preprocessed inputs (N, 28, 28) in [0, 1]."""
        return self.classify(inputs28)[0]

    @torch.inference_mode()
    def logits(self, inputs28: np.ndarray) -> np.ndarray:
        """Calibrated logits (N, 10 or 11) for preprocessed inputs (N, 28, 28) in [0, 1]."""
        # numpy for everything around the network: for one digit, each torch call costs more than its arithmetic
        batch = torch.from_numpy(normalize(np.asarray(inputs28, dtype=np.float32)))[:, None]
        return self.model(batch).numpy().astype(np.float64) / self.temperature

    def classify(self, inputs28: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The digits' probabilities (N, 10) and the probability (N,) of "not a digit" (0 without that class).

        The digits' probabilities are a softmax over their ten logits alone, so they keep their
        meaning (and calibration) whatever the 11th says; "not a digit" is its share of all eleven.
        """
        logits = self.logits(inputs28)
        digits = softmax(logits[:, :NUM_CLASSES])
        if logits.shape[1] <= NOT_A_DIGIT:
            return digits, np.zeros(len(digits))
        return digits, softmax(logits)[:, NOT_A_DIGIT]

    def predict(self, image: np.ndarray | Image.Image) -> Prediction:
        """Read one digit; raises EmptyImageError if the image holds none."""
        return self._predictions([preprocess(image)])[0]

    def predict_batch(self, images: Sequence[np.ndarray | Image.Image]) -> list[Prediction]:
        """Read many digits in one forward pass; raises EmptyImageError naming the first blank image."""
        inputs = []
        for index, image in enumerate(images):
            try:
                inputs.append(preprocess(image))
            except EmptyImageError as error:
                raise EmptyImageError(f"Image {index}: {error}") from error
        return self._predictions(inputs) if inputs else []

    def predict_inputs(self, inputs28: np.ndarray) -> list[Prediction]:
        """Read inputs that are already 28x28 model inputs in [0, 1] (MNIST as stored, preprocessed drawings)."""
        return self._predictions(list(inputs28)) if len(inputs28) else []

    def predict_segments(self, segmentation: Segmentation) -> list[Prediction]:
        """Read each digit of a segmented number, left to right, each with its box; pieces with no digit shape
        (a sliver cut off a stroke) are left out."""
        inputs, readable = readable_inputs(segmentation.crops)
        if not inputs:
            raise EmptyImageError("No digit could be read: write the number larger.")
        return self._predictions(inputs, [segmentation.boxes[i] for i in readable])

    def digit_scores(self, crops: list[np.ndarray]) -> np.ndarray:
        """Log-probability of the likeliest digit for each ink crop (-inf where there is no digit shape)."""
        scores = np.full(len(crops), -np.inf)
        inputs, readable = readable_inputs(crops)
        if inputs:
            scores[readable] = np.log(self.probabilities(np.stack(inputs)).max(axis=1))
        return scores

    def segment(self, image: np.ndarray | Image.Image, photo: bool = False) -> Segmentation:
        """Split a drawn number (`photo`: a photo of one) into digits, cutting touching digits where this model
        reads both halves best."""
        return segment_digits(image, self.digit_scores, photo)

    def _predictions(self, inputs: list[np.ndarray], boxes: list | None = None) -> list[Prediction]:
        """Predictions for preprocessed inputs, in one forward pass."""
        all_probs, not_digit = self.classify(np.stack(inputs))
        threshold = self.not_digit_threshold
        refused = not_digit >= threshold if threshold is not None else np.zeros(len(inputs), bool)
        boxes = boxes or [None] * len(inputs)
        return [
            Prediction(int(p.argmax()), p, x, b, is_digit=not r)
            for p, x, b, r in zip(all_probs, inputs, boxes, refused, strict=True)
        ]

    def predict_number(self, image: np.ndarray | Image.Image, photo: bool = False) -> list[Prediction]:
        """Read a drawn number (`photo`: a photo of one) of one or more digits, left to right; raises
        EmptyImageError if blank."""
        return self.read_number(image, photo).predictions

    def read_number(self, image: np.ndarray | Image.Image, photo: bool = False) -> NumberReading:
        """Read a drawn number (`photo`: a photo of one) with the line reader, or without one by cutting it into
        digits; raises EmptyImageError if blank."""
        if self.reader is None:
            segmentation = self.segment(image, photo)
            predictions = self.predict_segments(segmentation)
            confidence = float(np.prod([p.confidence if p.is_digit else 0.0 for p in predictions]))
            return NumberReading(predictions, confidence, ignored=segmentation.ignored)
        line = self.reader.read(image, photo)
        crops, boxes = _digit_crops(line, image)
        crop_probs, not_digit = self.classify(np.stack(crops)) if crops else (np.zeros((0, NUM_CLASSES)), [])
        if self._is_number(line.confidence, not_digit):
            probs = line.fused(crop_probs, [bool(c.any()) for c in crops], self.reader.weights)
            digits = [int(p.argmax()) for p in probs]
            # as sure as the less sure of the whole line's reading and its digits' own
            own = float(np.prod([p[d] for p, d in zip(probs, digits, strict=True)]))
            unchanged = digits == [d.digit for d in line.digits]  # then CTC's probability is the line's own
            confidence = min(line.confidence if unchanged else line.probability(digits), own)
            read = zip(digits, probs, crops, boxes, strict=True)
            return NumberReading([Prediction(d, p, c, b) for d, p, c, b in read], confidence)
        ink = line.strip.ink
        top, bottom, left, right = line.strip.box
        whole = self._predictions([_digit_input(ink[top:bottom, left:right])], [line.strip.box])[0]
        return NumberReading([replace(whole, is_digit=False)], line.confidence, is_number=False)

    def _is_number(self, confidence: float, not_digit: Sequence[float]) -> bool:
        """Whether a line read as digits whose crops are "not a digit" with these probabilities is a number: the
        line reader reads digits with at least its threshold's probability, and a line read as one digit is not
        refused by the digit model (trained on far more scribbles; it refuses crops cut from touching digits too
        often to judge longer numbers)."""
        if not len(not_digit) or confidence < self.reader.not_number_threshold:
            return False
        threshold = self.not_digit_threshold
        return threshold is None or len(not_digit) > 1 or not_digit[0] < threshold


def _digit_crops(line: LineReading, image: np.ndarray | Image.Image) -> tuple[list[np.ndarray], list[tuple]]:
    """Each digit's 28x28 input, cut from the line's ink between its columns, and its box in the image."""
    ink = line.strip.ink
    crops, boxes = [], []
    for read in line.digits:
        left, right = read.columns
        rows = np.flatnonzero(ink[:, left:right].max(axis=1, initial=0) > NOISE_LEVEL)
        top, bottom = (int(rows[0]), int(rows[-1]) + 1) if len(rows) else line.strip.box[:2]
        crops.append(_digit_input(ink[top:bottom, left:right]))
        boxes.append(in_image((top, bottom, left, right), ink.shape, image))
    return crops, boxes


def _digit_input(ink: np.ndarray) -> np.ndarray:
    """The 28x28 input of a digit's ink crop (blank if it holds no digit shape): the picture the page shows."""
    try:
        return preprocess(np.pad(ink, PAD))
    except EmptyImageError:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)


def readable_inputs(crops: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
    """Preprocessed inputs of the crops (or pictures) that hold a digit shape, and which ones those were."""
    inputs, readable = [], []
    for index, crop in enumerate(crops):
        try:
            inputs.append(preprocess(crop))
        except EmptyImageError:
            continue
        readable.append(index)
    return inputs, readable


def load_predictor(path: str | Path | None = None) -> Predictor:
    """Load a checkpoint (default: $DIGITNET_CHECKPOINT, else the committed one) into a CPU Predictor.

    Raises CheckpointError with a message for people if the file is missing, damaged or unsafe. Torch's
    thread count is the caller's to choose (the app and the CLI read with one thread).
    """
    path = checkpoint_path(path)
    reader_path = number_reader_path(path)
    reader = load_number_reader(reader_path) if reader_path.is_file() else None
    return _predictor(*read_checkpoint(path), str(path), reader)


def predictor_from_bytes(data: bytes, name: str, reader: NumberReader | None = None) -> Predictor:
    """A CPU Predictor from a checkpoint's bytes (a room's model, kept in the database), called `name` in errors.

    It reads numbers with `reader` (the server's will do: the line reader reads the ink whatever digit model
    checks its digits), else by cutting them.
    """
    return _predictor(*checkpoint_from_bytes(data, name), name, reader)


def _predictor(checkpoint: dict, version: str, name: str, reader: NumberReader | None = None) -> Predictor:
    """The Predictor of a checkpoint dict read from `name`."""
    model = build_model(checkpoint, name)
    return Predictor(model, checkpoint["temperature"], checkpoint["metadata"], version, reader)
