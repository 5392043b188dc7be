"""Split a drawing of a whole number into its digits, left to right (numpy and scipy.ndimage only).

Connected pieces of ink are the starting point. Pieces whose horizontal extents overlap strongly
are one digit (the two strokes of a 4 or a crossed 7); pieces far shorter than the writing belong
to the tall piece they overlap (the separate bar of a 5); pieces far smaller than the writing are
dots and are ignored. With a scorer (the model), neighbours whose boxes overlap a little are joined
if they read better as one digit (a 4 drawn as an L and a bar). A piece much wider than it is tall
is digits that touch, cut where the scorer reads the two halves most confidently (or else where the
least ink crosses), never where a half would be too short to be a digit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from PIL import Image

from digitnet.reading.boxes import DOT_SIZE, PART_HEIGHT, Box, gap, group_pieces, union_box
from digitnet.reading.ink import ink_map
from digitnet.reading.pixels import MIN_CONTRAST, MIN_DIGIT_SIZE, NOISE_LEVEL, EmptyImageError

TOUCHING_ASPECT = 1.7  # a piece wider than this times its height holds touching digits (chosen on writers 17-20)
MAYBE_TOUCHING_ASPECT = 1.0  # wider than this times its height, ask the scorer (both chosen on writers 17-20)
JOIN_MARGIN = 0.05  # log-confidence two overlapping pieces must gain as one digit to be joined (writers 17-20)
CUT_WINDOW = (0.3, 0.7)  # where, across a wide piece, a cut between two digits may fall
CUT_STEP = 0.02  # spacing of the candidate cuts a scorer weighs, as a share of the piece's width
PAD = 2  # pixels of background around each digit's crop, so its border is paper

Scorer = Callable[[list[np.ndarray]], np.ndarray]  # ink crops -> how sure a reader is that each is a digit


@dataclass(frozen=True)
class Segmentation:
    """The digits of a drawing, left to right: their ink crops and boxes, and how many dots were ignored."""

    crops: list[np.ndarray]  # float32 ink, white on black, with a background margin
    boxes: list[Box]  # in the input image's pixels (a photo's ink is found on a smaller copy)
    ignored: int


def _fewest_strokes_cut(ink: np.ndarray, candidates: np.ndarray) -> int:
    """The candidate column that the fewest strokes, then the least ink, cross."""
    columns = ink[:, candidates] > 0
    strokes_crossed = np.count_nonzero(np.diff(columns.astype(np.int8), axis=0) == 1, axis=0) + columns[0]
    # Where two digits touch, one merged stroke crosses the column; inside a digit (a 0's middle) two do.
    return int(candidates[np.argmin(strokes_crossed * ink.shape[0] + columns.sum(axis=0))])


def _ink_height(ink: np.ndarray) -> int:
    """Rows from the first to the last that hold ink (0 if none)."""
    rows = np.flatnonzero(ink.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def _surest_cut(ink: np.ndarray, score: Scorer, candidates: np.ndarray) -> tuple[int, float, float]:
    """The candidate column where the scorer is surest of both halves together, that score, and the whole
    piece's score (all in one call: one forward pass)."""
    scores = score([ink[:, :c] for c in candidates] + [ink[:, c:] for c in candidates] + [ink])
    both = scores[: len(candidates)] + scores[len(candidates) : -1]
    return int(candidates[np.argmax(both)]), float(both.max()), float(scores[-1])


def _candidate_cuts(ink: np.ndarray, height: int, every_column: bool) -> np.ndarray:
    """Columns of the cut window (every one, or one per CUT_STEP of the width) that leave two digit-tall
    halves: a 9's long tail cut off its loop is no digit."""
    width = ink.shape[1]
    if every_column:
        window = np.arange(int(CUT_WINDOW[0] * width), int(CUT_WINDOW[1] * width))
    else:
        window = np.unique((np.arange(*CUT_WINDOW, CUT_STEP) * width).astype(int))
    tall = [
        c
        for c in window
        if 0 < c < width and min(_ink_height(ink[:, :c]), _ink_height(ink[:, c:])) >= PART_HEIGHT * height
    ]
    return np.array(tall, dtype=int)


