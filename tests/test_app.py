"""The page in Streamlit's AppTest: empty state, a drawing read, bad drawings, Clear, a damaged model."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import draw_dot, draw_seven
from digitnet.constants import NOT_A_DIGIT, PROJECT_ROOT
from digitnet.ui.layout import REHEARSAL
from digitnet.words import NO_MODEL, format_percent

APP = str(PROJECT_ROOT / "app.py")
EMPTY_PROMPT = "Draw a digit on the canvas"


def canvas_value(picture: np.ndarray, strokes: int = 1) -> dict:
    """What streamlit-drawable-canvas 0.13 keeps in session state after a stroke: the PNG as a data URL."""
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}] * strokes}, "data": url}, "backgroundFit": None}


@pytest.fixture
def app(monkeypatch, tiny_checkpoint: Path) -> AppTest:
    """A fresh page on a tiny checkpoint, with Streamlit's caches emptied between tests."""
    return open_page(monkeypatch, tiny_checkpoint)


def open_page(
    monkeypatch: pytest.MonkeyPatch, checkpoint: Path, shown: bool = True, page: AppTest | None = None
) -> AppTest:
    """The page (`page`, else a new one) opened on `checkpoint`, its corrections saved beside it; `shown`: its
    canvas is on screen."""
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(checkpoint))
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(checkpoint.parent / "feedback.sqlite3"))
    st.cache_resource.clear()
    st.cache_data.clear()
    page = AppTest.from_file(APP, default_timeout=60) if page is None else page
    page.run()
    assert not page.exception
    return show_canvas(page) if shown else page


def show_canvas(page: AppTest) -> AppTest:
    """What the browser does once the canvas is drawable: the Clear button below it reports its width."""
    page.session_state["draw-clear"] = {"width": 560}
    page.run()
    assert not page.exception
    return page


def draw(page: AppTest, picture: np.ndarray, strokes: int = 1) -> AppTest:
    page.session_state["draw-canvas"] = canvas_value(picture, strokes)
    page.run()
    assert not page.exception
    return page


def test_the_first_run_draws_the_canvas_and_its_prompt_and_the_rest_once_the_canvas_shows(monkeypatch, tiny_checkpoint):
    """Other elements' code would be fetched before the canvas's; the chart is drawn before the first stroke
    (all bars at 0), so the first answer has nothing new to load."""
    page = open_page(monkeypatch, tiny_checkpoint, shown=False)
    assert EMPTY_PROMPT in page.info[0].value and len(page.info) == 1  # the Number tab's prompt is not there yet
    assert not page.slider and not page.get("vega_lite_chart") and not page.get("file_uploader")
    show_canvas(page)
    assert [s.key for s in page.slider] == ["draw-brush", "number-brush"] and page.get("file_uploader")
    assert len(page.metric) == 1 and not [i for i in page.get("image") if i.proto.imgs[0].caption]  # the rehearsal
    draw_chart, _upload_chart = page.get("vega_lite_chart")  # each tab's, before anything is drawn or uploaded
    assert json.loads(draw_chart.proto.spec)["encoding"]["x"]["field"] == "digit"


def test_once_the_canvas_reports_its_width_an_answers_elements_are_laid_out_hidden_once(monkeypatch, tiny_checkpoint):
    """Not in the first run (the canvas comes first); in the width report's run; never again after an answer."""
    app = open_page(monkeypatch, tiny_checkpoint, shown=False)
    rehearsal = f".st-key-{REHEARSAL}"
    assert not app.metric and f"{rehearsal} {{display: none;}}" in app.get("html")[0].proto.body
    show_canvas(app)
    assert [m.label for m in app.metric] == ["Prediction"] and app.metric[0].value == "0"
    assert app.button_group and app.toggle and len(app.get("image")) == 1 and EMPTY_PROMPT in app.info[0].value
    draw(app, draw_seven(size=320))
    draw(app, np.zeros((320, 320, 4), np.uint8), strokes=0)  # Clear
    assert not app.metric and not app.get("image") and EMPTY_PROMPT in app.info[0].value


