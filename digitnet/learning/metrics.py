"""Scores of a classifier's probabilities: accuracy, confusion, per-class scores, calibration."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from digitnet.constants import NUM_CLASSES

ECE_BINS = 15


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """10x10 counts: row = true digit, column = predicted digit."""
    return np.bincount(labels * NUM_CLASSES + predicted, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)


def per_class_scores(confusion: np.ndarray) -> dict[str, list[float]]:
    """Precision, recall and F1 of each digit, from a confusion matrix."""
    hits = np.diag(confusion).astype(float)
    precision = hits / np.maximum(confusion.sum(axis=0), 1)
    recall = hits / np.maximum(confusion.sum(axis=1), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return {"precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist()}


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> dict[str, list[float]]:
    """Per confidence bin: mean confidence, accuracy and count (for a reliability diagram)."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    counts = np.bincount(which, minlength=bins)
    mean_conf = np.bincount(which, weights=confidence, minlength=bins) / np.maximum(counts, 1)
    accuracy = np.bincount(which, weights=correct, minlength=bins) / np.maximum(counts, 1)
    return {"confidence": mean_conf.tolist(), "accuracy": accuracy.tolist(), "count": counts.tolist()}


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE: the count-weighted mean gap between confidence and accuracy over equal-width bins."""
    table = reliability(probs, labels, bins)
    counts = np.array(table["count"])
    gaps = np.abs(np.array(table["confidence"]) - np.array(table["accuracy"]))
    return float((gaps * counts).sum() / max(counts.sum(), 1))


def fit_digit_temperature(logits: list[torch.Tensor], labels: list[torch.Tensor]) -> float:
    """The temperature fitted on the digits' ten logits alone (a "not a digit" logit left out), as the app shows
    them, over several sets of logits (N, 10 or 11) and their labels."""
    return fit_temperature(torch.cat([x[:, :NUM_CLASSES] for x in logits]), torch.cat(labels))


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature T minimising the NLL of softmax(logits / T) (Guo et al., 2017)."""
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.detach().exp())


def summarize(probs: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy, error count, confusion matrix, per-class scores and ECE of one evaluation."""
    predicted = probs.argmax(axis=1)
    confusion = confusion_matrix(labels, predicted)
    return {
        "accuracy": float((predicted == labels).mean()),
        "errors": int((predicted != labels).sum()),
        "count": len(labels),
        "ece": expected_calibration_error(probs, labels),
        "confusion": confusion.tolist(),
        **per_class_scores(confusion),
    }


def doubt_threshold(probs: np.ndarray, labels: np.ndarray, target: float = 0.995) -> float:
    """The lowest confidence above which predictions are right at least `target` of the time."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    order = np.argsort(-confidence)
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    # Walk down from the most confident: the last point where accuracy so far still meets the target.
    meets = np.flatnonzero(running >= target)
    return float(confidence[order][meets[-1]]) if len(meets) else 1.0


def not_digit_threshold(digit_scores: np.ndarray, max_refused: float = 0.0015, floor: float = 0.5) -> float:
    """The "not a digit" probability at or above which a drawing is refused: the lowest that refuses at most
    `max_refused` of the validation digits (so the most non-digits), and never below `floor`."""
    allowed = int(np.floor(max_refused * len(digit_scores)))  # digits that may score at or above the threshold
    highest = np.sort(digit_scores)[::-1]
    threshold = np.nextafter(highest[allowed], 1.0) if allowed < len(highest) else 0.0
    return float(max(threshold, floor))
