"""Numbers and names shared by every part of DigitNet, defined once."""

import os
from pathlib import Path

IMAGE_SIZE = 28  # side of the model's input, in pixels (MNIST)
FIT_SIZE = 20  # MNIST scaled each digit to fit a 20x20 box inside the 28x28 field
NUM_CLASSES = 10
CLASS_NAMES = tuple(str(d) for d in range(NUM_CLASSES))
NOT_A_DIGIT = NUM_CLASSES  # index of the extra "not a digit" logit of models trained with negatives
# A training label, never an output: "not a digit" made of pen digits (pieces of one, two drawn over each other),
# which share their strokes with real digits, so outlier exposure leaves their digits' probabilities alone.
DIGIT_PART = NOT_A_DIGIT + 1

# Pixel statistics of the MNIST training set (checked in ../shared/data/README.md).
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHECKPOINT = PROJECT_ROOT / "checkpoints" / "digitnet.pt"
CHECKPOINT_ENV_VAR = "DIGITNET_CHECKPOINT"  # overrides DEFAULT_CHECKPOINT for the app and load_predictor()
DATA_ENV_VAR = "DIGITNET_DATA"
DEFAULT_DATA_DIR = Path("data")
RETRAIN_HINT = ".venv/bin/python train.py"  # as it runs after README's set-up command

# The app's canvas, shared with the benchmarks that imitate it.
CANVAS_SIZE = 320  # pixels, square; fits a phone screen and stays >= 300 px high
DEFAULT_BRUSH = 16  # pixels; best of 8-36 px on the tune writers (bench/drawn_digits.py --writers tune)
INK_RGB = (31, 41, 55)  # the brush colour, #1f2937
INK_HEX = "#{:02x}{:02x}{:02x}".format(*INK_RGB)  # the same, as the canvas takes it
# Parts of streamlit-drawable-canvas 0.13 in the page (the pinned version): the Clear button presses its reset,
# and the browser tests draw on Fabric's top canvas, made once the component is drawable.
CANVAS_RESET = 'button[aria-label="Reset canvas & history"]'
CANVAS_TOOLBAR = ".dc-toolbar"  # hidden by the page (widgets.py): it lay over the canvas's top-right corner
CANVAS_ROOT = ".canvas-root"  # the component's own box, in its shadow root before its code has run
CANVAS = "canvas.upper-canvas"


def path_setting(flag: str | Path | None, env_var: str, default: str | Path) -> Path:
    """A path chosen by its flag if given, else by its environment variable, else the default."""
    return Path(flag or os.environ.get(env_var) or default)


def checkpoint_path(path: str | Path | None = None) -> Path:
    """The checkpoint to use: `path` if given, else $DIGITNET_CHECKPOINT, else the committed one."""
    return path_setting(path, CHECKPOINT_ENV_VAR, DEFAULT_CHECKPOINT)
