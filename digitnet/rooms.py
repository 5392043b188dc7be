"""What a room's wall shows, computed from its drawings (no Streamlit, no torch): counts, the confusion
matrix, the hardest digit and the mosaic's drawings. Storage: digitnet/storage/rooms.py; page: pages/2_Wall.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitnet.constants import NOT_A_DIGIT
from digitnet.storage.rooms import WallDrawing

MOSAIC = 12  # the latest drawings the wall shows: three rows of four, readable from the back of a room
MIN_FOR_HARDEST = 2  # drawings of a digit before the wall may call it the room's hardest


@dataclass(frozen=True)
class WallSummary:
    """The room by its own account: what its drawers said against what the page answered."""

    drawings: int  # on the wall, "not a digit" answers included, hidden ones not
    right: int  # the drawer said the answer was right
    not_digits: int  # the page answered "not a digit"
    confusion: np.ndarray  # (11, 11) counts: rows what the drawer said, columns what the page answered
    hardest: int | None  # the digit read right least often, once drawn MIN_FOR_HARDEST times


def summarize(drawings: Sequence[WallDrawing]) -> WallSummary:
    """Count the wall's drawings that are not hidden."""
    kept = [d for d in drawings if not d.hidden]
    confusion = np.zeros((NOT_A_DIGIT + 1, NOT_A_DIGIT + 1), np.int64)
    for d in kept:
        confusion[d.label, d.answer] += 1
    return WallSummary(
        drawings=len(kept),
        right=int(np.trace(confusion)),
        not_digits=int(confusion[:, NOT_A_DIGIT].sum()),
        confusion=confusion,
        hardest=hardest_digit(confusion),
    )


def hardest_digit(confusion: np.ndarray) -> int | None:
    """The digit whose drawings the page read right least often (ties: the one drawn more), or None."""
    drawn = confusion[:NOT_A_DIGIT].sum(axis=1)
    candidates = [d for d in range(NOT_A_DIGIT) if drawn[d] >= MIN_FOR_HARDEST and confusion[d, d] < drawn[d]]
    if not candidates:
        return None
    return min(candidates, key=lambda d: (confusion[d, d] / drawn[d], -drawn[d], d))


def mosaic(drawings: Sequence[WallDrawing], with_not_digits: bool = False, size: int = MOSAIC) -> list[WallDrawing]:
    """The latest drawings to show, newest first: not hidden, and "not a digit" answers only when asked."""
    shown = [d for d in drawings if not d.hidden and (with_not_digits or d.answer != NOT_A_DIGIT)]
    return shown[::-1][:size]
