"""Read uploaded or on-disk image files safely: size limits before decoding, clear errors after."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitnet.reading.photo import PHOTO_SIDE
from digitnet.reading.pixels import box_shrink

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB: a phone photo fits, a disk-filling upload does not
MAX_PIXELS = 40_000_000  # 40 megapixels, checked from the header before any pixel is decoded
# Pixels decoded at once (a JPEG is decoded at 1/2-1/8 scale first): 64 MB at 4 bytes a pixel, so that a small
# file of a huge, mostly empty picture cannot cost a server hundreds of MB.
MAX_DECODED_PIXELS = 16_000_000
SHRINK_SIDE = 2000  # pixels: pictures larger than this (no canvas is) are box-averaged to PHOTO_SIDE as decoded
UPLOAD_LIMIT = (
    f"PNG, JPEG, WebP, BMP or GIF, up to {MAX_FILE_BYTES // 2**20} MB and {MAX_DECODED_PIXELS // 1_000_000} "
    f"megapixels ({MAX_PIXELS // 1_000_000} for a JPEG photo)"
)
MIN_SIDE = 8  # pixels; a smaller picture cannot hold a readable digit (MNIST's are 28x28)
# The only decoders ever used: Pillow would otherwise try every plugin it has, and some (EPS) run
# external programs such as Ghostscript on the file.
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of a uint8 gray, RGB or RGBA picture."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def shrink(image: Image.Image) -> Image.Image:
    """A picture larger than SHRINK_SIDE box-averaged to at most PHOTO_SIDE (every reader reads it no larger)."""
    if max(image.size) <= SHRINK_SIDE:
        return image
    if image.mode in ("1", "P") or image.mode.startswith("I;16"):  # modes Image.reduce does not take
        image = image.convert({"1": "L", "P": "RGBA" if "transparency" in image.info else "RGB"}.get(image.mode, "I"))
    return box_shrink(image, PHOTO_SIDE)


class ImageDecodeError(ValueError):
    """A file could not be read as an image; the message says why, for a person."""


def decode_image(source: bytes | str | Path, name: str = "the file") -> Image.Image:
    """Decode the first frame of an image file, upright (EXIF rotation applied); raise ImageDecodeError."""
    if isinstance(source, (str, Path)):
        name = str(source)
        try:
            if Path(source).stat().st_size > MAX_FILE_BYTES:
                raise ImageDecodeError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            source = Path(source).read_bytes()
        except OSError as error:
            raise ImageDecodeError(f"Cannot read {name}: {error.strerror or error}.") from error
    if len(source) > MAX_FILE_BYTES:
        raise ImageDecodeError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    try:
        with warnings.catch_warnings():  # MAX_PIXELS below is stricter than Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source), formats=FORMATS)  # reads the header only
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageDecodeError(
                f"{name} is {width}x{height} pixels; images up to {MAX_PIXELS // 1_000_000} megapixels are read."
            )
        if min(width, height) < MIN_SIDE:
            raise ImageDecodeError(f"{name} is {width}x{height} pixels: too small to hold a digit.")
        if image.format == "JPEG":  # a photo is read at most PHOTO_SIDE large: decode it at 1/2-1/8 scale, faster
            image.draft(image.mode, (PHOTO_SIDE, PHOTO_SIDE))
        if image.size[0] * image.size[1] > MAX_DECODED_PIXELS:
            raise ImageDecodeError(
                f"{name} is {width}x{height} pixels; pictures up to {MAX_DECODED_PIXELS // 1_000_000} megapixels "
                f"are read (JPEG photos up to {MAX_PIXELS // 1_000_000})."
            )
        image.load()
        return ImageOps.exif_transpose(shrink(image))
    except ImageDecodeError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own, larger limit
        raise ImageDecodeError(f"{name} has too many pixels to be read safely.") from error
    except UnidentifiedImageError as error:
        raise ImageDecodeError(f"{name} is not an image that can be read (PNG, JPEG, WebP, BMP or GIF).") from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageDecodeError(f"{name} is damaged or truncated and cannot be decoded.") from error
