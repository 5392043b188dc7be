"""Does DigitNet say "not a digit" when it should, and only then? Measured on drawings it never trained on.

Negatives: the "test" split of `digitnet.learning.negatives` (letters of other fonts and alphabets, shapes and
scribbles of other kinds than training's), drawn on the app's canvas (320 px, transparent) with
several brushes; and real handwritten letters and symbols of UNIPEN's held-out sites, at the app's brush,
per character and per group of `digitnet.learning.letters` (digit shapes apart). Real digits: the
held-out writers' pen digits (pendigits 21-30, UNIPEN's held-out sites) drawn the same way, and the
MNIST test set as stored. Everything goes through `Predictor`.
Prints, per kind of negative, the share refused and the share shown as a confident digit (not refused
and top probability >= the doubt threshold), then the share of real digits refused, and refused or shown
with doubt (and how many of those it misreads), overall and per digit (--digit-writers tune: the choosing
writers' digits, which settings and runs are judged on). Seeded and deterministic.

    python -m bench.not_a_digit --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from bench import run
from bench.synth.pen import HELD_OUT_WRITERS
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.learning.data import load_characters, load_mnist, load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.letters import DIGIT_SHAPES, GROUPS, character_group
from digitnet.learning.negatives import FAMILIES, kind_family, negative_drawings
from digitnet.learning.strokes import STYLES, PenDigit, draw_strokes, place_drawing, render_on_canvas
from digitnet.reading.predictor import Prediction, Predictor, load_predictor, readable_inputs

BRUSHES = (8, DEFAULT_BRUSH, 28)  # pixels: thin pen, the app's default, a finger
BATCH = 500  # drawings read at a time


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults are the honest measure (held-out kinds and writers)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument(
        "--split", choices=("test", "val"), default="test", help="negatives: test = held-out kinds (default test)"
    )
    parser.add_argument("--count", type=int, default=1000, help="negatives, each drawn per brush (default 1000)")
    parser.add_argument(
        "--brushes", default=",".join(map(str, BRUSHES)), help="brush widths in px, comma-separated (default 8,16,28)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawings and their places (default 0)")
    parser.add_argument("--no-mnist", action="store_true", help="skip the MNIST test set")
    parser.add_argument(
        "--letters", type=int, default=None, help="real letters and symbols measured, a seeded sample (default all)"
    )
    parser.add_argument(
        "--letters-role",
        choices=("test", "tune"),
        default="test",
        help="whose letters: test = held-out sites; tune = the choosing writers, to decide digit shapes (default test)",
    )
    parser.add_argument(
        "--digit-writers",
        choices=("test", "tune"),
        default="test",
        help="whose pen digits: test = measured-only writers; tune = the choosing writers (default test)",
    )
    return parser.parse_args(argv)


def read_pictures(predictor: Predictor, pictures: list[np.ndarray]) -> list[Prediction | None]:
    """Read canvas pictures as the page does; None where preprocessing refuses one (no digit is shown)."""
    inputs, readable = readable_inputs(pictures)
    read = predictor.predict_inputs(np.stack(inputs)) if inputs else []
    answers: list[Prediction | None] = [None] * len(pictures)
    for index, prediction in zip(readable, read, strict=True):
        answers[index] = prediction
    return answers


def confident_digit(prediction: Prediction | None, doubt: float) -> bool:
    """Shown as a plain answer: not refused, and sure enough that the page voices no doubt."""
    return prediction is not None and prediction.is_digit and prediction.confidence >= doubt


def measure_negatives(predictor: Predictor, args: argparse.Namespace, brushes: list[int]) -> dict[str, dict]:
    """Per kind: how many were drawn, refused (by the model or by preprocessing) and shown as confident digits."""
    drawings = negative_drawings(args.count, args.seed, args.split, resolve_data_dir(args.data_dir))
    ink, background = STYLES["transparent"]
    tally: dict[str, dict] = defaultdict(lambda: {"drawn": 0, "refused": 0, "blank": 0, "confident": 0})
    for brush in brushes:
        rng = np.random.default_rng([args.seed, brush])
        for start in range(0, len(drawings), BATCH):
            chunk = drawings[start : start + BATCH]
            pictures = [
                draw_strokes(place_drawing(s, (CANVAS_SIZE,) * 2, rng), (CANVAS_SIZE,) * 2, brush, ink, background)
                for _, s in chunk
            ]
            for (kind, _), answer in zip(chunk, read_pictures(predictor, pictures), strict=True):
                row = tally[kind]
                row["drawn"] += 1
                row["blank"] += answer is None
                row["refused"] += answer is None or not answer.is_digit
                row["confident"] += confident_digit(answer, predictor.doubt_threshold)
    return tally


def print_negatives(tally: dict[str, dict], brushes: list[int]) -> None:
    """A table per kind, then per family against the issue's goals."""
    print(f"\n## Negatives drawn on the {CANVAS_SIZE} px canvas, brushes {brushes} px")
    print("| kind | family | drawn | refused | (by preprocessing) | shown as a confident digit |")
    print("|---|---|---|---|---|---|")
    for kind in sorted(tally, key=lambda k: (FAMILIES.index(kind_family(k)), k)):
        row = tally[kind]
        print(
            f"| {kind} | {kind_family(kind)} | {row['drawn']} | {row['refused'] / row['drawn']:.1%} | "
            f"{row['blank'] / row['drawn']:.1%} | {row['confident'] / row['drawn']:.1%} |"
        )
    families = {family: [r for k, r in tally.items() if kind_family(k) == family] for family in FAMILIES}
    print_groups("family", families, {"letters": "<= 3%", "shapes": "<= 3%", "scribbles": "<= 1%"})


