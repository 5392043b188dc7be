"""Real pen strokes (UCI pendigits and UNIPEN) and how to draw them like the canvas does.

Used to measure the model on drawings people make, to add such drawings to
training (from the training writers only), and to drive the browser tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digitnet.constants import INK_RGB

PENDIGITS_FILE = Path("pendigits") / "pendigits-orig.tra"  # inside the data root
UNIPEN_FILE = Path("unipen") / "unipen-1a-digits.jsonl"  # inside the data root
TABLET_SIZE = 500  # pendigits coordinates lie in a 500x500 box, y pointing up

# Who trains, who chooses, who is only measured (README, "Who the model learns from").
FIT_WRITERS = range(1, 17)  # pendigits writers whose digits may be trained on
TUNE_WRITERS = range(17, 21)  # pendigits validation writers: calibration and thresholds are chosen on them
TEST_WRITERS = range(21, 31)  # pendigits writers only ever measured, never trained or tuned on
UNIPEN_TEST_SITES = ("ced", "apa")  # whole UNIPEN sites (a tablet and a population) only ever measured
UNIPEN_TUNE_SHARE = 5  # one in this many writers of every other site chooses things; the rest train
SUPERSAMPLE = 2  # PIL draws aliased lines: draw twice as large and average down
# (ink RGBA, background RGBA) of the ways a canvas or a scan can look.
STYLES = {
    "transparent": ((*INK_RGB, 255), (0, 0, 0, 0)),  # the app's canvas: the ink is only in the alpha channel
    "dark-on-light": ((*INK_RGB, 255), (255, 255, 255, 255)),
    "light-on-dark": ((255, 255, 255, 255), (0, 0, 0, 255)),
}


@dataclass(frozen=True)
class PenDigit:
    """One digit written on a tablet: its label, its writer, and its strokes."""

    label: int
    writer: int | str  # pendigits: 1-30; UNIPEN: "site:id"
    strokes: tuple[np.ndarray, ...]  # each (N, 2) float: x right, y down, in tablet units
    site: str = "pendigits"  # UNIPEN: the lab that recorded it (one tablet, one population)


def parse_pendigits(path: Path) -> list[PenDigit]:
    """Parse a UNIPEN pendigits file into PenDigits, flipping y so that it points down."""
    digits: list[PenDigit] = []
    label = writer = None
    strokes: list[np.ndarray] = []
    points: list[tuple[float, float]] | None = None
    for line in [*Path(path).read_text().splitlines(), ".SEGMENT"]:  # a last marker flushes the last digit
        if line.startswith(".SEGMENT") and label is not None:
            digits.append(PenDigit(label, writer, tuple(strokes)))
            label, strokes = None, []
        if line.startswith(".COMMENT"):
            _, label_text, writer_text, _index = line.split()
            label, writer = int(label_text), int(writer_text)
        elif line.startswith(".PEN_DOWN"):
            points = []
        elif line.startswith(".PEN_UP"):
            if points:  # a pen that went down and up without a point leaves no stroke
                strokes.append(np.array(points, dtype=np.float32))
            points = None
        elif points is not None and line.strip():
            x, y = line.split()
            points.append((float(x), TABLET_SIZE - float(y)))
    return digits


def parse_unipen_sample(line: str) -> PenDigit:
    """One UNIPEN JSON line as a PenDigit, y flipped to point down and scaled into a 500-unit box.

    Raises ValueError, saying why, for a label outside 0-9 or a sample with fewer than two points.
    """
    sample = json.loads(line)
    label = sample["label"]
    if not isinstance(label, int) or not 0 <= label <= 9:
        raise ValueError(f"label {label!r} is not a digit 0-9")
    strokes = [np.array(s, dtype=np.float32).reshape(-1, 2) for s in sample["strokes"] if len(s)]
    if sum(len(s) for s in strokes) < 2:
        raise ValueError("fewer than two pen points")
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    # Sites record in their own units (Apple's digits are ~15 units tall): one box makes them alike.
    scale = TABLET_SIZE / max(float((high - low).max()), 1.0)
    flipped = [np.stack([s[:, 0] - low[0], high[1] - s[:, 1]], axis=1) * scale for s in strokes]
    return PenDigit(label, sample["writer"], tuple(smooth(s) for s in flipped), sample["site"])


def smooth(stroke: np.ndarray) -> np.ndarray:
    """Average each inner point with its neighbours (1-2-1): low-resolution tablets draw staircases."""
    if len(stroke) < 3:
        return stroke.astype(np.float32)
    inner = (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4
    return np.concatenate([stroke[:1], inner, stroke[-1:]]).astype(np.float32)


def parse_unipen(path: Path) -> tuple[list[PenDigit], int]:
    """Every valid digit of a UNIPEN JSONL file, and how many samples were refused (empty, one point, bad label)."""
    digits, refused = [], 0
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            continue
        try:
            digits.append(parse_unipen_sample(line))
        except (ValueError, KeyError, TypeError):
            refused += 1
    return digits, refused


def resample(stroke: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` or closer along a stroke's path (ends kept), so that no part of it is skipped."""
    if len(stroke) < 2:
        return stroke
    along = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
    at = np.linspace(0, along[-1], max(2, int(along[-1] / step) + 1))
    return np.stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])], axis=1)


