"""Handwriting styles that peers misread, found in pen strokes by simple geometric tests.

A slashed zero (a stroke across the loop), a flagged 1 (a stroke reaching out at the top), a crossed 7
(a short bar across the stem) and an open 4 (two separate tops). The tests look at the strokes, not at
what the model read, so the counts say how many such digits the held-out writers wrote.
"""

from __future__ import annotations

import numpy as np

from digitnet.learning.strokes import PenDigit, resample


def is_straight(stroke: np.ndarray) -> bool:
    """True for a stroke whose path is at most 15% longer than the line between its ends."""
    path = np.linalg.norm(np.diff(stroke, axis=0), axis=1).sum()
    return len(stroke) > 1 and path <= 1.15 * np.linalg.norm(stroke[-1] - stroke[0])


def slashed_zero(digit: PenDigit, height: float) -> bool:
    """A 0 with a separate straight stroke at least half its height long: a slash through the loop."""
    return (
        digit.label == 0
        and len(digit.strokes) > 1
        and any(is_straight(s) and np.ptp(s[:, 1]) >= 0.5 * height for s in digit.strokes)
    )


def flagged_one(digit: PenDigit, height: float) -> bool:
    """A 1 whose top quarter reaches out sideways by more than a fifth of its height."""
    points = np.concatenate([resample(s, height / 50) for s in digit.strokes])
    top = points[points[:, 1] <= points[:, 1].min() + 0.25 * height]
    return digit.label == 1 and np.ptp(top[:, 0]) > 0.2 * height


def crossed_seven(digit: PenDigit, height: float) -> bool:
    """A 7 with a later stroke that is short, level and across the middle of its height."""
    top = np.concatenate(digit.strokes)[:, 1].min()
    return digit.label == 7 and any(
        np.ptp(s[:, 0]) > 2 * np.ptp(s[:, 1]) and 0.3 <= (s[:, 1].mean() - top) / height <= 0.75
        for s in digit.strokes[1:]
    )


def open_four(digit: PenDigit, height: float) -> bool:
    """A 4 whose upper part holds two separate arms (they do not meet at the top): the open 4."""
    points = np.concatenate([resample(s, height / 50) for s in digit.strokes])
    xs = np.sort(points[points[:, 1] <= points[:, 1].min() + 0.45 * height, 0])
    return digit.label == 4 and len(xs) > 1 and np.diff(xs).max() > 0.2 * height


STYLES = {"slashed zero": slashed_zero, "flagged 1": flagged_one, "crossed 7": crossed_seven, "open 4": open_four}


def style_of(digit: PenDigit) -> str | None:
    """The name of the style a digit is written in, or None for none of them."""
    height = max(float(np.ptp(np.concatenate(digit.strokes)[:, 1])), 1.0)
    return next((name for name, test in STYLES.items() if test(digit, height)), None)
