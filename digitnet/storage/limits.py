"""What the corrections database keeps of what visitors send: bounded pictures and strokes, counted rows."""

from __future__ import annotations

import io
import json

from PIL import Image

from digitnet.constants import CANVAS_SIZE
from digitnet.reading.images import ImageDecodeError, decode_image

MAX_SIDE = 3 * CANVAS_SIZE  # pixels: the widest canvas (the Number tab's); larger pictures are shrunk to fit
MAX_PICTURE_BYTES = 1024 * 1024  # a PNG within MAX_SIDE larger than this is encoded again, compactly
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_STROKES = 500  # paths kept of a canvas's drawing: a digit takes a few, a long number a few dozen
MAX_STROKES_BYTES = 256 * 1024  # the strokes' JSON; larger, they are not kept (the picture is)
MAX_PER_SESSION = 500  # drawings one visit may store; its earlier ones can still be relabelled
MAX_ROWS = 100_000  # drawings the database keeps in all


class DrawingRefusedError(ValueError):
    """A drawing that is not stored; the message says why, for a person."""


def bounded_picture(data: bytes) -> bytes:
    """The picture as PNG bytes at most MAX_SIDE pixels on a side: the bytes given if they already are."""
    try:
        image = decode_image(data, "The drawing")
    except ImageDecodeError as error:
        raise DrawingRefusedError(str(error)) from error
    stored_size = Image.open(io.BytesIO(data)).size  # as sent: a huge picture is decoded already shrunk
    if data.startswith(PNG_SIGNATURE) and max(stored_size) <= MAX_SIDE and len(data) <= MAX_PICTURE_BYTES:
        return data
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image = image if image.mode in ("L", "LA", "RGB", "RGBA") else image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def bounded_strokes(strokes: object) -> dict | None:
    """The canvas's paths, at most MAX_STROKES of them, or None where there are none or they are too large."""
    if not isinstance(strokes, dict) or not isinstance(strokes.get("objects"), list):
        return None
    kept = {**strokes, "objects": [o for o in strokes["objects"] if isinstance(o, dict)][:MAX_STROKES]}
    try:
        text = json.dumps(kept)
    except (TypeError, ValueError):  # not plain JSON: nothing the export could write
        return None
    return kept if len(text.encode()) <= MAX_STROKES_BYTES else None
