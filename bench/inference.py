"""Time the server's work for one stroke: canvas PNG -> decoded image -> preprocessing -> prediction.

Prints medians over many runs on ONE CPU thread, for a 400x400 RGBA canvas image
(the size the issue names) and for the app's own canvas size; then for an upload, a
12-megapixel JPEG photo of a digit on paper, from its bytes to the answer.

    python bench/inference.py
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.explain import occlusion_map
from digitnet.images import read_image
from digitnet.predict import load_predictor
from digitnet.preprocess import preprocess
from digitnet.scenes import digit_ink, photo_of_digit
from digitnet.strokes import PenDigit, draw_strokes, place_strokes

SEVEN = (np.float32([[100, 100], [300, 100], [180, 400]]),)  # a 7 in tablet units
PHOTO_SIZE = (4000, 3000)  # a 12-megapixel phone photo


def median_ms(work, runs: int, warm_up: int = 20) -> float:
    """Median wall time of `work()` in milliseconds, after a warm-up."""
    for _ in range(warm_up):
        work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def report(predictor, size: int, runs: int) -> None:
    """Print the medians for a size x size canvas holding a 7."""
    canvas = draw_strokes(place_strokes(SEVEN, size, 0.6, (size / 2, size / 2)), (size, size), DEFAULT_BRUSH)
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    png = buffer.getvalue()
    print(f"{size}x{size} RGBA canvas, 1 thread, median of {runs}:")
    print(f"  preprocess only              {median_ms(lambda: preprocess(canvas), runs):.3f} ms")
    print(f"  Predictor.predict(array)     {median_ms(lambda: predictor.predict(canvas), runs):.3f} ms")
    png_to_answer = median_ms(lambda: predictor.predict(read_image(png)), runs)
    print(f"  PNG bytes -> prediction      {png_to_answer:.3f} ms  (what the app does per stroke)")
    seen = predictor.predict(canvas)
    why = median_ms(lambda: occlusion_map(predictor, seen.input28, seen.digit), max(runs // 20, 10))
    print(f"  'Why this answer?' heat map  {why:.3f} ms  (occlusion, when the toggle is on)")


def report_photo(predictor, runs: int) -> None:
    """Print the median time from the bytes of a 12-megapixel phone JPEG of a 7 to the answer."""
    ink_of = lambda height, width: digit_ink(PenDigit(7, 0, SEVEN), height, width)  # noqa: E731
    jpeg = photo_of_digit(ink_of, np.random.default_rng(0), "plain", size=PHOTO_SIZE)
    image = read_image(jpeg)
    print(f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG photo ({len(jpeg) / 1e6:.1f} MB), 1 thread, median of {runs}:")
    print(f"  decode only                  {median_ms(lambda: read_image(jpeg), runs, 2):.1f} ms")
    print(f"  preprocess only              {median_ms(lambda: preprocess(image), runs, 2):.1f} ms")
    answer = median_ms(lambda: predictor.predict(read_image(jpeg)), runs, 2)
    print(f"  JPEG bytes -> prediction     {answer:.1f} ms  (an upload, or the CLI)")


def main(argv: list[str] | None = None) -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000, help="timed runs per figure (default 1000)")
    parser.add_argument("--photo-runs", type=int, default=20, help="timed runs of the 12 MP photo (default 20)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    predictor = load_predictor()
    for size in (400, CANVAS_SIZE):
        report(predictor, size, args.runs)
    report_photo(predictor, args.photo_runs)


if __name__ == "__main__":
    main()
