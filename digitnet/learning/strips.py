"""The number reader's training strips: numbers composed the way people write them, and lines that are no number.

A number is 1-10 digits of one writer (a training writer's pen digits, or MNIST training digits), laid out
left to right spaced, tight, touching or joined by a ligature, each digit with its own size, width and
slant, the baseline drifting; drawn with a pen as thin as a stylus or as thick as a finger. A line that is
no number is a word of real letters (training writers, none that is written like a digit) or a few
scribbles; its reading is empty. Every strip goes through `reading.strip.ink_strip`, as the page's ink does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from digitnet.learning.augment import StrokeAugmentConfig, distort_strokes
from digitnet.learning.letters import counts_as_not_a_digit
from digitnet.learning.strokes import draw_strokes
from digitnet.reading.strip import ink_strip

DIGIT_HEIGHT = 40  # pixels a digit is drawn before the strip scales it (the strip's ink is 28 rows)
LAYOUTS = ("spaced", "tight", "touching", "ligature")
GAPS = {"spaced": (0.1, 0.6), "tight": (-0.02, 0.12), "touching": (-0.16, -0.02), "ligature": (0.0, 0.3)}
LENGTH_WEIGHTS = np.array([1, 2, 2, 2, 2, 1.5, 1, 1, 1, 1])  # 1-10 digits: most numbers people write have 2-6

Example = tuple[np.ndarray, list[int]]  # a strip's pixels (32, W) and its digits


@dataclass(frozen=True)
class StripConfig:
    """How many strips of each kind, and how a number's layout varies."""

    strips: int = 60000  # numbers and non-numbers in all
    mnist_share: float = 0.25  # numbers of MNIST training digits (the rest of the numbers: pen digits)
    letters_share: float = 0.08  # words of real letters, read as nothing
    scribbles_share: float = 0.04  # scribbles and doodles, read as nothing
    size: tuple[float, float] = (0.8, 1.15)  # each digit's height, times the number's
    width: tuple[float, float] = (-0.15, 0.3)  # log of each digit's extra width (a wide 0)
    slant: float = 0.3  # the number's shear, x per unit of height, either way
    drift: float = 0.08  # baseline rise or fall per digit, in digit heights, either way
    brush: tuple[float, float] = (0.04, 0.16)  # pen width in digit heights: stylus to finger


def _length(rng: np.random.Generator) -> int:
    """How many digits a number has."""
    return int(rng.choice(len(LENGTH_WEIGHTS), p=LENGTH_WEIGHTS / LENGTH_WEIGHTS.sum())) + 1


def _baselines(count: int, config: StripConfig, rng: np.random.Generator) -> np.ndarray:
    """Where each digit's bottom lies, in pixels: a drifting line with a little wobble."""
    trend = rng.uniform(-config.drift, config.drift)
    return DIGIT_HEIGHT * (1.5 + trend * np.arange(count) + rng.normal(0, 0.04, count))


def lay_out(
    drawings: list[tuple[np.ndarray, ...]], config: StripConfig, rng: np.random.Generator, distort: bool = True
) -> list[np.ndarray]:
    """Strokes of several drawings (pen digits or letters) written left to right as one line, in pixels."""
    layout = LAYOUTS[rng.integers(len(LAYOUTS))]
    slant = rng.uniform(-config.slant, config.slant)
    baselines = _baselines(len(drawings), config, rng)
    strokes: list[np.ndarray] = []
    right = middle = 0.0
    for drawing, baseline in zip(drawings, baselines, strict=True):
        drawing = distort_strokes(drawing, StrokeAugmentConfig(), rng) if distort else drawing
        every = np.concatenate(drawing)
        low, high = every.min(axis=0), every.max(axis=0)
        scale = DIGIT_HEIGHT * rng.uniform(*config.size) / max(float(high[1] - low[1]), 1.0)
        stretch = np.exp(rng.uniform(*config.width))
        placed = [(s - low) * np.float32([scale * stretch, scale]) for s in drawing]
        height = max(float(high[1] - low[1]) * scale, 1.0)
        # bottom on the baseline, then sheared about it: upright or italic
        placed = [np.stack([p[:, 0] + slant * (height - p[:, 1]), p[:, 1] + baseline - height], 1) for p in placed]
        left = min(float(p[:, 0].min()) for p in placed)
        gap = rng.uniform(*GAPS[layout]) * DIGIT_HEIGHT
        placed = [p + np.float32([right + gap - left, 0]) for p in placed]
        if layout == "ligature" and strokes and rng.random() < 0.7 and joins(strokes[-1], placed[0], middle):
            strokes.append(np.stack([strokes[-1][-1], placed[0][0]]))  # the pen runs on to the next digit
        strokes += placed
        right = max(float(p[:, 0].max()) for p in placed)
        middle = (right + min(float(p[:, 0].min()) for p in placed)) / 2
    return [s.astype(np.float32) for s in strokes]


