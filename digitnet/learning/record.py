"""What a training run records beside its checkpoint: the network, the run's settings and time, its mistakes."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import torch

from digitnet.learning.augment import AugmentConfig, StrokeAugmentConfig
from digitnet.learning.data import DataConfig
from digitnet.learning.training import TrainConfig, first_epoch_reaching
from digitnet.model import DigitNet, ModelConfig, architecture, count_macs, count_parameters
from digitnet.reading.pixels import to_uint8

CLOCKED_PARTS = ("data and rendering", "epochs", "calibration", "held-out report")  # in the order the run does them


class RunConfigs(NamedTuple):
    """Every setting of one run."""

    train: TrainConfig
    data: DataConfig
    model: ModelConfig
    augment: AugmentConfig


def build_metrics(model: DigitNet, run: dict, history: list[dict], temperature: float, report: dict) -> dict:
    """The metrics JSON: the network, the run, each epoch, the temperature, the evaluations and the versions."""
    return {
        "model": model_record(model),
        "train": run,
        "history": history,
        "temperature": temperature,
        **report,
        "versions": versions(),
    }


def model_record(model: DigitNet) -> dict:
    """The network's shape and size, as the model page shows it."""
    return {
        "config": model.config.to_dict(),
        "parameters": count_parameters(model),
        "macs": count_macs(model),
        "layers": architecture(model),
    }


def run_record(configs: RunConfigs, train_images: int, history: list[dict], clock: list[float], smoke: bool) -> dict:
    """The run's settings, data size and where its time went (`clock`: when each of CLOCKED_PARTS ended)."""
    data_config = configs.data
    return {
        **asdict(configs.train),
        "augment": asdict(configs.augment),
        "stroke_augment": asdict(StrokeAugmentConfig()) if data_config.stroke_augment else None,
        "data": {**asdict(data_config), "data_dir": str(data_config.data_dir), "train_images": train_images},
        "smoke": smoke,
        "seconds": round(time.perf_counter() - clock[0], 1),
        "seconds_by_part": {
            part: round(end - begin, 1) for part, (begin, end) in zip(CLOCKED_PARTS, pairwise(clock), strict=True)
        },
        "first_epoch_val_99.0": first_epoch_reaching(history, 0.990),
        "first_epoch_val_99.5": first_epoch_reaching(history, 0.995),
    }


def mistake_records(images: torch.Tensor, labels: np.ndarray, probs: np.ndarray) -> list[dict]:
    """Every image read wrong: its index, truth, answer, probabilities and pixels (28x28 uint8 as hex)."""
    pixels = to_uint8(images[:, 0].numpy())
    return [
        {
            "index": int(i),
            "label": int(labels[i]),
            "predicted": int(probs[i].argmax()),
            "probs": np.round(probs[i], 4).tolist(),
            "pixels": pixels[i].tobytes().hex(),
        }
        for i in np.flatnonzero(probs.argmax(1) != labels)
    ]


def versions() -> dict[str, str]:
    """Library versions, for reproducing a run."""
    import torchvision

    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "numpy": np.__version__,
    }
