"""DigitNet's page: draw a digit (or upload a photo of one) and watch a neural network read it.

Layout and widgets only; reading images and predicting live in `digitnet`.
Run with `streamlit run app.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

import digitnet
from digitnet.constants import DEFAULT_BRUSH, IMAGE_SIZE, NUM_CLASSES
from digitnet.reading.explain import occlusion_map, overlay
from digitnet.reading.images import UPLOAD_LIMIT, ImageDecodeError, decode_image
from digitnet.storage.database import StoreError
from digitnet.ui.charts import chart_ui, enlarge_pixels, inline_png, probability_chart
from digitnet.ui.layout import PAGE_CSS, digit_canvas_size, number_canvas_size
from digitnet.ui.number import number_ui
from digitnet.ui.widgets import (
    ROOM,
    clear_button,
    corrections_note_ui,
    corrections_ui,
    drawing_canvas,
    rehearse_answer_once,
    reported_width,
    room_model,
    room_predictor,
    room_store,
)
from digitnet.words import (
    NO_MODEL,
    NOT_A_DIGIT_HEADLINE,
    PICTURE_WORDS,
    ROOM_NOTICE,
    a_digit,
    confidence_sentence,
    is_doubtful,
    not_digit_sentence,
)

LOG = logging.getLogger("digitnet.app")
ANSWER_CHART = 180  # pixels high: the chart of an answer still fits a 768 px high screen below it
SEEN_SCALE = 5  # what the model sees: each of its 28x28 pixels 5 screen pixels wide
WHOLE_PAGE = "whole-page"  # session state: whether the last full run drew the whole page (page_shown)


@st.cache_resource(show_spinner=False)  # a spinner above the tabs moved the canvas under the pen
def get_predictor() -> digitnet.Predictor:
    """The model, loaded once per server and shared by every session, reading with one thread."""
    import torch  # imported with the model, after the page has drawn itself

    # One digit is too small a job to split: threads spinning beside the server and the browser slowed reads.
    torch.set_num_threads(1)
    return digitnet.load_predictor()


def reading_predictor(model: tuple[str, str] | None = None) -> digitnet.Predictor:
    """The model that reads: a room's own (`model`: its code and version) where it adopted one, else the server's."""
    if model:
        reader = get_predictor().reader  # the server's number reader reads the room's numbers too
        try:
            return room_predictor(*model, reader)
        except (StoreError, digitnet.CheckpointError) as error:  # the server's model reads meanwhile
            LOG.error("Room %s's model %s could not be loaded: %s", *model, error)
    return get_predictor()


@st.cache_data(max_entries=256, show_spinner=False)
def read_digit(image_bytes: bytes, name: str, model: tuple[str, str] | None = None) -> digitnet.Prediction:
    """Decode and read an image file once; reruns with the same bytes reuse the answer."""
    return reading_predictor(model).predict(decode_image(image_bytes, name))


@st.cache_data(max_entries=64, show_spinner=False)
def explanation_picture(image_bytes: bytes, name: str, model: tuple[str, str] | None = None) -> str:
    """The occlusion heat map of an image's answer over its 28x28 input, as an inline RGB picture."""
    prediction = read_digit(image_bytes, name, model)
    heat = occlusion_map(reading_predictor(model), prediction.input28, prediction.digit)
    return inline_png(overlay(prediction.input28, heat))


def header_ui() -> None:
    """Title and one sentence for someone who has never met a neural network."""
    st.title("DigitNet")
    st.write(
        "Draw a digit from 0 to 9. A small neural network, which learned from tens of thousands of example "
        "pictures, reads it as you draw and shows how sure it is of every possible answer."
    )


def room_ui() -> None:
    """In a room (its link: ?room=CODE), say before anything is sent that answered drawings go to its wall."""
    st.session_state[ROOM] = None
    if not (code := st.query_params.get("room")):
        return
    try:
        room = room_store().room(code)
    except StoreError as error:  # no such room, ended, or the database away: drawing goes on, alone
        st.warning(str(error))
        return
    st.session_state[ROOM] = room.code
    st.info(ROOM_NOTICE.format(code=room.code))


