"""Find the ink of a clean digital picture: a digit on a flat background of one colour (a screenshot, a paint
program's export, a tight crop, an MNIST-style array), either polarity, any ink colour, any margin.

Pure functions of numpy arrays (scipy on first use). Ink is how far a pixel's colour is from the background's;
none of the photo's rules about tables and sheets apply, so ink touching the picture's edge is ink.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitnet.reading.photo import PHOTO_SIDE, digit_groups, group_marks
from digitnet.reading.pixels import MIN_CONTRAST, NOISE_LEVEL, EmptyImageError, box_shrink

FLAT_NOISE = 8  # levels of 255: a scan's grain and JPEG's error on a flat background stay within this
FLAT_SHARE = 0.5  # at least this share of a clean picture is its background colour (within the noise)
SOLID = 0.1  # share of the longer side: ink this deep inside itself is the middle of a patch, not of a stroke
SOLID_SHARE = 0.01  # a picture with more of it than this share holds a sheet on a table, not strokes
KIND_SIDE = 150  # pixels: the kind of picture is decided on a copy about this small
NO_DIGIT = "I can't find a digit in this picture: one digit, large, in a colour that stands out, reads best."


def background_distance(array: np.ndarray) -> np.ndarray:
    """How far each pixel's colour is from the background's (the median of the border), in levels of 255: the
    largest difference over the colour channels, so that any ink colour on any background shows."""
    pixels = array.reshape(*array.shape[:2], -1).astype(np.int16)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = np.median(border, axis=0).astype(np.int16)
    return np.abs(pixels - background).max(axis=2).astype(np.uint8)


def is_clean(array: np.ndarray) -> bool:
    """True for a picture of integer pixels whose background is flat and of one colour, in three of its corners at
    least, and whose ink is strokes (a photo's sheet seen on a flat table is a wide patch)."""
    if not np.issubdtype(array.dtype, np.integer) or array.dtype.itemsize > 1:
        return False
    step = max(1, max(array.shape[:2]) // KIND_SIDE)  # every few pixels of a large picture are enough
    distance = background_distance(array[::step, ::step])
    noise = max(FLAT_NOISE, NOISE_LEVEL * int(distance.max()))
    flat = distance <= noise
    # A strip of table along one side covers the two corners at its ends. A digit seldom reaches one, even when
    # a thick stroke runs along most of a side (so how much of a side is background tells them apart no better).
    if flat.mean() < FLAT_SHARE or flat[[0, 0, -1, -1], [0, -1, 0, -1]].sum() < 3:
        return False
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    # How far inside the "ink" each pixel lies, the picture's surroundings counted as background: a stroke's
    # middle, or a thick digit's filled loop, is a thin core; a sheet's is a wide one.
    depth = ndimage.distance_transform_edt(np.pad(~flat, 1))[1:-1, 1:-1]
    return float(np.mean(depth >= SOLID * max(flat.shape))) <= SOLID_SHARE


def clean_ink(array: np.ndarray, several: bool = False) -> np.ndarray:
    """The ink of a clean picture (see `is_clean`), float32 white on black, at most PHOTO_SIDE large.

    Raises EmptyImageError when it holds no digit-sized mark, SeveralMarksError (unless `several`) when it holds
    several side by side.
    """
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    array = np.asarray(box_shrink(Image.fromarray(array), PHOTO_SIDE))
    distance = background_distance(array)
    peak = int(distance.max())
    # Within the background's noise is background: a scan's grain, JPEG's ringing, a rotated scan's filled corners.
    ink = np.where(distance > max(FLAT_NOISE, NOISE_LEVEL * peak), distance, 0).astype(np.float32) / 255
    labels, _ = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    boxes = [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels)]
    marks = group_marks(labels, boxes, [max(b[1] - b[0], b[3] - b[2]) for b in boxes])
    if peak < MIN_CONTRAST * 255 or not marks:
        raise EmptyImageError(NO_DIGIT)
    digit_groups(marks, several)  # one digit, or several side by side: a number
    return ink
