"""A whole line of ink as the number reader sees it: cropped, scaled to a fixed height, any width.

Pure numpy (and PIL), no torch. The same function makes the training strips and the strips read on the page,
so that the reader never sees ink prepared another way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitnet.reading.ink import ink_map
from digitnet.reading.pixels import MIN_CONTRAST, NOISE_LEVEL, EmptyImageError, to_float

STRIP_HEIGHT = 32  # rows of the reader's input
INK_HEIGHT = 28  # rows the ink spans inside it, a margin of paper above and below
SIDE_PAD = 8  # columns of paper left and right of the ink
MAX_WIDTH = 640  # the ink is shrunk further if it would be wider than this: a line of at least 20 digits


@dataclass(frozen=True)
class Strip:
    """The reader's input and where it lies in the picture: strip column x is at left + (x - pad) / scale."""

    pixels: np.ndarray  # (STRIP_HEIGHT, width) float32 in [0, 1], white ink on black
    ink: np.ndarray  # the picture's ink, float32 in [0, 1], for cutting each digit's crop
    box: tuple[int, int, int, int]  # (top, bottom, left, right) of the ink in the picture
    scale: float  # strip pixels per picture pixel

    def to_picture(self, column: float) -> int:
        """The picture column of a strip column."""
        return round(self.box[2] + (column - SIDE_PAD) / self.scale)


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right), exclusive ends, of the ink above the noise; EmptyImageError if there is none."""
    peak = float(ink.max()) if ink.size else 0.0
    if peak < MIN_CONTRAST:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    rows = np.flatnonzero(ink.max(axis=1) > NOISE_LEVEL * peak)
    cols = np.flatnonzero(ink.max(axis=0) > NOISE_LEVEL * peak)
    return int(rows[0]), int(rows[-1] + 1), int(cols[0]), int(cols[-1] + 1)


def ink_strip(ink: np.ndarray) -> Strip:
    """The strip of ink (float32, white on black): its box scaled to INK_HEIGHT rows, padded with paper."""
    top, bottom, left, right = ink_box(ink)
    crop = np.clip((ink[top:bottom, left:right] - NOISE_LEVEL) / (1 - NOISE_LEVEL), 0.0, 1.0).astype(np.float32)
    height, width = crop.shape
    scale = min(INK_HEIGHT / height, (MAX_WIDTH - 2 * SIDE_PAD) / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL wants (w, h)
    resized = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))
    resized = np.clip(resized, 0.0, None) / max(float(resized.max()), 1e-6)  # thin strokes keep full strength
    pixels = np.zeros((STRIP_HEIGHT, size[0] + 2 * SIDE_PAD), dtype=np.float32)
    row = (STRIP_HEIGHT - size[1]) // 2
    pixels[row : row + size[1], SIDE_PAD : SIDE_PAD + size[0]] = resized
    return Strip(pixels, ink, (top, bottom, left, right), scale)


def picture_strip(image: np.ndarray | Image.Image, photo: bool = False) -> Strip:
    """The strip of a drawn number (`photo`: a photo of one); EmptyImageError if nothing is drawn."""
    return ink_strip(to_float(ink_map(image, photo=photo, several=True)))
