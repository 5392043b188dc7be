"""Training: the loop learns, and train.py runs end to end on a synthetic data root."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import train
from conftest import synthetic_digits
from digitnet import load_predictor
from digitnet.constants import DIGIT_PART, NOT_A_DIGIT
from digitnet.learning.augment import AugmentConfig, augment
from digitnet.learning.training import TrainConfig, fit, outlier_exposure
from digitnet.model import DigitNet, ModelConfig


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


def test_missing_unipen_digits_are_said_and_training_goes_on_without_them(data_root: Path, tmp_path: Path, capsys):
    (data_root / "unipen" / "unipen-1a-digits.jsonl").unlink()
    saved = train.main(["--smoke", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt"), "--threads", "1"])
    assert "No UNIPEN digits at" in capsys.readouterr().out and "unipen" not in saved["drawn_test"]
    assert saved["val_drawn"]["count"] == 4  # pendigits' tune writers 17-20 alone


def test_missing_pen_digits_say_where_to_get_them(data_root: Path, tmp_path: Path):
    (data_root / "pendigits" / "pendigits-orig.tra").unlink()
    with pytest.raises(FileNotFoundError, match=r"pendigits-orig\.tra.*--drawn-copies 0"):
        train.main(["--smoke", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")])
    metrics = train.main(smoke_flags(data_root, tmp_path / "m.pt"))
    assert "val_drawn" not in metrics and "drawn_test" not in metrics and (tmp_path / "m.pt").is_file()


def feedback_db(path: Path, count: int, no_digits: int = 0) -> Path:
    """A feedback database of synthetic corrected drawings, and `no_digits` speckled ones marked as not a digit."""
    from digitnet.reading.images import encode_png
    from digitnet.storage.corrections import CorrectionStore, Drawing

    images, labels = synthetic_digits(count, seed=5)
    speckles = (np.random.default_rng(5).random((no_digits, 28, 28)) < 0.2).astype(np.uint8) * 255
    store = CorrectionStore(path)
    for image, label in [*zip(images, labels, strict=True), *((s, NOT_A_DIGIT) for s in speckles)]:
        store.save(Drawing(int(label), False, 0, [0.1] * 10, "test", encode_png(image), image.astype(np.float32) / 255))
    return path


def test_collected_drawings_are_trained_on_and_measured_before_and_after(data_root: Path, tmp_path: Path):
    from digitnet.learning.extra import is_held_out, load_extra

    db = feedback_db(tmp_path / "fb.sqlite3", 40)
    images, _ = load_extra(db)  # identical synthetic pictures are one drawing: fewer than 40
    held = sum(is_held_out(image) for image in images)
    out = tmp_path / "m.pt"
    flags = ["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(out), "--extra-data", str(db)]
    first = train.main(flags)
    assert first["extra_data"]["before"] is None and first["extra_held"]["count"] == held > 0
    # MNIST smoke + 64 drawings that are no digit + the rest of the collected drawings x 5
    assert first["train"]["data"]["train_images"] == 512 + 64 + 5 * (len(images) - held)
    second = train.main(flags)
    assert second["extra_data"]["before"] == first["extra_data"]["after"]  # "before" is the first run's model


def test_drawings_marked_as_no_digit_train_the_refusal_and_are_measured_by_it(data_root: Path, tmp_path: Path, capsys):
    from digitnet.learning.extra import is_held_out, load_extra

    db = feedback_db(tmp_path / "fb.sqlite3", 20, no_digits=30)
    images, labels = load_extra(db)
    held = np.array([is_held_out(image) for image in images])
    marked = (labels == NOT_A_DIGIT).numpy()
    saved = train.main([*smoke_flags(data_root, tmp_path / "m.pt"), "--extra-data", str(db)])
    assert saved["extra_held_negatives"]["count"] == (held & marked).sum() > 0
    assert saved["extra_held"]["count"] == (held & ~marked).sum() > 0
    assert 0 <= saved["extra_data"]["after"]["extra_held_negatives_refused"] <= 1
    assert saved["train"]["data"]["train_images"] == 512 + 64 + 5 * (~held).sum()
    ten_outputs = train.main(
        [*smoke_flags(data_root, tmp_path / "ten.pt"), "--extra-data", str(db), "--negatives", "0"]
    )
    assert f"Left out {marked.sum()} collected drawings marked as not a digit" in capsys.readouterr().out
    assert "extra_held_negatives" not in ten_outputs
    assert ten_outputs["train"]["data"]["train_images"] == 512 + 5 * (~held & ~marked).sum()


def smoke_flags(data_root: Path, out: Path) -> list[str]:
    return ["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(out), "--threads", "1"]


def test_a_model_worse_on_validation_is_refused_and_kept_unless_forced(data_root, tmp_path, monkeypatch, capsys):
    out = tmp_path / "m.pt"
    train.main(smoke_flags(data_root, out))
    written, metrics = out.read_bytes(), out.with_suffix(".json").read_bytes()
    # demand 100 points better: any new model is worse
    monkeypatch.setattr("digitnet.learning.replacement.MAX_VAL_DROP", -1.0)
    with pytest.raises(train.RefusedError, match=rf"Kept {re.escape(str(out))}: the new model is worse on validation"):
        train.main(smoke_flags(data_root, out))
    assert out.read_bytes() == written and out.with_suffix(".json").read_bytes() == metrics
    # another seed: a same-seed rerun can finish in the same rounded seconds and write the very same bytes
    train.main([*smoke_flags(data_root, out), "--force", "--seed", "1"])
    assert out.read_bytes() != written and "replacing" in capsys.readouterr().out
    train.main(smoke_flags(data_root, tmp_path / "new.pt"))  # a new path is always written
    assert (tmp_path / "new.pt").is_file()


@pytest.mark.parametrize("kind", ["a photo", "another model's checkpoint"])
def test_a_file_at_out_that_is_not_a_readable_checkpoint_stops_the_run_before_training(
    data_root, tmp_path, tiny_checkpoint, monkeypatch, kind
):
    from digitnet.model import ModelConfig
    from digitnet.storage.checkpoint import load_checkpoint, save_checkpoint

    out = tmp_path / ("photo.png" if kind == "a photo" else "old.pt")
    if kind == "a photo":
        out.write_bytes(b"\x89PNG\r\n\x1a\n a person's photo")
    else:  # weights that no longer fit the code's model: found before training, not after it
        checkpoint = load_checkpoint(tiny_checkpoint)
        checkpoint["model_config"] = ModelConfig(stem_channels=6).to_dict()
        save_checkpoint(checkpoint, out)
    before = out.read_bytes()
    real_fit = train.fit
    monkeypatch.setattr(train, "fit", lambda *a, **k: pytest.fail("trained although the run was refused"))
    db = feedback_db(tmp_path / "fb.sqlite3", 10)
    with pytest.raises(train.RefusedError, match="not a DigitNet checkpoint this code reads, so nothing was trained"):
        train.main([*smoke_flags(data_root, out), "--extra-data", str(db)])
    assert out.read_bytes() == before
    monkeypatch.setattr(train, "fit", real_fit)
    train.main([*smoke_flags(data_root, out), "--extra-data", str(db), "--force"])
    assert load_predictor(out).metadata["train"]["smoke"] is True


def test_a_drawing_never_changes_side_as_more_are_collected(tmp_path: Path):
    from digitnet.learning.extra import load_extra, split_extra

    def sides(images: torch.Tensor) -> dict[bytes, bool]:
        kept, held = split_extra((images, torch.zeros(len(images), dtype=torch.long)), seed=0)
        return {**{x.numpy().tobytes(): False for x in kept[0]}, **{x.numpy().tobytes(): True for x in held[0]}}

    db = tmp_path / "fb.sqlite3"
    feedback_db(db, 30)
    first = sides(load_extra(db)[0])
    from digitnet.reading.images import encode_png
    from digitnet.storage.corrections import CorrectionStore, Drawing

    images, labels = synthetic_digits(170, seed=6)
    for image, label in zip(images, labels, strict=True):
        CorrectionStore(db).save(Drawing(int(label), False, 0, [0.1] * 10, "t", encode_png(image), image / 255))
    later = sides(load_extra(db)[0])
    assert len(later) - len(first) > 100  # (identical synthetic pictures count once)
    assert all(later[key] == side for key, side in first.items())
    assert 0.1 < sum(later.values()) / len(later) < 0.3  # about a fifth held out


def test_the_export_zip_gives_the_same_drawings_as_the_database(tmp_path: Path):
    from digitnet.learning.extra import load_extra
    from digitnet.storage.corrections import CorrectionStore

    db = feedback_db(tmp_path / "fb.sqlite3", 6, no_digits=2)
    CorrectionStore(db).export(tmp_path / "fb.zip")
    from_db, from_zip = load_extra(db), load_extra(tmp_path / "fb.zip")
    assert torch.equal(from_db[1], from_zip[1]) and torch.allclose(from_db[0], from_zip[0])
    assert (from_zip[1] == NOT_A_DIGIT).sum() == 2


def test_mnist_missing_without_a_network_is_one_line_saying_where_it_looked_and_how_to_provide_it(
    tmp_path, monkeypatch
):
    from urllib.error import URLError

    import torchvision.datasets.mnist

    def offline(*args, **kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torchvision.datasets.mnist, "download_and_extract_archive", offline)
    with pytest.raises(FileNotFoundError) as caught:
        train.main(["--smoke", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "m.pt")])
    message = str(caught.value)
    assert message.startswith(f"No MNIST at {tmp_path / 'empty' / 'MNIST' / 'raw'}, and downloading it failed")
    assert "--data-dir" in message and "$DIGITNET_DATA" in message and "\n" not in message
    assert not (tmp_path / "m.pt").exists()


def test_an_out_named_json_is_refused_before_training_instead_of_overwritten_by_its_metrics(data_root, tmp_path):
    out = tmp_path / "models" / "model.json"
    with pytest.raises(train.RefusedError, match=r"--out .*model\.json: the metrics are written beside"):
        train.main([*smoke_flags(data_root, out), "--force"])
    assert not out.parent.exists()  # nothing trained, nothing written


def test_metrics_are_written_atomically_and_durably(data_root, tmp_path, monkeypatch):
    out = tmp_path / "m.pt"
    train.main(smoke_flags(data_root, out))
    metrics = out.with_suffix(".json").read_bytes()
    syncs = []

    def crash_on_the_second_sync(fd: int) -> None:
        syncs.append(fd)
        if len(syncs) == 2:  # the checkpoint is on disk; the metrics' file is being written
            raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash_on_the_second_sync)
    with pytest.raises(KeyboardInterrupt):
        train.main([*smoke_flags(data_root, out), "--force"])
    assert out.with_suffix(".json").read_bytes() == metrics  # the old metrics whole, never half a file
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_outlier_exposure_is_the_cross_entropy_from_uniform_over_the_no_digit_drawings_alone():
    logits = torch.tensor([[2.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5.0], [0.0] * 10 + [1.0], [9.0] + [0.0] * 10])
    labels = torch.tensor([NOT_A_DIGIT, NOT_A_DIGIT, 0])
    digits = logits[:2, :10]
    reference = -(digits - digits.exp().sum(1, keepdim=True).log()).mean()  # mean over drawings and digits
    assert torch.isclose(outlier_exposure(logits, labels), reference)
    assert outlier_exposure(logits[1:2], labels[1:2]).item() == pytest.approx(np.log(10))  # flat: its minimum
    assert outlier_exposure(logits[2:], labels[2:]).item() == 0  # digits add nothing
    assert outlier_exposure(logits[:1], torch.tensor([DIGIT_PART])).item() == 0  # nor do pieces of digits


def test_training_runs_channels_last_with_outlier_exposure_and_saves_plain_tensors():
    torch.manual_seed(0)
    model = DigitNet(ModelConfig(stem_channels=8, mid_channels=16, top_channels=16))
    images, labels = tensors(256, 0)
    labels[:32], labels[32:48] = NOT_A_DIGIT, DIGIT_PART  # both kinds of "not a digit" in the batches
    layouts = []  # the second convolution's input: (B, 8, 14, 14), where NCHW and NHWC differ
    model.features[2][0].register_forward_pre_hook(
        lambda _, x: layouts.append(x[0].is_contiguous(memory_format=torch.channels_last))
    )
    config = TrainConfig(epochs=1, batch_size=64, seed=0, max_batches=2, outlier_weight=0.5)
    history = fit(model, (images, labels), tensors(64, 1), config, AugmentConfig(), log=lambda _: None)
    assert np.isfinite(history[0]["train_loss"]) and layouts[:2] == [True, True]  # the two training batches
    assert all(t.is_contiguous() for t in model.state_dict().values())
