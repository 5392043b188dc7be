"""Split a drawing of a whole number into its digits, left to right (numpy and scipy.ndimage only).

Connected pieces of ink are the starting point. Pieces whose horizontal extents overlap strongly
are one digit (the two strokes of a 4 or a crossed 7); pieces far shorter than the writing belong
to the tall piece they overlap (the separate bar of a 5); pieces far smaller than the writing are
dots and are ignored; a piece much wider than it is tall is digits that touch, cut where a scorer
(the model) reads the two halves most confidently, or else where the least ink crosses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from PIL import Image

from digitnet.preprocess import MIN_CONTRAST, NOISE_LEVEL, EmptyImageError, ink_map

SAME_DIGIT_OVERLAP = 0.5  # share of the narrower piece's width that another piece must cover
DOT_SIZE = 0.25  # pieces whose longest side is under this share of the tallest piece are dots
PART_HEIGHT = 0.4  # pieces shorter than this share of the tallest are part of a neighbour (a 5's bar)
TOUCHING_ASPECT = 1.7  # a piece wider than this times its height holds touching digits (chosen on writers 17-20)
MAYBE_TOUCHING_ASPECT = 1.0  # wider than this times its height, ask the scorer (both chosen on writers 17-20)
CUT_WINDOW = (0.3, 0.7)  # where, across a wide piece, a cut between two digits may fall
CUT_STEP = 0.02  # spacing of the candidate cuts a scorer weighs, as a share of the piece's width
PAD = 2  # pixels of background around each digit's crop, so its border is paper

Box = tuple[int, int, int, int]  # (top, bottom, left, right), exclusive ends
Scorer = Callable[[list[np.ndarray]], np.ndarray]  # ink crops -> how sure a reader is that each is a digit


@dataclass(frozen=True)
class Segmentation:
    """The digits of a drawing, left to right: their ink crops and boxes, and how many dots were ignored."""

    crops: list[np.ndarray]  # float32 ink, white on black, with a background margin
    boxes: list[Box]  # in the input image
    ignored: int


def _overlap(a: Box, b: Box) -> float:
    """Horizontal overlap of two boxes, as a share of the narrower one's width."""
    shared = min(a[3], b[3]) - max(a[2], b[2])
    return max(shared, 0) / max(min(a[3] - a[2], b[3] - b[2]), 1)


def _gap(a: Box, b: Box) -> int:
    """Horizontal distance between two boxes (negative when they overlap)."""
    return max(a[2], b[2]) - min(a[3], b[3])


def group_pieces(boxes: list[Box]) -> list[list[int]]:
    """Indices of pieces grouped into digits: pieces that overlap strongly in x, and short pieces with
    the tall piece they overlap."""
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if _overlap(boxes[i], boxes[j]) >= SAME_DIGIT_OVERLAP:
                parent[root(j)] = root(i)
    tallest = max(bottom - top for top, bottom, _, _ in boxes)
    tall = [k for k, (top, bottom, _, _) in enumerate(boxes) if bottom - top >= PART_HEIGHT * tallest]
    for k, (top, bottom, left, right) in enumerate(boxes):
        if k not in tall and tall and max(bottom - top, right - left) >= DOT_SIZE * tallest:
            nearest = min(tall, key=lambda t: _gap(boxes[k], boxes[t]))
            if _gap(boxes[k], boxes[nearest]) <= 0:
                parent[root(k)] = root(nearest)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _fewest_strokes_cut(ink: np.ndarray) -> int:
    """Column in the cut window that the fewest strokes, then the least ink, cross."""
    low, high = int(CUT_WINDOW[0] * ink.shape[1]), int(CUT_WINDOW[1] * ink.shape[1])
    window = ink[:, low:high] > 0
    strokes_crossed = np.count_nonzero(np.diff(window.astype(np.int8), axis=0) == 1, axis=0) + window[0]
    # Where two digits touch, one merged stroke crosses the column; inside a digit (a 0's middle) two do.
    return low + int(np.argmin(strokes_crossed * ink.shape[0] + window.sum(axis=0)))


def _surest_cut(ink: np.ndarray, score: Scorer) -> tuple[int, float, float]:
    """Column in the cut window where the scorer is surest of both halves together, that score, and the
    whole piece's score (all in one call: one forward pass)."""
    width = ink.shape[1]
    candidates = np.unique(np.arange(CUT_WINDOW[0], CUT_WINDOW[1], CUT_STEP) * width).astype(int)
    scores = score([ink[:, :c] for c in candidates] + [ink[:, c:] for c in candidates] + [ink])
    both = scores[: len(candidates)] + scores[len(candidates) : -1]
    return int(candidates[np.argmax(both)]), float(both.max()), float(scores[-1])


def cut_columns(ink: np.ndarray, score: Scorer | None = None) -> list[int]:
    """Columns at which to cut a crop of touching digits (empty if it holds one digit)."""
    rows = np.flatnonzero(ink.any(axis=1))
    height = rows[-1] - rows[0] + 1 if len(rows) else 1
    width = ink.shape[1]
    if width <= TOUCHING_ASPECT * height and (score is None or width <= MAYBE_TOUCHING_ASPECT * height):
        return []
    if score is None:
        cut = _fewest_strokes_cut(ink)
    else:
        cut, cut_score, whole_score = _surest_cut(ink, score)
        # A piece of middling width is cut only if the two halves read better than the whole.
        if width <= TOUCHING_ASPECT * height and cut_score <= whole_score:
            return []
    if not 0 < cut < width:  # a sliver a few pixels wide: nothing to cut
        return []
    return [*cut_columns(ink[:, :cut], score), cut, *(cut + c for c in cut_columns(ink[:, cut:], score))]


def segment_digits(image: np.ndarray | Image.Image, score: Scorer | None = None) -> Segmentation:
    """Find the digits of a drawn number; `score` (log-confidence per crop) chooses where touching digits
    are cut. Raises EmptyImageError if there is no ink at all."""
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    ink = ink_map(image)
    if ink.max() < MIN_CONTRAST:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    labels, count = ndimage.label(ink > NOISE_LEVEL * ink.max(), structure=np.ones((3, 3)))
    if count == 0:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    pieces = [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in ndimage.find_objects(labels)]
    groups = group_pieces(pieces)
    boxes = [_union([pieces[i] for i in group]) for group in groups]
    tallest = max(bottom - top for top, bottom, _, _ in boxes)
    keep = [
        k for k, (top, bottom, left, right) in enumerate(boxes) if max(bottom - top, right - left) >= DOT_SIZE * tallest
    ]
    crops, kept_boxes = [], []
    for k in sorted(keep, key=lambda k: boxes[k][2]):
        top, bottom, left, right = boxes[k]
        own = np.isin(labels[top:bottom, left:right], [i + 1 for i in groups[k]])
        crop = np.where(own, ink[top:bottom, left:right], 0.0).astype(np.float32)
        edges = [0, *cut_columns(crop, score), crop.shape[1]]
        for a, b in pairwise(edges):
            crops.append(np.pad(crop[:, a:b], PAD))
            kept_boxes.append((top, bottom, left + a, left + b))
    if not crops:
        raise EmptyImageError("Only dots: write the digits larger.")
    return Segmentation(crops, kept_boxes, len(boxes) - len(keep))


def _union(boxes: list[Box]) -> Box:
    """The box around several boxes."""
    return (min(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), max(b[3] for b in boxes))
