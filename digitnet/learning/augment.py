"""Augmentation: batched on tensors (a scanned pen digit vs one drawn on a canvas), and on pen strokes (hands)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random distortions; each image gets its own draw."""

    rotation: float = 12.0  # degrees, either way
    scale: tuple[float, float] = (0.85, 1.1)  # zoom factor
    shear: float = 0.25  # horizontal shear factor, either way (slanted handwriting)
    shift: float = 2.0  # pixels, either way
    elastic: float = 0.8  # pixels of smooth local displacement (wobbly mouse strokes)
    thickness: float = 0.5  # share of images whose strokes are made thicker or thinner
    clean: float = 0.15  # share of images left untouched (the test set is clean MNIST)


def change_thickness(images: torch.Tensor, generator: torch.Generator, share: float) -> torch.Tensor:
    """Dilate or erode a random `share` of images by a random fraction of a pixel."""
    n = images.shape[0]
    dilated = F.max_pool2d(images, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-images, 3, stride=1, padding=1)
    amount = torch.rand(n, 1, 1, 1, generator=generator)
    pick = torch.rand(n, 1, 1, 1, generator=generator)
    thicker = pick < share / 2
    thinner = (pick >= share / 2) & (pick < share)
    out = torch.where(thicker, images + amount * (dilated - images), images)
    return torch.where(thinner, images + amount * (eroded - images), out)


def random_grid(n: int, size: int, config: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """Sampling grids (n, size, size, 2) for a random affine map plus a smooth elastic wobble."""

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator)

    angle = uniform(-config.rotation, config.rotation) * math.pi / 180
    zoom = uniform(*config.scale)
    shear = uniform(-config.shear, config.shear)
    # pixels -> grid units, where the image spans [-1, 1]
    shift_x, shift_y = (uniform(-config.shift, config.shift) * (2 / size) for _ in range(2))
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin + shear * cos, shift_x], 1), torch.stack([sin, cos + shear * sin, shift_y], 1)],
        dim=1,
    )  # (n, 2, 3): output coordinates -> input coordinates
    grid = F.affine_grid(theta, [n, 1, size, size], align_corners=False)
    coarse = torch.randn(n, 2, 4, 4, generator=generator) * (config.elastic * 2 / size)
    wobble = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return grid + wobble.permute(0, 2, 3, 1)


def augment(images: torch.Tensor, config: AugmentConfig, generator: torch.Generator) -> torch.Tensor:
    """Randomly distort a batch (B, 1, H, W) in [0, 1]; a `clean` share of it is returned as is."""
    n, _, size, _ = images.shape
    distorted = change_thickness(images, generator, config.thickness)
    grid = random_grid(n, size, config, generator)
    distorted = F.grid_sample(distorted, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    keep = (torch.rand(n, 1, 1, 1, generator=generator) < config.clean).float()
    return keep * images + (1 - keep) * distorted.clamp(0, 1)


@dataclass(frozen=True)
class StrokeAugmentConfig:
    """Ranges of the random changes to a pen digit's strokes before it is drawn: how hands differ."""

    slant: float = 0.25  # horizontal shear per unit of height, either way
    aspect: float = 0.2  # width scaled by exp(+-aspect): narrow and wide hands
    rotation: float = 8.0  # degrees, either way
    stroke_shift: float = 0.04  # each stroke moved on its own, as a share of the digit's size
    jitter: float = 0.006  # noise on every point, as a share of the digit's size
    drop: float = 0.3  # share of digits whose points are thinned (a faster pen, a coarser tablet)


def distort_strokes(
    strokes: tuple[np.ndarray, ...], config: StrokeAugmentConfig, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Slant, stretch, turn, shift each stroke and jitter each point of a pen digit (units kept)."""
    every = np.concatenate(strokes)
    size = float(np.ptp(every, axis=0).max()) or 1.0
    centre = every.mean(axis=0)
    angle = np.deg2rad(rng.uniform(-config.rotation, config.rotation))
    stretch = np.exp(rng.uniform(-config.aspect, config.aspect))
    shear = rng.uniform(-config.slant, config.slant)
    # x' = stretch * (x - shear * y), then a rotation (y points down, so a positive shear leans right)
    matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array(
        [[stretch, -stretch * shear], [0.0, 1.0]]
    )
    thin = rng.random() < config.drop
    out = []
    for stroke in strokes:
        points = stroke[:: rng.integers(2, 4)] if thin and len(stroke) > 8 else stroke
        points = (points - centre) @ matrix.T + rng.normal(0, config.stroke_shift * size, 2)
        out.append((points + rng.normal(0, config.jitter * size, points.shape) + centre).astype(np.float32))
    return tuple(out)
