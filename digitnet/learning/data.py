"""Datasets as in-memory tensors: MNIST (train, validation, test) and rendered pen-drawn digits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from digitnet.constants import DATA_ENV_VAR, DEFAULT_DATA_DIR, NOT_A_DIGIT, path_setting
from digitnet.learning.augment import StrokeAugmentConfig, distort_strokes
from digitnet.learning.strokes import (
    CHARACTERS_FILE,
    PENDIGITS_FILE,
    UNIPEN_FILE,
    PenCharacter,
    PenDigit,
    draw_strokes,
    parse_pendigits,
    parse_unipen,
    parse_unipen_character,
    place_drawing,
    random_placement,
    split_unipen,
    writer_roles,
)
from digitnet.reading.pixels import EmptyImageError
from digitnet.reading.preprocess import preprocess


@dataclass(frozen=True)
class DataConfig:
    """Where the data lives and how it is split."""

    data_dir: Path = DEFAULT_DATA_DIR
    val_size: int = 5000  # held out from MNIST's training set, for choosing and calibrating
    split_seed: int = 0  # fixed, so every run validates on the same images
    drawn_copies: int = 2  # renderings of each training writer's pen digit per run (0: MNIST only)
    drawn_canvas: int = 200  # canvas side for those renderings, in pixels
    stroke_augment: bool = True  # distort each rendering's strokes (StrokeAugmentConfig) before drawing
    negatives: int = 12000  # drawings that are no digit, trained as "not a digit" (0: none, ten outputs)
    real_negatives: float = 0.5  # share of them that are real letters and symbols (letters.py), the rest generated


def resolve_data_dir(flag: str | Path | None) -> Path:
    """The data root: the flag if given, else $DIGITNET_DATA, else ./data (downloaded on first use)."""
    return path_setting(flag, DATA_ENV_VAR, DEFAULT_DATA_DIR)


def load_mnist(data_dir: Path, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images as float (N, 1, 28, 28) in [0, 1] and labels as int64 (N,)."""
    from torchvision.datasets import MNIST  # imported here: the app never needs torchvision

    try:
        dataset = MNIST(str(data_dir), train=train, download=True)
    except (RuntimeError, OSError) as error:  # offline, torchvision says so in a page of text: one line instead
        raise FileNotFoundError(
            f"No MNIST at {Path(data_dir) / 'MNIST' / 'raw'}, and downloading it failed (no network?). Put MNIST's "
            f"four files there, or point --data-dir or ${DATA_ENV_VAR} at a data root that has MNIST/raw."
        ) from error
    return dataset.data.unsqueeze(1).float() / 255.0, dataset.targets.long()


def split_validation(
    images: torch.Tensor, labels: torch.Tensor, size: int, seed: int
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Split off a fixed random validation set: ((train_x, train_y), (val_x, val_y))."""
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    val, train = order[:size], order[size:]
    return (images[train], labels[train]), (images[val], labels[val])


PENDIGITS_SOURCE = "https://archive.ics.uci.edu/dataset/81/pen+based+recognition+of+handwritten+digits"


def load_pendigits(data_dir: Path, writers: range) -> list[PenDigit]:
    """The pen-drawn digits of the given writers; FileNotFoundError says where to get them."""
    path = data_dir / PENDIGITS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"No pen-drawn digits at {path}. Get pendigits-orig.tra from {PENDIGITS_SOURCE} "
            "(uncompress it) and put it there, or train on MNIST alone with --drawn-copies 0."
        )
    return [d for d in parse_pendigits(path) if d.writer in writers]


UNIPEN_SOURCE = "https://doi.org/10.5281/zenodo.1195803"


def load_unipen(data_dir: Path, role: str) -> list[PenDigit]:
    """UNIPEN digits of one role ("fit", "tune" or "test", see strokes.split_unipen); [] if the file is absent."""
    path = data_dir / UNIPEN_FILE
    if not path.is_file():
        return []
    digits, _refused = parse_unipen(path)
    return split_unipen(digits)[role]


@lru_cache(maxsize=2)
def _characters_by_role(path: Path, digits_path: Path) -> dict[str, list[PenCharacter]]:
    """The letters file split by role, each writer of the digits file keeping their role there."""
    characters, _refused = parse_unipen(path, parse_unipen_character)
    digits = parse_unipen(digits_path)[0] if digits_path.is_file() else []
    return split_unipen(characters, writer_roles(split_unipen(digits)))


def load_characters(data_dir: Path, role: str) -> list[PenCharacter]:
    """UNIPEN letters and symbols of one role ("fit", "tune" or "test"), a person who also wrote digits in the
    digits' role; [] if the file is absent."""
    path = data_dir / CHARACTERS_FILE
    if not path.is_file():
        return []
    return _characters_by_role(path, data_dir / UNIPEN_FILE)[role]


def render_drawn_digits(
    digits: list[PenDigit] | list[PenCharacter],
    copies: int,
    canvas: int,
    seed: int,
    distort: StrokeAugmentConfig | None = None,
    as_characters: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw each pen digit `copies` times on a canvas with random size, place and brush (and, with `distort`,
    randomly changed strokes), then preprocess. `as_characters`: letters and symbols, placed by their longer
    side and labelled "not a digit"."""
    rng = np.random.default_rng(seed)
    place = place_drawing if as_characters else random_placement
    images, labels = [], []
    for digit in digits:
        for _ in range(copies):
            strokes = distort_strokes(digit.strokes, distort, rng) if distort else digit.strokes
            strokes = place(strokes, (canvas, canvas), rng)
            brush = canvas * rng.uniform(0.02, 0.1)  # thin pen to thick finger
            try:
                images.append(preprocess(draw_strokes(strokes, (canvas, canvas), brush)))
            except EmptyImageError:
                continue
            labels.append(NOT_A_DIGIT if as_characters else digit.label)
    if not images:
        return torch.zeros((0, 1, 28, 28)), torch.zeros(0, dtype=torch.long)
    return torch.from_numpy(np.stack(images)).unsqueeze(1), torch.tensor(labels, dtype=torch.long)
