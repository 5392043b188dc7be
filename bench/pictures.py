"""The clean-picture benchmark: digits drawn on a computer or phone and saved as ordinary pictures, read as uploads.

Pen digits of writers never trained on (half pendigits, half UNIPEN) are drawn with a round brush on a flat
background and saved as people save them (bench/synth/pictures.py): every kind reads the same digits, and
the same digits drawn on the app's transparent canvas are the reference. Each picture is read the way the
app's Upload tab and the CLI read it (bytes -> decode_image -> Predictor.predict); a refusal counts as not
read right. Blank pictures measure "no digit", two digits side by side the offer to read a number. Then the
time to read a 12-megapixel clean picture (one thread, median), and the memory and time of the largest
pictures accepted (issue 28). With --writers tune the writers settings are chosen on; the default measures
the writers only ever measured (pendigits 21-30, UNIPEN's held-out sites).

    python -m bench.pictures --data-dir ../shared/data                  # 150 pictures a kind
    python -m bench.pictures --per-kind 20 --writers tune --no-timing
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench import run
from bench.inference import median_ms
from bench.photos import Row
from bench.synth.pen import HELD_OUT_WRITERS, add_writers_argument
from bench.synth.pictures import KINDS, blank, large_png, saved, two_digits
from bench.upload_cost import upload_cost
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.learning.data import load_pendigits, load_unipen, resolve_data_dir
from digitnet.learning.strokes import PenDigit, draw_strokes, place_strokes, render_on_canvas
from digitnet.reading.images import decode_image
from digitnet.reading.pixels import EmptyImageError, SeveralMarksError
from digitnet.reading.predictor import load_predictor

CANVAS = "the same digits on the transparent canvas"
BLANK, NUMBER = "blank picture (one flat colour)", "two digits side by side"
LARGE = (4000, 3000)  # a 12-megapixel picture
LARGE_PNGS = ((6300, 6300, True), (4000, 4000, True), (4000, 4000, False), (4000, 3000, False))  # (w, h, transparent)
SEVEN = (np.float32([[100, 100], [300, 100], [180, 400]]),)  # a 7 in tablet units


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; the defaults measure the measured-only writers."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="data root (default: $DIGITNET_DATA, else ./data)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every picture (default 0)")
    parser.add_argument("--per-kind", type=int, default=150, help="pictures per kind (default 150)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the 12 MP picture (default 20)")
    parser.add_argument("--no-timing", action="store_true", help="leave out the time and memory figures")
    parser.add_argument("--keep", type=Path, default=None, help="folder to save the pictures not read right in")
    add_writers_argument(parser)
    return parser.parse_args(argv)


def sample(data_dir: Path, writers: str, count: int, rng: np.random.Generator) -> list[PenDigit]:
    """`count` pen digits, half from pendigits' writers, half from UNIPEN's, of the chosen role."""
    pen, unipen = load_pendigits(data_dir, HELD_OUT_WRITERS[writers]), load_unipen(data_dir, writers)
    sources = [source for source in (pen, unipen) if source]
    return [sources[i % len(sources)][rng.integers(len(sources[i % len(sources)]))] for i in range(count)]


def read(predictor, picture: bytes, row: Row, label: int | None, keep: Path | None) -> None:
    """Read one picture as an upload is read and count the outcome; keep it in `keep` if not right."""
    try:
        prediction = predictor.predict(decode_image(picture))
        outcome = "right" if prediction.digit == label and prediction.is_digit else "wrong"
        row.doubtful += prediction.confidence < predictor.doubt_threshold
    except SeveralMarksError:
        outcome = "several"
    except EmptyImageError:
        outcome = "no_digit"
    setattr(row, outcome, getattr(row, outcome) + 1)
    if keep and outcome != "right":
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{row.total:04d}-{label}-{outcome}.img").write_bytes(picture)


def measure(predictor, digits: list[PenDigit], args: argparse.Namespace) -> dict[str, Row]:
    """Read every kind of picture of `digits`, and the blank pictures and numbers; the rows by kind."""
    rows = {name: Row() for name in (CANVAS, *KINDS, BLANK, NUMBER)}
    rng = np.random.default_rng([args.seed, len(KINDS) + 1])
    for digit in digits:  # the reference: drawn on the app's canvas, sent as the canvas sends it
        canvas = saved(render_on_canvas(digit, CANVAS_SIZE, DEFAULT_BRUSH, rng))
        read(predictor, canvas, rows[CANVAS], digit.label, None)
    for index, (name, make) in enumerate(KINDS.items()):
        rng = np.random.default_rng([args.seed, index])
        keep = args.keep and args.keep / name.replace(" ", "-").replace("/", "-")
        for digit in digits:
            read(predictor, make(digit, rng), rows[name], digit.label, keep)
    rng = np.random.default_rng([args.seed, len(KINDS)])
    for i in range(len(digits)):
        read(predictor, blank(rng), rows[BLANK], None, None)
        read(predictor, two_digits([digits[i], digits[i - 1]], rng), rows[NUMBER], None, None)
    return rows


def timing(predictor, runs: int) -> None:
    """Print the median time from the bytes of a 12 MP clean picture (PNG and JPEG) to the answer, one thread."""
    strokes = place_strokes(SEVEN, LARGE[1], 0.5, (LARGE[0] / 2, LARGE[1] / 2))
    pixels = draw_strokes(strokes, LARGE, 0.05 * LARGE[1], (0, 0, 0, 255), (255, 255, 255, 255))[:, :, :3]
    print(f"\n{LARGE[0]}x{LARGE[1]} clean picture of a 7, black on white, 1 thread, median of {runs}:")
    for fmt in ("PNG", "JPEG"):
        data = saved(pixels, fmt)
        image = decode_image(data)
        print(f"  {fmt} ({len(data) / 1e3:.0f} kB)")
        print(f"    decode only                   {median_ms(lambda d=data: decode_image(d), runs, 2):.1f} ms")
        print(f"    the decoded picture -> answer  {median_ms(lambda i=image: predictor.predict(i), runs, 2):.1f} ms")
        bytes_to_answer = median_ms(lambda d=data: predictor.predict(decode_image(d)), runs, 2)
        print(f"    bytes -> answer               {bytes_to_answer:.1f} ms")


def worst_cases() -> None:
    """Print the extra peak memory and time of reading the largest pictures accepted, each in a fresh process."""
    print("\nlarge pictures, each read in a fresh process: outcome, extra peak memory, wall time")
    print("(goal for any accepted picture: <= 150 MB, <= 300 ms)")
    jpeg = saved(np.full((5190, 7700, 3), 255, np.uint8), "JPEG", progressive=True)
    cases = {f"{'transparent' if t else 'white'} PNG {w}x{h}": large_png(w, h, t) for w, h, t in LARGE_PNGS}
    for name, data in (cases | {"progressive JPEG 7700x5190 (40 MP)": jpeg}).items():
        outcome, megabytes, milliseconds = upload_cost(data)
        print(f"  {name} ({len(data) / 1e3:.0f} kB): {outcome}, {megabytes:.0f} MB, {milliseconds:.0f} ms")


def report(rows: dict[str, Row], args: argparse.Namespace, seconds: float) -> None:
    """Print the table and how far each kind is from the canvas."""
    canvas = rows[CANVAS].right / max(rows[CANVAS].total, 1)
    print(f"# clean pictures, writers {args.writers}, seed {args.seed}, {args.per_kind} pictures a kind")
    print("\n| picture | pictures | read right | refused | doubtful | vs canvas |\n|---|---|---|---|---|---|")
    for name, row in rows.items():
        gap = f"{(row.right / max(row.total, 1) - canvas) * 100:+.1f} pt" if name in KINDS else ""
        print(f"| {name} | {row.cells()} | {gap} |")
    kinds = [rows[name] for name in KINDS]
    refused = max((r.no_digit + r.several) / max(r.total, 1) for r in kinds)
    worst = min(kinds, key=lambda r: r.right)
    print(f"\nmost refused kind: {refused:.1%} (goal <= 0.5%)")
    print(f"lowest kind read right: {worst.right / max(worst.total, 1):.1%}, canvas {canvas:.1%} (goal: within 1 pt)")
    print(f"blank pictures answered 'no digit': {rows[BLANK].no_digit / max(rows[BLANK].total, 1):.1%}")
    print(f"two digits offered as a number: {rows[NUMBER].several / max(rows[NUMBER].total, 1):.1%}")
    print(f"{seconds:.0f} s")


def main(argv: list[str] | None = None) -> dict[str, Row]:
    """Make and read every picture; print the table, then the time and memory figures; return the rows."""
    args = parse_args(argv)
    predictor = load_predictor(args.checkpoint)
    start = time.perf_counter()
    digits = sample(resolve_data_dir(args.data_dir), args.writers, args.per_kind, np.random.default_rng(args.seed))
    rows = measure(predictor, digits, args)
    report(rows, args, time.perf_counter() - start)
    if not args.no_timing:
        timing(predictor, args.runs)
        worst_cases()
    return rows


if __name__ == "__main__":
    run(main)
