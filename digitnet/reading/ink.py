"""The ink of any picture, white on black: a canvas's alpha, a clean picture's strokes, or a photo's marks.

Pure functions of numpy arrays (and PIL images on the way in), no torch.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitnet.reading.clean import clean_ink, is_clean
from digitnet.reading.photo import is_photo, photo_ink
from digitnet.reading.pixels import EmptyImageError, to_float


def pil_to_array(image: Image.Image) -> np.ndarray:
    """Convert a PIL image of any mode to a uint8 gray, RGB or RGBA array."""
    if image.mode in ("RGBA", "RGB", "L"):
        return np.asarray(image)
    if image.mode in ("LA", "PA") or "transparency" in image.info:
        return np.asarray(image.convert("RGBA"))
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        gray = np.asarray(image, dtype=np.float32)
        span = float(gray.max() - gray.min()) or 1.0
        return ((gray - gray.min()) / span * 255).astype(np.uint8)
    return np.asarray(image.convert("L"))


def ink_map(image: np.ndarray | Image.Image, photo: bool = True, several: bool = False) -> np.ndarray:
    """Return the ink of `image` as float32 in [0, 1], white ink on black, same height and width.

    With `photo`, a picture is read as the kind it is: a clean digital picture (see `is_clean`) gives the
    ink that differs from its background's colour, a photo or scan (see `is_photo`) only the marks found on its
    paper, both at most PHOTO_SIDE pixels wide; unless `several`, one with several digit-sized marks raises
    SeveralMarksError. A transparent picture (the canvas) is read from its alpha channel in any case.
    """
    return to_float(raw_ink(image, photo, several))


def raw_ink(image: np.ndarray | Image.Image, photo: bool = True, several: bool = False) -> np.ndarray:
    """The ink as `ink_map` finds it, left as uint8 where it is a uint8 alpha channel (a canvas).

    A canvas's digit is a small part of it: converting only the digit's crop to float keeps the read
    in the processor's cache, and takes a third of the time of converting the whole canvas.
    """
    array = pil_to_array(image) if isinstance(image, Image.Image) else np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ValueError(f"Expected a gray, RGB or RGBA image, got an array of shape {array.shape}.")
    if array.size == 0:
        raise EmptyImageError("The image is empty (it has no pixels).")
    if array.ndim == 3 and array.shape[2] == 4:
        alpha = alpha_channel(array)
        if np.median(to_float(_border(alpha))) < 0.5:
            # a transparent background (the canvas, a cut-out): the alpha channel is the ink
            return alpha if alpha.dtype == np.uint8 else to_float(alpha)
        array = _on_white(array[:, :, :3], alpha)
    if photo and is_clean(array):
        return clean_ink(array, several)
    if photo and is_photo(array):
        return photo_ink(array, several)
    gray = to_float(array) if array.ndim == 2 else to_float(array) @ np.float32([0.299, 0.587, 0.114])
    return _ink_from_gray(gray)


def alpha_channel(rgba: np.ndarray) -> np.ndarray:
    """The alpha channel of an (H, W, 4) array, as a contiguous (H, W) array."""
    if rgba.dtype == np.uint8 and rgba.strides[1:] == (4, 1):
        # each pixel read as one little-endian 32-bit word whose top byte is its alpha: half the time of
        # copying every fourth byte
        return (rgba.view("<u4")[:, :, 0] >> 24).astype(np.uint8)
    return np.ascontiguousarray(rgba[:, :, 3])


def _on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """An opaque picture with a few see-through pixels (a screenshot's shadow, rounded corners) as the page shows
    it, on white; uint8 pictures stay uint8, so that they are read as the pictures they are."""
    if alpha.dtype == np.uint8 and rgb.dtype == np.uint8:
        if alpha.min() == 255:
            return rgb
        shown = rgb * (alpha[:, :, None] / np.float32(255)) + (255 - alpha[:, :, None]).astype(np.float32)
        return shown.round().astype(np.uint8)
    alpha = to_float(alpha)[:, :, None]
    return to_float(rgb) * alpha + (1 - alpha)


def _border(picture: np.ndarray) -> np.ndarray:
    """The pixels along the four edges of a 2-D picture."""
    return np.concatenate([picture[0], picture[-1], picture[:, 0], picture[:, -1]])


def _ink_from_gray(gray: np.ndarray) -> np.ndarray:
    """Decide the polarity from the border (the paper) and return ink relative to the paper."""
    paper = float(np.median(_border(gray)))
    ink = paper - gray if paper > 0.5 else gray - paper
    return np.clip(ink, 0.0, 1.0)
