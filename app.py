"""DigitNet's page: draw a digit (or upload a photo of one) and watch a neural network read it.

Layout and widgets only; reading images and predicting live in `digitnet`.
Run with `streamlit run app.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st
from streamlit_drawable_canvas import st_canvas

import digitnet
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, INK_RGB, RETRAIN_HINT
from digitnet.explain import occlusion_map, overlay
from digitnet.feedback import Drawing, FeedbackError, FeedbackStore
from digitnet.images import ImageReadError, read_image
from digitnet.present import (
    confidence_sentence,
    enlarge_pixels,
    format_percent,
    inline_png,
    is_doubtful,
    probability_chart,
)

NUMBER_WIDTH = 3 * CANVAS_SIZE  # the Number tab's canvas is 3:1
INK_HEX = "#{:02x}{:02x}{:02x}".format(*INK_RGB)
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]
BIG_METRIC_CSS = "<style>[data-testid='stMetricValue'] {font-size: 4.5rem; line-height: 1.1;}</style>"


@st.cache_resource(show_spinner="Loading the neural network…")
def get_predictor() -> digitnet.Predictor:
    """The model, loaded once per server and shared by every session."""
    return digitnet.load_predictor()


@st.cache_data(max_entries=256, show_spinner=False)
def read_digit(image_bytes: bytes, name: str) -> digitnet.Prediction:
    """Decode and read an image file once; reruns with the same bytes reuse the answer."""
    return get_predictor().predict(read_image(image_bytes, name))


@st.cache_data(max_entries=64, show_spinner=False)
def explanation_picture(image_bytes: bytes, name: str) -> str:
    """The occlusion heat map of an image's answer over its 28x28 input, as an inline RGB picture."""
    prediction = read_digit(image_bytes, name)
    return inline_png(overlay(prediction.input28, occlusion_map(get_predictor(), prediction.input28, prediction.digit)))


@st.cache_resource
def get_feedback_store() -> FeedbackStore:
    """The corrections database ($DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3), shared by all sessions."""
    return FeedbackStore()


@st.cache_data(ttl=10, show_spinner=False)
def collected_count(path: str) -> str:
    """How many drawings are stored, refreshed every 10 s and after each save (not a query per stroke)."""
    try:
        return str(FeedbackStore(path).count())
    except FeedbackError:
        return "An unknown number of"


def save_feedback(
    image: tuple[bytes, str], prediction: digitnet.Prediction, label: int | None, confirmed: bool
) -> None:
    """Store the drawing with the label the person gave; remember the outcome for the page to show."""
    if label is None:
        return
    drawing = Drawing(
        label=label,
        confirmed=confirmed,
        predicted=prediction.digit,
        probs=prediction.probs.tolist(),
        model_version=get_predictor().version,
        canvas_png=image[0],
        input28=prediction.input28,
        canvas_size=(CANVAS_SIZE, CANVAS_SIZE),
        brush=st.session_state.get(f"{image[1]}-brush"),
        strokes=st.session_state.get(f"{image[1]}-strokes"),
    )
    try:
        get_feedback_store().save(drawing)
        collected_count.clear()
        st.session_state.feedback_outcome = ("success", f"Saved as a {label}. Thank you!")
    except FeedbackError as error:
        st.session_state.feedback_outcome = ("error", str(error))


def feedback_ui(image: tuple[bytes, str], prediction: digitnet.Prediction) -> None:
    """'Wrong? It's a…' and 'Right!': the person's answer becomes training data; a counter and a privacy line."""
    # Fixed keys, emptied for each new drawing: a key per drawing left every old widget (and the drawing
    # its callback held) in the session, since a fragment's rerun never drops them: ~10 KB a stroke.
    drawing_id = hashlib.md5(image[0]).hexdigest()
    if st.session_state.get("feedback-drawing") != drawing_id:
        st.session_state["feedback-drawing"] = drawing_id
        st.session_state["draw-wrong"] = None
    st.segmented_control(
        "Wrong? It's a…",
        options=list(range(10)),
        key="draw-wrong",
        wrap=True,  # ten buttons do not fit a phone or half a screen in one row
        on_change=lambda: save_feedback(image, prediction, st.session_state["draw-wrong"], confirmed=False),
    )
    st.button(
        "Right!",
        key="draw-right",
        on_click=lambda: save_feedback(image, prediction, prediction.digit, confirmed=True),
    )
    outcome = st.session_state.pop("feedback_outcome", None)
    if outcome:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])
    store = get_feedback_store()
    st.caption(
        f"{collected_count(str(store.path))} drawings collected. What you correct or confirm is kept on this "
        f"server only ({store.path}): the drawing, its 28×28 input, the label and the model's answer."
    )


def header_ui() -> None:
    """Title and one sentence for someone who has never met a neural network."""
    st.title("DigitNet")
    st.write(
        "Draw a digit from 0 to 9. A small neural network, trained on 60,000 handwritten digits, "
        "reads it as you draw and shows how sure it is of every possible answer."
    )


def canvas_ui(name: str = "draw", width: int = CANVAS_SIZE) -> tuple[bytes, str] | None:
    """A drawing canvas with a brush control and a Clear button; returns the drawing's PNG and a name.

    Clear gives the canvas a new key, which mounts a fresh, empty one.
    """
    round_key = f"{name}_round"
    st.session_state.setdefault(round_key, 0)
    brush = st.slider("Brush width", 8, 40, DEFAULT_BRUSH, step=2, key=f"{name}-brush", help="pixels")
    result = st_canvas(
        stroke_width=brush,
        stroke_color=INK_HEX,
        background_color="",
        height=CANVAS_SIZE,
        width=width,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{name}-canvas-{st.session_state[round_key]}",
    )
    st.button(
        "Clear",
        key=f"{name}-clear",
        on_click=lambda: st.session_state.update({round_key: st.session_state[round_key] + 1}),
    )
    png = result.image_bytes
    st.session_state[f"{name}-strokes"] = result.json_data  # kept with a correction
    return (png, name) if png else None


