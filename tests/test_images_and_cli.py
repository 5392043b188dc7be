"""Reading image files safely, and the `python -m digitnet predict` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.synth.pictures import large_png
from bench.upload_cost import upload_cost
from conftest import draw_seven
from digitnet.cli import main as cli
from digitnet.reading.images import MAX_PIXELS, ImageDecodeError, decode_image


def png_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


SEVEN = Image.fromarray(draw_seven(ink=(0, 0, 0, 255), background=(255, 255, 255, 255))).convert("RGB")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF"])
def test_common_formats_are_read(fmt):
    assert decode_image(png_bytes(SEVEN, fmt)).size == (400, 400)


def test_not_an_image_is_reported():
    with pytest.raises(ImageDecodeError, match="not an image"):
        decode_image(b"%PDF-1.7 this is a renamed PDF", "upload.png")


def test_truncated_jpeg_is_reported():
    with pytest.raises(ImageDecodeError, match="damaged or truncated"):
        decode_image(png_bytes(SEVEN, "JPEG")[:3000])


def test_huge_image_is_refused_before_decoding():
    bomb = png_bytes(Image.new("1", (10_000, 10_000)))  # 100 megapixels in a few kB
    assert MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(ImageDecodeError, match="10000x10000 pixels"):
        decode_image(bomb)


@pytest.mark.parametrize("side, transparent", [(6300, True), (4000, True), (4000, False)])
def test_a_small_file_of_a_huge_picture_costs_little_memory(side, transparent):
    data = large_png(side, side, transparent)  # a few hundred kB: one thin 7 on an empty picture
    outcome, megabytes, _ = upload_cost(data)
    assert outcome in ("read", "ImageDecodeError", "EmptyImageError") and megabytes <= 150


def test_exif_rotation_is_applied():
    tall = Image.new("RGB", (100, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    assert decode_image(png_bytes(tall, "JPEG", exif=exif)).size == (200, 100)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("L", (50, 50), shade) for shade in (10, 250)]
    data = png_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert np.asarray(decode_image(data).convert("L")).mean() < 50


def test_cli_prints_digit_and_top_three_and_reports_bad_files(tmp_path, tiny_checkpoint, capsys):
    good = tmp_path / "seven.png"
    good.write_bytes(png_bytes(SEVEN))
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(png_bytes(SEVEN)[:100])
    blank = tmp_path / "blank.png"
    blank.write_bytes(png_bytes(Image.new("L", (64, 64), 255)))
    status = cli(["predict", str(corrupt), str(good), str(blank), "--checkpoint", str(tiny_checkpoint)])
    out, err = capsys.readouterr()
    assert status == 1
    assert out.count("\n") == 1 and out.startswith(f"{good}: not sure: ") and out.count("%") == 2
    assert "corrupt.png" in err and "damaged" in err and "blank.png" in err and "find a digit" in err
    assert "Traceback" not in err


def test_cli_json_output_is_machine_readable(tmp_path, tiny_checkpoint, capsys):
    good = tmp_path / "seven.png"
    good.write_bytes(png_bytes(SEVEN))
    assert cli(["predict", str(good), "--json", "--checkpoint", str(tiny_checkpoint)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["file"] == str(good) and len(record["probs"]) == 10 and len(record["top"]) == 3
    assert record["digit"] == record["top"][0]["digit"] and abs(sum(record["probs"]) - 1) < 1e-4


def test_cli_with_a_missing_checkpoint_says_how_to_train(tmp_path, capsys):
    assert cli(["predict", "x.png", "--checkpoint", str(tmp_path / "none.pt")]) == 2
    assert ".venv/bin/python train.py" in capsys.readouterr().err


def test_predictor_outputs_follow_the_contract(tiny_checkpoint: Path):
    from digitnet import EmptyImageError, load_predictor

    predictor = load_predictor(tiny_checkpoint)
    prediction = predictor.predict(draw_seven())
    assert prediction.probs.shape == (10,) and abs(prediction.probs.sum() - 1) < 1e-6
    assert prediction.digit == int(prediction.probs.argmax()) and prediction.input28.shape == (28, 28)
    batch = predictor.predict_batch([draw_seven(), draw_seven(offset=(50, 50))])
    assert np.allclose(batch[0].probs, prediction.probs, atol=1e-5)
    with pytest.raises(EmptyImageError, match="Image 1"):
        predictor.predict_batch([draw_seven(), np.zeros((50, 50), np.uint8)])


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\n0 0 moveto 28 28 lineto stroke\nshowpage\n"


def test_an_eps_named_png_never_reaches_pillows_eps_plugin(monkeypatch):
    from PIL import EpsImagePlugin

    opened = []
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", lambda self: opened.append(self))  # would run Ghostscript
    with pytest.raises(ImageDecodeError, match=r"not an image that can be read \(PNG, JPEG"):
        decode_image(EPS, "digit.png")
    assert not opened


def test_a_tiff_named_png_is_refused_by_the_reader_and_the_cli(tmp_path, tiny_checkpoint, capsys):
    tiff = png_bytes(SEVEN, "TIFF")
    with pytest.raises(ImageDecodeError, match="not an image that can be read"):
        decode_image(tiff, "digit.png")
    (tmp_path / "digit.png").write_bytes(tiff)
    assert cli(["predict", str(tmp_path / "digit.png"), "--checkpoint", str(tiny_checkpoint)]) == 1
    assert "not an image that can be read" in capsys.readouterr().err


def test_cli_reads_the_checkpoint_named_by_digitnet_checkpoint(tmp_path, tiny_checkpoint, monkeypatch, capsys):
    good = tmp_path / "seven.png"
    good.write_bytes(png_bytes(SEVEN))
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(tmp_path / "elsewhere.pt"))
    assert cli(["predict", str(good)]) == 2
    assert f"No model checkpoint at {tmp_path / 'elsewhere.pt'}" in capsys.readouterr().err
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(tiny_checkpoint))
    assert cli(["predict", str(good)]) == 0 and capsys.readouterr().out.startswith(f"{good}: ")


def test_cli_says_when_it_is_not_sure_and_json_gives_every_file_a_line(tmp_path, tiny_checkpoint, capsys):
    from digitnet import load_predictor

    good, corrupt = tmp_path / "seven.png", tmp_path / "corrupt.png"
    good.write_bytes(png_bytes(SEVEN))
    corrupt.write_bytes(png_bytes(SEVEN)[:100])
    expected = load_predictor(tiny_checkpoint).predict(decode_image(good))
    assert expected.confidence < 0.9  # the untrained tiny model is unsure of everything (its threshold: 0.9)
    assert cli(["predict", str(good), "--checkpoint", str(tiny_checkpoint)]) == 0
    assert capsys.readouterr().out.startswith(f"{good}: not sure: {expected.digit} or {expected.runner_up()}?")
    assert cli(["predict", str(corrupt), str(good), "--json", "--checkpoint", str(tiny_checkpoint)]) == 1
    failed, read = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert failed["file"] == str(corrupt) and "damaged" in failed["error"] and "digit" not in failed
    assert read["file"] == str(good) and read["sure"] is False and read["digit"] == expected.digit
