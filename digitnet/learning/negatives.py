"""Drawings that are NOT digits, drawn like the canvas draws: to train and to measure "not a digit".

Three splits: "train" (to train on), "val" (the same kinds from another seed stream, to choose the
threshold) and "test" (kinds, fonts, letters and shapes never used by train or val: the honest
measure). Letters and symbols come from the Hershey stroke fonts (package `hershey-fonts`, MIT),
pictures and scribbles from `digitnet.learning.doodles`, and in train/val also pen digits of the training
writers drawn over each other or cut short. Only glyphs that look like no digit are used: no O, I, l,
S, Z, B, b, g, q, D, G, T, ... Every drawing gets a wobbly pen (a smooth random displacement field)
and a random slant and stretch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from digitnet.learning import doodles, sketches
from digitnet.learning.data import load_pendigits, resolve_data_dir
from digitnet.learning.strokes import FIT_WRITERS, draw_strokes, place_drawing, place_strokes, resample
from digitnet.reading.pixels import EmptyImageError
from digitnet.reading.preprocess import preprocess

SPLITS = ("train", "val", "test")
Drawing = tuple[np.ndarray, ...]

# (font, characters): letters that look like no digit, in fonts kept apart by split.
# Other alphabets and pictograms widen what is refused: Cyrillic and Japanese glyphs, and the symbolic
# and astrological fonts' pictures (no heart: hearts are a test kind; the Hershey fonts map them to ASCII).
TRAIN_GLYPHS = {
    "letter": [(f, "CEFHKMPUVYcefhkmpuvy") for f in ("futural", "futuram", "rowmans", "timesr", "scripts")],
    "symbol": [(f, "#*@%+=") for f in ("futural", "rowmans", "timesr")],
    "cyrillic": [("cyrillic", "DEFGHLPQUW^`defghlpquw}")],  # Д И Ф Г Ж Л П Ш Ю Щ Я Ц, small ones
    "kana": [("japanese", "#$%&')*+,-.07AEFGIMNPUVWXZ\\^_`abcdflnrsxyz{|}")],  # kanji, hiragana
    "pictogram": [("symbolic", "AFGIJLNOPQRSTUWXYZ[^`abceghjkop~"), ("astrology", "!$%&'+-<=@[]^`|}~")],
}
TEST_GLYPHS = {
    "letter": [(f, "ANRWnrw") for f in ("cursive", "scriptc", "timesi", "rowmant")],
    "greek": [("greekc", "KNPRWXcgjklmpwx")],  # capital lambda, xi, pi, sigma, psi, omega; small gamma, eta, ...
}
# Generators of doodles.py and (trained only: knot, wave, polygon, ...) sketches.py, by name.
# Scribbles have their own goal in the issue.
TRAIN_SCRIBBLES = ("scribble", "zigzag", "spiral", "blob", "filled", "knot", "wave")
TRAIN_DOODLES = (*TRAIN_SCRIBBLES, "smiley", "star", "cross", "grid", "arrow", "triangle", "square")
TRAIN_DOODLES += ("polygon", "composition", "cloud", "bean", "tree", "fish", "bolt", "checkmark")
TEST_SCRIBBLES = ("tangle", "loops")
TEST_DOODLES = (*TEST_SCRIBBLES, "heart", "house", "sun", "flower", "stick_figure", "envelope", "cat")
SHAPE_GLYPHS = ("pictogram",)  # glyph kinds that are pictures, not letters
GLYPH_WEIGHT = 4  # letters are what people draw most: each glyph kind counts as this many doodle kinds
FAMILIES = ("letters", "shapes", "scribbles", "digit parts")  # the goals differ by family
FRAGMENT_SHARE = (0.2, 0.4)  # the part of a digit's pen path kept for a fragment
FRAGMENT_TRIES = 100
FRAGMENT_TURN = np.deg2rad(120)  # a fragment must bend at least this much: a gently curved bar is a 1
FRAGMENT_THINNEST = 0.35  # and be at least this wide for its length, across its own main axis
PIECE_SOURCES_EXCLUDED = (1, 2, 7)  # a piece of one is often still that digit, one over another vanishes in it
OVERLAY_EXCLUDED = 8  # an 8 drawn over a 3, a 0 or a 6 is still an 8


@lru_cache(maxsize=16)
def _font(font: str):
    """A loaded Hershey font, cached: loading one unpacks the package's whole font archive."""
    from HersheyFonts import HersheyFonts  # imported here: only training and the benches draw letters

    hershey = HersheyFonts()
    hershey.load_default_font(font)
    return hershey


