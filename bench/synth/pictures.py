"""Clean digital pictures of a pen digit, as people make them: drawn in a paint program or on a phone and saved,
screenshotted, exported from the app, cropped tight; made here, seeded.

Each kind is a function (digit, rng) -> the file's bytes. Digits are drawn with a round brush like the canvas
(digitnet.learning.strokes), on a flat background of one colour, then cropped, sized and saved.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image

from bench.synth.pen import compose_number
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, INK_RGB
from digitnet.learning.strokes import PenDigit, draw_strokes, random_placement
from digitnet.reading.pixels import to_uint8
from digitnet.reading.preprocess import preprocess

BLACK, WHITE = (0, 0, 0), (255, 255, 255)
BRUSH_SHARE = DEFAULT_BRUSH / CANVAS_SIZE  # the app's brush, as a share of the picture's side
COLOURED = (  # (ink, background): coloured ink on coloured paper, both polarities
    ((200, 30, 40), (235, 245, 225)),
    ((20, 90, 40), (250, 235, 200)),
    ((250, 220, 60), (30, 40, 110)),
    ((120, 40, 160), (225, 235, 250)),
    ((255, 255, 255), (200, 60, 50)),
    ((20, 40, 80), (160, 210, 230)),
)
Kind = Callable[[PenDigit, np.random.Generator], bytes]


def drawn(
    digit: PenDigit,
    rng: np.random.Generator,
    side: int = 300,
    ink: tuple[int, int, int] = BLACK,
    background: tuple[int, int, int] = WHITE,
    brush_share: float | tuple[float, float] = BRUSH_SHARE,
) -> np.ndarray:
    """The digit drawn anywhere on a `side` px square of one colour (RGB uint8), as big as on the canvas."""
    brush = brush_share if isinstance(brush_share, float) else rng.uniform(*brush_share)
    strokes = random_placement(digit.strokes, (side, side), rng)
    return draw_strokes(strokes, (side, side), brush * side, (*ink, 255), (*background, 255))[:, :, :3]


def saved(pixels: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    """The bytes of a picture saved in `fmt`."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt, **options)
    return buffer.getvalue()


def cropped(pixels: np.ndarray, margins: tuple[float, float, float, float], background: tuple[int, ...]) -> np.ndarray:
    """The picture cropped to its ink with margins (top, bottom, left, right): pixels where whole numbers, shares
    of the ink's longer side where fractions."""
    ink = np.abs(pixels.astype(np.int16) - np.int16(background)).max(axis=2) > 32
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    span = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    top, bottom, left, right = (m if isinstance(m, int) else round(m * span) for m in margins)
    field = np.empty((rows[-1] - rows[0] + 1 + top + bottom, cols[-1] - cols[0] + 1 + left + right, 3), np.uint8)
    field[:] = background
    field[top : field.shape[0] - bottom, left : field.shape[1] - right] = pixels[
        rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1
    ]
    return field


def resized(pixels: np.ndarray, side: int) -> np.ndarray:
    """The picture scaled (anti-aliased) so that its longer side is `side` pixels."""
    height, width = pixels.shape[:2]
    size = (max(1, round(width * side / max(height, width))), max(1, round(height * side / max(height, width))))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))


def tight_crop(margin: tuple[float, float]) -> Kind:
    """Black on white cropped to the ink with the same margin all round, a share of the ink's span in `margin`."""

    def make(digit: PenDigit, rng: np.random.Generator) -> bytes:
        share = rng.uniform(*margin)
        return saved(cropped(drawn(digit, rng), (share,) * 4, WHITE))

    return make


def touching(edges: int) -> Kind:
    """Black on white with the ink touching `edges` (1 or 2, adjacent) of the picture's edges."""

    def make(digit: PenDigit, rng: np.random.Generator) -> bytes:
        margins = list(rng.uniform(0.1, 0.4, 4))
        first = int(rng.integers(4))
        for side in (first, (2 if first < 2 else 0) + int(rng.integers(2)))[:edges]:
            margins[side] = 0.0
        return saved(cropped(drawn(digit, rng), tuple(margins), WHITE))

    return make


