"""Read uploaded or on-disk image files safely: size limits before decoding, clear errors after."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digitnet.reading.photo import PHOTO_SIDE

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB: a phone photo fits, a disk-filling upload does not
MAX_PIXELS = 40_000_000  # 40 megapixels, checked from the header before any pixel is decoded
UPLOAD_LIMIT = (
    f"PNG, JPEG, WebP, BMP or GIF, up to {MAX_FILE_BYTES // 2**20} MB and {MAX_PIXELS // 1_000_000} megapixels"
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
        image.load()
        return ImageOps.exif_transpose(image)
    except ImageDecodeError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own, larger limit
        raise ImageDecodeError(f"{name} has too many pixels to be read safely.") from error
    except UnidentifiedImageError as error:
        raise ImageDecodeError(f"{name} is not an image that can be read (PNG, JPEG, WebP, BMP or GIF).") from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageDecodeError(f"{name} is damaged or truncated and cannot be decoded.") from error