@lru_cache(maxsize=512)
def _glyph(font: str, char: str) -> tuple[np.ndarray, ...]:
    """The strokes of one Hershey glyph (y down)."""
    (glyph,) = _font(font).glyphs_for_text(char)
    return tuple(np.array(s, dtype=np.float64) for s in glyph.strokes if len(s) > 0)


@lru_cache(maxsize=2)
def _pen_digits(data_dir: Path | None) -> tuple:
    """The training writers' pen digits that overlays and fragments are made of, or none when the data is
    missing (those kinds are then left out)."""
    try:
        digits = load_pendigits(resolve_data_dir(data_dir), FIT_WRITERS)
        return tuple(d for d in digits if d.label not in PIECE_SOURCES_EXCLUDED)
    except FileNotFoundError:
        return ()


def _overlay(digits: tuple, rng: np.random.Generator) -> list[np.ndarray]:
    """Two different digits of the same size drawn over each other."""
    first = digits[rng.integers(len(digits))]
    second = first
    while second.label == first.label:
        second = digits[rng.integers(len(digits))]
    offset = rng.uniform(-15, 15, 2)  # digits 100 units tall: nearly on top of each other, never side by side
    return place_strokes(first.strokes, 100, 1.0, (0, 0)) + place_strokes(
        second.strokes, 100, rng.uniform(0.85, 1.15), tuple(offset)
    )


def _fragment(digits: tuple, rng: np.random.Generator) -> list[np.ndarray] | None:
    """A contiguous part of a digit's pen path that bends (not a bar, a 1) and stays open (not a loop, a 0);
    None if 100 tries found none (digits of straight strokes only)."""
    for _ in range(FRAGMENT_TRIES):
        path = np.concatenate(digits[rng.integers(len(digits))].strokes)
        steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
        along = np.concatenate([[0], np.cumsum(steps)])
        length = along[-1] * rng.uniform(*FRAGMENT_SHARE)
        start = rng.uniform(0, along[-1] - length)
        part = path[(along >= start) & (along <= start + length)]
        if len(part) >= 3 and _bends_open(part):
            return [part]
    return None


def _bends_open(part: np.ndarray) -> bool:
    """True for a path that turns by more than FRAGMENT_TURN in all, is not thin along any axis (a bar, a
    hooked 1) and does not close (a 0)."""
    moves = np.diff(part, axis=0)
    moves = moves[np.linalg.norm(moves, axis=1) > 0]
    headings = np.arctan2(moves[:, 1], moves[:, 0])
    turning = np.abs((np.diff(headings) + np.pi) % (2 * np.pi) - np.pi).sum()
    spread = np.sqrt(np.linalg.eigvalsh(np.cov(part.T)))  # along the thinnest and the longest axis
    chord = np.linalg.norm(part[-1] - part[0])
    return bool(
        turning > FRAGMENT_TURN
        and spread[0] > FRAGMENT_THINNEST * spread[1]
        and chord > 0.25 * np.hypot(*np.ptp(part, axis=0))
    )


def kind_family(kind: str) -> str:
    """The family of a kind: letters, shapes, scribbles, or digit parts (overlays and fragments)."""
    if kind in SHAPE_GLYPHS:
        return "shapes"
    if kind in TRAIN_GLYPHS or kind in TEST_GLYPHS:
        return "letters"
    if kind in TRAIN_SCRIBBLES or kind in TEST_SCRIBBLES:
        return "scribbles"
    return "digit parts" if kind in ("overlay", "fragment") else "shapes"