def canvas_ui(name: str = "draw", size: tuple[int, int] | None = None) -> tuple[bytes, str] | None:
    """A drawing canvas, a Clear button and a brush control; returns the drawing's PNG and a name.

    The canvas keeps one key for the session: Clear empties it in the browser (digitnet.ui.widgets), so a
    stroke drawn right after Clear is never lost to a remount. The brush control comes below, with the
    rest of the page (page_shown).
    """
    width, height = size or digit_canvas_size(reported_width(f"{name}-clear"))  # fits the column it is in
    st.session_state[f"{name}-size"] = (width, height)  # kept with a correction
    brush = st.session_state.get(f"{name}-brush", DEFAULT_BRUSH)  # the slider below, as last set
    result = drawing_canvas(f"{name}-canvas", width, height, brush)
    clear_button(f"{name}-clear")
    if page_shown():
        st.slider("Brush width", 8, 40, DEFAULT_BRUSH, step=2, key=f"{name}-brush", help="pixels")
    strokes = result.json_data
    st.session_state[f"{name}-strokes"] = strokes  # kept with a correction
    png = result.image_bytes
    return (png, name) if png and strokes and strokes.get("objects") else None  # Clear sends no objects


def upload_ui() -> tuple[bytes, str] | None:
    """A file picker for a photo or scan of one digit; returns its bytes and name.

    Any file is passed on, so that one that cannot be read replaces the last answer with a message
    (digitnet.reading.images says why); a file the picker refused itself would leave the old answer standing.
    """
    upload = st.file_uploader(
        f"A photo or scan of one digit: {UPLOAD_LIMIT}",
        key="upload",
    )
    return (upload.getvalue(), upload.name) if upload is not None else None


def model_ui() -> None:
    """Load the model, or say that it cannot be loaded: in words to visitors, with its path and remedy in the log."""
    try:
        get_predictor()
    except digitnet.CheckpointError as error:
        LOG.error("The model could not be loaded. %s", error)
        st.error(NO_MODEL)


def result_ui(image: tuple[bytes, str] | None, prompt: str, key: str) -> str:
    """Read the image and show the digit, the words, the chart and what the model saw; or a prompt.

    Returns the answer (or the prompt or message) in one line, for the slot a phone shows above the input.
    """
    if image is None:
        st.info(prompt)
        if page_shown():  # after the canvas: the chart's library loaded before the first answer, not the canvas
            chart_ui(st, probability_chart([0.0] * NUM_CLASSES, height=ANSWER_CHART), f"{key}-chart")
            rehearse_answer_once(f"{key}-clear")  # the Draw tab's first answer finds its elements laid out
        return prompt
    try:
        model = room_model()  # a room's own model, once it adopted one
        predictor = reading_predictor(model)
        prediction = read_digit(*image, model)
    except digitnet.CheckpointError:
        return ""  # the message stands at the top of the page (model_ui)
    except digitnet.SeveralMarksError as error:  # a photo of a number: offer the Number reader
        st.info(str(error))
        if st.toggle("Read it as a number", key=f"{key}-as-number"):
            number_result_ui(image, key, photo=True)
        return str(error)
    except digitnet.EmptyImageError as error:
        message = PICTURE_WORDS.get(error.kind, str(error)) if key == "upload" else str(error)
        st.info(message)
        return message
    except ImageDecodeError as error:
        st.error(str(error))
        return str(error)
    answer, seen = st.columns(2)
    with answer:
        line = answer_ui(prediction, predictor.doubt_threshold)
        count = corrections_ui(image, prediction, predictor.version) if key == "draw" else None
    words_ui(prediction, predictor.doubt_threshold, key)
    if count is not None:
        corrections_note_ui(count)
    with seen:  # filled last, though shown beside the answer: the picture is the answer's last part to arrive
        seen_ui(image, prediction, key)
    return line


def answer_ui(prediction: digitnet.Prediction, threshold: float) -> str:
    """The big answer, or that it is no digit; returns it in one line, for the phone's line above the canvas.

    Beside it what the model saw, and below its words and chart (words_ui): all of it on a laptop's first screen.
    """
    if prediction.is_digit:
        st.metric("Prediction", str(prediction.digit))
        return f"**{prediction.digit}**: {confidence_sentence(prediction, threshold)}"
    st.subheader(NOT_A_DIGIT_HEADLINE, anchor=False)
    return NOT_A_DIGIT_HEADLINE


def words_ui(prediction: digitnet.Prediction, threshold: float, key: str) -> None:
    """How sure it is, in words, then the chart of every digit ("if it were a digit" for a refused drawing)."""
    if not prediction.is_digit:
        st.info(not_digit_sentence(prediction))
    else:
        (st.warning if is_doubtful(prediction, threshold) else st.success)(confidence_sentence(prediction, threshold))
    chart = probability_chart(prediction.probs.tolist(), height=ANSWER_CHART, greyed=not prediction.is_digit)
    chart_ui(st, chart, f"{key}-chart")


