"""Checkpoints: round trip, atomic writes, and a clear error for every kind of bad file."""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from digitnet import CheckpointError, load_predictor
from digitnet.model import DigitNet, ModelConfig, normalize
from digitnet.storage.checkpoint import load_checkpoint, make_checkpoint, save_checkpoint


def test_round_trip_gives_the_same_logits(tiny_checkpoint: Path):
    predictor = load_predictor(tiny_checkpoint)
    torch.manual_seed(0)
    original = DigitNet(ModelConfig(stem_channels=4, mid_channels=8, top_channels=8)).eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(predictor.model(normalize(x)), original(normalize(x)), atol=1e-5)
    assert predictor.temperature == 1.5 and predictor.metadata == {"doubt_threshold": 0.9}


def test_save_leaves_no_temp_file_and_replaces_atomically(tmp_path: Path, tiny_checkpoint: Path, monkeypatch):
    target = tmp_path / "model.pt"
    target.write_bytes(tiny_checkpoint.read_bytes())
    before = target.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # a crash in the middle of writing

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(make_checkpoint(DigitNet(), 1.0, {}), target)
    assert target.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.pt", "tiny.pt"])  # no temp left


def test_missing_file_names_the_path_and_the_command(tmp_path: Path):
    with pytest.raises(CheckpointError, match=r"No model checkpoint at .*nope\.pt.*python train\.py"):
        load_predictor(tmp_path / "nope.pt")


def test_truncated_file_is_reported_as_damaged(tmp_path: Path, tiny_checkpoint: Path):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(tiny_checkpoint.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        load_predictor(broken)


def test_random_bytes_are_reported_as_damaged(tmp_path: Path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        load_predictor(junk)


class RunsCode:
    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_pickle_that_runs_code_is_refused_and_never_run(tmp_path: Path):
    marker = tmp_path / "pwned"
    RunsCode.marker = str(marker)
    evil = tmp_path / "evil.pt"
    torch.save({"format": 1, "payload": RunsCode()}, evil)
    with pytest.raises(CheckpointError, match="Refused to load"):
        load_predictor(evil)
    assert not marker.exists()
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(RunsCode()))
    with pytest.raises(CheckpointError):
        load_predictor(plain)
    assert not marker.exists()


def test_a_checkpoint_of_another_model_is_reported_as_incompatible(tmp_path: Path, tiny_checkpoint: Path):
    checkpoint = load_checkpoint(tiny_checkpoint)
    checkpoint["model_config"] = ModelConfig(stem_channels=6).to_dict()  # weights no longer fit
    other = tmp_path / "other.pt"
    save_checkpoint(checkpoint, other)
    with pytest.raises(CheckpointError, match="incompatible model"):
        load_predictor(other)


def test_a_dict_without_our_keys_is_not_a_checkpoint(tmp_path: Path):
    path = tmp_path / "dict.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="not a DigitNet checkpoint"):
        load_predictor(path)


def test_a_photo_given_as_checkpoint_is_never_suggested_as_the_file_to_train_into(tmp_path: Path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000))
    with pytest.raises(CheckpointError) as caught:
        load_predictor(photo)
    message = str(caught.value)
    assert "damaged" in message and f"--out {photo}" not in message
    assert f"python train.py --out {tmp_path / 'digitnet-new.pt'}" in message


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=4096) | st.binary(max_size=64).map(lambda tail: b"h" + tail))
def test_any_bytes_at_all_give_the_one_line_message(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pt"
        path.write_bytes(data)
        with pytest.raises(CheckpointError, match=r"damaged|not a DigitNet checkpoint|Refused to load"):
            load_predictor(path)


def test_a_file_starting_with_h_is_damaged_not_a_traceback(tmp_path: Path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"hello, this is not a model")
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        load_predictor(path)


def test_the_version_is_the_hash_of_the_bytes_that_were_loaded(tmp_path: Path, tiny_checkpoint: Path, monkeypatch):
    path = tmp_path / "model.pt"
    loaded = tiny_checkpoint.read_bytes()
    path.write_bytes(loaded)
    replacement = tmp_path / "other.pt"
    save_checkpoint(make_checkpoint(DigitNet(), 2.0, {}), replacement)
    real_load = torch.load

    def load_then_replace(*args, **kwargs):
        checkpoint = real_load(*args, **kwargs)
        path.write_bytes(replacement.read_bytes())  # a new model lands on the same path meanwhile
        return checkpoint

    monkeypatch.setattr(torch, "load", load_then_replace)
    predictor = load_predictor(path)
    assert predictor.temperature == 1.5  # the first file's model ...
    assert predictor.version == hashlib.sha256(loaded).hexdigest()[:12]  # ... tagged with the first file's version


def test_loading_a_model_leaves_the_process_thread_count_alone(tiny_checkpoint: Path):
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        load_predictor(tiny_checkpoint)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("contents", [None, b"not a checkpoint"])
def test_a_bench_run_with_a_missing_or_damaged_checkpoint_ends_in_one_line_of_advice(tmp_path, contents):
    from bench import number_misses, run

    path = tmp_path / "model.pt"
    if contents is not None:
        path.write_bytes(contents)
    with pytest.raises(SystemExit, match=r"^error: .*model\.pt.*train\.py"):
        run(number_misses.main, ["--checkpoint", str(path)])


def test_a_bench_run_without_its_data_ends_in_one_line_of_advice(tmp_path):
    from bench import run, whole_numbers

    with pytest.raises(SystemExit, match=r"^error: No pen-drawn digits at .*pendigits"):
        run(whole_numbers.main, ["--data-dir", str(tmp_path)])
