"""How well DigitNet reads digits that people draw: real pen strokes on the app's canvas, by source.

Renders every digit of the measured-only writers the way the canvas shows them and reads it with a
checkpoint: pendigits writers 21-30 (one tablet) and UNIPEN's held-out sites (other labs, tablets and
countries), never trained or tuned on; with --writers tune, the writers settings are chosen on
(pendigits 17-20, UNIPEN's tune writers). Per source: accuracy, ECE, confident mistakes, per digit,
the worst writers, per site, the confusions, and the styles peers misread (bench/styles.py); then
sweeps over brush width, canvas size and colours. Seeded and deterministic.

    python -m bench.drawn_digits --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench import run
from bench.styles import STYLES, style_of
from bench.synth.pen import HELD_OUT_WRITERS, add_writers_argument
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.learning.data import load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.drawn import predict_drawn
from digitnet.learning.metrics import expected_calibration_error
from digitnet.learning.strokes import STYLES as CANVAS_STYLES
from digitnet.learning.strokes import PenDigit
from digitnet.reading.predictor import load_predictor

BRUSHES = (8, 12, 16, 20, 28, 36)  # pixels, thin pen to thick finger
CANVASES = (280, 320, 400, 600)  # pixels, with the default brush
CONFIDENT = 0.9
WORST = 5  # writers listed per source
UNIPEN_ROLE = {"test": "test", "tune": "tune"}  # --writers -> the UNIPEN role measured


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults measure the app's own settings on all measured-only writers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--seed", type=int, default=0, help="seed for size and place of each drawing (default 0)")
    parser.add_argument("--no-sweep", action="store_true", help="measure the app's defaults only")
    add_writers_argument(parser)
    return parser.parse_args(argv)


def sources(data_dir: Path, writers: str) -> dict[str, list[PenDigit]]:
    """The pen digits to read, by source; a source whose file is missing is left out."""
    found = {
        "pendigits": load_pendigits(data_dir, HELD_OUT_WRITERS[writers]),
        "unipen": load_unipen(data_dir, UNIPEN_ROLE[writers]),
    }
    return {name: digits for name, digits in found.items() if digits}


def summary(probs: np.ndarray, labels: np.ndarray) -> str:
    """Accuracy, ECE and confident mistakes in one line."""
    wrong = probs.argmax(1) != labels
    sure = (wrong & (probs.max(1) > CONFIDENT)).sum()
    return (
        f"accuracy {1 - wrong.mean():.2%} ({wrong.sum()} wrong of {len(labels)}), "
        f"ECE {expected_calibration_error(probs, labels):.2%}, wrong with p>{CONFIDENT:.0%}: {sure} "
        f"(1 in {len(labels) / max(sure, 1):.0f})"
    )


def rates(correct: np.ndarray, groups: np.ndarray) -> list[tuple[str, float, int]]:
    """(group, accuracy, count) for every group, worst first."""
    rows = [(str(g), float(correct[groups == g].mean()), int((groups == g).sum())) for g in np.unique(groups)]
    return sorted(rows, key=lambda row: row[1])


def breakdown(digits: list[PenDigit], probs: np.ndarray) -> None:
    """Per digit, the worst writers, per site, the confusions and the styles of one source."""
    labels, predicted = np.array([d.label for d in digits]), probs.argmax(1)
    correct = predicted == labels
    print("per digit:  " + "  ".join(f"{d}: {correct[labels == d].mean():.1%}" for d in range(10)))
    writers = np.array([str(d.writer) for d in digits])
    print(f"worst {WORST} writers: " + "  ".join(f"{w}: {a:.1%} of {n}" for w, a, n in rates(correct, writers)[:WORST]))
    big = [(w, a, n) for w, a, n in rates(correct, writers) if n >= 100]
    if big:
        print(f"lowest writer with >= 100 digits: {big[0][0]}: {big[0][1]:.1%} of {big[0][2]}")
    sites = np.array([d.site for d in digits])
    print("per site: " + "  ".join(f"{s}: {a:.2%} of {n}" for s, a, n in rates(correct, sites)))
    pairs = Counter((int(t), int(p)) for t, p in zip(labels[~correct], predicted[~correct], strict=True))
    print("confusions (true -> read: count): " + ", ".join(f"{t}->{p}: {n}" for (t, p), n in pairs.most_common(10)))
    styles = np.array([style_of(d) or "" for d in digits])
    print(
        "styles: " + "  ".join(f"{s}: {correct[styles == s].sum()} of {(styles == s).sum()} read right" for s in STYLES)
    )


def sweep(predictor, digits: list[PenDigit], seed: int) -> dict[str, float]:
    """Accuracy of all sources together over brushes, canvases and colours; prints a table."""
    labels = np.array([d.label for d in digits])
    settings = [(f"brush {b:2d} px", dict(brush=b)) for b in BRUSHES]
    settings += [(f"canvas {c} px", dict(canvas=c)) for c in CANVASES]
    settings += [(f"style {s}", dict(style=s)) for s in CANVAS_STYLES]
    print("\n| setting (all sources) | result |\n|---|---|")
    results = {}
    for name, options in settings:
        probs = predict_drawn(predictor, digits, seed=seed, **options)
        results[name] = float((probs.argmax(1) == labels).mean())
        print(f"| {name} | {summary(probs, labels)} |")
    return results


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the measure; return accuracy per source and setting."""
    args = parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    start, results = time.perf_counter(), {}
    found = sources(resolve_data_dir(args.data_dir), args.writers)
    for name, digits in found.items():
        probs = predict_drawn(predictor, digits, seed=args.seed)
        labels = np.array([d.label for d in digits])
        print(
            f"\n## {name}: {len(digits)} digits by {len({d.writer for d in digits})} {args.writers} writers "
            f"at {len({d.site for d in digits})} site(s); canvas {CANVAS_SIZE} px, brush {DEFAULT_BRUSH} px"
        )
        print("app defaults: " + summary(probs, labels))
        breakdown(digits, probs)
        results[name] = float((probs.argmax(1) == labels).mean())
    if not args.no_sweep:
        results |= sweep(predictor, [d for digits in found.values() for d in digits], args.seed)
    print(f"\n{time.perf_counter() - start:.0f} s")
    return results


if __name__ == "__main__":
    run(main)