def test_a_drawing_shows_the_prediction_chart_and_what_the_model_sees(app: AppTest, tiny_checkpoint: Path):
    from digitnet import load_predictor

    picture = draw_seven(size=320)
    expected = load_predictor(tiny_checkpoint).predict(picture)  # reference: the package's own answer
    draw(app, picture)
    assert app.metric[0].label == "Prediction" and app.metric[0].value == str(expected.digit)
    assert len(app.get("vega_lite_chart")) == 2 and len(app.get("image")) == 1  # and the Upload tab's empty chart
    words = (app.success or app.warning)[0].value
    assert format_percent(expected.confidence) in words


def test_a_doubtful_prediction_names_the_two_likeliest_digits(app: AppTest, tiny_checkpoint: Path):
    draw(app, draw_seven(size=320))  # the untrained tiny model is unsure of everything
    assert "not sure" in app.warning[0].value and " or a " in app.warning[0].value


@pytest.mark.parametrize(
    "picture, message",
    [
        (np.zeros((320, 320, 4), np.uint8), "Nothing is drawn"),  # everything undone
        (draw_dot(), "dot"),
    ],
)
def test_an_empty_canvas_or_a_dot_gets_a_friendly_message(app: AppTest, picture, message):
    draw(app, picture)
    assert len(app.metric) == 0 and message in app.info[0].value and not app.error


def test_a_cleared_canvas_shows_the_prompt_again(app: AppTest):
    """Clear empties the canvas in the browser, which then sends a drawing with no strokes."""
    draw(app, draw_seven(size=320))
    assert len(app.metric) == 1
    draw(app, np.zeros((320, 320, 4), np.uint8), strokes=0)
    assert len(app.metric) == 0 and EMPTY_PROMPT in app.info[0].value


@pytest.mark.parametrize("damage, message", [(b"", "No model checkpoint"), (b"garbage" * 100, "damaged")])
def test_a_missing_or_damaged_checkpoint_is_said_in_words_and_its_path_only_in_the_log(
    monkeypatch, tmp_path, caplog, damage, message
):
    path = tmp_path / "model.pt"
    if damage:
        path.write_bytes(damage)
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(path))
    st.cache_resource.clear()
    page = show_canvas(AppTest.from_file(APP, default_timeout=60).run())
    assert not page.exception and page.error[0].value == NO_MODEL
    draw(page, draw_seven(size=320))
    assert page.error[0].value == NO_MODEL and len(page.metric) == 0 and not page.code
    shown = " ".join(str(element.value) for element in page.main if hasattr(element, "value"))
    assert str(tmp_path) not in shown and "train.py" not in shown  # visitors never see server paths
    assert message in caplog.text and str(path) in caplog.text  # the operator finds them in the server's log


def png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_an_uploaded_photo_is_read_like_a_drawing(app: AppTest, tiny_checkpoint: Path):
    from digitnet import load_predictor

    photo = Image.fromarray(draw_seven(ink=(20, 20, 20, 255), background=(240, 240, 230, 255))).convert("RGB")
    expected = load_predictor(tiny_checkpoint).predict(photo)
    app.file_uploader(key="upload").set_value(("seven.png", png(photo), "image/png")).run()
    assert not app.exception and app.metric[0].value == str(expected.digit)


