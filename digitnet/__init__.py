"""DigitNet: read handwritten digits drawn on a canvas, with honest probabilities.

Preprocessing is imported eagerly (numpy and PIL only); everything that needs
torch is imported on first use, so a page can draw itself before torch loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.reading.preprocess import preprocess

if TYPE_CHECKING:
    from digitnet.reading.predictor import NumberReading, Prediction, Predictor, load_predictor
    from digitnet.storage.checkpoint import CheckpointError

_LAZY = {
    "CheckpointError": "digitnet.storage.checkpoint",
    "NumberReading": "digitnet.reading.predictor",
    "Prediction": "digitnet.reading.predictor",
    "Predictor": "digitnet.reading.predictor",
    "load_predictor": "digitnet.reading.predictor",
}

__all__ = [
    "CheckpointError",
    "EmptyImageError",
    "NumberReading",
    "Prediction",
    "Predictor",
    "SeveralMarksError",
    "load_predictor",
    "preprocess",
]


def __getattr__(name: str) -> object:
    """Import torch-backed names on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'digitnet' has no attribute {name!r}")