def coloured(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """Coloured ink on a coloured background, PNG."""
    ink, background = COLOURED[rng.integers(len(COLOURED))]
    return saved(drawn(digit, rng, ink=ink, background=background))


def dark_mode(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """Light grey ink on dark grey, PNG: a phone's dark mode."""
    ink, background = int(rng.integers(200, 241)), int(rng.integers(20, 50))
    return saved(drawn(digit, rng, ink=(ink,) * 3, background=(background,) * 3))


def sized(low: int, high: int) -> Kind:
    """Black on white, PNG, `low`-`high` px square (drawn at that size, or drawn at 300 px and shrunk)."""

    def make(digit: PenDigit, rng: np.random.Generator) -> bytes:
        side = int(rng.integers(low, high + 1))
        return saved(drawn(digit, rng, side) if side >= 300 else resized(drawn(digit, rng), side))

    return make


def mnist_style(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """A 28x28 white-on-black array as MNIST stores digits (the canvas's drawing preprocessed), saved as PNG."""
    strokes = random_placement(digit.strokes, (CANVAS_SIZE, CANVAS_SIZE), rng)
    return saved(to_uint8(preprocess(draw_strokes(strokes, (CANVAS_SIZE, CANVAS_SIZE), DEFAULT_BRUSH))))


def app_export(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """The app's canvas (its size, brush and ink colour) exported as a PNG with a white background."""
    return saved(drawn(digit, rng, CANVAS_SIZE, INK_RGB, WHITE))


def other_format(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """Black on white saved as WebP, BMP or GIF."""
    return saved(drawn(digit, rng), str(rng.choice(["WEBP", "BMP", "GIF"])))


def with_alpha(digit: PenDigit, rng: np.random.Generator) -> bytes:
    """Black on white, PNG with an opaque alpha channel (RGBA)."""
    pixels = drawn(digit, rng)
    return saved(np.dstack([pixels, np.full(pixels.shape[:2], 255, np.uint8)]))


def blank(rng: np.random.Generator) -> bytes:
    """A picture of one flat colour, any size and format: no digit."""
    side = int(rng.integers(28, 1200))
    colour = tuple(int(c) for c in rng.integers(0, 256, 3))
    return saved(np.full((side, side, 3), colour, np.uint8), str(rng.choice(["PNG", "JPEG"])))


def two_digits(digits: list[PenDigit], rng: np.random.Generator) -> bytes:
    """Two digits side by side with a gap, black on white, PNG: a number."""
    strokes, size = compose_number(digits, rng, 200)
    return saved(draw_strokes(strokes, size, BRUSH_SHARE * 200, (0, 0, 0, 255), (255, 255, 255, 255))[:, :, :3])


KINDS: dict[str, Kind] = {
    "black on white, PNG, 300 px, digit anywhere": lambda d, rng: saved(drawn(d, rng)),
    "white on black, PNG": lambda d, rng: saved(drawn(d, rng, ink=WHITE, background=BLACK)),
    "cropped to the ink, 4 px margin": lambda d, rng: saved(cropped(drawn(d, rng), (4,) * 4, WHITE)),
    "cropped to the ink, 0-10% margin": tight_crop((0.0, 0.1)),
    "ink touching one edge": touching(1),
    "ink touching two edges": touching(2),
    "blue ink on cream, JPEG": lambda d, rng: saved(
        drawn(d, rng, ink=(28, 44, 150), background=(252, 246, 220)), "JPEG", quality=85
    ),
    "coloured ink on coloured background": coloured,
    "dark mode (light ink on dark grey)": dark_mode,
    "thin strokes (2-3% of the side)": lambda d, rng: saved(drawn(d, rng, brush_share=(0.02, 0.03))),
    "thick strokes (8-11% of the side)": lambda d, rng: saved(drawn(d, rng, brush_share=(0.08, 0.11))),
    "JPEG quality 40-95": lambda d, rng: saved(drawn(d, rng), "JPEG", quality=int(rng.integers(40, 96))),
    "black on white, 48x48": lambda d, rng: saved(resized(drawn(d, rng), 48)),
    "28-64 px": sized(28, 64),
    "1000-2000 px": sized(1000, 2000),
    "the app's canvas exported on white": app_export,
    "MNIST-style 28x28 white on black": mnist_style,
    "WebP, BMP or GIF": other_format,
    "opaque alpha channel (RGBA PNG)": with_alpha,
}


def large_png(width: int, height: int, transparent: bool) -> bytes:
    """A PNG of a thin 7 on a large empty picture (transparent, else white), written row by row: a small file of a
    huge picture, made without holding its pixels."""
    bands = 4 if transparent else 3
    background = bytes(width * 4) if transparent else b"\xff" * (width * 3)
    ink = (b"\x00\x00\x00\xff" if transparent else b"\x00\x00\x00") * width
    thick, bar = max(2, height // 50), round(0.3 * height)
    packer, rows = zlib.compressobj(1), []
    for y in range(height):
        row = bytearray(background)
        if bar <= y < bar + thick:
            left, right = round(0.4 * width), round(0.6 * width)
        elif bar <= y < round(0.7 * height):  # the 7's stem, from the bar's right end down and to the left
            left = round(0.6 * width - 0.15 * width * (y - bar) / (0.4 * height))
            right = left + thick
        else:
            left = right = 0
        row[left * bands : right * bands] = ink[: (right - left) * bands]
        rows.append(packer.compress(b"\x00" + bytes(row)))
    rows.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if transparent else 2, 0, 0, 0)
    chunks = (b"IHDR", header), (b"IDAT", b"".join(rows)), (b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)) for kind, data in chunks
    )
