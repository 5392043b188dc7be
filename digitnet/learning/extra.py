"""Drawings people corrected, as training data: loading them safely, and a held-out part that stays put."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from digitnet.constants import IMAGE_SIZE, NOT_A_DIGIT
from digitnet.reading.images import MAX_FILE_BYTES, ImageDecodeError, decode_image
from digitnet.reading.pixels import from_uint8, to_uint8
from digitnet.storage.corrections import CorrectionStore

if TYPE_CHECKING:  # the training run passes its models in; loading one is not this module's job
    from digitnet.reading.predictor import Predictor

HELD_OUT = 0.2  # share of the collected drawings kept aside to measure before and after
EXPORT_HINT = "digitnet corrections export"


class ExtraDataError(ValueError):
    """Collected drawings that cannot be used; the message names the bad entry, in one line."""


def load_extra(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Collected drawings as (N, 1, 28, 28) inputs in [0, 1] and labels, from the database or its export zip."""
    if Path(path).suffix == ".zip":
        images, labels = _read_zip(Path(path))
    else:
        if not Path(path).is_file():
            raise FileNotFoundError(f"No collected drawings at {path}.")
        drawings = CorrectionStore(path).records()
        images = [d.input28 for d in drawings]
        labels = [d.label for d in drawings]
    stacked = np.stack(images) if images else np.zeros((0, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    return torch.from_numpy(stacked).unsqueeze(1), torch.tensor(labels, dtype=torch.long)


def _read_zip(path: Path) -> tuple[list[np.ndarray], list[int]]:
    """The 28x28 inputs and labels of an export zip, each picture read like an upload; ExtraDataError if bad."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise ExtraDataError(f"{path} is not a zip that can be read ({error}).") from error
    with archive:
        try:
            rows = list(csv.DictReader(io.StringIO(_member(archive, "labels.csv", path).decode())))
        except (UnicodeDecodeError, csv.Error) as error:
            raise ExtraDataError(f"{path}: labels.csv is not a readable table ({error}).") from error
        images, labels = [], []
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            entry = f"{path}, labels.csv line {line}"
            label = str(row.get("label")).strip()
            if label not in {str(digit) for digit in range(NOT_A_DIGIT + 1)}:
                wanted = f"a digit from 0 to 9 nor {NOT_A_DIGIT} (not a digit)"
                raise ExtraDataError(f"{entry}: the label {row.get('label')!r} is neither {wanted}.")
            images.append(_input28(_member(archive, f"input28/{row.get('id')}.png", path), entry))
            labels.append(int(label))
    return images, labels


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """One file of the zip, refused before decompressing if it claims to be larger than an upload may be."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ExtraDataError(f"{path} has no {name}: make the zip with `{EXPORT_HINT}`.") from None
    if info.file_size > MAX_FILE_BYTES:
        raise ExtraDataError(f"{path}: {name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    try:
        return archive.read(info)
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ExtraDataError(f"{path}: {name} is damaged ({error}).") from error


def _input28(data: bytes, entry: str) -> np.ndarray:
    """A 28x28 gray input from PNG bytes, through the same safe reader as uploads."""
    try:
        picture = decode_image(data, "its picture")
    except ImageDecodeError as error:
        raise ExtraDataError(f"{entry}: {error}") from error
    if picture.size != (IMAGE_SIZE, IMAGE_SIZE):
        width, height = picture.size
        raise ExtraDataError(f"{entry}: its picture is {width}x{height} pixels, not {IMAGE_SIZE}x{IMAGE_SIZE}.")
    return from_uint8(np.asarray(picture.convert("L")))


def is_held_out(input28: torch.Tensor, salt: int = 0) -> bool:
    """Whether a drawing is kept aside, from a hash of its pixels: it stays on its side as more are collected."""
    pixels = to_uint8(input28.numpy()).tobytes()
    digest = hashlib.sha256(salt.to_bytes(8, "little") + pixels).digest()
    return int.from_bytes(digest[:8], "little") < HELD_OUT * 2**64


def split_extra(
    data: tuple[torch.Tensor, torch.Tensor], seed: int
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(training part, held-out part) of the collected drawings; `seed` salts the hash that chooses."""
    images, labels = data
    held = torch.tensor([is_held_out(image, seed) for image in images], dtype=torch.bool)
    return (images[~held], labels[~held]), (images[held], labels[held])


def held_out_scores(predictor: Predictor, splits: dict) -> dict[str, float | None]:
    """Accuracy on MNIST validation and test and the held-out collected digits, and the share refused of the
    held-out collected drawings people said are no digit."""
    scores = {}
    for name in ("val", "test", "extra_held"):
        if name in splits:
            images, labels = splits[name]
            scores[name] = float((predictor.probabilities(images[:, 0].numpy()).argmax(1) == labels.numpy()).mean())
    if "extra_held_negatives" in splits:
        readings = predictor.predict_inputs(splits["extra_held_negatives"][0][:, 0].numpy())
        scores["extra_held_negatives_refused"] = float(np.mean([not reading.is_digit for reading in readings]))
    return scores
