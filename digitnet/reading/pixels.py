"""What every reader of pictures shares: the "no digit here" errors, the ink levels, pixels as floats.

Pure numpy (and PIL), no torch, so the app can import it before the model is loaded.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

NOISE_LEVEL = 0.15  # ink weaker than this (relative to the strongest) is paper texture or JPEG noise
MIN_CONTRAST = 0.08  # darkest-to-lightest difference below which an image counts as blank
MIN_DIGIT_SIZE = 0.08  # ink spanning less than this share of the image's shorter side is a dot


class EmptyImageError(ValueError):
    """The image holds nothing that can be read as a digit; `kind` says why: blank, stray, dot or blob."""

    def __init__(self, message: str, kind: str = "blank") -> None:
        super().__init__(message)
        self.kind = kind  # the page words it for a picture instead of a drawing


class SeveralMarksError(EmptyImageError):
    """A photo holds several separate digit-sized marks: perhaps a number, for the Number reader."""


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] as uint8, rounded: how 28x28 inputs are stored and drawn."""
    return (np.asarray(pixels) * 255).round().astype(np.uint8)


def from_uint8(pixels: np.ndarray) -> np.ndarray:
    """Stored uint8 pixels back to float32 in [0, 1] (the inverse of `to_uint8`)."""
    return np.asarray(pixels).astype(np.float32) / 255


def to_float(array: np.ndarray) -> np.ndarray:
    """Scale any numeric array to float32 in [0, 1], always as a new array (preprocess works on it in place)."""
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.unsignedinteger):  # one pass: the scaling casts as it reads
        return np.multiply(array, np.float32(1 / np.iinfo(array.dtype).max), dtype=np.float32)
    if np.issubdtype(array.dtype, np.integer):
        return (np.clip(array, 0, None) / float(np.iinfo(array.dtype).max)).astype(np.float32)
    if np.issubdtype(array.dtype, np.floating):
        return np.clip(np.nan_to_num(array), 0.0, 1.0).astype(np.float32)
    raise TypeError(f"Cannot read an image from an array of type {array.dtype}.")


def box_shrink(image: Image.Image, side: int) -> Image.Image:
    """`image` box-averaged by a whole factor so that its longer side is at most `side` (as it is if it is)."""
    factor = -(-max(image.size) // side)
    return image.reduce(factor) if factor > 1 else image
