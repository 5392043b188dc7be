"""Training never destroys a model by accident: the file at --out is checked before training, and
replaced only by a model no worse on the validation data, unless --force."""

from __future__ import annotations

from pathlib import Path

import torch

from digitnet.reading.predictor import Predictor, load_predictor
from digitnet.storage.checkpoint import CheckpointError, metrics_path

MAX_VAL_DROP = 0.001  # a new model may read at most 0.1 points fewer validation digits right (seed noise)
CHOICES = "Write the new model elsewhere with --out, or replace this file anyway with --force."


class RefusedError(RuntimeError):
    """The file at --out was kept: it is not a checkpoint, or the new model is worse; the message says which."""


def existing_model(out: Path, force: bool) -> Predictor | None:
    """The model at `out` to compare against, or None if there is none (or --force replaces an unreadable file).

    Called before training, so a file that is not a readable checkpoint, or an --out that the metrics would
    overwrite, stops the run before it starts.
    """
    if metrics_path(out) == out:
        raise RefusedError(
            f"--out {out}: the metrics are written beside the checkpoint with the suffix .json, so they would "
            f"overwrite it. Name the checkpoint with another suffix, e.g. --out {out.with_suffix('.pt')}."
        )
    if not out.exists():
        return None
    try:
        return load_predictor(out)
    except CheckpointError as error:
        if force:
            print(f"--force: {out} will be replaced, although it is not a model this code reads.")
            return None
        raise RefusedError(
            f"{out} exists and is not a DigitNet checkpoint this code reads, so nothing was trained and it is "
            f"unchanged. {CHOICES}"
        ) from error


def validation_accuracy(predictor: Predictor, validation: list[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Share of all the validation digits (MNIST's and the drawn ones together) read right."""
    right = sum(
        int((predictor.probabilities(images[:, 0].numpy()).argmax(1) == labels.numpy()).sum())
        for images, labels in validation
    )
    return right / max(sum(len(labels) for _, labels in validation), 1)


def no_worse(before: float, after: float) -> bool:
    """Whether a new model's validation accuracy `after` may replace a model's `before` (within seed noise)."""
    return after >= before - MAX_VAL_DROP


def check_replacement(
    old: Predictor | None, new: Predictor, out: Path, validation: list[tuple[torch.Tensor, torch.Tensor]], force: bool
) -> str:
    """What writing `out` does, in words; RefusedError (nothing written) if the new model is worse and not forced."""
    if old is None:
        return f"writing {out}"
    before, after = validation_accuracy(old, validation), validation_accuracy(new, validation)
    change = f"validation accuracy {before:.2%} -> {after:.2%}"
    if not no_worse(before, after):
        if not force:
            raise RefusedError(
                f"Kept {out}: the new model is worse on validation ({change}); nothing written. {CHOICES}"
            )
        return f"replacing {out} with a worse model because of --force ({change})"
    return f"replacing {out} ({change})"
