"""Split a drawing of a whole number into its digits, left to right (numpy and scipy.ndimage only).

Connected pieces of ink are the starting point. Pieces whose horizontal extents overlap strongly
are one digit (the bar of a 5, the two strokes of a 4 or a crossed 7); pieces far smaller than the
writing are dots and are ignored; a piece much wider than it is tall is digits that touch, cut where
the least ink crosses.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from PIL import Image

from digitnet.preprocess import MIN_CONTRAST, NOISE_LEVEL, EmptyImageError, ink_map

SAME_DIGIT_OVERLAP = 0.5  # share of the narrower piece's width that another piece must cover
DOT_SIZE = 0.25  # pieces whose longest side is under this share of the tallest piece are dots
TOUCHING_ASPECT = 1.7  # a piece wider than this times its height holds touching digits (chosen on writers 17-20)
CUT_WINDOW = (0.3, 0.7)  # where, across a wide piece, a cut between two digits may fall
PAD = 2  # pixels of background around each digit's crop, so its border is paper


@dataclass(frozen=True)
class Segmentation:
    """The digits of a drawing, left to right: their ink crops and boxes, and how many dots were ignored."""

    crops: list[np.ndarray]  # float32 ink, white on black, with a background margin
    boxes: list[tuple[int, int, int, int]]  # (top, bottom, left, right) in the input image, exclusive ends
    ignored: int


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Horizontal overlap of two [left, right) spans, as a share of the narrower one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / max(min(a[1] - a[0], b[1] - b[0]), 1)


def group_pieces(spans: list[tuple[int, int]]) -> list[list[int]]:
    """Indices of pieces grouped into digits: pieces that overlap strongly in x share a group."""
    parent = list(range(len(spans)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(spans)):
        for j in range(i + 1, len(spans)):
            if _overlap(spans[i], spans[j]) >= SAME_DIGIT_OVERLAP:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(spans)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def cut_columns(ink: np.ndarray) -> list[int]:
    """Columns at which to cut a crop of touching digits (empty if it holds one digit)."""
    height = np.flatnonzero(ink.any(axis=1))
    rows = height[-1] - height[0] + 1 if len(height) else 1
    width = ink.shape[1]
    if width <= TOUCHING_ASPECT * rows:
        return []
    low, high = int(CUT_WINDOW[0] * width), int(CUT_WINDOW[1] * width)
    window = ink[:, low:high] > 0
    strokes_crossed = np.count_nonzero(np.diff(window.astype(np.int8), axis=0) == 1, axis=0) + window[0]
    # Where two digits touch, one merged stroke crosses the column; inside a digit (a 0's middle) two do.
    cut = low + int(np.argmin(strokes_crossed * ink.shape[0] + window.sum(axis=0)))
    return [*cut_columns(ink[:, :cut]), cut, *(cut + c for c in cut_columns(ink[:, cut:]))]


def segment_digits(image: np.ndarray | Image.Image) -> Segmentation:
    """Find the digits of a drawn number; raises EmptyImageError if there is no ink at all."""
    from scipy import ndimage  # on first use: importing it costs the page 0.2 s of start-up

    ink = ink_map(image)
    if ink.max() < MIN_CONTRAST:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    mask = ink > NOISE_LEVEL * ink.max()
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        raise EmptyImageError("Nothing is drawn yet: write a number.")
    slices = ndimage.find_objects(labels)
    groups = group_pieces([(s[1].start, s[1].stop) for s in slices])
    boxes = [_union([slices[i] for i in group]) for group in groups]
    tallest = max(bottom - top for top, bottom, _, _ in boxes)
    keep = [
        k for k, (top, bottom, left, right) in enumerate(boxes) if max(bottom - top, right - left) >= DOT_SIZE * tallest
    ]
    crops, kept_boxes = [], []
    for k in sorted(keep, key=lambda k: boxes[k][2]):
        top, bottom, left, right = boxes[k]
        own = np.isin(labels[top:bottom, left:right], [i + 1 for i in groups[k]])
        crop = np.where(own, ink[top:bottom, left:right], 0.0).astype(np.float32)
        edges = [0, *cut_columns(crop), crop.shape[1]]
        for a, b in pairwise(edges):
            crops.append(np.pad(crop[:, a:b], PAD))
            kept_boxes.append((top, bottom, left + a, left + b))
    if not crops:
        raise EmptyImageError("Only dots: write the digits larger.")
    return Segmentation(crops, kept_boxes, len(boxes) - len(keep))


def _union(slices: list[tuple[slice, slice]]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the box around several (rows, cols) slices."""
    return (
        min(s[0].start for s in slices),
        max(s[0].stop for s in slices),
        min(s[1].start for s in slices),
        max(s[1].stop for s in slices),
    )
