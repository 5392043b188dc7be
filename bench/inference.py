"""Time the server's work for one stroke: canvas PNG -> decoded image -> preprocessing -> prediction.

Prints medians over many runs on ONE CPU thread, for a 400x400 RGBA canvas image
(the size the issue names) and for the app's own canvas size, beside a peer's pipeline
timed in the same run: the whole canvas resized to 28x28 with PIL, then pytorch/examples'
MNIST network (untrained: its weights do not change its speed). The ratio is ours / peer's.
Then an upload: a 12-megapixel JPEG photo of a digit on paper, from its bytes to the answer.

    python -m bench.inference
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import numpy as np
import torch
from PIL import Image

from bench import run
from bench.synth.scenes import digit_ink, photo_of_digit
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.learning.strokes import PenDigit, draw_strokes, place_strokes
from digitnet.reading.explain import occlusion_map
from digitnet.reading.images import decode_image
from digitnet.reading.predictor import load_predictor
from digitnet.reading.preprocess import preprocess

SEVEN = (np.float32([[100, 100], [300, 100], [180, 400]]),)  # a 7 in tablet units
PHOTO_SIZE = (4000, 3000)  # a 12-megapixel phone photo


class PeerNet(torch.nn.Module):
    """pytorch/examples mnist/main.py's Net: two 3x3 convolutions, max-pooling, two linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = torch.nn.Conv2d(1, 32, 3, 1), torch.nn.Conv2d(32, 64, 3, 1)
        self.fc1, self.fc2 = torch.nn.Linear(9216, 128), torch.nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities (B, 10) for images (B, 1, 28, 28)."""
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = torch.flatten(torch.nn.functional.max_pool2d(x, 2), 1)
        return torch.log_softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


def peer_predict(net: PeerNet, canvas: np.ndarray) -> int:
    """What the peers do: the canvas's alpha resized to 28x28, normalised, one forward pass."""
    small = np.asarray(Image.fromarray(canvas[:, :, 3]).resize((28, 28)), dtype=np.float32) / 255
    with torch.inference_mode():
        return int(net(torch.from_numpy((small - 0.1307) / 0.3081)[None, None]).argmax())


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


def paired_median_ms(first, second, runs: int) -> tuple[float, float]:
    """Median wall times of two pieces of work timed in turns, so that a busy machine slows both alike."""
    for _ in range(20):
        first(), second()
    times = ([], [])
    for _ in range(runs):
        for work, record in zip((first, second), times, strict=True):
            start = time.perf_counter()
            work()
            record.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


PEER = PeerNet().eval()


def report(predictor, size: int, runs: int) -> None:
    """Print the medians for a size x size canvas holding a 7."""
    canvas = draw_strokes(place_strokes(SEVEN, size, 0.6, (size / 2, size / 2)), (size, size), DEFAULT_BRUSH)
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, "PNG")
    png = buffer.getvalue()
    print(f"{size}x{size} RGBA canvas, 1 thread, median of {runs}:")
    print(f"  preprocess only              {median_ms(lambda: preprocess(canvas), runs):.3f} ms")
    ours, peer = paired_median_ms(lambda: predictor.predict(canvas), lambda: peer_predict(PEER, canvas), runs)
    print(f"  Predictor.predict(array)     {ours:.3f} ms")
    print(f"  peer: resize canvas + CNN    {peer:.3f} ms  -> ours / peer = {ours / peer:.2f}x (goal <= 0.8x)")
    png_to_answer = median_ms(lambda: predictor.predict(decode_image(png)), runs)
    print(f"  PNG bytes -> prediction      {png_to_answer:.3f} ms  (what the app does per stroke)")
    seen = predictor.predict(canvas)
    why = median_ms(lambda: occlusion_map(predictor, seen.input28, seen.digit), max(runs // 20, 10))
    print(f"  'Why?' heat map  {why:.3f} ms  (occlusion, when the toggle is on)")


def report_photo(predictor, runs: int) -> None:
    """Print the median time from the bytes of a 12-megapixel phone JPEG of a 7 to the answer."""
    ink_of = lambda height, width: digit_ink(PenDigit(7, 0, SEVEN), height, width)  # noqa: E731
    jpeg = photo_of_digit(ink_of, np.random.default_rng(0), "plain", size=PHOTO_SIZE)
    image = decode_image(jpeg)
    print(f"{PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG photo ({len(jpeg) / 1e6:.1f} MB), 1 thread, median of {runs}:")
    print(f"  decode only                  {median_ms(lambda: decode_image(jpeg), runs, 2):.1f} ms")
    print(f"  preprocess only              {median_ms(lambda: preprocess(image), runs, 2):.1f} ms")
    answer = median_ms(lambda: predictor.predict(decode_image(jpeg)), runs, 2)
    print(f"  JPEG bytes -> prediction     {answer:.1f} ms  (an upload, or the CLI)")


def main(argv: list[str] | None = None) -> None:
    """Print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000, help="timed runs per figure (default 1000)")
    parser.add_argument("--checkpoint", default=None, help="model (default: the committed checkpoint)")
    parser.add_argument("--photo-runs", type=int, default=20, help="timed runs of the 12 MP photo (default 20)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    predictor = load_predictor(args.checkpoint)
    for size in (400, CANVAS_SIZE):
        report(predictor, size, args.runs)
    report_photo(predictor, args.photo_runs)


if __name__ == "__main__":
    run(main)
