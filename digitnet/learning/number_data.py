"""The number reader's data: training strips from the training writers, choosing strips from the choosing writers.

Pen digits and letters of one role only (pendigits 1-16 and UNIPEN's fit writers train; pendigits 17-20 and
UNIPEN's tune writers choose); MNIST's training digits train; MNIST's test set and the measured-only
writers never enter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitnet.learning.data import load_characters, load_mnist, load_pendigits, load_unipen
from digitnet.learning.negatives import negative_drawings
from digitnet.learning.strips import (
    Example,
    StripConfig,
    by_writer,
    letter_strokes,
    mnist_number,
    no_number,
    pen_number,
)
from digitnet.learning.strokes import FIT_WRITERS, TUNE_WRITERS

MOST_LETTERS, MOST_SCRIBBLES = 6, 3  # drawings in a line that is no number


def make_examples(config: StripConfig, role: str, count: int, seed: int, data_dir: Path) -> list[Example]:
    """`count` strips of one role ("fit" trains, with distorted strokes and MNIST; "tune" chooses), seeded."""
    rng = np.random.default_rng([seed, len(role)])
    pendigits = load_pendigits(data_dir, {"fit": FIT_WRITERS, "tune": TUNE_WRITERS}[role])
    writers = by_writer(pendigits + load_unipen(data_dir, role))
    letters = letter_strokes(load_characters(data_dir, role))
    split = {"fit": "train", "tune": "val"}[role]
    scribbles = [list(d) for _, d in negative_drawings(max(count // 20, 50), seed, split, data_dir)]
    images, labels = (x.numpy() for x in load_mnist(data_dir, train=True)) if role == "fit" else (None, None)
    if images is not None:
        images = (images[:, 0] * 255).astype(np.uint8)
    kinds = ["mnist", "letters", "scribbles", "pen"]
    shares = np.array([config.mnist_share if role == "fit" else 0.0, config.letters_share, config.scribbles_share])
    shares = np.append(shares, 1 - shares.sum())
    examples = []
    for kind in rng.choice(kinds, size=count, p=shares):
        if kind == "mnist":
            examples.append(mnist_number(images, labels, config, rng))
        elif kind == "letters" and letters:
            examples.append(no_number(letters, MOST_LETTERS, config, rng))
        elif kind == "scribbles":
            examples.append(no_number(scribbles, MOST_SCRIBBLES, config, rng))
        else:
            examples.append(pen_number(writers, config, rng, distort=role == "fit"))
    return examples
