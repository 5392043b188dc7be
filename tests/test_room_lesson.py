"""'Learn from this room': a lesson that helps is adopted, one that makes validation worse is refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import synthetic_data_root, synthetic_digits
from digitnet.learning.room_lesson import LessonConfig, LessonError, learn_from_drawings, lesson_data, run_settings
from digitnet.learning.training import predict_logits
from digitnet.model import DigitNet, ModelConfig
from digitnet.reading.predictor import predictor_from_bytes
from digitnet.storage.checkpoint import (
    CheckpointError,
    build_model,
    checkpoint_bytes,
    checkpoint_from_bytes,
    make_checkpoint,
)
from digitnet.storage.corrections import Drawing

SMALL = LessonConfig(epochs=2, replay_mnist=600, replay_drawn=4, replay_negatives=0, watched=100, threads=1)


def room_drawings(count: int, shift: int = 0) -> list[Drawing]:
    """`count` synthetic drawings, each labelled its digit + `shift` (mod 10): 0 is what people mean."""
    images, labels = synthetic_digits(count, seed=7)
    return [
        Drawing(int(label + shift) % 10, False, 0, [], "test", b"", image.astype(np.float32) / 255)
        for image, label in zip(images, labels, strict=True)
    ]


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_data_root(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def untrained() -> bytes:
    torch.manual_seed(0)
    model = DigitNet(ModelConfig(stem_channels=4, mid_channels=8, top_channels=8, reject_class=False))
    return checkpoint_bytes(make_checkpoint(model, 1.0, {"doubt_threshold": 0.9}))


@pytest.fixture(scope="module")
def taught(untrained: bytes, data_root: Path):
    """A lesson of 200 rightly labelled drawings given to an untrained model, with the progress it reported."""
    shares = []
    return learn_from_drawings(untrained, room_drawings(200), data_root, shares.append, SMALL), shares


def test_a_lesson_that_reads_validation_better_is_adopted_and_reads_the_rooms_held_out_drawings_better(taught):
    lesson, shares = taught
    assert lesson.adopted and lesson.checkpoint is not None
    assert lesson.validation_after > lesson.validation_before
    assert lesson.held_out > 0 and lesson.after > lesson.before
    assert shares[0] == 0 and shares[-1] == 1 and shares == sorted(shares)
    predictor_from_bytes(lesson.checkpoint, "the lesson's model")  # what is adopted can be read back


def test_an_adopted_model_is_calibrated_again_on_the_validation_digits(taught, untrained: bytes, data_root: Path):
    new, _ = checkpoint_from_bytes(taught[0].checkpoint, "the lesson's model")
    old, _ = checkpoint_from_bytes(untrained, "the room's model")
    validation, _ = lesson_data(*run_settings(new["metadata"], data_root), SMALL, False)
    model = build_model(new, "the lesson's model")
    logits = torch.cat([predict_logits(model, images, torch.device("cpu")) for images, _ in validation])
    labels = torch.cat([labels for _, labels in validation])
    loss = lambda temperature: float(torch.nn.functional.cross_entropy(logits / temperature, labels))  # noqa: E731
    assert loss(new["temperature"]) < loss(old["temperature"])  # the room's model's temperature was kept before


def test_a_lesson_that_makes_validation_worse_is_refused(taught, data_root: Path):
    wrong = room_drawings(200, shift=1)  # the whole room labels every digit as the next one
    config = LessonConfig(epochs=3, weight=10, replay_mnist=0, replay_drawn=0, replay_negatives=0, threads=1)
    lesson = learn_from_drawings(taught[0].checkpoint, wrong, data_root, None, config)
    assert not lesson.adopted and lesson.checkpoint is None
    assert lesson.validation_after < lesson.validation_before and "reads worse" in lesson.reason


def test_a_room_without_drawings_to_train_on_is_told_so(untrained: bytes, data_root: Path):
    with pytest.raises(LessonError, match="no corrected drawings to learn from"):
        learn_from_drawings(untrained, [], data_root, None, SMALL)


def test_a_damaged_model_is_named_as_the_rooms(data_root: Path):
    with pytest.raises(CheckpointError, match="the room's model is damaged"):
        learn_from_drawings(b"not a model", room_drawings(20), data_root, None, SMALL)