def _kinds(split: str, data_dir: Path | None = None) -> dict[str, tuple[int, Callable]]:
    """Every kind of the split: name -> (weight, generator)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    glyphs, pictures = (TEST_GLYPHS, TEST_DOODLES) if split == "test" else (TRAIN_GLYPHS, TRAIN_DOODLES)
    kinds = {name: (GLYPH_WEIGHT, _glyph_picker(choices)) for name, choices in glyphs.items()}
    kinds |= {name: (1, getattr(doodles, name, None) or getattr(sketches, name)) for name in pictures}
    if split == "test":  # the pen digits are the training writers': the test split has its own kinds
        return kinds
    digits = _pen_digits(data_dir)
    if digits:
        kinds["fragment"] = (1, partial(_fragment, digits))
    below = tuple(d for d in digits if d.label != OVERLAY_EXCLUDED)
    if len({d.label for d in below}) > 1:
        kinds["overlay"] = (1, partial(_overlay, below))
    return kinds


def _glyph_picker(choices: list[tuple[str, str]]) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """A generator drawing a random character of a random font among `choices`."""

    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        font, chars = choices[rng.integers(len(choices))]
        return list(_glyph(font, chars[rng.integers(len(chars))]))

    return draw


def wobble(strokes: list[np.ndarray], rng: np.random.Generator) -> Drawing:
    """A hand's version of exact strokes: slant, stretch, turn, and a smooth wobble of the pen."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    size = max(float(np.max(high - low)), 1e-6)
    angle, shear = rng.normal(0, 0.15), rng.normal(0, 0.15)
    c, s = np.cos(angle), np.sin(angle)
    affine = np.array([[c, -s], [s, c]]) @ np.array([[1, shear], [0, 1]]) @ np.diag(rng.uniform(0.8, 1.25, 2))
    waves = rng.normal(0, 1, (3, 2, 2)) * 2 * np.pi / size  # three smooth waves per axis
    phases, amplitude = rng.uniform(0, 2 * np.pi, (3, 2)), rng.uniform(0.005, 0.025) * size
    result = []
    for stroke in strokes:
        points = resample((stroke - (low + high) / 2) @ affine.T, size / 30)
        shift = sum(np.sin(points @ waves[k] + phases[k]) for k in range(3))
        result.append((points + amplitude * shift).astype(np.float32))
    return tuple(result)


def _rng(seed: int, split: str) -> np.random.Generator:
    """The seed stream of a split: the same seed gives different drawings in train, val and test."""
    return np.random.default_rng([seed, SPLITS.index(split)])


def _next_drawing(rng: np.random.Generator, kinds: dict[str, tuple[int, Callable]]) -> tuple[str, Drawing]:
    """One random drawing: its kind's name and its wobbly strokes."""
    names = list(kinds)
    weights = np.array([kinds[n][0] for n in names], dtype=float)
    while True:
        name = names[rng.choice(len(names), p=weights / weights.sum())]
        strokes = kinds[name][1](rng)
        if strokes is not None:  # a generator may find nothing to draw (a fragment of straight strokes)
            return name, wobble(strokes, rng)


def negative_drawings(count: int, seed: int, split: str, data_dir: Path | None = None) -> list[tuple[str, Drawing]]:
    """`count` non-digit drawings of a split as (kind, strokes), for drawing on a canvas (`data_dir`: as for
    negative_images)."""
    kinds = _kinds(split, data_dir)
    rng = _rng(seed, split)
    return [_next_drawing(rng, kinds) for _ in range(count)]


def negative_images(
    count: int, seed: int, split: str = "train", data_dir: Path | None = None
) -> tuple[np.ndarray, list[str]]:
    """`count` non-digit drawings as (count, 28, 28) float32 model inputs, drawn on a 200 px canvas, and their kinds.

    Brushes are 2-10% of the canvas, like `digitnet.learning.data.render_drawn_digits`; drawings that
    preprocessing refuses (a painted blob, a dot) are replaced by others. `data_dir` holds the pen digits
    that overlays and fragments are made of (default: $DIGITNET_DATA, else ./data; without them, none).
    """
    kinds = _kinds(split, data_dir)
    rng = _rng(seed, split)
    canvas = 200
    images = np.zeros((count, 28, 28), np.float32)
    drawn: list[str] = []  # each image's kind
    while len(drawn) < count:
        kind, strokes = _next_drawing(rng, kinds)
        placed = place_drawing(strokes, (canvas, canvas), rng)
        brush = canvas * rng.uniform(0.02, 0.1)
        try:
            images[len(drawn)] = preprocess(draw_strokes(placed, (canvas, canvas), brush))
        except EmptyImageError:
            continue
        drawn.append(kind)
    return images, drawn
