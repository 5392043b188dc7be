"""What the model page shows, read from the metrics JSON that train.py writes beside the checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from digitnet.constants import IMAGE_SIZE, checkpoint_path
from digitnet.reading.pixels import from_uint8
from digitnet.storage.checkpoint import metrics_path
from digitnet.words import a_digit

# Each part of the page, and the fields of the JSON it reads: dotted paths, "*" for every entry of a list.
SECTIONS = {
    "headline": (
        "test.accuracy",
        "test.errors",
        "test.count",
        "model.parameters",
        "model.macs",
        "train.seconds",
        "train.data.train_images",
    ),
    "drawn": ("drawn_test",),  # one entry per source; drawn_sentences skips a source with fields missing
    "curves": tuple(f"history.*.{key}" for key in ("epoch", "train_loss", "val_loss", "train_acc", "val_acc")),
    "confusion": ("test.confusion", "test.precision", "test.recall", "test.f1"),
    "reliability": ("test.ece", "test.ece_before", "temperature", "test.reliability_before", "test.reliability_after"),
    "mistakes": ("test.mistakes",),
    "architecture": ("model.layers.*.output",),
}


def load_metrics(path: str | Path | None = None) -> tuple[dict, Path]:
    """The metrics dict beside the checkpoint ({} if there is none or it is not JSON), and its path."""
    json_path = metrics_path(checkpoint_path(path))
    try:
        metrics = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return {}, json_path
    return (metrics if isinstance(metrics, dict) else {}), json_path


def missing(metrics: dict, section: str) -> list[str]:
    """The fields a section needs that the metrics do not have, as dotted paths."""
    return [field for field in SECTIONS[section] if not _has(metrics, field.split("."))]


def _has(value: object, path: list[str]) -> bool:
    """Whether `value` holds the field at `path` ("*": a non-empty list, each entry holding the rest)."""
    if not path:
        return value is not None
    if path[0] == "*":
        return isinstance(value, list) and bool(value) and all(_has(entry, path[1:]) for entry in value)
    return isinstance(value, dict) and path[0] in value and _has(value[path[0]], path[1:])


def mistake_pictures(mistakes: list[dict]) -> list[tuple[np.ndarray, str]]:
    """Each stored mistake as a 28x28 float picture in [0, 1] and a caption (true, read, confidence)."""
    pictures = []
    for m in mistakes:
        if any(key not in m for key in ("pixels", "label", "predicted", "probs")):
            continue
        pixels = np.frombuffer(bytes.fromhex(m["pixels"]), np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE)
        caption = f"{a_digit(m['label'])}, read {m['predicted']} ({max(m['probs']):.0%})"
        pictures.append((from_uint8(pixels), caption))
    return pictures


def confusion_records(confusion: list[list[int]]) -> list[dict]:
    """The confusion matrix as (true, predicted, count) rows, for a heat map."""
    return [{"true": t, "predicted": p, "count": n} for t, row in enumerate(confusion) for p, n in enumerate(row)]


def curve_records(history: list[dict]) -> list[dict]:
    """Per-round error and share right as long rows in words for visitors: round, measure, pictures, value."""
    measures = {"acc": "share right", "loss": "error"}
    pictures = {"train": "learned from", "val": "kept aside"}
    return [
        {"round": h["epoch"], "measure": measures[metric], "pictures": pictures[split], "value": h[f"{split}_{metric}"]}
        for h in history
        for metric in measures
        for split in pictures
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


def drawn_sentences(drawn_test: dict) -> list[str]:
    """One sentence per measured source of pen-drawn digits, in words for people (Markdown)."""
    sentences = []
    for source, result in drawn_test.items():
        if not isinstance(result, dict) or not {"accuracy", "count", "writers"} <= result.keys():
            continue
        tablets = len(result.get("sites", [])) or 1
        kind = "one kind of tablet" if tablets == 1 else f"{tablets} kinds of tablet, in other labs"
        people = "1 person" if result["writers"] == 1 else f"{result['writers']} people"
        sentences.append(
            f"Right on **{result['accuracy']:.2%}** of {result['count']:,} digits drawn by {people} "
            f"it never saw, on {kind} ({source})."
        )
    return sentences
