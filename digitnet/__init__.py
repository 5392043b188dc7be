"""DigitNet: read handwritten digits drawn on a canvas, with honest probabilities.

Preprocessing is imported eagerly (numpy and PIL only); everything that needs
torch is imported on first use, so a page can draw itself before torch loads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from digitnet.preprocess import EmptyImageError, SeveralMarksError, preprocess

if TYPE_CHECKING:
    from digitnet.checkpoint import CheckpointError
    from digitnet.predict import Prediction, Predictor, load_predictor

_LAZY = {
    "CheckpointError": "digitnet.checkpoint",
    "Prediction": "digitnet.predict",
    "Predictor": "digitnet.predict",
    "load_predictor": "digitnet.predict",
}

__all__ = [
    "CheckpointError",
    "EmptyImageError",
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
