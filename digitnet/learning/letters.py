"""Real handwritten letters and symbols (UNIPEN 1b-1d): which may stand for "not a digit", and how they are drawn.

Some characters are written like digits (O and 0, l and 1, S and 5, ...): a model taught to refuse them would
refuse real digits, so they are never negatives; they are measured apart, as digit shapes. The rest of the
training writers' characters are drawn like the pen digits (stroke changes, random size, place and brush)
and labelled "not a digit".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from digitnet.learning.augment import StrokeAugmentConfig
from digitnet.learning.data import load_characters, render_drawn_digits
from digitnet.learning.strokes import CHARACTERS_FILE, PenCharacter

# Character -> the digit it is written like, never taught as "not a digit": the data's README's list; marks
# and bars that, drawn as large as a digit, are a 1 (a dot or a comma scaled to the canvas is a bar); and
# what the committed model read as one digit for most choosing writers where the hand writes that digit's
# shape (D as 0, i as 1, > as 7; not J, d, ?, @), measured with python -m bench.not_a_digit --letters-role tune.
DIGIT_SHAPES = {
    **dict.fromkeys("OoDQ", 0),
    **dict.fromkeys("Ili|/\\!'\"`,.;:()[]{}", 1),
    **dict.fromkeys("Zz", 2),
    **dict.fromkeys("Ss", 5),
    **dict.fromkeys("bG", 6),
    **dict.fromkeys("T>", 7),
    "B": 8,
    **dict.fromkeys("gq", 9),
}
NOISE = frozenset({"\\@"})  # kai's 1d: ligatures, delayed strokes and noise, says its documentation
LOOK_LIKE_NO_DIGIT = frozenset("AEFHKMNPRUVWXYaefhkmnpruvwxy")  # the headline letters
GROUPS = ("letters like no digit", "other letters", "symbols", "digit shapes", "noise")


def counts_as_not_a_digit(label: str) -> bool:
    """True for a character that may be taught and measured as "not a digit"."""
    return label not in DIGIT_SHAPES and label not in NOISE


def character_group(character: PenCharacter) -> str:
    """Which of GROUPS a character is measured in."""
    if character.label in NOISE:
        return "noise"
    if character.label in DIGIT_SHAPES:
        return "digit shapes"
    if character.label in LOOK_LIKE_NO_DIGIT:
        return "letters like no digit"
    return "symbols" if character.category == "1d" else "other letters"


def real_negatives(count: int, seed: int, role: str, data_dir: Path, canvas: int = 200) -> torch.Tensor:
    """`count` of one role's characters that count as "not a digit", drawn like the pen digits (stroke changes on
    "fit") and preprocessed: (n, 1, 28, 28); empty if the file is absent. Each character at most once."""
    pool = [c for c in load_characters(data_dir, role) if counts_as_not_a_digit(c.label)]
    if not pool:
        print(f"No UNIPEN letters at {data_dir / CHARACTERS_FILE}: 'not a digit' is trained on generated drawings.")
        return torch.zeros((0, 1, 28, 28))
    rng = np.random.default_rng([seed, len(role)])
    chosen = [pool[i] for i in rng.choice(len(pool), min(count, len(pool)), replace=False)]
    distort = StrokeAugmentConfig() if role == "fit" else None
    return render_drawn_digits(chosen, 1, canvas, seed, distort, as_characters=True)[0]
