"""Batched augmentation on tensors: what changes between a scanned pen digit and one drawn on a canvas."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