def split_unipen(digits: list[PenDigit]) -> dict[str, list[PenDigit]]:
    """UNIPEN digits by role: "test" = whole held-out sites; of every other site's writers (sorted by name),
    every fifth from the third on "tune"s; the rest "fit"."""
    tune = set()
    for site in {d.site for d in digits} - set(UNIPEN_TEST_SITES):
        writers = sorted({str(d.writer) for d in digits if d.site == site})
        tune.update(writers[2::UNIPEN_TUNE_SHARE])
    roles: dict[str, list[PenDigit]] = {"fit": [], "tune": [], "test": []}
    for digit in digits:
        role = "test" if digit.site in UNIPEN_TEST_SITES else "tune" if str(digit.writer) in tune else "fit"
        roles[role].append(digit)
    return roles


def place_strokes(
    strokes: tuple[np.ndarray, ...], canvas_height: int, height_fraction: float, center: tuple[float, float]
) -> list[np.ndarray]:
    """Scale strokes so the digit is `height_fraction` of the canvas tall, centred at `center` (x, y)."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = height_fraction * canvas_height / max(float(high[1] - low[1]), 1.0)
    middle = (low + high) / 2
    return [(s - middle) * scale + np.float32(center) for s in strokes]


def random_placement(
    strokes: tuple[np.ndarray, ...],
    canvas_size: tuple[int, int],
    rng: np.random.Generator,
    height_range: tuple[float, float] = (0.45, 0.8),
) -> list[np.ndarray]:
    """Place strokes at a random height in `height_range` of the canvas and a random spot where they fit."""
    width, height = canvas_size
    fraction = rng.uniform(*height_range)
    placed = place_strokes(strokes, height, fraction, (0.0, 0.0))
    every = np.concatenate(placed)
    low, high = every.min(axis=0), every.max(axis=0)
    margin = 2.0
    cx = rng.uniform(margin - low[0], max(margin - low[0], width - margin - high[0]))
    cy = rng.uniform(margin - low[1], max(margin - low[1], height - margin - high[1]))
    return [s + np.float32([cx, cy]) for s in placed]


def draw_strokes(
    strokes: list[np.ndarray],
    canvas_size: tuple[int, int],
    brush_width: float,
    ink: tuple[int, ...] = (0, 0, 0, 255),
    background: tuple[int, ...] = (0, 0, 0, 0),
) -> np.ndarray:
    """Draw strokes (canvas pixels) with a round anti-aliased brush; return an RGBA uint8 array."""
    width, height = canvas_size
    big = Image.new("RGBA", (width * SUPERSAMPLE, height * SUPERSAMPLE), background)
    pen = ImageDraw.Draw(big)
    radius = brush_width * SUPERSAMPLE / 2
    for stroke in strokes:
        points = [tuple(p) for p in (stroke * SUPERSAMPLE).tolist()]
        if len(points) > 1:
            pen.line(points, fill=ink, width=round(2 * radius))
        # A disc at every point: round caps, round joins (PIL's joint="curve" costs ten times as much),
        # and a dot for a one-point stroke.
        for x, y in points:
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=ink)
    return np.asarray(big.resize(canvas_size, Image.Resampling.BOX))


def render_on_canvas(
    digit: PenDigit, canvas: int, brush_width: float, rng: np.random.Generator, style: str = "transparent"
) -> np.ndarray:
    """Draw a pen digit as a person would on a square canvas: random size and place, round brush."""
    ink, background = STYLES[style]
    strokes = random_placement(digit.strokes, (canvas, canvas), rng)
    return draw_strokes(strokes, (canvas, canvas), brush_width, ink, background)