def print_groups(title: str, groups: dict[str, list[dict]], goals: dict[str, str]) -> None:
    """A row per group of tallied rows: drawn, refused and shown as a confident digit, against the group's goal."""
    print(f"\n| {title} | drawn | refused | shown as a confident digit | goal (confident) |\n|---|---|---|---|---|")
    for group, rows in groups.items():
        drawn = sum(r["drawn"] for r in rows)
        if drawn:
            refused, confident = (sum(r[key] for r in rows) / drawn for key in ("refused", "confident"))
            print(f"| {group} | {drawn} | {refused:.1%} | {confident:.2%} | {goals.get(group, '-')} |")


def measure_characters(predictor: Predictor, args: argparse.Namespace) -> dict[str, dict]:
    """Per character: how many were drawn at the app's brush, refused, shown as a confident digit, and as which."""
    characters = load_characters(resolve_data_dir(args.data_dir), args.letters_role)
    rng = np.random.default_rng(args.seed)
    if args.letters is not None and args.letters < len(characters):
        characters = [characters[i] for i in sorted(rng.choice(len(characters), args.letters, replace=False))]
    tally: dict[str, dict] = {}
    for start in range(0, len(characters), BATCH):
        chunk = characters[start : start + BATCH]
        pictures = [render_on_canvas(c, CANVAS_SIZE, DEFAULT_BRUSH, rng, place=place_drawing) for c in chunk]
        for character, answer in zip(chunk, read_pictures(predictor, pictures), strict=True):
            row = tally.setdefault(
                character.label,
                {"group": character_group(character), "drawn": 0, "refused": 0, "confident": 0, "as": Counter()},
            )
            row["drawn"] += 1
            row["refused"] += answer is None or not answer.is_digit
            if confident_digit(answer, predictor.doubt_threshold):
                row["confident"] += 1
                row["as"][answer.digit] += 1
    return tally


def print_characters(tally: dict[str, dict], role: str) -> None:
    """A table per character, then per group against the issue's goals (digit shapes: read as their digit)."""
    print(f"\n## Real handwritten characters ({role} writers), {CANVAS_SIZE} px canvas, brush {DEFAULT_BRUSH} px")
    print("| character | group | drawn | refused | shown as a confident digit | most often as |")
    print("|---|---|---|---|---|---|")
    for label in sorted(tally, key=lambda k: (GROUPS.index(tally[k]["group"]), k)):
        row = tally[label]
        top = ", ".join(f"{d} ({n / row['drawn']:.0%})" for d, n in row["as"].most_common(2))
        print(
            f"| `{label}` | {row['group']} | {row['drawn']} | {row['refused'] / row['drawn']:.1%} | "
            f"{row['confident'] / row['drawn']:.1%} | {top} |"
        )
    groups = {group: [r for r in tally.values() if r["group"] == group] for group in GROUPS}
    print_groups("group", groups, {"letters like no digit": "<= 3%", "other letters": "<= 3%", "symbols": "<= 3%"})
    shapes = [(label, r) for label, r in tally.items() if label in DIGIT_SHAPES]
    if shapes:  # refusing these is no fault, reading them as another digit than their own is
        own = sum(r["as"][DIGIT_SHAPES[label]] for label, r in shapes) / sum(r["drawn"] for _, r in shapes)
        print(f"\nDigit shapes shown as a confident digit, their own (O as 0, l as 1, ...): {own:.1%}")


