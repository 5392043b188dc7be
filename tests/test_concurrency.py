"""One model shared by every session of the server: reads from many threads at once must not mix up."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from digitnet import load_predictor


def scribbles(count: int, seed: int = 0) -> list[np.ndarray]:
    """Different random strokes on a 320 px canvas (ink in the alpha channel), so every one gets its own answer."""
    rng = np.random.default_rng(seed)
    pictures = []
    for _ in range(count):
        image = Image.new("RGBA", (320, 320), (0, 0, 0, 0))
        points = [tuple(p) for p in rng.uniform(40, 280, (5, 2))]
        ImageDraw.Draw(image).line(points, (0, 0, 0, 255), 16, joint="curve")
        pictures.append(np.asarray(image))
    return pictures


def test_one_predictor_read_from_many_threads_gives_each_caller_its_own_answer(tiny_checkpoint: Path):
    predictor = load_predictor(tiny_checkpoint)
    drawings = scribbles(12)
    alone = [predictor.predict(d).probs for d in drawings]
    assert len({p.tobytes() for p in alone}) == len(drawings)  # distinct answers, so a mix-up would show

    def read_all(seed: int) -> list[tuple[int, np.ndarray]]:
        order = np.random.default_rng(seed).permutation(len(drawings))
        return [(int(i), predictor.predict(drawings[i]).probs) for i in order for _ in range(5)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(read_all, range(16)))
    for answers in results:
        for index, probs in answers:
            np.testing.assert_allclose(probs, alone[index], rtol=0, atol=1e-6)
