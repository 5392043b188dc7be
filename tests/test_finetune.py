"""Collected drawings from an export zip: every entry read like an upload, a bad one named in one line."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from test_images_and_cli import EPS

from digitnet.constants import PROJECT_ROOT
from digitnet.learning.extra import ExtraDataError, load_extra
from digitnet.storage.corrections import CorrectionStore
from test_train import feedback_db


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """An export zip of three collected drawings."""
    CorrectionStore(feedback_db(tmp_path / "fb.sqlite3", 3)).export(tmp_path / "fb.zip")
    return tmp_path / "fb.zip"


def rewritten(export: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the zip with some files replaced (or left out, for None)."""
    out = export.with_name("changed.zip")
    with zipfile.ZipFile(export) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = changes.get(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out


def png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (size, size)).save(buffer, "PNG")
    return buffer.getvalue()


def first_id(export: Path) -> str:
    with zipfile.ZipFile(export) as archive:
        return archive.read("labels.csv").decode().splitlines()[1].split(",")[0]


@pytest.mark.parametrize(
    "change, message",
    [
        ("label 12", r"labels.csv line 2: the label '12' is neither a digit from 0 to 9 nor 10 \(not a digit\)"),
        ("label seven", r"labels.csv line 2: the label 'seven' is neither a digit"),
        ("eps", r"labels.csv line 2: its picture is not an image that can be read \(PNG"),
        ("56x56", r"labels.csv line 2: its picture is 56x56 pixels, not 28x28"),
        ("missing", r"has no input28/\d+\.png: make the zip with `digitnet corrections export`"),
        ("no labels", r"has no labels.csv"),
        ("11 MB", r"input28/\d+\.png is larger than 10 MB"),
    ],
)
def test_a_bad_entry_is_named_in_one_line(export: Path, change: str, message: str):
    picture = f"input28/{first_id(export)}.png"
    with zipfile.ZipFile(export) as archive:
        table = archive.read("labels.csv").decode()
    label = table.splitlines()[1].split(",")[2]
    changes = {
        "label 12": {"labels.csv": table.replace(f",{label},", ",12,", 1).encode()},
        "label seven": {"labels.csv": table.replace(f",{label},", ",seven,", 1).encode()},
        "eps": {picture: EPS},
        "56x56": {picture: png(56)},
        "missing": {picture: None},
        "no labels": {"labels.csv": None},
        "11 MB": {picture: bytes(11 * 2**20)},
    }[change]
    with pytest.raises(ExtraDataError, match=message) as caught:
        load_extra(rewritten(export, changes))
    assert "\n" not in str(caught.value)


def test_a_file_that_is_not_a_zip_is_named(tmp_path: Path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(ExtraDataError, match=r"x\.zip is not a zip that can be read"):
        load_extra(tmp_path / "x.zip")


def test_train_py_reports_a_bad_zip_in_one_line_without_a_traceback(export: Path, data_root: Path, tmp_path: Path):
    bad = rewritten(export, {f"input28/{first_id(export)}.png": png(56)})
    flags = ["--smoke", "--drawn-copies", "0", "--data-dir", str(data_root), "--out", str(tmp_path / "m.pt")]
    run = subprocess.run(
        [sys.executable, "train.py", *flags, "--extra-data", str(bad)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().count("\n") == 0 and run.stderr.startswith("error: ")
