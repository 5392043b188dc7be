"""More pictures to train "not a digit" on: knots, waves, outlines, random compositions, small objects.

Like `digitnet.learning.doodles` (same contract: a numpy Generator in, a list of (N, 2) strokes out, y down),
but trained only: they widen what the model has seen refused, so that kinds nobody trained on (the
test kinds of `digitnet.learning.negatives`) are refused too. Nothing here may come out as a digit: no lone
bar, circle or figure eight; every composition has at least three parts.
"""

from __future__ import annotations

import numpy as np

from digitnet.learning.doodles import Strokes, arc, line, turn

KNOT_RATIOS = ((3, 2), (2, 3), (3, 4), (4, 3), (5, 4), (5, 3), (3, 5), (5, 2), (2, 5))  # 1:2 would be an 8
PARTS = ("circle", "box", "triangle", "bar", "arc", "dot")


def knot(rng: np.random.Generator) -> Strokes:
    """A Lissajous knot (a scribble that loops over itself many times) in one stroke."""
    a, b = KNOT_RATIOS[rng.integers(len(KNOT_RATIOS))]
    t = np.linspace(0, 2 * np.pi, 240)
    return [np.stack([np.sin(a * t + rng.uniform(0, np.pi)), np.sin(b * t)], axis=1)]


def wave(rng: np.random.Generator) -> Strokes:
    """A wave of two to five periods across (sine, square or sawtooth), sometimes two rows of it."""
    periods = rng.uniform(2, 5)
    t = np.linspace(0, 2 * np.pi * periods, int(60 * periods))
    shape = rng.choice(["sine", "square", "saw"])
    y = {"sine": np.sin(t), "square": np.sign(np.sin(t)), "saw": (t / np.pi) % 2 - 1}[shape]
    row = np.stack([t / (2 * np.pi), 0.3 * y], axis=1)
    return [row] if rng.random() < 0.6 else [row, row + np.array([0, rng.uniform(0.5, 0.9)])]


def polygon(rng: np.random.Generator) -> Strokes:
    """A pentagon to octagon outline with a smaller one, or a cross, inside (alone it would be a 0)."""
    sides = int(rng.integers(5, 9))
    corners = np.stack([np.cos(a := np.arange(sides + 1) * 2 * np.pi / sides), np.sin(a)], axis=1)
    if rng.random() < 0.5:
        return [corners, corners * rng.uniform(0.3, 0.6) @ turn(rng.uniform(0, np.pi))]
    return [corners, line((-0.6, 0), (0.6, 0)), line((0, -0.6), (0, 0.6))]


def composition(rng: np.random.Generator) -> Strokes:
    """Three to six simple parts scattered over a square: a picture nobody has a name for."""
    names = list(rng.choice(PARTS, int(rng.integers(3, 7))))
    names = [names[0]] + ["box" if n == "circle" else n for n in names[1:]]  # two circles make an 8 or a 9
    return [_part(str(n), rng) * rng.uniform(0.15, 0.5) + rng.uniform(-0.7, 0.7, 2) for n in names]


def _part(name: str, rng: np.random.Generator) -> np.ndarray:
    """One part of a composition, about one unit across, centred."""
    if name == "circle":
        return arc(0, 0, 1, rng.uniform(0.6, 1))
    if name == "box":
        return line((-1, -0.7), (1, -0.7), (1, 0.7), (-1, 0.7), (-1, -0.7))
    if name == "triangle":
        return line((0, -1), (1, 0.8), (-1, 0.8), (0, -1))
    if name == "bar":
        return line((-1, 0), (1, 0)) @ turn(rng.uniform(0, np.pi))
    if name == "arc":
        start = rng.uniform(0, 2 * np.pi)
        return arc(0, 0, 1, 1, start, start + rng.uniform(1, 3))
    return arc(0, 0, 0.1, 0.1)


def cloud(rng: np.random.Generator) -> Strokes:
    """A closed outline of five to eight bumps."""
    bumps = int(rng.integers(5, 9))
    t = np.linspace(0, 2 * np.pi, 40 * bumps)
    r = 1 + 0.35 * np.abs(np.sin(bumps * t / 2))  # each bump a half sine, sharp dips between: no 0 at 28 px
    return [np.stack([1.4 * r * np.cos(t), r * np.sin(t)], axis=1)]


def bean(rng: np.random.Generator) -> Strokes:
    """A round blob with a deep dent somewhere in its outline (a bean, an apple), sometimes a stem in the dent."""
    t = np.linspace(0, 2 * np.pi, 120)
    where, depth, width = rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 0.75), rng.uniform(0.25, 0.45)
    off = (t - where + np.pi) % (2 * np.pi) - np.pi  # angle from the dent's middle, in [-pi, pi)
    r = 1 - depth * np.exp(-((off / width) ** 2))  # the dent is what keeps it from being a 0
    strokes = [np.stack([r * np.cos(t), r * np.sin(t)], axis=1) * [rng.uniform(0.8, 1.25), 1]]
    if rng.random() < 0.4:
        direction = np.array([np.cos(where), np.sin(where)])
        strokes.append(np.stack([(1 - depth) * direction, (1.3 - depth / 2) * direction]))
    return strokes


def tree(rng: np.random.Generator) -> Strokes:
    """A tree: a trunk under a pointed or bumpy crown (a round one on a stick is a 9)."""
    trunk = [line((-0.15, 1.6), (-0.15, 0.7)), line((0.15, 1.6), (0.15, 0.7))]
    if rng.random() < 0.5:
        return [*trunk, line((-0.9, 0.7), (0, -1.2), (0.9, 0.7), (-0.9, 0.7))]
    return [*trunk, cloud(rng)[0] * 0.6 + [0, -0.2]]


def fish(rng: np.random.Generator) -> Strokes:
    """A fish: a lens-shaped body, a tail and an eye."""
    length = rng.uniform(1.2, 1.8)
    top, bottom = arc(0, 0.55, length, 1, 1.2 * np.pi, 1.8 * np.pi), arc(0, -0.55, length, 1, 0.2 * np.pi, 0.8 * np.pi)
    body = np.concatenate([top, bottom])
    tail = line((-0.9 * length, 0), (-1.5 * length, -0.5), (-1.5 * length, 0.5), (-0.9 * length, 0))
    return [body, tail, arc(0.5 * length, -0.1, 0.08, 0.08)]


def bolt(rng: np.random.Generator) -> Strokes:
    """A lightning bolt, outlined."""
    return [line((0.2, -1), (-0.5, 0.1), (0, 0.1), (-0.3, 1), (0.6, -0.2), (0.1, -0.2), (0.5, -1), (0.2, -1))]


def checkmark(rng: np.random.Generator) -> Strokes:
    """A tick: a short stroke down and a long one up to the right, sometimes inside a box."""
    tick = line((-0.6, 0), (-0.2, 0.5), (0.7, -0.7))
    return [tick] if rng.random() < 0.6 else [tick, line((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))]
