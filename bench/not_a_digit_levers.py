"""Levers that need no training: which score of the committed model, thresholded, best tells non-digits from digits?

Each lever adds one test to the page's rule (shown as a confident digit = not refused and the top digit's
probability at least the doubt threshold): the "not a digit" probability below a lower threshold, the top
digit's probability above a higher one, the energy score (log-sum-exp of the ten digit logits, Liu et al. 2020),
the largest digit logit, or its margin over the "not a digit" logit. Every threshold is chosen on the choosing
writers and the "val" negatives, as the one that lets the fewest negatives through while real digits refused or
doubted rise by at most `--budget`; the same threshold is then measured on the held-out kinds and writers.

    python -m bench.not_a_digit_levers --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

import numpy as np
from scipy.special import logsumexp, softmax

from bench import run
from bench.not_a_digit import BATCH, BRUSHES
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, NOT_A_DIGIT, NUM_CLASSES
from digitnet.learning.data import load_characters, load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.letters import character_group
from digitnet.learning.negatives import kind_family, negative_drawings
from digitnet.learning.strokes import STYLES, TEST_WRITERS, TUNE_WRITERS, draw_strokes, place_drawing, render_on_canvas
from digitnet.reading.predictor import Predictor, load_predictor, readable_inputs

DIGITS = "real digits"
ROLES = {"tune": ("val", TUNE_WRITERS), "test": ("test", TEST_WRITERS)}  # negatives' split, pendigits writers
# Each lever: a score per drawing (from its (N, 11) logits) that is high for a digit.
LEVERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "'not a digit' threshold lowered": lambda z: -softmax(z, axis=1)[:, NOT_A_DIGIT],
    "doubt threshold raised": lambda z: softmax(z[:, :NUM_CLASSES], axis=1).max(1),
    "energy score": lambda z: logsumexp(z[:, :NUM_CLASSES], axis=1),
    "largest digit logit": lambda z: z[:, :NUM_CLASSES].max(1),
    "margin over 'not a digit'": lambda z: z[:, :NUM_CLASSES].max(1) - z[:, NOT_A_DIGIT],
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults are the honest measure."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument(
        "--count", type=int, default=1000, help="generated negatives, each drawn per brush (default 1000)"
    )
    parser.add_argument(
        "--letters", type=int, default=6000, help="real letters and symbols, a seeded sample (default 6000)"
    )
    parser.add_argument(
        "--budget", type=float, default=0.5, help="extra real digits refused or doubted allowed, points (default 0.5)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawings and their places (default 0)")
    return parser.parse_args(argv)


def logits_of(predictor: Predictor, pictures: Iterator[np.ndarray]) -> np.ndarray:
    """(N, 11) calibrated logits of canvas pictures read as the page reads them; NaN rows where none is read."""
    rows = []
    for chunk in _chunks(pictures):
        inputs, readable = readable_inputs(chunk)
        block = np.full((len(chunk), NOT_A_DIGIT + 1), np.nan)
        if inputs:
            block[readable] = predictor.logits(np.stack(inputs))
        rows.append(block)
    return np.concatenate(rows)


def _chunks(pictures: Iterator[np.ndarray]) -> Iterator[list[np.ndarray]]:
    """Pictures BATCH at a time, so that no more than a batch of 320 px pictures is held at once."""
    chunk = []
    for picture in pictures:
        chunk.append(picture)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def drawn_sets(predictor: Predictor, role: str, args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Logits per set of one role: generated negatives by family, real letters and symbols, real digits."""
    data_dir = resolve_data_dir(args.data_dir)
    split, writers = ROLES[role]
    ink, background = STYLES["transparent"]
    size = (CANVAS_SIZE, CANVAS_SIZE)
    sets: dict[str, list[np.ndarray]] = {}
    negatives = negative_drawings(args.count, args.seed, split, data_dir)
    families = np.array([kind_family(kind) for kind, _ in negatives])
    digits = load_pendigits(data_dir, writers) + load_unipen(data_dir, role)
    for brush in BRUSHES:
        rng = np.random.default_rng([args.seed, brush])
        drawn = (draw_strokes(place_drawing(s, size, rng), size, brush, ink, background) for _, s in negatives)
        logits = logits_of(predictor, drawn)
        for family in ("letters", "shapes", "scribbles"):
            sets.setdefault(f"generated {family}", []).append(logits[families == family])
        sets.setdefault(DIGITS, []).append(
            logits_of(predictor, (render_on_canvas(d, CANVAS_SIZE, brush, rng) for d in digits))
        )
    rng = np.random.default_rng(args.seed)
    characters = load_characters(data_dir, role)
    if len(characters) > args.letters:
        characters = [characters[i] for i in sorted(rng.choice(len(characters), args.letters, replace=False))]
    logits = logits_of(
        predictor, (render_on_canvas(c, CANVAS_SIZE, DEFAULT_BRUSH, rng, place=place_drawing) for c in characters)
    )
    groups = np.array([character_group(c) for c in characters])
    for group in ("letters like no digit", "symbols"):
        sets[f"real {group}"] = [logits[groups == group]]
    return {name: np.concatenate(parts) for name, parts in sets.items()}


