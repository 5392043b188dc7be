"""Scores against references: scikit-learn, a hand-computed ECE, a known temperature, a hand-made threshold."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from digitnet.learning.metrics import (
    confusion_matrix,
    doubt_threshold,
    expected_calibration_error,
    fit_digit_temperature,
    fit_temperature,
    per_class_scores,
    reliability,
    summarize,
)


def one_hot_ish(predicted: list[int], confidence: list[float]) -> np.ndarray:
    """Probabilities with `confidence` on the predicted digit and the rest spread evenly."""
    probs = np.repeat(((1 - np.array(confidence)) / 9)[:, None], 10, axis=1)
    probs[np.arange(len(predicted)), predicted] = confidence
    return probs


def noisy_predictions(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0-8 (no 9 is ever true) and predictions right 70% of the time, else any digit 0-9."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 9, 300)
    predicted = np.where(rng.random(300) < 0.7, labels, rng.integers(0, 10, 300))
    return labels, predicted


def test_confusion_matrix_and_per_class_scores_match_scikit_learn():
    labels, predicted = noisy_predictions()
    confusion = confusion_matrix(labels, predicted)
    assert confusion.tolist() == sk_confusion_matrix(labels, predicted, labels=range(10)).tolist()
    precision, recall, f1, _ = precision_recall_fscore_support(labels, predicted, labels=range(10), zero_division=0)
    scores = per_class_scores(confusion)
    np.testing.assert_allclose(scores["precision"], precision)
    np.testing.assert_allclose(scores["recall"], recall)
    np.testing.assert_allclose(scores["f1"], f1)


def test_summarize_counts_match_scikit_learn():
    labels, predicted = noisy_predictions(1)
    summary = summarize(one_hot_ish(predicted.tolist(), [0.8] * len(predicted)), labels)
    assert summary["accuracy"] == pytest.approx(accuracy_score(labels, predicted))
    assert summary["errors"] == int((labels != predicted).sum()) and summary["count"] == 300


def test_ece_of_a_hand_computed_case():
    # Two at 90% (one right): gap 0.4; two at 60% (both right): gap 0.4; one at 30% (right): gap 0.7.
    probs = one_hot_ish([3, 3, 5, 5, 1], [0.9, 0.9, 0.6, 0.6, 0.3])
    labels = np.array([3, 4, 5, 5, 1])
    assert expected_calibration_error(probs, labels) == pytest.approx((2 * 0.4 + 2 * 0.4 + 0.7) / 5)
    table = reliability(probs, labels)
    assert table["count"][13] == 2 and table["accuracy"][13] == 0.5 and table["confidence"][13] == pytest.approx(0.9)
    assert sum(table["count"]) == 5 and table["accuracy"][9] == 1.0


def test_a_perfectly_calibrated_model_has_an_ece_near_zero():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.2, 1.0, 20_000)
    labels = np.where(rng.random(20_000) < confidence, 0, 1)  # right exactly as often as it claims
    assert expected_calibration_error(one_hot_ish([0] * 20_000, confidence.tolist()), labels) < 0.01


@pytest.mark.parametrize("true_temperature", [0.1, 0.5, 2.0, 5.0])
def test_the_temperature_fit_recovers_a_known_temperature(true_temperature):
    generator = torch.Generator().manual_seed(0)
    logits = 3 * torch.randn(20_000, 10, generator=generator)
    labels = torch.multinomial(torch.softmax(logits / true_temperature, dim=1), 1, generator=generator)[:, 0]
    assert fit_temperature(logits, labels) == pytest.approx(true_temperature, rel=0.05)


def test_the_digit_temperature_leaves_out_the_not_a_digit_logit_and_pools_the_sets():
    generator = torch.Generator().manual_seed(1)
    logits = 3 * torch.randn(20_000, 10, generator=generator)
    labels = torch.multinomial(torch.softmax(logits / 2.0, dim=1), 1, generator=generator)[:, 0]
    loud = torch.cat([logits, torch.full((20_000, 1), 30.0)], dim=1)  # a "not a digit" logit that would swamp them
    halves = [loud[:10_000], loud[10_000:]], [labels[:10_000], labels[10_000:]]
    assert fit_digit_temperature(*halves) == pytest.approx(fit_temperature(logits, labels), rel=1e-4)


def test_the_doubt_threshold_is_the_lowest_confidence_where_accuracy_above_it_meets_the_target():
    # From the most confident down, accuracy so far: 1, 1, 2/3, 3/4, 3/5.
    probs = one_hot_ish([1, 2, 3, 4, 5], [0.99, 0.95, 0.9, 0.8, 0.7])
    labels = np.array([1, 2, 0, 4, 0])
    assert doubt_threshold(probs, labels, target=0.75) == pytest.approx(0.8)  # not 0.95, where it first dips
    assert doubt_threshold(probs, labels, target=1.0) == pytest.approx(0.95)
    assert doubt_threshold(probs, np.zeros(5, int), target=0.9) == 1.0  # never good enough: always doubt
