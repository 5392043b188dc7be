"""What the model page shows, read from the metrics JSON that train.py writes beside the checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from digitnet.constants import IMAGE_SIZE, checkpoint_path
from digitnet.present import a_digit

# Each part of the page, and the fields of the JSON it needs.
SECTIONS = {
    "headline": ("test", "model", "train"),
    "drawn": ("drawn_test",),
    "curves": ("history",),
    "confusion": ("test",),
    "reliability": ("test",),
    "mistakes": ("test",),
    "architecture": ("model",),
}


def load_metrics(path: str | Path | None = None) -> tuple[dict, Path]:
    """The metrics dict beside the checkpoint ({} if there is none or it is not JSON), and its path."""
    json_path = checkpoint_path(path).with_suffix(".json")
    try:
        metrics = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return {}, json_path
    return (metrics if isinstance(metrics, dict) else {}), json_path


def missing(metrics: dict, section: str) -> list[str]:
    """The fields a section needs that the metrics do not have."""
    return [field for field in SECTIONS[section] if field not in metrics]


def mistake_pictures(mistakes: list[dict]) -> list[tuple[np.ndarray, str]]:
    """Each stored mistake as a 28x28 float picture in [0, 1] and a caption (true, read, confidence)."""
    pictures = []
    for m in mistakes:
        if "pixels" not in m:
            continue
        pixels = np.frombuffer(bytes.fromhex(m["pixels"]), np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        caption = f"{a_digit(m['label'])}, read {m['predicted']} ({max(m['probs']):.0%})"
        pictures.append((pixels.astype(np.float32) / 255, caption))
    return pictures


def confusion_records(confusion: list[list[int]]) -> list[dict]:
    """The confusion matrix as (true, predicted, count) rows, for a heat map."""
    return [{"true": t, "predicted": p, "count": n} for t, row in enumerate(confusion) for p, n in enumerate(row)]


def curve_records(history: list[dict]) -> list[dict]:
    """Per-epoch loss and accuracy as long rows: epoch, metric, split, value."""
    return [
        {"epoch": h["epoch"], "metric": metric, "split": split, "value": h[f"{split}_{metric}"]}
        for h in history
        for metric in ("loss", "acc")
        for split in ("train", "val")
    ]


def reliability_records(test: dict) -> list[dict]:
    """Reliability bins before and after calibration (bins with no digits left out)."""
    rows = []
    for when in ("before", "after"):
        table = test.get(f"reliability_{when}", {})
        for conf, acc, count in zip(
            table.get("confidence", []), table.get("accuracy", []), table.get("count", []), strict=False
        ):
            if count:
                rows.append({"calibration": when, "confidence": conf, "accuracy": acc, "count": count})
    return rows
