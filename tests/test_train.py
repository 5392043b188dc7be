"""Training: the loop learns, and train.py runs end to end on a synthetic data root."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
    assert saved["val_drawn"]["count"] == 4 + 2  # a pen digit of each tune writer: pendigits 17-20, UNIPEN syn:2, :7
    assert saved["drawn_test"]["pendigits"]["count"] == 10 and saved["drawn_test"]["unipen"]["sites"] == ["ced"]
    assert 0.5 <= saved["not_digit_threshold"] <= 1 and saved["model"]["config"]["reject_class"] is True
    predictor = load_predictor(out)
    assert predictor.metadata["model"]["macs"] == saved["model"]["macs"]


def test_missing_pen_digits_say_where_to_get_them(data_root: Path, tmp_path: Path):
    (data_root / "pendigits" / "pendigits-orig.tra").unlink()
    with pytest.raises(FileNotFoundError, match=r"pendigits-orig\.tra.*--drawn-copies 0"):
        train.main(["--smoke", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")])
    assert train.main(["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")])


def feedback_db(path: Path, count: int) -> Path:
    """A feedback database of synthetic corrected drawings."""
    from digitnet.feedback import Drawing, FeedbackStore

    images, labels = synthetic_digits(count, seed=5)
    store = FeedbackStore(path)
    for image, label in zip(images, labels, strict=True):
        store.save(Drawing(int(label), False, 0, [0.1] * 10, "test", b"png", image.astype(np.float32) / 255))
    return path


def test_collected_drawings_are_trained_on_and_measured_before_and_after(data_root: Path, tmp_path: Path):
    db = feedback_db(tmp_path / "fb.sqlite3", 40)
    out = tmp_path / "m.pt"
    flags = ["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(out), "--extra-data", str(db)]
    first = train.main(flags)
    assert first["extra_data"]["before"] is None and first["extra_held"]["count"] == 8  # 20% of 40 held out
    # MNIST smoke + 64 drawings that are no digit + 32 collected drawings x weight 5
    assert first["train"]["data"]["train_images"] == 512 + 64 + 5 * 32
    second = train.main(flags)
    assert set(second["extra_data"]["before"]) == {"val", "test", "extra_held"}


def test_a_model_worse_on_validation_is_refused_and_nothing_is_written(data_root, tmp_path, monkeypatch):
    db = feedback_db(tmp_path / "fb.sqlite3", 20)
    out = tmp_path / "m.pt"
    flags = ["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(out), "--extra-data", str(db)]
    train.main(flags)
    written = out.read_bytes()
    monkeypatch.setattr(train, "MAX_VAL_DROP", -1.0)  # demand 100 points better: any new model is "worse"
    with pytest.raises(train.RefusedError, match="unchanged"):
        train.main(flags)
    assert out.read_bytes() == written


def test_the_export_zip_gives_the_same_drawings_as_the_database(tmp_path: Path):
    from digitnet.feedback import FeedbackStore
    from digitnet.finetune import load_extra

    db = feedback_db(tmp_path / "fb.sqlite3", 6)
    FeedbackStore(db).export(tmp_path / "fb.zip")
    from_db, from_zip = load_extra(db), load_extra(tmp_path / "fb.zip")
    assert torch.equal(from_db[1], from_zip[1]) and torch.allclose(from_db[0], from_zip[0])
