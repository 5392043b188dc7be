"""Photo-like pictures of a digit on paper, made here: for the photo benchmark and the tests.

A digit's ink (a pen digit drawn with a pen of some width, or an MNIST digit enlarged) is laid on
paper of some tint, perhaps ruled or squared, the paper on a table seen at a tilt, under uneven
light and a shadow, then blurred, noised, sized and saved as a JPEG with an EXIF orientation, as a
phone would. Every choice comes from the `rng` and the named condition, so a seed gives the same pictures.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from digitnet.learning.strokes import PenDigit, draw_strokes, place_strokes

PHOTO_CONDITIONS = (
    "plain",
    "table at 2-4 edges",
    "tilt 10-15 degrees",
    "lighting gradient",
    "cast shadow",
    "ruled paper",
    "squared paper",
    "blue pen",
    "pencil",
    "thin pen",
    "thick pen",
    "tinted paper",
    "blur",
    "sensor noise",
    "JPEG quality 40-60",
    "3000-4000 px",
    "600-800 px",
    "EXIF rotation",
    "everything at once",
)
PAPERS = ((250, 250, 248), (244, 240, 228), (236, 238, 240), (252, 246, 220), (232, 242, 250), (238, 232, 222))
TABLES = ((92, 62, 40), (160, 120, 80), (48, 48, 52), (20, 20, 22), (120, 120, 118), (70, 40, 30))
PENS = {"black": (22, 22, 28), "blue": (28, 44, 150), "pencil": (95, 95, 100)}
InkMaker = Callable[[float, float], np.ndarray]  # (digit height in px, pen width as a share of it) -> ink
NOISE_TILE = 509  # sensor noise repeats with this period (pixels), odd so JPEG's blocks do not align
BASE_SIDE = 800  # pictures are composed at most this large, then enlarged: phones' own pictures are soft


def digit_ink(digit: PenDigit | np.ndarray, height: int, pen_width: float) -> np.ndarray:
    """A digit's ink, float32 in [0, 1], in a square about `height`*1.3 px: pen strokes drawn with a round pen
    `pen_width` of the height wide, or an MNIST image (28x28 uint8) enlarged so its digit is `height` tall."""
    side = max(round(height * 1.3), 8)
    if isinstance(digit, PenDigit):
        strokes = place_strokes(digit.strokes, side, height / side, (side / 2, side / 2))
        return draw_strokes(strokes, (side, side), max(pen_width * height, 1.0))[:, :, 3] / np.float32(255)
    big = np.asarray(Image.fromarray(digit).resize((round(height * 1.4),) * 2, Image.Resampling.BICUBIC))
    return np.clip((big.astype(np.float32) / 255 - 0.2) / 0.5, 0, 1)  # MNIST's soft edges, a pen's solid middle


def _paper(rng: np.random.Generator, size: tuple[int, int], condition: str) -> Image.Image:
    """A sheet: its tint, faint texture, and ruled or squared lines when the condition asks."""
    width, height = size
    tint = PAPERS[rng.integers(len(PAPERS))] if condition in ("tinted paper", "everything at once") else PAPERS[0]
    sheet = Image.new("RGB", size, tint)
    ruling = condition if condition in ("ruled paper", "squared paper") else None
    if condition == "everything at once":
        ruling = rng.choice(["ruled paper", "squared paper", "none"])
    if ruling in ("ruled paper", "squared paper"):
        pen = ImageDraw.Draw(sheet)
        colour = tuple(int(c) for c in rng.choice([(150, 180, 225), (170, 170, 175), (120, 160, 210)]))
        step = height * rng.uniform(0.05, 0.09) if ruling == "ruled paper" else height * rng.uniform(0.035, 0.06)
        line = max(1, round(height * rng.uniform(0.0015, 0.003)))
        for y in np.arange(rng.uniform(0, step), height, step):
            pen.line([(0, y), (width, y)], fill=colour, width=line)
        if ruling == "squared paper":
            for x in np.arange(rng.uniform(0, step), width, step):
                pen.line([(x, 0), (x, height)], fill=colour, width=line)
    return sheet


def _pen(rng: np.random.Generator, condition: str) -> tuple[tuple[int, int, int], float, float]:
    """Pen colour, opacity, and width as a share of the digit's height."""
    colour = {"blue pen": "blue", "pencil": "pencil"}.get(condition, "black")
    if condition == "everything at once":
        colour = str(rng.choice(list(PENS)))
    opacity = rng.uniform(0.55, 0.8) if colour == "pencil" else rng.uniform(0.85, 1.0)
    width = {"thin pen": (0.02, 0.035), "thick pen": (0.11, 0.15)}.get(condition, (0.04, 0.09))
    return PENS[colour], opacity, rng.uniform(*width)


