"""Reading image files safely, and the `python -m digitnet predict` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import draw_seven
from digitnet.__main__ import main as cli
from digitnet.images import MAX_PIXELS, ImageReadError, read_image


def png_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


SEVEN = Image.fromarray(draw_seven(ink=(0, 0, 0, 255), background=(255, 255, 255, 255))).convert("RGB")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF"])
def test_common_formats_are_read(fmt):
    assert read_image(png_bytes(SEVEN, fmt)).size == (400, 400)


def test_not_an_image_is_reported():
    with pytest.raises(ImageReadError, match="not an image"):
        read_image(b"%PDF-1.7 this is a renamed PDF", "upload.png")


def test_truncated_jpeg_is_reported():
    with pytest.raises(ImageReadError, match="damaged or truncated"):
        read_image(png_bytes(SEVEN, "JPEG")[:3000])


def test_huge_image_is_refused_before_decoding():
    bomb = png_bytes(Image.new("1", (10_000, 10_000)))  # 100 megapixels in a few kB
    assert MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(ImageReadError, match="10000x10000 pixels"):
        read_image(bomb)


def test_exif_rotation_is_applied():
    tall = Image.new("RGB", (100, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    assert read_image(png_bytes(tall, "JPEG", exif=exif)).size == (200, 100)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("L", (50, 50), shade) for shade in (10, 250)]
    data = png_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert np.asarray(read_image(data).convert("L")).mean() < 50


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
    assert out.count("\n") == 1 and out.startswith(f"{good}: ") and out.count("%") == 3
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
    assert "python train.py" in capsys.readouterr().err


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