def test_an_uploaded_photo_of_a_number_offers_the_number_reader(app: AppTest):
    from test_photos import SIZE, two_digits_ink

    from bench.synth.scenes import photo_of_digit

    jpeg = photo_of_digit(two_digits_ink, np.random.default_rng(3), "plain", size=SIZE)
    app.file_uploader(key="upload").set_value(("number.jpg", jpeg, "image/jpeg")).run()
    assert not app.exception and "2 separate marks" in app.info[-1].value and len(app.metric) == 0
    app.toggle(key="upload-as-number").set_value(True).run()
    assert not app.exception and app.metric[0].label == "Number" and len(app.metric[0].value) == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.7 renamed", "not an image"),
        (png(Image.new("1", (10_000, 10_000))), "megapixels"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_the_page_keeps_working(app: AppTest, content, message):
    app.file_uploader(key="upload").set_value(("digit.png", content, "image/png")).run()
    assert not app.exception and message in app.error[0].value
    draw(app, draw_seven(size=320))
    assert app.metric[0].label == "Prediction"


def test_a_one_pixel_or_truncated_upload_is_explained(app: AppTest):
    app.file_uploader(key="upload").set_value(("dot.png", png(Image.new("L", (1, 1), 255)), "image/png")).run()
    assert not app.exception and "dot.png is 1x1 pixels: too small to hold a digit." in app.error[0].value
    buffer = io.BytesIO()
    Image.fromarray(draw_seven(size=320)[:, :, 3]).save(buffer, "JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    app.file_uploader(key="upload").set_value(("seven.jpg", truncated, "image/jpeg")).run()
    assert not app.exception and "damaged or truncated" in app.error[0].value


def test_why_this_answer_shows_the_heat_map_on_request_where_the_model_input_was(app: AppTest):
    draw(app, draw_seven(size=320))
    (seen,) = app.get("image")
    app.toggle(key="draw-why").set_value(True).run()
    (why,) = app.get("image")
    assert not app.exception and why.proto.imgs[0].caption.startswith("Red:") and seen.proto != why.proto


def three_sevens() -> Image.Image:
    """A number drawn on the Number tab's wide canvas: three 7s, and a stray dot."""
    from PIL import ImageDraw

    picture = Image.new("RGBA", (960, 320), (0, 0, 0, 0))
    pen = ImageDraw.Draw(picture)
    for x in (150, 450, 750):
        pen.line([(x, 60), (x + 60, 60), (x + 20, 260)], fill=(0, 0, 0, 255), width=16, joint="curve")
    pen.ellipse((880, 280, 890, 290), fill=(0, 0, 0, 255))  # a stray dot
    return picture


def test_the_number_tab_reads_every_digit_left_to_right(app: AppTest, tiny_checkpoint: Path):
    from digitnet import load_predictor

    picture = three_sevens()
    expected = "".join(str(p.digit) for p in load_predictor(tiny_checkpoint).predict_number(picture))
    app.session_state["number-canvas"] = canvas_value(np.asarray(picture))
    app.run()
    assert not app.exception
    number = next(m for m in app.metric if m.label == "Number")
    assert number.value == expected and len(expected) == 3
    assert "Ignored 1 dot" in app.caption[1].value  # below the sentence of how sure it is
    assert len(app.get("image")) == 3  # each digit as the model saw it
    # one chart at a readable size (with the other tabs' two), of the digit chosen below the pictures
    chooser = next(w for w in app.button_group if w.label == "Chart of the digit")
    assert chooser.options == [f"{d} ({n})" for d, n in zip(expected, ("1st", "2nd", "3rd"), strict=True)]
    assert len(app.get("vega_lite_chart")) == 3
    confidences = [p.confidence for p in load_predictor(tiny_checkpoint).predict_number(picture)]
    assert chooser.value == int(np.argmin(confidences))  # at first the digit it is least sure of
    chooser.set_value(2).run()
    assert not app.exception and len(app.get("vega_lite_chart")) == 3


def wrong_control(page: AppTest):
    return next(w for w in page.button_group if w.label == "Wrong? It's…")


def test_correcting_a_drawing_twice_then_confirming_it_keeps_one_record_with_the_last_answer(
    app: AppTest, tiny_checkpoint: Path
):
    from digitnet import load_predictor
    from digitnet.storage.corrections import CorrectionStore

    store = CorrectionStore(tiny_checkpoint.parent / "feedback.sqlite3")
    draw(app, draw_seven(size=320))
    assert app.caption[0].value.startswith("0 drawings collected")
    wrong_control(app).set_value(3).run()
    assert not app.exception and "Saved as a 3" in app.success[0].value
    wrong_control(app).set_value(5).run()
    assert "Saved as a 5" in app.success[0].value and app.caption[0].value.startswith("1 drawing collected.")
    (saved,) = store.records()
    assert saved.label == 5 and not saved.confirmed and saved.model_version == load_predictor(tiny_checkpoint).version
    assert saved.strokes == {"objects": [{"type": "path"}]}  # the canvas's stroke data, kept
    digit = int(app.metric[0].value)
    next(b for b in app.button if b.label == "Right!").click().run()
    assert f"Saved as a {digit}" in app.success[0].value and wrong_control(app).value is None
    assert app.caption[0].value.startswith("1 drawing collected.")
    (saved,) = store.records()
    assert (saved.label, saved.confirmed) == (digit, True)


def test_a_drawing_read_as_a_digit_can_be_marked_as_no_digit(app: AppTest, tiny_checkpoint: Path):
    from digitnet.storage.corrections import CorrectionStore

    draw(app, draw_seven(size=320))
    assert wrong_control(app).options == [*"0123456789", "not a digit"]
    wrong_control(app).set_value(NOT_A_DIGIT).run()
    assert not app.exception and "Saved as not a digit" in app.success[0].value
    (saved,) = CorrectionStore(tiny_checkpoint.parent / "feedback.sqlite3").records()
    assert (saved.label, saved.confirmed) == (NOT_A_DIGIT, False)


def test_a_new_drawing_gets_empty_feedback_controls_and_the_old_choice_stays_with_the_old(
    app: AppTest, tiny_checkpoint: Path
):
    from digitnet.storage.corrections import CorrectionStore

    draw(app, draw_seven(size=320))
    wrong_control(app).set_value(4).run()
    draw(app, draw_seven(size=320, offset=(30, 0), width=30))
    assert wrong_control(app).value is None and not app.success  # nothing saved yet for this one
    wrong_control(app).set_value(1).run()
    first, second = CorrectionStore(tiny_checkpoint.parent / "feedback.sqlite3").records()
    assert (first.label, second.label) == (4, 1) and first.canvas_png != second.canvas_png


def test_an_unwritable_feedback_database_is_said_once_in_words_and_reading_goes_on(app: AppTest, monkeypatch, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(tmp_path / "file" / "db.sqlite3"))
    st.cache_resource.clear()
    st.cache_data.clear()
    draw(app, draw_seven(size=320))
    assert not app.exception and app.metric[0].label == "Prediction"
    (message,) = [i.value for i in app.info if "Corrections" in i.value]  # once
    assert message.startswith("Corrections cannot be saved on this server: its folder cannot be made")
    assert not any(w.label == "Wrong? It's…" for w in app.button_group) and not app.error
    shown = " ".join(e.value for e in [*app.markdown, *app.caption, *app.info, *app.success, *app.warning])
    assert str(tmp_path) not in shown and "Errno" not in shown


def test_a_damaged_feedback_database_is_explained_and_the_page_keeps_working(app: AppTest, monkeypatch, tmp_path):
    (tmp_path / "damaged.sqlite3").write_bytes(b"not a database" * 100)
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(tmp_path / "damaged.sqlite3"))
    st.cache_resource.clear()
    st.cache_data.clear()
    draw(app, draw_seven(size=320))
    assert not app.exception and app.metric[0].label == "Prediction"
    assert "its database file is damaged" in app.info[0].value


def test_the_privacy_line_names_no_server_path(app: AppTest, tiny_checkpoint: Path):
    draw(app, draw_seven(size=320))
    caption = app.caption[0].value
    assert "kept on this server" in caption and "other visitors cannot see it" in caption
    assert str(tiny_checkpoint.parent) not in caption and "feedback.sqlite3" not in caption


def test_a_refused_upload_replaces_the_last_answer_with_its_reason(app: AppTest):
    photo = Image.fromarray(draw_seven(ink=(20, 20, 20, 255), background=(240, 240, 230, 255))).convert("RGB")
    app.file_uploader(key="upload").set_value(("seven.png", png(photo), "image/png")).run()
    assert app.metric[0].label == "Prediction"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text>7</text></svg>'
    app.file_uploader(key="upload").set_value(("seven.svg", svg, "image/svg+xml")).run()
    assert not app.exception and len(app.metric) == 0 and "seven.svg is not an image" in app.error[0].value
    app.file_uploader(key="upload").set_value(("seven.png", png(photo), "image/png")).run()
    big = b"\x89PNG\r\n\x1a\n" + bytes(12 * 2**20)
    app.file_uploader(key="upload").set_value(("huge.png", big, "image/png")).run()
    assert not app.exception and len(app.metric) == 0 and "huge.png is larger than 10 MB" in app.error[0].value


def test_a_blank_photo_is_worded_as_a_picture_and_the_preview_says_picture(app: AppTest):
    blank = Image.new("RGB", (200, 200), (240, 240, 230))
    app.file_uploader(key="upload").set_value(("blank.png", png(blank), "image/png")).run()
    assert not app.exception and "your picture: it looks blank" in app.info[-1].value
    photo = Image.fromarray(draw_seven(ink=(20, 20, 20, 255), background=(240, 240, 230, 255))).convert("RGB")
    app.file_uploader(key="upload").set_value(("seven.png", png(photo), "image/png")).run()
    assert "28×28 pixels" in app.get("image")[0].proto.imgs[0].caption