def _quad(rng: np.random.Generator, size: tuple[int, int], condition: str) -> list[tuple[float, float]]:
    """Where the sheet's corners land in the picture: table visible at one edge or more, tilt, turn."""
    width, height = size
    cover = (
        rng.uniform(0.55, 0.8) if condition in ("table at 2-4 edges", "everything at once") else rng.uniform(0.8, 1.1)
    )
    half_w, half_h = cover * width / 2, cover * height / 2
    cx = width / 2 + rng.uniform(-0.1, 0.1) * width
    cy = height / 2 + rng.uniform(-0.1, 0.1) * height
    if cover > 0.8:  # a large sheet: shift it so the table shows along at least one edge
        side = rng.integers(4)
        shift = rng.uniform(0.08, 0.2)
        cx += (-1, 1, 0, 0)[side] * (half_w - width / 2 + shift * width) if side < 2 else 0
        cy += (0, 0, -1, 1)[side] * (half_h - height / 2 + shift * height) if side >= 2 else 0
    degrees = 15 if condition in ("tilt 10-15 degrees", "everything at once") else 5
    tilt = np.tan(np.deg2rad(rng.uniform(0.6, 1.0) * degrees if degrees == 15 else rng.uniform(0, degrees)))
    turn = np.deg2rad(rng.uniform(-8, 8) if degrees == 15 else rng.uniform(-3, 3))
    corners = np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]])
    corners[:2, 0] *= 1 - 0.8 * tilt  # the far edge looks shorter: the camera is tilted
    corners[:2, 1] *= 1 - 0.4 * tilt
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    return [tuple(p) for p in corners @ rotation.T + [cx, cy]]


def _perspective(source: list[tuple[float, float]], target: list[tuple[float, float]]) -> list[float]:
    """PIL's 8 coefficients mapping `target` corners (picture) back to `source` corners (sheet)."""
    rows, values = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    return np.linalg.solve(np.array(rows), np.array(values)).tolist()


