"""The wall's "Learn from this room": fine-tune a room's model on its corrections; adopt it only if no worse.

The room's drawings split as `--extra-data` splits them (extra.py): a fixed fifth, chosen by a hash of the
pixels, is only measured, before and after. The rest is trained on, several times over, mixed with a replay
of the ordinary training data so that the model learns the room's hand without forgetting everyone else's.
The new model replaces the room's by train.py's rule (replacement.py): no worse on the validation digits the
run chose on (MNIST's validation part and the tune writers' pen digits). The new model's temperature is
refitted on those validation digits, as train.py fits it, so that its confidence stays honest; its thresholds
stay the room's model's (train.py picks them on drawings that are no digit, a whole run's data).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from digitnet.constants import NOT_A_DIGIT
from digitnet.learning.augment import AugmentConfig, StrokeAugmentConfig
from digitnet.learning.data import DataConfig, load_mnist, render_drawn_digits, resolve_data_dir, split_validation
from digitnet.learning.extra import held_out_scores, split_extra
from digitnet.learning.metrics import fit_digit_temperature
from digitnet.learning.replacement import no_worse, validation_accuracy
from digitnet.learning.splits import Split, concat, load_negatives, pen_digits, validation_drawn
from digitnet.learning.training import TrainConfig, fit, predict_logits
from digitnet.reading.predictor import Predictor, predictor_from_bytes
from digitnet.storage.checkpoint import build_model, checkpoint_bytes, checkpoint_from_bytes, make_checkpoint
from digitnet.storage.corrections import Drawing

ROOM_MODEL = "the room's model"  # what messages call the checkpoint
Progress = Callable[[float], None]


class LessonError(ValueError):
    """Nothing could be learned (no drawings to train on, no validation data); the message says why, for a presenter."""


@dataclass(frozen=True)
class LessonConfig:
    """How a room's model is fine-tuned: small and short, to fit 90 s on two cores for 200 drawings."""

    epochs: int = 2
    batch_size: int = 64
    lr: float = 1e-3  # peak of the one-cycle schedule: a third of training's, the model is already trained
    weight: int = 5  # times each of the room's drawings is seen per epoch (train.py's --extra-weight)
    replay_mnist: int = 1000  # ordinary training digits mixed in per lesson, roughly in training's shares
    replay_drawn: int = 500
    replay_negatives: int = 300  # drawings that are no digit (models with that class only)
    watched: int = 1000  # validation digits read after each epoch, for the lesson's record (not to choose)
    threads: int = 2


@dataclass(frozen=True)
class RoomLesson:
    """What a lesson did: whether the new model was adopted and why, and the readings before and after."""

    adopted: bool
    reason: str  # one sentence for the presenter
    held_out: int  # the room's drawings kept aside and only measured
    before: float | None  # share of them read right by the room's model (None: none kept aside)
    after: float | None  # ... and by the new one
    validation_before: float  # share of the validation digits read right
    validation_after: float
    checkpoint: bytes | None  # the new model, only when adopted


def learn_from_drawings(
    checkpoint: bytes,
    drawings: Sequence[Drawing],
    data_root: Path | None,
    progress: Progress | None = None,
    config: LessonConfig = LessonConfig(),
) -> RoomLesson:
    """Fine-tune the model in `checkpoint` on the room's `drawings`; report progress from 0 to 1.

    `data_root` holds the training data (None: $DIGITNET_DATA, else ./data). Raises LessonError if nothing can
    be learned and CheckpointError if `checkpoint` is not a model this code reads.
    """
    report = progress or (lambda share: None)
    report(0.0)
    old = predictor_from_bytes(checkpoint, ROOM_MODEL)
    room, held = room_split(drawings, old.model.config.reject_class)
    data_config, seed = run_settings(old.metadata, resolve_data_dir(data_root))
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)  # the app reads with one thread; a lesson may take more, for a while
    try:
        validation, replay = lesson_data(data_config, seed, config, old.model.config.reject_class)
        report(0.2)
        validation_before, before = scores(old, validation, held)
        report(0.3)
        train = concat(replay, repeat(room, config.weight))
        new_checkpoint = fine_tune(checkpoint, train, validation, seed, config, report)
        new = predictor_from_bytes(new_checkpoint, ROOM_MODEL)
        validation_after, after = scores(new, validation, held)
    finally:
        torch.set_num_threads(threads)
    report(1.0)
    adopted = no_worse(validation_before, validation_after)
    change = f"validation digits read right {validation_before:.2%} -> {validation_after:.2%}"
    reason = f"Adopted: {change}." if adopted else f"Kept the room's model: the new one reads worse ({change})."
    kept = new_checkpoint if adopted else None
    return RoomLesson(adopted, reason, len(held[1]), before, after, validation_before, validation_after, kept)