def confident(logits: np.ndarray, predictor: Predictor, lever: str | None = None, threshold: float = 0.0) -> np.ndarray:
    """Which drawings the page shows as a confident digit, with one lever's test added."""
    read = ~np.isnan(logits[:, 0])
    z = np.where(read[:, None], logits, 0.0)
    shown = read & (softmax(z, axis=1)[:, NOT_A_DIGIT] < predictor.not_digit_threshold)
    shown &= softmax(z[:, :NUM_CLASSES], axis=1).max(1) >= predictor.doubt_threshold
    return shown & (LEVERS[lever](z) >= threshold) if lever else shown


def choose(tune: dict[str, np.ndarray], predictor: Predictor, lever: str, budget: float) -> float:
    """The lever's threshold that lets the fewest tune negatives through within the digits' budget."""
    digits = tune[DIGITS][~np.isnan(tune[DIGITS][:, 0])]
    allowed = 1 - confident(tune[DIGITS], predictor).mean() + budget
    best, best_threshold = np.inf, -np.inf
    for threshold in np.unique(np.quantile(LEVERS[lever](digits), np.linspace(0, 0.2, 801))):
        if 1 - confident(tune[DIGITS], predictor, lever, threshold).mean() > allowed:
            break  # the quantiles rise: every later threshold refuses more digits still
        through = np.mean([confident(z, predictor, lever, threshold).mean() for k, z in tune.items() if k != DIGITS])
        if through < best:
            best, best_threshold = through, threshold
    return float(best_threshold)


def main(argv: list[str] | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """Print, per lever, each set's share shown as a confident digit (tune / held-out); return it."""
    args = parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    tune, test = (drawn_sets(predictor, role, args) for role in ROLES)
    print(f"\n## Levers without training (threshold chosen on tune; budget +{args.budget} points of real digits)")
    print("Shown as a confident digit, choosing / held-out (real digits: read as a confident digit)")
    print("| lever | threshold | " + " | ".join(tune) + " |\n|---|---|" + "---|" * len(tune))
    results = {}
    for lever in (None, *LEVERS):
        threshold = choose(tune, predictor, lever, args.budget / 100) if lever else 0.0
        shares = {
            k: (
                confident(tune[k], predictor, lever, threshold).mean(),
                confident(test[k], predictor, lever, threshold).mean(),
            )
            for k in tune
        }
        cells = " | ".join(f"{a:.1%} / {b:.1%}" for a, b in shares.values())
        print(f"| {lever or 'the page today'} | {f'{threshold:.3g}' if lever else '-'} | {cells} |")
        results[lever or "today"] = shares
    return results


if __name__ == "__main__":
    run(main)
