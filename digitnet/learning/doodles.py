"""Drawings that are not digits, as pen strokes: scribbles, shapes, faces, pictures.

Each generator takes a numpy Generator and returns a list of (N, 2) float arrays (x right, y down,
in arbitrary units); `digitnet.learning.negatives` adds the pen's wobble, names the kinds and renders them.
Nothing here may come out as a digit: no lone bar (a 1), no lone circle or ellipse (a 0).
"""

from __future__ import annotations

import numpy as np

Strokes = list[np.ndarray]


def arc(cx: float, cy: float, rx: float, ry: float, start: float = 0.0, end: float = 2 * np.pi) -> np.ndarray:
    """Points along an elliptic arc from angle `start` to `end` (radians, clockwise on screen)."""
    t = np.linspace(start, end, max(8, int(abs(end - start) * 12)))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def line(*points: tuple[float, float]) -> np.ndarray:
    """A polyline through the given points."""
    return np.array(points, dtype=np.float64)


def turn(angle: float) -> np.ndarray:
    """The matrix that turns row vectors (points @ turn(a)) by `angle` radians."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, s], [-s, c]])


def _smooth_path(points: np.ndarray, per_segment: int = 12) -> np.ndarray:
    """A Catmull-Rom curve through the points, as a person's hand would join them."""
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    pieces = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1 : i + 3]
        pieces.append(
            0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3)
        )
    return np.concatenate([*pieces, points[-1:]])


# --- kinds trained on -------------------------------------------------------------------------------


def scribble(rng: np.random.Generator) -> Strokes:
    """A random walk of the pen that keeps turning: one or two strokes."""
    strokes = []
    for _ in range(rng.integers(1, 3)):
        steps = int(rng.integers(40, 120))
        turn = np.cumsum(rng.normal(0, 0.35, steps))  # heading wanders, so the path curls back on itself
        heading = rng.uniform(0, 2 * np.pi) + turn
        strokes.append(np.cumsum(np.stack([np.cos(heading), np.sin(heading)], axis=1), axis=0))
    return strokes


def zigzag(rng: np.random.Generator) -> Strokes:
    """Five to nine straight teeth, across or down."""
    teeth = int(rng.integers(5, 10))
    xs = np.arange(teeth + 1) * rng.uniform(0.3, 1.0)
    ys = np.where(np.arange(teeth + 1) % 2 == 0, 0.0, 1.0) + rng.normal(0, 0.05, teeth + 1)
    points = np.stack([xs, ys], axis=1)
    return [points[:, ::-1] if rng.random() < 0.3 else points]


def spiral(rng: np.random.Generator) -> Strokes:
    """An Archimedean spiral of two to four turns, from the inside out or back."""
    t = np.linspace(0, 2 * np.pi * rng.uniform(2.5, 4), 160)
    r = 0.1 + t
    points = np.stack([r * np.cos(t), r * np.sin(t) * rng.choice([-1, 1])], axis=1)
    return [points if rng.random() < 0.5 else points[::-1]]


def blob(rng: np.random.Generator) -> Strokes:
    """A region coloured in with many short overlapping strokes."""
    return [rng.normal(0, 0.35, (int(rng.integers(4, 10)), 2)) for _ in range(rng.integers(8, 25))]


def filled(rng: np.random.Generator) -> Strokes:
    """A square, triangle or disc coloured in back and forth, sometimes with its outline."""
    shape = rng.choice(["square", "triangle", "disc"])
    gap = rng.uniform(0.06, 0.16)
    ys = np.arange(0, 1 + 1e-9, gap)
    if shape == "square":
        half = np.full_like(ys, 0.5)
    elif shape == "triangle":
        half = ys / 2
    else:
        half = np.sqrt(np.clip(0.25 - (ys - 0.5) ** 2, 0, None))
    ends = [(0.5 - h, 0.5 + h)[:: 1 if i % 2 == 0 else -1] for i, h in enumerate(half)]
    fill = np.array([(x, y) for (a, b), y in zip(ends, ys, strict=True) for x in (a, b)])
    return [fill]


def smiley(rng: np.random.Generator) -> Strokes:
    """A round face with two eyes and a smile (or a frown)."""
    eye = rng.uniform(0.04, 0.12)
    mood = rng.choice([1, -1])
    mouth = arc(0, 0.35 - 0.1 * mood, 0.45, 0.2, np.pi * 0.15, np.pi * 0.85)
    strokes = [arc(0, 0, 1, 1, start=rng.uniform(0, 6.3)), arc(-0.35, -0.3, eye, eye), arc(0.35, -0.3, eye, eye)]
    return [*strokes, mouth if mood == 1 else mouth * [1, -1] + [0, 0.3]]


def star(rng: np.random.Generator) -> Strokes:
    """A five-pointed star in one stroke, or a six-pointed one of two triangles."""
    if rng.random() < 0.6:
        corners = [(np.sin(a), -np.cos(a)) for a in np.arange(6) * 4 * np.pi / 5]
        return [np.array(corners)]
    up = np.array([(np.sin(a), -np.cos(a)) for a in np.arange(4) * 2 * np.pi / 3])
    return [up, up * [1, -1]]


def cross(rng: np.random.Generator) -> Strokes:
    """An X (or a tilted +) of two crossing strokes."""
    a, b = rng.uniform(0.7, 1.3, 2)
    shift = rng.uniform(-0.2, 0.2, 2)
    return [line((-a, -a), (a, a)), line((b, -b), (-b, b)) + shift]


