"""The number reader: a small CRNN that reads a whole strip of ink into digits, trained with CTC.

Convolutions pool the strip's 32 rows away and its width by 4: one frame per 4 columns, about five a digit.
A bidirectional GRU reads the frames left to right and back; each frame then scores the ten digits and
CTC's "blank" (nothing new here). Greedy decoding keeps each frame's best, merges repeats and drops blanks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from digitnet.constants import NUM_CLASSES
from digitnet.model import conv_bn_relu, normalize

BLANK = NUM_CLASSES  # CTC's blank is the 11th output, so that outputs 0-9 are the digits themselves
FRAME = 4  # strip columns per frame


@dataclass(frozen=True)
class NumberConfig:
    """Shape of the reader; stored in its checkpoint so that it can be rebuilt."""

    stem_channels: int = 16  # 3x3 convolution at full resolution, then 2x2 pooling
    mid_channels: int = 32  # at half resolution, then 2x2 pooling
    top_channels: int = 64  # two convolutions, each followed by pooling of the height alone
    hidden: int = 64  # GRU units each way

    def to_dict(self) -> dict:
        """Return the config as a plain dict (safe for weights_only checkpoints)."""
        return asdict(self)


class NumberNet(nn.Module):
    """Maps strips (B, 1, 32, W) in [0, 1] to per-frame logits (B, W // 4, 11), the blank last."""

    def __init__(self, config: NumberConfig = NumberConfig()) -> None:
        super().__init__()
        self.config = config
        c1, c2, c3 = config.stem_channels, config.mid_channels, config.top_channels
        self.features = nn.Sequential(
            conv_bn_relu(1, c1, 3),  # (B, c1, 32, W)
            nn.MaxPool2d(2),  # (B, c1, 16, W/2)
            conv_bn_relu(c1, c2, 3),
            nn.MaxPool2d(2),  # (B, c2, 8, W/4)
            conv_bn_relu(c2, c3, 3),
            nn.MaxPool2d((2, 1)),  # (B, c3, 4, W/4)
            conv_bn_relu(c3, c3, 3),
            nn.MaxPool2d((2, 1)),  # (B, c3, 2, W/4)
        )
        self.rnn = nn.GRU(2 * c3, config.hidden, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * config.hidden, NUM_CLASSES + 1)

    def forward(self, strips: torch.Tensor) -> torch.Tensor:
        """Per-frame logits (B, T, 11) for strips (B, 1, 32, W) in [0, 1]."""
        x = self.features(normalize(strips))  # (B, c3, 2, T)
        x = x.flatten(1, 2).transpose(1, 2)  # (B, T, 2 * c3): each frame sees the whole height
        return self.classifier(self.rnn(x)[0])


def greedy_path(frame_probs: np.ndarray) -> list[tuple[int, int, int]]:
    """The digits of the best path through frames (T, 11) of probabilities: (digit, first frame, last frame) each,
    left to right; repeats merge unless a blank parts them."""
    best = frame_probs.argmax(axis=1)
    runs: list[tuple[int, int, int]] = []
    for t, label in enumerate(best):
        if label == BLANK:
            continue
        if runs and runs[-1][0] == label and runs[-1][2] == t - 1:
            runs[-1] = (runs[-1][0], runs[-1][1], t)  # the run's own int: JSON takes no numpy integer
        else:
            runs.append((int(label), t, t))
    return runs


def sequence_log_prob(log_probs: torch.Tensor, digits: list[int]) -> float:
    """log P(digits | strip) summed over every alignment (CTC's forward pass), for log-probabilities (T, 11)."""
    loss = nn.functional.ctc_loss(
        log_probs[:, None],
        torch.tensor(digits, dtype=torch.long),  # 1-D: the targets of a batch of one, concatenated
        torch.tensor([len(log_probs)]),
        torch.tensor([len(digits)]),
        blank=BLANK,
        reduction="sum",
    )
    return -float(loss)