def joins(last: np.ndarray, first: np.ndarray, middle: float) -> bool:
    """Whether a pen runs on from a digit's `last` stroke to the next one's `first` (a ligature): the one ends right
    of its digit's `middle` (x), the other begins on the left of its first stroke: the join crosses neither digit."""
    return bool(last[-1, 0] >= middle and first[0, 0] <= first[:, 0].mean())


def draw_line(strokes: list[np.ndarray], config: StripConfig, rng: np.random.Generator) -> np.ndarray:
    """The strip of strokes drawn with a random pen."""
    brush = DIGIT_HEIGHT * rng.uniform(*config.brush)
    every = np.concatenate(strokes)
    margin = brush + 2
    shifted = [s - every.min(axis=0) + margin for s in strokes]
    size = tuple(int(v) for v in np.ceil(np.ptp(every, axis=0) + 2 * margin))
    alpha = draw_strokes(shifted, size, brush)[:, :, 3]
    return ink_strip(alpha.astype(np.float32) / 255).pixels


def mnist_line(images: np.ndarray, config: StripConfig, rng: np.random.Generator) -> np.ndarray:
    """The strip of MNIST digits (uint8 (k, 28, 28)) written side by side, each its own size; sheared as a whole."""
    layout = LAYOUTS[rng.integers(len(LAYOUTS) - 1)]  # no ligature: there are no strokes to join
    baselines = _baselines(len(images), config, rng)
    pieces, right = [], DIGIT_HEIGHT * 0.5
    for image, baseline in zip(images, baselines, strict=True):
        rows, cols = np.flatnonzero(image.max(axis=1) > 25), np.flatnonzero(image.max(axis=0) > 25)
        crop = Image.fromarray(image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
        height = DIGIT_HEIGHT * rng.uniform(*config.size)
        width = max(2.0, crop.width * height / crop.height * np.exp(rng.uniform(*config.width)))
        digit = np.asarray(crop.resize((round(width), round(height)), Image.Resampling.BILINEAR))
        left = right + rng.uniform(*GAPS[layout]) * DIGIT_HEIGHT
        pieces.append((digit, round(baseline - height), round(max(left, 0))))
        right = left + width
    canvas = np.zeros((int(DIGIT_HEIGHT * 3.5), int(right + DIGIT_HEIGHT)), dtype=np.uint8)
    for digit, top, left in pieces:
        top = int(np.clip(top, 0, canvas.shape[0] - digit.shape[0]))
        window = canvas[top : top + digit.shape[0], left : left + digit.shape[1]]
        np.maximum(window, digit, out=window)
    slant = rng.uniform(-config.slant, config.slant)
    sheared = Image.fromarray(canvas).transform(
        canvas.shape[::-1], Image.Transform.AFFINE, (1, slant, -slant * canvas.shape[0] / 2, 0, 1, 0), Image.BILINEAR
    )
    return ink_strip(np.asarray(sheared, dtype=np.float32) / 255).pixels


def by_writer(digits: list) -> list[list]:
    """Pen digits grouped by their writer: a number's digits are all one person's."""
    groups: dict = {}
    for digit in digits:
        groups.setdefault(digit.writer, []).append(digit)
    return list(groups.values())


def pen_number(writers: list[list], config: StripConfig, rng: np.random.Generator, distort: bool = True) -> Example:
    """A number of one writer's pen digits."""
    pool = writers[rng.integers(len(writers))]
    digits = [pool[i] for i in rng.integers(len(pool), size=_length(rng))]
    strokes = lay_out([d.strokes for d in digits], config, rng, distort)
    return draw_line(strokes, config, rng), [d.label for d in digits]


def mnist_number(images: np.ndarray, labels: np.ndarray, config: StripConfig, rng: np.random.Generator) -> Example:
    """A number of MNIST training digits."""
    chosen = rng.integers(len(images), size=_length(rng))
    return mnist_line(images[chosen], config, rng), labels[chosen].tolist()


def no_number(
    drawings: list[tuple[np.ndarray, ...]], most: int, config: StripConfig, rng: np.random.Generator
) -> Example:
    """A line of 1 to `most` drawings (letters: a word; scribbles), whose reading is empty."""
    count = rng.integers(1, most + 1)
    chosen = [drawings[i] for i in rng.integers(len(drawings), size=count)]
    return draw_line(lay_out(chosen, config, rng), config, rng), []


def letter_strokes(characters: list) -> list[tuple[np.ndarray, ...]]:
    """The strokes of the characters that may stand for "not a digit" (no O, l, S, ...)."""
    return [c.strokes for c in characters if counts_as_not_a_digit(c.label)]
