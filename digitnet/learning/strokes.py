"""Real pen strokes (UCI pendigits and UNIPEN) and how to draw them like the canvas does.

Used to measure the model on drawings people make, to add such drawings to
training (from the training writers only), and to drive the browser tests.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digitnet.constants import INK_RGB

PENDIGITS_FILE = Path("pendigits") / "pendigits-orig.tra"  # inside the data root
UNIPEN_FILE = Path("unipen") / "unipen-1a-digits.jsonl"  # inside the data root
CHARACTERS_FILE = Path("unipen") / "unipen-1bcd-characters.jsonl.gz"  # UNIPEN's letters and symbols, same root
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


@dataclass(frozen=True)
class PenCharacter:
    """One letter or symbol written on a tablet (UNIPEN 1b-1d), kept like a UNIPEN PenDigit."""

    label: str  # the character as written: "e", "R", "?"
    category: str  # "1b" upper case, "1c" lower case, "1d" symbols and punctuation
    writer: str  # "site:id", the same person as in the digits file where the ids agree
    strokes: tuple[np.ndarray, ...]  # each (N, 2) float: x right, y down, in a 500-unit box
    site: str


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
    return PenDigit(label, sample["writer"], unipen_strokes(sample["strokes"]), sample["site"])


def parse_unipen_character(line: str) -> PenCharacter:
    """One line of UNIPEN's letters and symbols as a PenCharacter (strokes as parse_unipen_sample's).

    Raises ValueError, saying why, for a label that is not one character or a sample with fewer than two points.
    """
    sample = json.loads(line)
    label = sample["label"]
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"label {label!r} is not a character")
    strokes = unipen_strokes(sample["strokes"])
    return PenCharacter(label, sample["category"], sample["writer"], strokes, sample["site"])


def unipen_strokes(raw: list) -> tuple[np.ndarray, ...]:
    """UNIPEN strokes (raw device units, y up) flipped to point down, scaled into a 500-unit box and smoothed."""
    strokes = [np.array(s, dtype=np.float32).reshape(-1, 2) for s in raw if len(s)]
    if sum(len(s) for s in strokes) < 2:
        raise ValueError("fewer than two pen points")
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    # Sites record in their own units (Apple's digits are ~15 units tall): one box makes them alike.
    scale = TABLET_SIZE / max(float((high - low).max()), 1.0)
    flipped = [np.stack([s[:, 0] - low[0], high[1] - s[:, 1]], axis=1) * scale for s in strokes]
    return tuple(smooth(s) for s in flipped)


def smooth(stroke: np.ndarray) -> np.ndarray:
    """Average each inner point with its neighbours (1-2-1): low-resolution tablets draw staircases."""
    if len(stroke) < 3:
        return stroke.astype(np.float32)
    inner = (stroke[:-2] + 2 * stroke[1:-1] + stroke[2:]) / 4
    return np.concatenate([stroke[:1], inner, stroke[-1:]]).astype(np.float32)


def parse_unipen(path: Path, parse: Callable[[str], PenDigit | PenCharacter] = parse_unipen_sample) -> tuple[list, int]:
    """Every valid sample of a UNIPEN JSONL file (gzipped if it ends in .gz), and how many were refused (empty,
    one point, bad label); `parse` reads one line (parse_unipen_character for the letters and symbols)."""
    samples, refused = [], 0
    with (gzip.open if Path(path).suffix == ".gz" else open)(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                samples.append(parse(line))
            except (ValueError, KeyError, TypeError):
                refused += 1
    return samples, refused


def resample(stroke: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` or closer along a stroke's path (ends kept), so that no part of it is skipped."""
    if len(stroke) < 2:
        return stroke
    along = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
    at = np.linspace(0, along[-1], max(2, int(along[-1] / step) + 1))
    return np.stack([np.interp(at, along, stroke[:, 0]), np.interp(at, along, stroke[:, 1])], axis=1)


def split_unipen(samples: list, known: dict[str, str] | None = None) -> dict[str, list]:
    """UNIPEN samples by role: "test" = whole held-out sites; a writer in `known` (writer -> role) keeps that
    role; of every other site's remaining writers (sorted by name), every fifth from the third on "tune"s; the
    rest "fit". `known` keeps a person who wrote both digits and letters in one role."""
    known = known or {}
    tune = set()
    for site in {s.site for s in samples} - set(UNIPEN_TEST_SITES):
        writers = sorted({str(s.writer) for s in samples if s.site == site} - set(known))
        tune.update(writers[2::UNIPEN_TUNE_SHARE])
    roles: dict[str, list] = {"fit": [], "tune": [], "test": []}
    for sample in samples:
        writer = str(sample.writer)
        role = "test" if sample.site in UNIPEN_TEST_SITES else known.get(writer, "tune" if writer in tune else "fit")
        roles[role].append(sample)
    return roles


def writer_roles(roles: dict[str, list]) -> dict[str, str]:
    """Writer -> role of a split_unipen result."""
    return {str(s.writer): role for role, samples in roles.items() for s in samples}


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


def place_drawing(
    strokes: tuple[np.ndarray, ...], canvas_size: tuple[int, int], rng: np.random.Generator
) -> list[np.ndarray]:
    """Place a drawing on a canvas like a person draws: 45-80% of the canvas on its longer side (a wide
    letter or a dash fits as a tall digit does)."""
    every = np.concatenate(strokes)
    width, height = np.ptp(every, axis=0)
    wide = max(1.0, float(width) / max(float(height), 1e-6) * canvas_size[1] / canvas_size[0])
    return random_placement(strokes, canvas_size, rng, height_range=(0.45 / wide, 0.8 / wide))


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
    digit: PenDigit | PenCharacter,
    canvas: int,
    brush_width: float,
    rng: np.random.Generator,
    style: str = "transparent",
    place: Callable = random_placement,
) -> np.ndarray:
    """Draw a pen digit (or character: place=place_drawing) as a person would on a square canvas: random size
    and place, round brush."""
    ink, background = STYLES[style]
    strokes = place(digit.strokes, (canvas, canvas), rng)
    return draw_strokes(strokes, (canvas, canvas), brush_width, ink, background)
