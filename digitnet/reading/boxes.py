"""Boxes around pieces of ink, and which pieces make one digit: shared by the number cutter and the photo reader."""

from __future__ import annotations

from collections.abc import Iterable

SAME_DIGIT_OVERLAP = 0.5  # share of the narrower piece's width that another piece must cover
DOT_SIZE = 0.25  # pieces whose longest side is under this share of the tallest piece are dots
PART_HEIGHT = 0.4  # pieces shorter than this share of the tallest are part of a neighbour (a 5's bar)

Box = tuple[int, int, int, int]  # (top, bottom, left, right), exclusive ends


def _overlap(a: Box, b: Box) -> float:
    """Horizontal overlap of two boxes, as a share of the narrower one's width."""
    shared = min(a[3], b[3]) - max(a[2], b[2])
    return max(shared, 0) / max(min(a[3] - a[2], b[3] - b[2]), 1)


def gap(a: Box, b: Box) -> int:
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
            nearest = min(tall, key=lambda t: gap(boxes[k], boxes[t]))
            if gap(boxes[k], boxes[nearest]) <= 0:
                parent[root(k)] = root(nearest)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def union_box(boxes: Iterable[Box]) -> Box:
    """The box around several boxes."""
    tops, bottoms, lefts, rights = zip(*boxes, strict=True)
    return (min(tops), max(bottoms), min(lefts), max(rights))