def drawn_digits_by_source(data_dir: Path, writers: str) -> dict[str, list[PenDigit]]:
    """Real pen digits by people the model never trained on, by source: `writers` "test" or "tune" (choosing)."""
    pen = HELD_OUT_WRITERS[writers]
    found = {
        f"pendigits writers {pen.start}-{pen.stop - 1}": load_pendigits(data_dir, pen),
        f"UNIPEN {'held-out sites' if writers == 'test' else 'tune writers'}": load_unipen(data_dir, writers),
    }
    return {name: digits for name, digits in found.items() if digits}  # UNIPEN: [] without the file


def print_refused(name: str, answers: list[Prediction | None], labels: np.ndarray, doubt: float) -> float:
    """Real digits refused, refused or shown with doubt (and of those misread), misread; returns the second."""
    refused = np.array([a is None or not a.is_digit for a in answers])
    unsure = ~np.array([confident_digit(a, doubt) for a in answers])
    # a misread digit shown with doubt is the page being honest: how much of the share that is
    misread = np.array([a is None or a.digit != label for a, label in zip(answers, labels, strict=True)])
    per_digit = "  ".join(f"{d}: {unsure[labels == d].mean():.2%}" for d in range(10) if (labels == d).any())
    cells = f"{refused.mean():.2%} | **{unsure.mean():.2%}** | {(unsure & misread).mean():.2%} | {misread.mean():.2%}"
    print(f"| {name} | {len(labels)} | {cells} | {per_digit} |")
    return float(unsure.mean())


def measure_digits(predictor: Predictor, args: argparse.Namespace, brushes: list[int]) -> dict[str, float]:
    """Real digits refused or shown with doubt: pen digits per brush, and MNIST's test set."""
    data_dir = resolve_data_dir(args.data_dir)
    print("\n## Real digits refused as not a digit, or shown with doubt (goal <= 0.5%)")
    print("| digits | count | refused | refused or with doubt | of them misread | misread in all | ", end="")
    print("refused or with doubt, per digit |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for source, digits in drawn_digits_by_source(data_dir, args.digit_writers).items():
        labels = np.array([d.label for d in digits])
        for brush in brushes:
            rng = np.random.default_rng([args.seed, brush])
            answers = []
            for start in range(0, len(digits), BATCH):
                pictures = [render_on_canvas(d, CANVAS_SIZE, brush, rng) for d in digits[start : start + BATCH]]
                answers += read_pictures(predictor, pictures)
            name = f"{source}, brush {brush} px"
            results[name] = print_refused(name, answers, labels, predictor.doubt_threshold)
    if not args.no_mnist:
        images, labels = load_mnist(data_dir, train=False)
        answers = predictor.predict_inputs(images[:, 0].numpy())
        results["MNIST test"] = print_refused(
            "MNIST test set (as stored)", answers, labels.numpy(), predictor.doubt_threshold
        )
    return results


def main(argv: list[str] | None = None) -> dict:
    """Run both measures; return the per-kind tallies and the real digits' refusal shares."""
    args = parse_args(argv)
    brushes = [int(b) for b in args.brushes.split(",")]
    predictor = load_predictor(args.checkpoint)
    start = time.perf_counter()
    print(
        f"# not a digit: threshold {predictor.not_digit_threshold} (None: this model never refuses), "
        f"doubt threshold {predictor.doubt_threshold:.2f}, negatives split {args.split!r}, seed {args.seed}"
    )
    tally = measure_negatives(predictor, args, brushes)
    print_negatives(tally, brushes)
    characters = measure_characters(predictor, args) if args.letters != 0 else {}
    if characters:
        print_characters(characters, args.letters_role)
    unsure = measure_digits(predictor, args, brushes)
    print(f"\n{time.perf_counter() - start:.0f} s")
    return {"negatives": dict(tally), "characters": characters, "digits refused or doubted": unsure}


if __name__ == "__main__":
    run(main)