def upload_ui() -> tuple[bytes, str] | None:
    """A file picker for a photo or scan of one digit; returns its bytes and name."""
    upload = st.file_uploader("A photo or scan of one digit", type=UPLOAD_TYPES, key="upload")
    return (upload.getvalue(), upload.name) if upload is not None else None


def model_ui() -> None:
    """Load the model, or say clearly why it cannot be loaded and how to make one."""
    try:
        get_predictor()
    except digitnet.CheckpointError as error:
        st.error(f"The model could not be loaded. {error}")
        st.code(RETRAIN_HINT, language="bash")


def result_ui(image: tuple[bytes, str] | None, prompt: str, key: str) -> None:
    """Read the image and show the digit, the words, the chart and what the model saw; or a prompt."""
    if image is None:
        st.info(prompt)
        return
    try:
        predictor = get_predictor()
        prediction = read_digit(*image)
    except digitnet.CheckpointError:
        return  # the message stands at the top of the page (model_ui)
    except digitnet.SeveralMarksError as error:  # a photo of a number: offer the Number reader
        st.info(str(error))
        if st.toggle("Read it as a number", key=f"{key}-as-number"):
            number_result_ui(image, photo=True)
        return
    except digitnet.EmptyImageError as error:
        st.info(str(error))
        return
    except ImageReadError as error:
        st.error(str(error))
        return
    threshold = predictor.doubt_threshold
    st.metric("Prediction", str(prediction.digit))
    sentence = confidence_sentence(prediction, threshold)
    (st.warning if is_doubtful(prediction, threshold) else st.success)(sentence)
    st.vega_lite_chart(spec=probability_chart(prediction.probs.tolist()), width="stretch", key=f"{key}-chart")
    if key == "draw":
        feedback_ui(image, prediction)
    seen, why = st.columns(2)
    seen.image(
        inline_png(enlarge_pixels(prediction.input28, 6)),
        caption="What the model sees: your drawing centred and shrunk to 28×28 pixels, as the training digits were.",
        width=168,
    )
    with why:
        why_ui(image, prediction.digit, key)


def why_ui(image: tuple[bytes, str], digit: int, key: str) -> None:
    """On request, the pixels the answer rests on, in red over the model's input."""
    if st.toggle("Why this answer?", key=f"{key}-why", help="Hides each small patch in turn and re-reads."):
        st.image(
            explanation_picture(*image),
            caption=f"Red: the strokes that, when hidden, make it least sure it is a {digit}.",
            width=168,
        )


@st.cache_data(max_entries=64, show_spinner=False)
def read_number(image_bytes: bytes, name: str, photo: bool = False) -> tuple[list[digitnet.Prediction], int]:
    """Segment and read a drawn number (or a photo of one) once: its digits left to right and how many dots
    were ignored."""
    predictor = get_predictor()
    segmentation = predictor.segment(read_image(image_bytes, name), photo)
    return predictor.predict_segments(segmentation), segmentation.ignored


def number_result_ui(image: tuple[bytes, str] | None, photo: bool = False) -> None:
    """The number read, then each digit as the model saw it with its probabilities (small multiples)."""
    if image is None:
        st.info("Write a number of several digits on the wide canvas, left to right, with a little space between them.")
        return
    try:
        threshold = get_predictor().doubt_threshold
        digits, ignored = read_number(*image, photo)
    except digitnet.CheckpointError:
        return  # the message stands at the top of the page (model_ui)
    except digitnet.EmptyImageError as error:
        st.info(str(error))
        return
    st.metric("Number", "".join(str(p.digit) for p in digits))
    if ignored:
        st.caption(f"Ignored {ignored} dot{'s' * (ignored > 1)} too small to be a digit.")
    for column, prediction in zip(st.columns(max(len(digits), 4)), digits, strict=False):
        column.image(inline_png(enlarge_pixels(prediction.input28, 3)), caption=format_percent(prediction.confidence))
        if is_doubtful(prediction, threshold):
            column.warning(f"{prediction.digit} or {prediction.runner_up()}?")
        column.vega_lite_chart(spec=probability_chart(prediction.probs.tolist(), height=120), width="stretch")


@st.fragment
def number_tab_ui() -> None:
    """The wide canvas for whole numbers, its result below; a stroke reruns only this fragment."""
    number_result_ui(canvas_ui("number", NUMBER_WIDTH))


def main() -> None:
    """Lay out the page: header, then a Draw tab and an Upload tab, each with its result beside it."""
    st.set_page_config(page_title="DigitNet: draw a digit", page_icon="✏️", layout="wide")
    st.markdown(BIG_METRIC_CSS, unsafe_allow_html=True)
    header_ui()
    model_status = st.container()
    draw_tab, number_tab, upload_tab = st.tabs(["Draw", "Number", "Upload"])
    with draw_tab:
        tab_ui(canvas_ui, "Draw a digit on the canvas: the answer appears here.", "draw")
    with number_tab:
        number_tab_ui()
    with upload_tab:
        tab_ui(upload_ui, "Upload a PNG, JPEG, WebP or BMP picture of one digit.", "upload")
    with model_status:  # filled last: the page is drawn first, then the model loads before the first stroke
        model_ui()


@st.fragment
def tab_ui(input_ui: Callable[[], tuple[bytes, str] | None], prompt: str, key: str) -> None:
    """An input on the left, its result on the right; a stroke or an upload reruns only this fragment."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        image = input_ui()
    with right:
        result_ui(image, prompt, key)


main()