def seen_ui(image: tuple[bytes, str], prediction: digitnet.Prediction, key: str) -> None:
    """What the model sees; on request, in the same place, in red the strokes the answer rests on."""
    why = prediction.is_digit and st.session_state.get(f"{key}-why", False)  # the toggle below, as last set
    if why:
        picture = explanation_picture(*image, room_model())
        caption = f"Red: the strokes that, when hidden, make it least sure it is {a_digit(prediction.digit)}."
    else:
        picture = inline_png(enlarge_pixels(prediction.input28, SEEN_SCALE))
        caption = "What the model sees: 28×28 pixels"
    st.image(picture, caption=caption, width=IMAGE_SIZE * SEEN_SCALE)
    if prediction.is_digit:  # a drawing that is no digit has no answer to explain
        st.toggle("Why?", key=f"{key}-why", help="Why this answer? Hides each small patch in turn and re-reads.")


@st.cache_data(max_entries=64, show_spinner=False)
def read_number(
    image_bytes: bytes, name: str, photo: bool = False, model: tuple[str, str] | None = None
) -> digitnet.NumberReading:
    """Read a drawn number (or a photo of one) once: its digits left to right, how sure, and dots ignored."""
    return reading_predictor(model).read_number(decode_image(image_bytes, name), photo)


def number_result_ui(image: tuple[bytes, str] | None, key: str, photo: bool = False) -> None:
    """Read the number and show it (digitnet.ui.number), or a prompt or what stopped it."""
    if image is None:
        st.info("Write a number on the wide canvas, left to right, as you would on paper.")
        return
    try:
        model = room_model()  # a room's own model, once it adopted one
        threshold = reading_predictor(model).doubt_threshold
        reading = read_number(*image, photo, model)
    except digitnet.CheckpointError:
        return  # the message stands at the top of the page (model_ui)
    except digitnet.EmptyImageError as error:
        st.info(str(error))
        return
    number_ui(reading, threshold, key)


@st.fragment
def number_tab_ui() -> None:
    """The wide canvas for whole numbers, as wide as the page has room for, its result below."""
    number_result_ui(canvas_ui("number", number_canvas_size(reported_width("number-clear"))), "number")


def main() -> None:
    """The two pages, named for people in the sidebar (not after their files)."""
    st.navigation(
        [
            st.Page(draw_page, title="Draw a digit", icon="✏️", default=True),
            st.Page("pages/1_The_model.py", title="The model", icon="📊", url_path="The_model"),
            st.Page("pages/2_Wall.py", title="Wall", icon="📽️", url_path="Wall"),
        ]
    ).run()


def page_shown() -> bool:
    """Whether the browser has said the Draw canvas is drawable (its Clear reports its width only then).

    Until then the page holds only what the canvas needs: the browser fetches and runs each element's
    code in page order, and the slider, charts, uploader and second canvas before it kept the canvas
    off the screen ~1.5 s longer (bench/browser.py). The model, too, loads after.
    """
    return reported_width("draw-clear") is not None


def draw_page() -> None:
    """Lay out the page: header, then the Draw, Number and Upload tabs, each with its result beside it."""
    st.set_page_config(page_title="DigitNet: draw a digit", page_icon="✏️", layout="wide")
    st.html(PAGE_CSS)  # not markdown: its HTML reader is 190 KB of code to fetch before the canvas
    header_ui()
    room_ui()
    model_status = st.container()
    shown = st.session_state[WHOLE_PAGE] = page_shown()
    draw_tab, number_tab, upload_tab = st.tabs(["Draw", "Number", "Upload"])
    with draw_tab:
        tab_ui(canvas_ui, "Draw a digit on the canvas: the answer appears here.", "draw")
    if not shown:
        return  # the rest when the canvas is on screen
    with number_tab:
        number_tab_ui()
    with upload_tab:
        tab_ui(upload_ui, "Upload a picture of one digit: the answer appears here.", "upload")
    with model_status:  # filled last: the canvas, then the rest of the page, then the model loads
        model_ui()


@st.fragment
def tab_ui(input_ui: Callable[[], tuple[bytes, str] | None], prompt: str, key: str) -> None:
    """An input on the left, its result on the right; a stroke or an upload reruns only this fragment."""
    if key == "draw" and page_shown() and not st.session_state.get(WHOLE_PAGE):
        st.rerun(scope="app")  # the canvas's first width report: it is on screen, now the whole page
    left, right = st.columns([1, 1], gap="large")
    with left:
        answer_line = st.container(key=f"{key}-answer-line")  # phones only (PAGE_CSS): beside the finger
        image = input_ui()
    with right:
        answer = result_ui(image, prompt, key)
    answer_line.markdown(answer)


main()