def cut_columns(ink: np.ndarray, score: Scorer | None = None, height: int | None = None) -> list[int]:
    """Columns at which to cut a crop of touching digits (empty if it holds one digit); `height` is the
    digit height the crop is measured against (default: its own ink's)."""
    height = height if height is not None else max(_ink_height(ink), 1)
    width = ink.shape[1]
    if width <= TOUCHING_ASPECT * height and (score is None or width <= MAYBE_TOUCHING_ASPECT * height):
        return []
    candidates = _candidate_cuts(ink, height, every_column=score is None)
    if len(candidates) == 0:  # a sliver a few pixels wide, or no cut leaves two digits
        return []
    if score is None:
        cut = _fewest_strokes_cut(ink, candidates)
    else:
        cut, cut_score, whole_score = _surest_cut(ink, score, candidates)
        # A cut must leave two readable halves; a middling piece is cut only if they read better than the whole.
        if np.isneginf(cut_score) or (width <= TOUCHING_ASPECT * height and cut_score <= whole_score):
            return []
    left, right = cut_columns(ink[:, :cut], score, height), cut_columns(ink[:, cut:], score, height)
    return [*left, cut, *(cut + c for c in right)]


def segment_digits(image: np.ndarray | Image.Image, score: Scorer | None = None, photo: bool = False) -> Segmentation:
    """Find the digits of a drawn number (or, with `photo`, of a photo or scan); `score` (log-confidence per crop)
    chooses which neighbours are one digit and where touching digits are cut. Raises EmptyImageError if there is
    no ink at all."""
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    ink = ink_map(image, photo=photo, several=True)
    if ink.max() < MIN_CONTRAST:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    labels, count = ndimage.label(ink > NOISE_LEVEL * ink.max(), structure=np.ones((3, 3)))
    if count == 0:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    pieces = [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels)]
    groups = group_pieces(pieces)
    boxes = [union_box([pieces[i] for i in group]) for group in groups]
    tallest = max(bottom - top for top, bottom, _, _ in boxes)
    # A dot is small beside the writing, or on the canvas (as the single-digit page judges it) when alone.
    smallest = max(DOT_SIZE * tallest, MIN_DIGIT_SIZE * min(ink.shape))
    digits = sorted(
        [(g, b) for g, b in zip(groups, boxes, strict=True) if max(b[1] - b[0], b[3] - b[2]) >= smallest],
        key=lambda digit: digit[1][2],
    )
    ignored = len(groups) - len(digits)
    if score is not None:
        digits = _join_broken_digits(digits, ink, labels, score)
    crops, kept_boxes = [], []
    for group, box in digits:
        crop, (top, bottom, left, _) = _crop(ink, labels, group, box), box
        # Measured against at least a short digit's height, a dash is not a row of touching digits.
        height = max(_ink_height(crop), round(PART_HEIGHT * tallest))
        edges = [0, *cut_columns(crop, score, height), crop.shape[1]]
        for a, b in pairwise(edges):
            crops.append(np.pad(crop[:, a:b], PAD))
            kept_boxes.append((top, bottom, left + a, left + b))
    if not crops:
        raise EmptyImageError("Only dots: write the digits larger.")
    return Segmentation(crops, [in_image(box, ink.shape, image) for box in kept_boxes], ignored)


def in_image(box: Box, shape: tuple[int, ...], image: np.ndarray | Image.Image) -> Box:
    """A box found on ink of `shape` in the pixels of `image`, which may be larger (photos are read reduced)."""
    width, height = image.size if isinstance(image, Image.Image) else (image.shape[1], image.shape[0])
    if (height, width) == shape:
        return box
    top, bottom, left, right = box
    y, x = height / shape[0], width / shape[1]
    return int(top * y), min(math.ceil(bottom * y), height), int(left * x), min(math.ceil(right * x), width)


def _join_broken_digits(
    digits: list[tuple[list[int], Box]], ink: np.ndarray, labels: np.ndarray, score: Scorer
) -> list[tuple[list[int], Box]]:
    """Join neighbours (pieces, box) whose boxes overlap or touch and that together are no wider than tall,
    if the scorer reads them clearly better as one digit than as two (a 4 drawn as an L and a bar)."""
    digits = list(digits)
    k = 0
    while k + 1 < len(digits):
        (first, a), (second, b) = digits[k], digits[k + 1]
        joined = union_box([a, b])
        if gap(a, b) <= 0 and joined[3] - joined[2] <= MAYBE_TOUCHING_ASPECT * (joined[1] - joined[0]):
            crops = [
                _crop(ink, labels, first, a),
                _crop(ink, labels, second, b),
                _crop(ink, labels, first + second, joined),
            ]
            apart_a, apart_b, together = score(crops)
            if together > apart_a + apart_b + JOIN_MARGIN:
                digits[k : k + 2] = [(first + second, joined)]
                continue
        k += 1
    return digits


def _crop(ink: np.ndarray, labels: np.ndarray, group: list[int], box: Box) -> np.ndarray:
    """The ink of a group of pieces within its box, other pieces' ink blanked."""
    top, bottom, left, right = box
    own = np.isin(labels[top:bottom, left:right], [i + 1 for i in group])
    return np.where(own, ink[top:bottom, left:right], 0.0).astype(np.float32)
