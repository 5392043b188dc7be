"""The CNN: three stages of convolution, batch norm and max-pooling, then one linear layer.

Down-sampling early (28 -> 14 -> 7 -> 3) keeps it at ~9M multiply-adds an image,
which trains an epoch of MNIST in well under a minute on two CPU cores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights
from torch.utils.flop_counter import FlopCounterMode

from digitnet.constants import IMAGE_SIZE, MNIST_MEAN, MNIST_STD, NUM_CLASSES


@dataclass(frozen=True)
class ModelConfig:
    """Shape of the network; stored in every checkpoint so it can be rebuilt."""

    stem_channels: int = 24  # 5x5 convolution at full resolution
    mid_channels: int = 48  # 3x3 convolution at 14x14
    top_channels: int = 96  # two 3x3 convolutions at 7x7
    dropout: float = 0.25  # before the classifier, in training only
    reject_class: bool = True  # an 11th logit, "not a digit", trained on drawings that are no digit

    @property
    def outputs(self) -> int:
        """Logits per image: the ten digits, plus "not a digit" if the model has that class."""
        return NUM_CLASSES + int(self.reject_class)

    def to_dict(self) -> dict:
        """Return the config as a plain dict (safe for weights_only checkpoints)."""
        return asdict(self)


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """A same-padded convolution, batch norm and ReLU (the conv needs no bias before batch norm)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class DigitNet(nn.Module):
    """Maps normalised 28x28 digits to 10 class logits (11 with the "not a digit" class)."""

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        c1, c2, c3 = config.stem_channels, config.mid_channels, config.top_channels
        self.features = nn.Sequential(
            conv_bn_relu(1, c1, 5),  # (B, c1, 28, 28)
            nn.MaxPool2d(2),  # (B, c1, 14, 14)
            conv_bn_relu(c1, c2, 3),  # (B, c2, 14, 14)
            nn.MaxPool2d(2),  # (B, c2, 7, 7)
            conv_bn_relu(c2, c3, 3),  # (B, c3, 7, 7)
            conv_bn_relu(c3, c3, 3),  # (B, c3, 7, 7)
            nn.MaxPool2d(2),  # (B, c3, 3, 3)
        )
        side = IMAGE_SIZE // 8  # three 2x poolings, each rounding down
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, c3 * side * side)
            nn.Dropout(config.dropout),
            nn.Linear(c3 * side * side, config.outputs),  # (B, 10 or 11)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10 or 11) for images (B, 1, 28, 28) already normalised with MNIST mean/std."""
        return self.classifier(self.features(x))


def normalize(images: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Map [0, 1] images (tensors or float32 arrays) to the zero-mean, unit-variance scale the network trains on."""
    return (images - MNIST_MEAN) / MNIST_STD


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def trace_layers(model: nn.Module) -> list[tuple[nn.Module, torch.Size]]:
    """Every leaf layer in call order with its output shape, from one blank image in eval mode."""
    calls = []
    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(lambda m, _, out: calls.append((m, out.shape))) for m in leaves]
    run_blank_image(model)
    for handle in handles:
        handle.remove()
    return calls


def run_blank_image(model: nn.Module) -> None:
    """One blank image through the model in eval mode (batch norm's statistics untouched), its mode then restored."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, IMAGE_SIZE, IMAGE_SIZE))
    model.train(was_training)


def count_macs(model: nn.Module) -> int:
    """Multiply-adds for one image, counted over the convolutions and linear layers."""
    # it counts only convolutions and matrix products (no batch norm, pooling or bias), two FLOPs a multiply-add
    counter = FlopCounterMode(display=False)
    with counter:
        run_blank_image(model)
    return counter.get_total_flops() // 2


def architecture(model: nn.Module) -> list[dict]:
    """One row per layer: its kind, output shape for one image, and parameter count."""
    return [
        {"layer": type(m).__name__, "output": list(shape[1:]), "parameters": sum(p.numel() for p in m.parameters())}
        for m, shape in trace_layers(model)
    ]


class FusedDigitNet(nn.Module):
    """DigitNet for inference only: each batch norm folded into its convolution, run channels-last.

    Same outputs as the trained model in eval mode (to float rounding), in about half the time for one image:
    channels-last (NHWC) max-pooling is ~5x faster than NCHW's on this CPU, and the layers are plain tensors
    called as functions, since for one image calling a module costs as much as its arithmetic.
    """

    def __init__(self, model: DigitNet) -> None:
        super().__init__()
        self.config = model.config
        layers = []  # (weight, bias, padding, pool after it)
        for layer in model.features:  # (conv, bn, relu) blocks, each followed by a max-pool or not
            if isinstance(layer, nn.MaxPool2d):
                layers[-1] = (*layers[-1][:3], True)
                continue
            conv, bn, _relu = layer
            weight, bias = fuse_conv_bn_weights(
                conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
            )
            weight = weight.detach().contiguous(memory_format=torch.channels_last)
            layers.append((weight, bias.detach(), conv.padding, False))
        self.layers = tuple(layers)
        self.linear = model.classifier[-1]
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 10 or 11) for images (B, 1, 28, 28) already normalised with MNIST mean/std."""
        for weight, bias, padding, pool in self.layers:
            # the first convolution's single input channel leaves its output NCHW: made NHWC here, once
            x = F.conv2d(x, weight, bias, padding=padding).contiguous(memory_format=torch.channels_last)
            if pool:
                x = F.max_pool2d(x, 2)  # before the ReLU, on a quarter of the values: the same result
            x = F.relu_(x)
        return F.linear(x.flatten(1), self.linear.weight, self.linear.bias)  # flatten keeps (C, H, W) order


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of `logits / temperature` over the last axis, shifted by the maximum so that it never overflows."""
    scaled = logits / temperature if temperature != 1.0 else logits
    exp = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)
