"""How well DigitNet reads digits that people draw: real pen strokes (UCI pendigits) on the app's canvas.

Renders every digit of the held-out writers (21-30, never trained or tuned on; or with
--writers tune, writers 17-20, on which settings may be chosen) the
way the canvas shows it, reads it with the committed checkpoint, and prints accuracy
overall, per digit, per writer, the confusions, calibration, and sweeps over brush
width, canvas size and colours. Seeded and deterministic.

    python bench/drawn_digits.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.data import load_pendigits, resolve_data_dir
from digitnet.drawn import read_drawn
from digitnet.metrics import expected_calibration_error
from digitnet.predict import load_predictor
from digitnet.strokes import HELD_OUT_WRITERS, STYLES

BRUSHES = (8, 12, 16, 20, 28, 36)  # pixels, thin pen to thick finger
CANVASES = (280, 320, 400, 600)  # pixels, with the default brush
CONFIDENT = 0.9


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults measure the app's own settings on all held-out writers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--seed", type=int, default=0, help="seed for size and place of each drawing (default 0)")
    parser.add_argument("--no-sweep", action="store_true", help="measure the app's defaults only")
    parser.add_argument(
        "--writers",
        choices=sorted(HELD_OUT_WRITERS),
        default="test",
        help="test = 21-30, the result; tune = 17-20, for choosing settings (default test)",
    )
    return parser.parse_args(argv)


def summary(probs: np.ndarray, labels: np.ndarray) -> str:
    """Accuracy, ECE and confident mistakes in one line."""
    predicted, confidence = probs.argmax(1), probs.max(1)
    wrong = predicted != labels
    return (
        f"accuracy {1 - wrong.mean():.2%} ({wrong.sum()} wrong of {len(labels)}), "
        f"ECE {expected_calibration_error(probs, labels):.2%}, "
        f"wrong with p>{CONFIDENT:.0%}: {(wrong & (confidence > CONFIDENT)).sum()}"
    )


def breakdown(probs: np.ndarray, labels: np.ndarray, writers: np.ndarray) -> None:
    """Per digit, per writer and the most frequent confusions."""
    correct = probs.argmax(1) == labels
    print("per digit:  " + "  ".join(f"{d}: {correct[labels == d].mean():.1%}" for d in range(10)))
    print("per writer: " + "  ".join(f"{w}: {correct[writers == w].mean():.1%}" for w in np.unique(writers)))
    pairs = Counter((int(t), int(p)) for t, p in zip(labels[~correct], probs.argmax(1)[~correct], strict=True))
    print("confusions (true -> read: count): " + ", ".join(f"{t}->{p}: {n}" for (t, p), n in pairs.most_common(10)))


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the measure; return accuracy per setting."""
    args = parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    writer_range = HELD_OUT_WRITERS[args.writers]
    digits = load_pendigits(resolve_data_dir(args.data_dir), writer_range)
    labels = np.array([d.label for d in digits])
    writers = np.array([d.writer for d in digits])
    start = time.perf_counter()
    probs = read_drawn(predictor, digits, seed=args.seed)
    print(
        f"# {len(digits)} digits by held-out writers {writer_range.start}-{writer_range.stop - 1}, "
        f"canvas {CANVAS_SIZE} px, brush {DEFAULT_BRUSH} px, transparent background"
    )
    print("app defaults: " + summary(probs, labels))
    breakdown(probs, labels, writers)
    results = {"default": float((probs.argmax(1) == labels).mean())}
    if not args.no_sweep:
        settings = [(f"brush {b:2d} px", dict(brush=b)) for b in BRUSHES]
        settings += [(f"canvas {c} px", dict(canvas=c)) for c in CANVASES]
        settings += [(f"style {s}", dict(style=s)) for s in STYLES]
        print("\n| setting | result |\n|---|---|")
        for name, options in settings:
            swept = read_drawn(predictor, digits, seed=args.seed, **options)
            results[name] = float((swept.argmax(1) == labels).mean())
            print(f"| {name} | {summary(swept, labels)} |")
    print(f"\n{time.perf_counter() - start:.0f} s")
    return results


if __name__ == "__main__":
    main()
