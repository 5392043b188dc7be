"""Shared fixtures: synthetic digits, tiny checkpoints and a fake data root, all seeded and small."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

IN_CI = bool(os.environ.get("CI"))
TEST_DATABASE_ENV_VAR = "DIGITNET_TEST_DATABASE_URL"  # a PostgreSQL server the tests may make databases on


def pytest_configure(config: pytest.Config) -> None:
    """One torch thread: the tests' models are tiny, and more threads only fight each other."""
    import torch

    torch.set_num_threads(1)


def skip_or_fail(reason: str) -> None:
    """Skip on a user's machine; in CI (where everything must run) fail instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def draw_seven(size: int = 400, ink=(0, 0, 0, 255), background=(0, 0, 0, 0), offset=(0, 0), width=20) -> np.ndarray:
    """An RGBA picture of a 7 drawn with a round brush, like the canvas would send."""
    image = Image.new("RGBA", (size, size), background)
    dx, dy = offset
    points = [
        (0.35 * size + dx, 0.2 * size + dy),
        (0.65 * size + dx, 0.2 * size + dy),
        (0.45 * size + dx, 0.8 * size + dy),
    ]
    ImageDraw.Draw(image).line(points, fill=ink, width=width, joint="curve")
    return np.asarray(image)


def draw_dot(size: int = 320, diameter: int = 20) -> np.ndarray:
    """An RGBA canvas holding a single click of the brush."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    low, high = (size - diameter) / 2, (size + diameter) / 2
    ImageDraw.Draw(image).ellipse((low, low, high, high), fill=(0, 0, 0, 255))
    return np.asarray(image)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array in MNIST's IDX format."""
    header = struct.pack(">I", 0x0800 + array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def synthetic_digits(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Easy 28x28 'digits': class k is a bar at angle 18k degrees, so a tiny CNN can learn it."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    images = np.zeros((count, 28, 28), np.uint8)
    for i, label in enumerate(labels):
        picture = Image.new("L", (28, 28))
        angle = np.deg2rad(18 * label)
        cx, cy = 14 + rng.normal(0, 1), 14 + rng.normal(0, 1)
        dx, dy = 9 * np.cos(angle), 9 * np.sin(angle)
        ImageDraw.Draw(picture).line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=255, width=3)
        images[i] = np.asarray(picture)
    return images, labels


def held_out_pen_digits() -> list:
    """Pen digits of the held-out writers from the data root; skip (fail in CI) if they are not there."""
    from digitnet.learning.data import load_pendigits, resolve_data_dir
    from digitnet.learning.strokes import TEST_WRITERS

    try:
        return load_pendigits(resolve_data_dir(None), TEST_WRITERS)
    except FileNotFoundError as error:
        skip_or_fail(str(error))


def mnist_or_skip(train: bool) -> tuple:
    """MNIST from the data root (downloaded if it can be); skip (fail in CI) with the loader's one line if not."""
    from digitnet.learning.data import load_mnist, resolve_data_dir

    try:
        return load_mnist(resolve_data_dir(None), train=train)
    except FileNotFoundError as error:
        skip_or_fail(str(error))


PEN_SEVEN = '.SEGMENT DIGIT 0 ? "7"\n.COMMENT 7 {writer} 1\n.PEN_DOWN\n 100 400\n 300 400\n 200 100\n.PEN_UP\n'


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A data root in torchvision's MNIST layout with synthetic images, plus a tiny pendigits file."""
    return synthetic_data_root(tmp_path)


def synthetic_data_root(tmp_path: Path) -> Path:
    """Write the synthetic data root into `tmp_path` and return it."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count, seed in (("train", 6000, 0), ("t10k", 500, 1)):
        images, labels = synthetic_digits(count, seed)
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    pen = tmp_path / "pendigits"
    pen.mkdir()
    (pen / "pendigits-orig.tra").write_text("".join(PEN_SEVEN.format(writer=w) for w in range(1, 31)))
    unipen = tmp_path / "unipen"
    unipen.mkdir()
    writers = [("syn", f"syn:{n}") for n in range(10)] + [("ced", "ced:0")]  # syn:2 and syn:7 tune, ced is test
    seven = [[[100, 400], [300, 400], [200, 100]]]
    lines = [json.dumps({"label": 7, "site": s, "writer": w, "quality": "OK", "strokes": seven}) for s, w in writers]
    (unipen / "unipen-1a-digits.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.fixture
def tiny_checkpoint(tmp_path: Path) -> Path:
    """A checkpoint of an untrained small model (seeded), for tests of loading and predicting."""
    import torch

    from digitnet.model import DigitNet, ModelConfig
    from digitnet.storage.checkpoint import make_checkpoint, save_checkpoint

    torch.manual_seed(0)
    model = DigitNet(ModelConfig(stem_channels=4, mid_channels=8, top_channels=8))
    path = tmp_path / "tiny.pt"
    save_checkpoint(make_checkpoint(model, 1.5, {"doubt_threshold": 0.9}), path)
    return path


def constant_checkpoint(path: Path, logits: list[float], metadata: dict, reject_class: bool = True) -> Path:
    """A tiny checkpoint whose model answers `logits` whatever it is shown (its last layer: weights 0, bias set)."""
    import torch

    from digitnet.model import DigitNet, ModelConfig
    from digitnet.storage.checkpoint import make_checkpoint, save_checkpoint

    model = DigitNet(ModelConfig(stem_channels=4, mid_channels=8, top_channels=8, reject_class=reject_class))
    last = model.classifier[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.copy_(torch.tensor(logits))
    save_checkpoint(make_checkpoint(model, 1.0, metadata), path)
    return path


@pytest.fixture
def refusing_checkpoint(tmp_path: Path) -> Path:
    """A checkpoint whose "not a digit" logit always wins (p = 0.9 over a threshold of 0.5); else it reads a 4."""
    logits = [0.0] * 10 + [0.0]
    logits[4] = 1.0
    logits[10] = float(np.log(0.9 / 0.1 * (9 + np.e)))  # softmax share of the 11th: exactly 0.9
    metadata = {"doubt_threshold": 0.5, "not_digit_threshold": 0.5}
    return constant_checkpoint(tmp_path / "refusing.pt", logits, metadata)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, then a PostgreSQL database on the server that
    $DIGITNET_TEST_DATABASE_URL names (.ci/run starts one); without it skip, in CI fail."""
    if request.param == "sqlite":
        yield str(tmp_path / "db.sqlite3")
        return
    server = os.environ.get(TEST_DATABASE_ENV_VAR)
    if not server:
        skip_or_fail(f"No PostgreSQL to test against: ${TEST_DATABASE_ENV_VAR} is not set (.ci/run sets it)")
    from sqlalchemy import create_engine, make_url

    name = f"digitnet_test_{os.getpid()}_{tmp_path.name}".lower().replace("-", "_")[:63]
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()
