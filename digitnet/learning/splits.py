"""The data of one training run: who trains, who chooses, who is only measured (README's protocol).

train: MNIST less 5,000 + renderings of the fit writers' pen digits (pendigits 1-16, UNIPEN's fit
writers) + drawings that are no digit, labelled "not a digit" (generated, and UNIPEN's fit writers' letters).
val: the 5,000 MNIST digits; val_drawn: one rendering of each tune writer's digit (pendigits 17-20,
UNIPEN's tune writers); val_negatives: other no-digit drawings. Temperature and thresholds are fitted here.
test: the MNIST test set, only measured. Pendigits 21-30 and UNIPEN's test sites never enter a split.
With collected drawings (--extra-data), a fixed fifth is only measured: extra_held for the digits,
extra_held_negatives for the drawings people said are no digit.
"""

from __future__ import annotations

from pathlib import Path

import torch

from digitnet.constants import DIGIT_PART, NOT_A_DIGIT
from digitnet.learning.augment import StrokeAugmentConfig
from digitnet.learning.data import (
    UNIPEN_SOURCE,
    DataConfig,
    load_mnist,
    load_pendigits,
    load_unipen,
    render_drawn_digits,
    split_validation,
)
from digitnet.learning.extra import load_extra, split_extra
from digitnet.learning.letters import real_negatives
from digitnet.learning.strokes import FIT_WRITERS, TUNE_WRITERS, UNIPEN_FILE
from digitnet.words import count_of

Split = tuple[torch.Tensor, torch.Tensor]  # images (N, 1, 28, 28) in [0, 1], labels (N,)
SMOKE_SIZES = {"train": 512, "val": 256, "test": 256}  # images per MNIST split with --smoke
SMOKE_DRAWN = 64  # pen digits per role with --smoke
NEGATIVE_SPLITS = ("val_negatives", "extra_held_negatives")  # drawings that are no digit, measured by refusals


def concat(*splits: Split) -> Split:
    """One split from several."""
    return torch.cat([s[0] for s in splits]), torch.cat([s[1] for s in splits])


def load_negatives(count: int, seed: int, split: str, data_dir: Path, real_share: float = 0.0) -> Split:
    """`count` drawings that are no digit, labelled NOT_A_DIGIT (DIGIT_PART if made of pen digits): a `real_share`
    of them real letters and symbols of the split's writers (train: the fit writers, val: the tune writers), the
    rest generated."""
    from digitnet.learning.negatives import kind_family, negative_images  # imported here: it loads stroke fonts

    role = {"train": "fit", "val": "tune"}[split]
    real = real_negatives(round(count * real_share), seed, role, data_dir) if real_share else torch.zeros(0, 1, 28, 28)
    generated, kinds = negative_images(count - len(real), seed, split, data_dir)
    labels = [DIGIT_PART if kind_family(kind) == "digit parts" else NOT_A_DIGIT for kind in kinds]
    labels = torch.tensor([NOT_A_DIGIT] * len(real) + labels, dtype=torch.long)
    return torch.cat([real, torch.from_numpy(generated).unsqueeze(1)]), labels


def pen_digits(config: DataConfig, role: str, smoke: bool) -> list:
    """Pendigits and UNIPEN digits of one role ("fit" or "tune"); UNIPEN is skipped if it is not there."""
    writers = {"fit": FIT_WRITERS, "tune": TUNE_WRITERS}[role]
    pendigits, unipen = load_pendigits(config.data_dir, writers), load_unipen(config.data_dir, role)
    if not unipen:  # optional on a user's machine: say what the run goes without
        print(f"No UNIPEN digits at {config.data_dir / UNIPEN_FILE} ({UNIPEN_SOURCE}): {role} on pendigits alone.")
    if smoke:
        pendigits, unipen = pendigits[:SMOKE_DRAWN], unipen[:SMOKE_DRAWN]
    return pendigits + unipen


def validation_drawn(config: DataConfig, seed: int, smoke: bool = False) -> Split:
    """val_drawn: one rendering of each tune writer's pen digit, as the run of `seed` chose on."""
    return render_drawn_digits(pen_digits(config, "tune", smoke), 1, config.drawn_canvas, seed + 1)


def load_splits(
    config: DataConfig, seed: int, smoke: bool, extra: Path | None = None, extra_weight: int = 1
) -> dict[str, Split]:
    """Every split of a run (see the module's docstring), plus the held-out part of collected drawings."""
    mnist_train, mnist_val = split_validation(
        *load_mnist(config.data_dir, train=True), config.val_size, config.split_seed
    )
    splits = {"train": mnist_train, "val": mnist_val, "test": load_mnist(config.data_dir, train=False)}
    if smoke:
        splits = {name: (data[0][: SMOKE_SIZES[name]], data[1][: SMOKE_SIZES[name]]) for name, data in splits.items()}
    if config.drawn_copies:
        distort = StrokeAugmentConfig() if config.stroke_augment else None
        fit = render_drawn_digits(
            pen_digits(config, "fit", smoke), config.drawn_copies, config.drawn_canvas, seed, distort
        )
        splits["train"] = concat(splits["train"], fit)
        splits["val_drawn"] = validation_drawn(config, seed, smoke)
    if config.negatives:
        count = min(config.negatives, SMOKE_DRAWN) if smoke else config.negatives
        share, data_dir = config.real_negatives, config.data_dir
        splits["train"] = concat(splits["train"], load_negatives(count, seed, "train", data_dir, share))
        splits["val_negatives"] = load_negatives(max(count // 4, 16), seed + 1, "val", data_dir, share)
    if extra is not None:
        (extra_x, extra_y), held = collected_drawings(extra, with_not_a_digit=bool(config.negatives))
        splits.update(held)
        splits["train"] = concat(splits["train"], (extra_x.repeat(extra_weight, 1, 1, 1), extra_y.repeat(extra_weight)))
    return splits


def collected_drawings(path: Path, with_not_a_digit: bool) -> tuple[Split, dict[str, Split]]:
    """The collected drawings to train on, and the held-out ones by kind (see the module's docstring)."""
    images, labels = load_extra(path)
    if not with_not_a_digit and (labels == NOT_A_DIGIT).any():  # a model of ten outputs has no class for them
        print(
            f"Left out {count_of(int((labels == NOT_A_DIGIT).sum()), 'collected drawing')} marked as not a digit: "
            "this run trains no 'not a digit' class (--negatives 0)."
        )
        images, labels = images[labels != NOT_A_DIGIT], labels[labels != NOT_A_DIGIT]
    train, (held_x, held_y) = split_extra((images, labels), seed=0)
    digit = held_y != NOT_A_DIGIT
    held = {"extra_held": (held_x[digit], held_y[digit]), "extra_held_negatives": (held_x[~digit], held_y[~digit])}
    return train, {name: part for name, part in held.items() if len(part[1])}
