"""Training: the loop learns, and train.py runs end to end on a synthetic data root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import train
from conftest import synthetic_digits
from digitnet import load_predictor
from digitnet.augment import AugmentConfig, augment
from digitnet.model import DigitNet, ModelConfig
from digitnet.training import TrainConfig, fit


def tensors(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = synthetic_digits(count, seed)
    return torch.from_numpy(images).unsqueeze(1).float() / 255, torch.from_numpy(labels).long()


def test_loss_goes_down_on_tiny_synthetic_data():
    torch.manual_seed(0)
    model = DigitNet(ModelConfig(stem_channels=8, mid_channels=16, top_channels=16))
    config = TrainConfig(epochs=4, batch_size=64, seed=0, lr=5e-3)
    history = fit(model, tensors(1024, 0), tensors(256, 1), config, AugmentConfig(), log=lambda _: None)
    assert history[-1]["train_loss"] < 0.5 * history[0]["train_loss"]
    assert history[-1]["val_acc"] > 0.8


def test_augmentation_keeps_shape_and_range_and_is_seeded():
    images = tensors(32, 0)[0]
    a = augment(images, AugmentConfig(), torch.Generator().manual_seed(1))
    b = augment(images, AugmentConfig(), torch.Generator().manual_seed(1))
    assert a.shape == images.shape and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, images)


def test_train_main_smoke_writes_a_loadable_checkpoint_and_metrics(data_root: Path, tmp_path: Path):
    out = tmp_path / "model" / "smoke.pt"
    metrics = train.main(["--smoke", "--data-dir", str(data_root), "--out", str(out), "--threads", "1"])
    saved = json.loads(out.with_suffix(".json").read_text())
    assert saved["test"]["accuracy"] == metrics["test"]["accuracy"]
    assert len(saved["history"]) == 2 and saved["train"]["smoke"] is True
    assert saved["temperature"] > 0 and len(saved["test"]["confusion"]) == 10
    assert saved["val_drawn"]["count"] == 4  # one synthetic pen digit for each tune writer, 17-20
    predictor = load_predictor(out)
    assert predictor.metadata["model"]["macs"] == saved["model"]["macs"]


def test_missing_pen_digits_say_where_to_get_them(data_root: Path, tmp_path: Path):
    (data_root / "pendigits" / "pendigits-orig.tra").unlink()
    with pytest.raises(FileNotFoundError, match=r"pendigits-orig\.tra.*--drawn-copies 0"):
        train.main(["--smoke", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")])
    assert train.main(["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")])
