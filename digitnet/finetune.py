"""Drawings people corrected, as training data: loading, a held-out part, and the before/after check."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from digitnet.feedback import FeedbackStore

HELD_OUT = 0.2  # share of the collected drawings kept aside to measure before and after
MAX_VAL_DROP = 0.001  # a new model may lose at most 0.1 points of MNIST validation accuracy


class RefusedError(RuntimeError):
    """The new model is worse on MNIST validation than the one it would replace; nothing was written."""


def load_extra(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Collected drawings as (N, 1, 28, 28) inputs in [0, 1] and labels, from the database or its export zip."""
    if Path(path).suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            rows = list(csv.DictReader(io.StringIO(archive.read("labels.csv").decode())))
            pixels = [np.asarray(Image.open(io.BytesIO(archive.read(f"input28/{r['id']}.png")))) for r in rows]
        images = np.stack(pixels).astype(np.float32) / 255 if rows else np.zeros((0, 28, 28), np.float32)
        labels = [int(r["label"]) for r in rows]
    else:
        if not Path(path).is_file():
            raise FileNotFoundError(f"No collected drawings at {path}.")
        drawings = FeedbackStore(path).records()
        images = np.stack([d.input28 for d in drawings]) if drawings else np.zeros((0, 28, 28), np.float32)
        labels = [d.label for d in drawings]
    return torch.from_numpy(images).unsqueeze(1), torch.tensor(labels, dtype=torch.long)


def split_extra(
    data: tuple[torch.Tensor, torch.Tensor], seed: int
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(training part, held-out part) of the collected drawings, split the same way every run."""
    images, labels = data
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    held = order[: round(HELD_OUT * len(images))]
    kept = order[len(held) :]
    return (images[kept], labels[kept]), (images[held], labels[held])


def accuracy(probs: np.ndarray, labels: torch.Tensor) -> float | None:
    """Share read right, or None for an empty set."""
    return float((probs.argmax(1) == labels.numpy()).mean()) if len(labels) else None
