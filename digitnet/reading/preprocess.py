"""Turn any picture of one handwritten digit into a 28x28 MNIST-style input.

Pure functions of numpy arrays (and PIL images on the way in), no torch, so the
app can import them before the model is loaded. The steps follow how MNIST
itself was made: find the ink, crop to it, fit it into a 20x20 box keeping its
aspect ratio (anti-aliased), and centre its centre of mass in a 28x28 field.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitnet.constants import FIT_SIZE, IMAGE_SIZE
from digitnet.reading.ink import raw_ink
from digitnet.reading.pixels import MIN_CONTRAST, MIN_DIGIT_SIZE, NOISE_LEVEL, EmptyImageError, to_float

MIN_INK_PIXELS = 3  # fewer inked pixels than this (or than MIN_INK_SHARE of the image) is blank
MIN_INK_SHARE = 1e-4
MAX_FILL = 0.9  # ink covering more of its squarish box than this is a painted blob (MNIST's maximum: 0.85)
STRAY_MARK = 0.1  # a mark at most this share of the ink's span across, at least this share away from the rest,
# at an edge of the ink, is a slip (a tap, the pen set down): it is left out of the box, or it would shrink the digit


def ink_bounding_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """Return (top, bottom, left, right), bottom and right exclusive, of the ink (float in [0, 1] or uint8), less
    any small mark set apart at its edge (STRAY_MARK); raise if there is none."""
    full = 255 if ink.dtype == np.uint8 else 1.0
    # Each row's and column's strongest ink finds the box without a mask of the whole picture: less memory
    # to pass through the cache before the network needs it.
    row_peaks, col_peaks = ink.max(axis=1), ink.max(axis=0)
    peak = float(row_peaks.max())
    if peak < MIN_CONTRAST * full:
        raise EmptyImageError("Nothing is drawn yet: draw a digit.")
    level = NOISE_LEVEL * peak
    level = int(level) if full == 255 else level  # an integer level keeps uint8 ink from becoming float
    rows, cols = np.flatnonzero(row_peaks > level), np.flatnonzero(col_peaks > level)
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    while (kept := _without_stray_mark(ink[top:bottom, left:right], level, rows - top, cols - left)) is not None:
        rows, cols = kept[0] + top, kept[1] + left
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    count = np.count_nonzero(ink[top:bottom, left:right] > level)  # the ink, less any stray marks, lies in its box
    if count < max(MIN_INK_PIXELS, MIN_INK_SHARE * ink.size):
        raise EmptyImageError("Only a few stray pixels: draw a digit.", "stray")
    height, width = bottom - top, right - left
    if max(height, width) < MIN_DIGIT_SIZE * min(ink.shape):
        raise EmptyImageError("That is only a dot: draw a digit larger.", "dot")
    if count > MAX_FILL * height * width and max(height, width) < 2 * min(height, width):
        raise EmptyImageError("That is a painted blob, not a digit: clear it and draw the digit's strokes.", "blob")
    return int(top), int(bottom), int(left), int(right)


def _without_stray_mark(
    box: np.ndarray, level: float, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The inked rows and columns of `box` (its inked `rows` and `cols` given) without one small mark set apart
    at its edge; None if there is no such mark."""
    span = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    for lines, along_rows in ((rows, True), (cols, False)):  # a mark above or below the rest, then beside it
        gaps = np.flatnonzero(np.diff(lines) > STRAY_MARK * span)
        if len(gaps) == 0:
            continue
        for mark, rest in (
            (lines[: gaps[0] + 1], lines[gaps[0] + 1 :]),
            (lines[gaps[-1] + 1 :], lines[: gaps[-1] + 1]),
        ):
            band = box[mark[0] : mark[-1] + 1] if along_rows else box[:, mark[0] : mark[-1] + 1].T
            across = np.flatnonzero(band.max(axis=0) > level)  # the mark's lines the other way
            if max(mark[-1] - mark[0], across[-1] - across[0]) + 1 <= STRAY_MARK * span:
                window = box[rest[0] : rest[-1] + 1] if along_rows else box[:, rest[0] : rest[-1] + 1].T
                others = np.flatnonzero(window.max(axis=0) > level)
                return (rest, others) if along_rows else (others, rest)
    return None


def fit_to_box(crop: np.ndarray, size: int = FIT_SIZE) -> np.ndarray:
    """Scale `crop` so its longer side is `size` pixels, keeping the aspect ratio (anti-aliased)."""
    height, width = crop.shape
    scale = size / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL wants (w, h)
    # reducing_gap: a box filter shrinks to about 3x the size first, then Lanczos finishes: 6x faster on
    # a canvas-sized crop, and within 0.02 of Lanczos all the way on every pixel.
    resized = np.asarray(Image.fromarray(crop).resize(new_size, Image.Resampling.LANCZOS, reducing_gap=3.0))
    resized = np.clip(resized, 0.0, None)
    return resized / max(float(resized.max()), 1e-6)  # a thin stroke keeps full intensity, as in MNIST


def center_by_mass(digit: np.ndarray, size: int = IMAGE_SIZE) -> np.ndarray:
    """Paste `digit` into a size x size field with its centre of mass at the centre."""
    height, width = digit.shape
    rows, cols = digit.sum(axis=1, dtype=np.float64), digit.sum(axis=0, dtype=np.float64)
    mass = float(rows.sum())
    com_y, com_x = float(rows @ np.arange(height)) / mass, float(cols @ np.arange(width)) / mass
    top = int(np.clip(round(size / 2 - com_y), 0, size - height))
    left = int(np.clip(round(size / 2 - com_x), 0, size - width))
    field = np.zeros((size, size), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field


def preprocess(image: np.ndarray | Image.Image) -> np.ndarray:
    """Return the 28x28 float32 input in [0, 1] (white ink on black) for a picture of one digit."""
    ink = raw_ink(image)
    top, bottom, left, right = ink_bounding_box(ink)
    crop = to_float(ink[top:bottom, left:right])
    # in place: a canvas's crop is ~200 KB of floats, and each copy pushes the model's weights out of the cache
    crop -= NOISE_LEVEL * crop.max()
    crop /= 1 - NOISE_LEVEL
    return center_by_mass(fit_to_box(np.clip(crop, 0.0, 1.0, out=crop)))