def _table(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A table top: a colour with a wood-like grain along one direction."""
    width, height = size
    colour = np.float32(TABLES[rng.integers(len(TABLES))])
    grain = rng.normal(0, 1, width if rng.random() < 0.5 else height).astype(np.float32)
    grain = np.convolve(grain, np.ones(5) / 5, mode="same") * rng.uniform(4, 14)
    grain = grain[None, :, None] if grain.size == width else grain[:, None, None]
    return np.broadcast_to(colour + grain, (height, width, 3))


def _lighting(rng: np.random.Generator, size: tuple[int, int], condition: str) -> np.ndarray:
    """A multiplier for the light across the picture: a gradient, a lamp's hotspot, a cast shadow."""
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ys, xs = ys / height - 0.5, xs / width - 0.5
    strong = condition in ("lighting gradient", "everything at once")
    angle = rng.uniform(0, 2 * np.pi)
    ramp = xs * np.cos(angle) + ys * np.sin(angle)
    light = 1 + ramp * (rng.uniform(0.3, 0.6) if strong else rng.uniform(0, 0.15))
    if strong:
        spot = rng.uniform(-0.3, 0.3, 2)
        light *= 1 + rng.uniform(0.1, 0.3) * np.exp(-((xs - spot[0]) ** 2 + (ys - spot[1]) ** 2) / 0.05)
    if condition in ("cast shadow", "everything at once"):
        angle = rng.uniform(0, 2 * np.pi)
        across = xs * np.cos(angle) + ys * np.sin(angle) - rng.uniform(-0.25, 0.25)
        softness = rng.uniform(0.005, 0.05)
        light *= 1 - rng.uniform(0.3, 0.55) / (1 + np.exp(-across / softness))
    return light[:, :, None]


def photo_of_digit(
    ink_of: InkMaker | None, rng: np.random.Generator, condition: str, size: tuple[int, int] | None = None
) -> bytes:
    """A JPEG of the ink `ink_of(height, pen width)` makes (None: a blank sheet), taken under `condition`,
    `size` (width, height) pixels large if given."""
    if condition == "3000-4000 px":
        side = rng.uniform(3000, 4000)
    elif condition == "600-800 px":
        side = rng.uniform(600, 800)
    else:
        side = np.exp(rng.uniform(np.log(600), np.log(4000)))
    aspect = rng.choice([4 / 3, 3 / 4, 1.0, 16 / 9, 9 / 16])
    final = (round(side), round(side / aspect)) if aspect >= 1 else (round(side * aspect), round(side))
    final = size or final
    scale = min(1.0, BASE_SIDE / max(final))
    size = (round(final[0] * scale), round(final[1] * scale))
    sheet_size = (round(size[0] * 0.9), round(size[1] * 0.9))
    sheet = np.asarray(_paper(rng, sheet_size, condition), dtype=np.float32)
    quad = _quad(rng, size, condition)
    corners = [(0, 0), (sheet_size[0], 0), sheet_size, (0, sheet_size[1])]
    coefficients = _perspective(corners, quad)
    if ink_of is not None:
        colour, opacity, pen_width = _pen(rng, condition)
        ink = ink_of(rng.uniform(0.2, 0.45) * min(sheet_size), pen_width)
        x, y = rng.uniform(0.4, 0.6) * size[0], rng.uniform(0.4, 0.6) * size[1]  # near the picture's middle
        a, b, c, d, e, f, g, h = coefficients
        where = ((a * x + b * y + c) / (g * x + h * y + 1), (d * x + e * y + f) / (g * x + h * y + 1))
        sheet = _lay_ink(sheet, ink * opacity, colour, where)
    paper = Image.fromarray(sheet.astype(np.uint8)).transform(
        size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    cover = Image.new("L", sheet_size, 255).transform(
        size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR
    )
    alpha = np.asarray(cover, dtype=np.float32)[:, :, None] / 255
    scene = np.asarray(paper, dtype=np.float32) * alpha + _table(rng, size) * (1 - alpha)
    scene = np.clip(scene * _lighting(rng, size, condition), 0, 255).astype(np.uint8)
    blur = rng.uniform(1.2, 2.5) if condition in ("blur", "everything at once") else rng.uniform(0, 0.8)
    picture = Image.fromarray(scene).filter(ImageFilter.GaussianBlur(blur)).resize(final, Image.Resampling.BICUBIC)
    return _as_phone_jpeg(picture, rng, condition)


def _lay_ink(
    sheet: np.ndarray, ink: np.ndarray, colour: tuple[int, int, int], centre: tuple[float, float]
) -> np.ndarray:
    """Lay ink (alpha in [0, 1]) of the given colour on the sheet, centred at `centre` (x, y) where it fits."""
    height, width = sheet.shape[:2]
    ink = ink[: height - 2, : width - 2]
    top = int(np.clip(centre[1] - ink.shape[0] / 2, 0, height - ink.shape[0]))
    left = int(np.clip(centre[0] - ink.shape[1] / 2, 0, width - ink.shape[1]))
    area = sheet[top : top + ink.shape[0], left : left + ink.shape[1]]
    alpha = ink[:, :, None]
    area[:] = area * (1 - alpha) + np.float32(colour) * alpha
    return sheet


def _as_phone_jpeg(picture: Image.Image, rng: np.random.Generator, condition: str) -> bytes:
    """Sensor noise, then a JPEG at some quality, turned and tagged with the EXIF orientation that undoes it."""
    strength = rng.uniform(6, 14) if condition in ("sensor noise", "everything at once") else rng.uniform(1, 4)
    tile = np.clip(128 + rng.normal(0, strength, (NOISE_TILE, NOISE_TILE, 3)), 0, 255).astype(np.uint8)
    reps = (-(-picture.height // NOISE_TILE), -(-picture.width // NOISE_TILE), 1)
    noise = np.tile(tile, reps)[: picture.height, : picture.width]  # a repeated tile: fresh noise for 12 MP is slow
    picture = ImageChops.add(picture, Image.fromarray(noise), scale=1.0, offset=-128)
    quality = int(
        rng.integers(40, 61) if condition in ("JPEG quality 40-60", "everything at once") else rng.integers(61, 96)
    )
    exif = Image.Exif()
    if condition in ("EXIF rotation", "everything at once"):
        orientation, turn = [
            (3, Image.Transpose.ROTATE_180),
            (6, Image.Transpose.ROTATE_90),
            (8, Image.Transpose.ROTATE_270),
        ][rng.integers(3)]
        picture = picture.transpose(turn)
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


def scribble_ink(rng: np.random.Generator, height: float) -> np.ndarray:
    """Ink of a mark that is no digit: a scribble, a wavy line, a hatched patch or a cross of many strokes."""
    side = max(round(height * 1.3), 8)
    kind = rng.integers(4)
    t = np.linspace(0, 1, 60)
    if kind == 0:  # a scribble
        points = rng.uniform(0.15, 0.85, (rng.integers(8, 20), 2)) * side
        strokes = [points]
    elif kind == 1:  # a wavy line across
        strokes = [np.stack([0.1 + 0.8 * t, 0.5 + 0.08 * np.sin(t * rng.uniform(8, 20))], axis=1) * side]
    elif kind == 2:  # hatching
        strokes = [np.array([[0.2 + 0.06 * i, 0.2], [0.2 + 0.06 * i - 0.15, 0.8]]) * side for i in range(10)]
    else:  # a star of strokes
        angles = rng.uniform(0, np.pi, rng.integers(4, 8))
        strokes = [
            np.array(
                [[0.5 - 0.35 * np.cos(a), 0.5 - 0.35 * np.sin(a)], [0.5 + 0.35 * np.cos(a), 0.5 + 0.35 * np.sin(a)]]
            )
            * side
            for a in angles
        ]
    strokes = [s.astype(np.float32) for s in strokes]
    return draw_strokes(strokes, (side, side), max(0.06 * height, 1.0))[:, :, 3] / np.float32(255)


def scan_of_digit(image28: np.ndarray, rng: np.random.Generator) -> bytes:
    """A scan-like picture of an MNIST digit: white paper, grey ink levels, margins; PNG or JPEG, grey or colour."""
    side = int(rng.uniform(200, 1200))
    size = (side, int(side * rng.uniform(0.7, 1.4)))
    height = rng.uniform(0.2, 0.45) * min(size)  # with a margin all round
    ink = digit_ink(image28, height, 0.0) * rng.uniform(0.5, 1.0)  # from a grey pencil to black ink
    sheet = np.full((size[1], size[0], 3), rng.uniform(235, 255), np.float32)
    sheet = _lay_ink(sheet, ink, (10, 10, 10), (rng.uniform(0.4, 0.6) * size[0], rng.uniform(0.4, 0.6) * size[1]))
    sheet += rng.normal(0, rng.uniform(0.5, 3), sheet.shape[:2])[:, :, None]
    picture = Image.fromarray(np.clip(sheet, 0, 255).astype(np.uint8)).rotate(
        rng.uniform(-3, 3), fillcolor=(250, 250, 250)
    )
    picture = picture.convert("L") if rng.random() < 0.5 else picture
    buffer = io.BytesIO()
    if rng.random() < 0.5:
        picture.save(buffer, "PNG")
    else:
        picture.save(buffer, "JPEG", quality=int(rng.integers(75, 96)))
    return buffer.getvalue()