def grid(rng: np.random.Generator) -> Strokes:
    """A hash or noughts-and-crosses grid: two to four lines each way."""
    across, down = rng.integers(2, 5, 2)
    strokes = [line((-1, y), (1, y)) for y in np.linspace(-0.6, 0.6, across)]
    return strokes + [line((x, -1), (x, 1)) for x in np.linspace(-0.6, 0.6, down)]


def arrow(rng: np.random.Generator) -> Strokes:
    """A horizontal arrow, one or both ends headed (an upright one would look like a 1)."""
    length, head = rng.uniform(1.5, 3), rng.uniform(0.3, 0.6)
    strokes = [line((0, 0), (length, 0)), line((length - head, -head), (length, 0), (length - head, head))]
    if rng.random() < 0.3:
        strokes.append(line((head, -head), (0, 0), (head, head)))
    return strokes


def triangle(rng: np.random.Generator) -> Strokes:
    """A closed triangle in one stroke."""
    corners = rng.uniform(-0.15, 0.15, (3, 2)) + np.array([(0, -1), (1, 0.7), (-1, 0.7)])
    return [np.concatenate([corners, corners[:1]])]


def square(rng: np.random.Generator) -> Strokes:
    """A square or rectangle with sharp corners, sometimes with a diagonal."""
    w, h = rng.uniform(0.7, 1.3, 2)
    strokes = [line((-w, -h), (w, -h), (w, h), (-w, h), (-w, -h))]
    return [*strokes, line((-w, -h), (w, h))] if rng.random() < 0.3 else strokes


# --- kinds kept for the test only --------------------------------------------------------------------


def tangle(rng: np.random.Generator) -> Strokes:
    """A smooth curve through seven to twelve random points: a person's idle scribble."""
    return [_smooth_path(rng.uniform(-1, 1, (int(rng.integers(7, 13)), 2)))]


def loops(rng: np.random.Generator) -> Strokes:
    """A row of three to six cursive loops (a coiled spring)."""
    t = np.linspace(0, 2 * np.pi * rng.integers(3, 7), 240)
    r = rng.uniform(0.5, 1.0)
    return [np.stack([t / (2 * np.pi) * rng.uniform(0.4, 0.9) + r * np.cos(t), r * np.sin(t)], axis=1)]


def heart(rng: np.random.Generator) -> Strokes:
    """A heart, in one stroke or two halves."""
    t = np.linspace(0, 2 * np.pi, 80)
    points = np.stack([16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))])
    points = points.T / 16
    return [points] if rng.random() < 0.5 else [points[:41], points[40:]]


def house(rng: np.random.Generator) -> Strokes:
    """A square house with a roof, a door and sometimes a window."""
    roof = rng.uniform(0.5, 1.0)
    strokes = [line((-1, 0), (-1, 1.5), (1, 1.5), (1, 0)), line((-1.2, 0), (0, -roof), (1.2, 0), (-1.2, 0))]
    strokes.append(line((-0.2, 1.5), (-0.2, 0.8), (0.2, 0.8), (0.2, 1.5)))
    if rng.random() < 0.5:
        strokes.append(line((0.4, 0.3), (0.8, 0.3), (0.8, 0.6), (0.4, 0.6), (0.4, 0.3)))
    return strokes


def sun(rng: np.random.Generator) -> Strokes:
    """A circle with six to twelve rays."""
    rays = int(rng.integers(6, 13))
    angles = np.arange(rays) * 2 * np.pi / rays + rng.uniform(0, 1)
    strokes = [arc(0, 0, 0.5, 0.5)]
    return strokes + [line((0.65 * np.cos(a), 0.65 * np.sin(a)), (np.cos(a), np.sin(a))) for a in angles]


def flower(rng: np.random.Generator) -> Strokes:
    """Five to eight petals round a centre, on a stem."""
    petals = int(rng.integers(5, 9))
    strokes = [arc(0, 0, 0.2, 0.2), line((0, 0.2), (0.05, 1.8))]
    for a in np.arange(petals) * 2 * np.pi / petals:
        strokes.append(arc(0.5, 0, 0.3, 0.15) @ turn(a))
    return strokes


def stick_figure(rng: np.random.Generator) -> Strokes:
    """A head, a body, two arms and two legs."""
    arms = rng.uniform(-0.3, 0.3)
    return [
        arc(0, -1.3, 0.3, 0.3),
        line((0, -1), (0, 0.3)),
        line((-0.7, -0.5 + arms), (0, -0.6), (0.7, -0.5 - arms)),
        line((-0.5, 1.2), (0, 0.3), (0.5, 1.2)),
    ]


def envelope(rng: np.random.Generator) -> Strokes:
    """A rectangle with a V-shaped flap."""
    w, h = rng.uniform(1.2, 1.6), rng.uniform(0.7, 1.0)
    return [line((-w, -h), (w, -h), (w, h), (-w, h), (-w, -h)), line((-w, -h), (0, rng.uniform(0, 0.4)), (w, -h))]


def cat(rng: np.random.Generator) -> Strokes:
    """A cat's face: head, pointed ears, eyes and whiskers."""
    strokes = [arc(0, 0, 1, 0.85, np.pi * -0.3, np.pi * 1.3), line((-0.6, -0.7), (-0.7, -1.4), (-0.1, -0.85))]
    strokes += [line((0.1, -0.85), (0.7, -1.4), (0.6, -0.7)), arc(-0.35, -0.2, 0.1, 0.1), arc(0.35, -0.2, 0.1, 0.1)]
    return strokes + [line((s * 0.2, 0.2 + dy), (s * 1.2, 0.1 + 2 * dy)) for s in (-1, 1) for dy in (0, 0.15)]