def room_split(drawings: Sequence[Drawing], with_not_a_digit: bool) -> tuple[Split, Split]:
    """(to train on, kept aside) of the room's drawings; LessonError if there is nothing to train on."""
    kept = [d for d in drawings if with_not_a_digit or d.label != NOT_A_DIGIT]  # ten outputs: no class for them
    images = torch.from_numpy(np.stack([d.input28 for d in kept]) if kept else np.zeros((0, 28, 28), np.float32))
    room, held = split_extra((images.unsqueeze(1), torch.tensor([d.label for d in kept], dtype=torch.long)), seed=0)
    if not len(room[1]):
        raise LessonError("The room has no corrected drawings to learn from yet: ask people to mark their answers.")
    return room, held


def run_settings(metadata: dict, data_dir: Path) -> tuple[DataConfig, int]:
    """The data settings and seed of the run that trained the model (defaults where it does not say)."""
    run = metadata.get("train", {})
    known = {field.name for field in fields(DataConfig)}
    data = {key: value for key, value in run.get("data", {}).items() if key in known}
    return replace(DataConfig(**data), data_dir=data_dir), int(run.get("seed", 0))


@lru_cache(maxsize=1)  # a presenter may press twice: the same validation and replay, read once
def lesson_data(data: DataConfig, seed: int, config: LessonConfig, negatives: bool) -> tuple[list[Split], Split]:
    """The validation splits the run chose on, and a seeded sample of its kinds of training data to replay."""
    try:
        mnist = load_mnist(data.data_dir, train=True)
        mnist_train, mnist_val = split_validation(*mnist, data.val_size, data.split_seed)
        validation, replay = [mnist_val], [sample(mnist_train, config.replay_mnist, seed)]
        if data.drawn_copies:
            validation.append(validation_drawn(data, seed))
            fit_digits = pen_digits(data, "fit", smoke=False)
            chosen = np.random.default_rng(seed).permutation(len(fit_digits))[: config.replay_drawn]
            distort = StrokeAugmentConfig() if data.stroke_augment else None
            drawn = render_drawn_digits([fit_digits[i] for i in chosen], 1, data.drawn_canvas, seed, distort)
            replay.append(drawn)
        if negatives and config.replay_negatives:
            replay.append(load_negatives(config.replay_negatives, seed, "train", data.data_dir, data.real_negatives))
    except FileNotFoundError as error:
        raise LessonError(f"The training data this lesson needs is missing: {error}") from error
    return validation, concat(*replay)


def sample(split: Split, count: int, seed: int) -> Split:
    """`count` of a split's images (all if fewer), chosen by `seed`."""
    chosen = torch.randperm(len(split[1]), generator=torch.Generator().manual_seed(seed))[:count]
    return split[0][chosen], split[1][chosen]


def repeat(split: Split, times: int) -> Split:
    """A split `times` over."""
    return split[0].repeat(times, 1, 1, 1), split[1].repeat(times)


def scores(predictor: Predictor, validation: list[Split], held: Split) -> tuple[float, float | None]:
    """A model's share of the validation digits read right, and of the room's kept-aside digits (None if none)."""
    digits = held[1] != NOT_A_DIGIT
    room = held_out_scores(predictor, {"extra_held": (held[0][digits], held[1][digits])} if digits.any() else {})
    return validation_accuracy(predictor, validation), room.get("extra_held")


def fine_tune(
    checkpoint: bytes, train: Split, validation: list[Split], seed: int, config: LessonConfig, report: Progress
) -> bytes:
    """The room's model trained further on `train`, as checkpoint bytes with the lesson in its metadata."""
    old, _version = checkpoint_from_bytes(checkpoint, ROOM_MODEL)
    model = build_model(old, ROOM_MODEL)
    settings = TrainConfig(config.epochs, config.batch_size, config.lr, seed=seed, threads=config.threads, device="cpu")
    done = []

    def epoch_ended(line: str) -> None:
        done.append(line)
        report(0.3 + 0.6 * len(done) / config.epochs)

    history = fit(model, train, sample(validation[0], config.watched, seed), settings, AugmentConfig(), log=epoch_ended)
    lesson = {"images": len(train[1]), "epochs": config.epochs, "lr": config.lr, "history": history}
    temperature = validation_temperature(model, validation)
    return checkpoint_bytes(make_checkpoint(model, temperature, {**old["metadata"], "room_lesson": lesson}))


def validation_temperature(model: torch.nn.Module, validation: list[Split]) -> float:
    """The temperature that calibrates `model` on the validation digits, fitted as train.py fits it: on the
    digits' ten logits alone, as the app shows them."""
    logits = [predict_logits(model, images, torch.device("cpu")) for images, _ in validation]
    return fit_digit_temperature(logits, [labels for _, labels in validation])
