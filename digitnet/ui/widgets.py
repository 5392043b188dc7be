"""The page's own widgets: a Clear button for the drawing canvas, and the corrections a person gives.

The Clear button empties the canvas in the browser at once, and reports its width.

Clearing from the server (a new key remounts the canvas, a new `initial_drawing` reloads it) lands
only after a round trip, and a stroke begun in the meantime is lost with the old drawing: 6 of 20
strokes drawn right after Clear vanished. This button presses the canvas's own reset (the bin of
streamlit-drawable-canvas 0.13's toolbar) in the page, which empties the canvas before the next
pointer event and sends the empty drawing itself. The toolbar is hidden (it swallowed strokes begun under
it, and its pencil turned strokes into drags); its reset button, hidden with it, still works. The width
it reports, once the canvas is drawable, lets the Number canvas take the width it has, and the run its
report starts draws the rest of the page and the answer's rehearsal. Requires the pinned
streamlit-drawable-canvas (its parts: `constants.CANVAS_RESET`, `CANVAS_TOOLBAR`, `CANVAS_ROOT`).

"Right!" and "Wrong?" (a digit, or not a digit) store the drawing with the person's label
(digitnet.storage.corrections); in a room (ROOM: the code of the room's link), on the room's wall too.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from digitnet.constants import CANVAS, CANVAS_RESET, CANVAS_ROOT, CANVAS_SIZE, CANVAS_TOOLBAR, INK_HEX, NOT_A_DIGIT
from digitnet.storage.corrections import CorrectionStore, CorrectionStoreError, Drawing
from digitnet.storage.database import StoreError
from digitnet.storage.rooms import RoomStore
from digitnet.ui.charts import inline_png
from digitnet.ui.layout import REHEARSAL
from digitnet.words import correction_button, correction_prompt, count_of, label_words, option_words

if TYPE_CHECKING:  # torch is imported when the model loads, not with the page's widgets
    from streamlit_drawable_canvas import CanvasResult

    from digitnet.reading.number import NumberReader
    from digitnet.reading.predictor import Prediction, Predictor

ROOM_MODEL_CHECK = 5  # seconds a process trusts the room's model version it last read
ROOM = "room"  # session state: the code of the room this visit draws for (app.room_ui), or None
WIDTH_STEP = 16  # pixels; the width is reported in these steps, so small resizes cause no rerun
CANVAS_WAIT_MS = 5000  # the first width is reported after this even if no canvas showed, so the page completes

_HTML = '<button type="button" class="digitnet-clear">Clear</button>'
_CSS = """
.digitnet-clear {
  font: inherit; font-family: var(--st-font, sans-serif); font-size: var(--st-base-font-size, 1rem);
  color: var(--st-text-color, #31333f); background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, #d6d6d9); border-radius: var(--st-button-radius, 0.5rem);
  padding: 0.25rem 0.75rem; min-height: 2.5rem; cursor: pointer;
}
.digitnet-clear:hover, .digitnet-clear:focus-visible {
  border-color: var(--st-primary-color, #e4572e); color: var(--st-primary-color, #e4572e); outline: none;
}
"""
# The canvas sits in the same block as this button (or a block above it): its parts are found there.
# Its toolbar is hidden: invisible until hovered (never, on a phone), it lay over the canvas's top-right
# corner and swallowed the strokes begun there, and its "edit" pencil turned the next stroke into a drag.
# Hidden, its reset button still works, and Clear presses it. The first width is reported only once the
# canvas is drawable, since that report draws the rest of the page (app.page_shown), whose code would
# otherwise be fetched and run before the canvas's.
_JS = f"""
const observers = new WeakMap();
export default function ({{ parentElement, setStateValue }}) {{
  const host = parentElement.host;
  const canvasRoot = () => {{
    for (let block = host.parentElement; block; block = block.parentElement) {{
      for (const component of block.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {{
        if (component.shadowRoot?.querySelector('{CANVAS_ROOT}')) return component.shadowRoot;
      }}
    }}
    return null;
  }};
  const canvasPart = selector => {{
    const root = canvasRoot();
    if (root && !root.querySelector("style.digitnet-no-toolbar")) {{
      const style = document.createElement("style");
      style.className = "digitnet-no-toolbar";
      style.textContent = "{CANVAS_TOOLBAR} {{ display: none !important; }}";
      root.append(style);
    }}
    return root?.querySelector(selector) ?? null;
  }};
  parentElement.querySelector("button").onclick = () => canvasPart('{CANVAS_RESET}')?.click();
  canvasPart("{CANVAS}");  // the toolbar hidden as soon as the canvas's box is in the page
  if (observers.has(parentElement)) return;  // one observer per button, however often the page re-renders it
  let sent = null, timer = null;
  const giveUp = performance.now() + {CANVAS_WAIT_MS};
  const report = () => {{
    timer = null;
    if (sent === null && !canvasPart("{CANVAS}") && performance.now() < giveUp) {{
      timer = setTimeout(report, 30);
      return;
    }}
    const width = Math.floor(host.getBoundingClientRect().width / {WIDTH_STEP}) * {WIDTH_STEP};
    // The first report goes even as 0 (another tab opened before the canvas showed): the page completes.
    if (width !== sent && (width > 0 || sent === null)) {{ sent = width; setStateValue("width", width); }}
  }};
  const observer = new ResizeObserver(() => timer ?? report());
  observer.observe(host);  // a hidden tab's 0x0 button gets no first callback: hence the report below
  timer = setTimeout(report, 0);
  observers.set(parentElement, observer);
  return () => {{ observer.disconnect(); clearTimeout(timer); observers.delete(parentElement); }};
}}
"""

_clear_component = st.components.v2.component("digitnet.clear_button", html=_HTML, css=_CSS, js=_JS)


def drawing_canvas(key: str, width: int, height: int, brush: int) -> CanvasResult:
    """streamlit-drawable-canvas as the page uses it: free drawing in the ink colour, sending its picture."""
    # Imported here: the component registers only inside a running Streamlit, and tests import this module.
    from streamlit_drawable_canvas import st_canvas

    return st_canvas(
        stroke_width=brush,
        stroke_color=INK_HEX,
        background_color="",
        height=height,
        width=width,
        drawing_mode="freedraw",
        return_image_data=True,
        key=key,
    )


def clear_button(key: str) -> int | None:
    """Draw the Clear button for the canvas above it; return the width it has in pixels, once the page knows."""
    result = _clear_component(
        key=key,
        default={"width": None},
        on_width_change=lambda: None,
        width="stretch",
        height="content",
    )
    return result.get("width")


def rehearse_answer_once(width_key: str) -> None:
    """Once a session, after the canvas shows: every kind of element an answer shows, hidden.

    The page's code lays out a metric, the correction buttons, a picture and a toggle for the first time
    at the first answer, which made it ~30% slower than the rest. Drawn in the run the canvas's width
    report starts (never in the first, so the canvas is not kept waiting), hidden by PAGE_CSS.
    """
    if st.session_state.get(REHEARSAL) or reported_width(width_key) is None:
        return
    st.session_state[REHEARSAL] = True
    with st.container(key=REHEARSAL):
        st.metric("Prediction", "0")
        st.success("Rehearsal")
        left, right = st.columns(2)
        left.image(inline_png(np.zeros((28, 28), np.uint8)), width=28)
        right.toggle("Rehearsal", key=f"{REHEARSAL}-toggle")
        left.button("Rehearsal", key=f"{REHEARSAL}-button")
        with right.popover("Rehearsal"):
            st.segmented_control("Rehearsal", list(range(10)), key=f"{REHEARSAL}-choice", label_visibility="collapsed")


def reported_width(key: str) -> int | None:
    """The width the Clear button `key` reported in an earlier run (None before the page has said)."""
    state = st.session_state.get(key)
    return state.get("width") if isinstance(state, dict) else None


@st.cache_resource
def correction_store() -> CorrectionStore:
    """The corrections database ($DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3), shared by all sessions."""
    return CorrectionStore()


@st.cache_resource
def room_store() -> RoomStore:
    """The rooms, in the corrections' database, shared by all sessions."""
    return RoomStore()


@st.cache_data(ttl=ROOM_MODEL_CHECK, show_spinner=False)
def room_model_version(code: str) -> str | None:
    """The version of the model a room adopted, asked again every ROOM_MODEL_CHECK s (None: the server's)."""
    try:
        return room_store().room(code).model_version
    except StoreError:  # the room ended or the database is away: the server's model reads
        return None


def room_model() -> tuple[str, str] | None:
    """The room (code) and version of the model this visit reads with, where its room adopted one."""
    code = st.session_state.get(ROOM)
    version = room_model_version(code) if code else None
    return (code, version) if version else None


@st.cache_resource(max_entries=8, show_spinner=False)
def room_predictor(code: str, version: str, _reader: NumberReader | None = None) -> Predictor:
    """A room's adopted model, read from the database once per process and version: every process serving
    the room reads with it within ROOM_MODEL_CHECK seconds. It reads numbers with `_reader`, the server's."""
    from digitnet.reading.predictor import predictor_from_bytes

    return predictor_from_bytes(room_store().model(code, version), f"room {code}'s model", _reader)


@st.cache_data(ttl=10, show_spinner=False)
def correction_state(address: str) -> tuple[int, str]:
    """(drawings stored, "") or (0, why none can be saved here); refreshed every 10 s and after each save."""
    store = CorrectionStore(address)
    try:
        store.check_writable()
        return store.count(), ""
    except CorrectionStoreError as error:
        return 0, str(error)


def save_correction(
    image: tuple[bytes, str], prediction: Prediction, model_version: str, label: int | None, confirmed: bool
) -> None:
    """Store the drawing with the label the person gave; remember the outcome for the page to show."""
    if label is None:
        return
    drawing = Drawing(
        label=label,
        confirmed=confirmed,
        predicted=prediction.digit,
        probs=prediction.probs.tolist(),
        model_version=model_version,
        canvas_png=image[0],
        input28=prediction.input28,
        canvas_size=st.session_state.get(f"{image[1]}-size", (CANVAS_SIZE, CANVAS_SIZE)),
        brush=st.session_state.get(f"{image[1]}-brush"),
        strokes=st.session_state.get(f"{image[1]}-strokes"),
        session=st.session_state.setdefault("feedback-session", uuid.uuid4().hex),  # one record per drawing
        answer=prediction.digit if prediction.is_digit else NOT_A_DIGIT,
    )
    room = st.session_state.get(ROOM)
    try:  # a second answer for this drawing replaces the first
        room_store().send(room, drawing) if room else correction_store().save(drawing)
        st.session_state["feedback-saved"] = label
        if confirmed:
            st.session_state["draw-wrong"] = None  # "Right!" takes back a correction
    except CorrectionStoreError as error:
        st.session_state["feedback-error"] = str(error)
    correction_state.clear()


def corrections_ui(image: tuple[bytes, str], prediction: Prediction, model_version: str) -> int | None:
    """'Right!' and 'Wrong?' (the digits 0-9 in one row, in a popover): the person's answer becomes training data.

    Two buttons, so that they fit beside the answer on the first screen. Returns how many drawings are
    stored, or None where none can be saved (said instead of the buttons).
    """
    # Fixed keys, emptied for each new drawing: a key per drawing left every old widget (and the drawing
    # its callback held) in the session, since a fragment's rerun never drops them: ~10 KB a stroke.
    drawing_id = hashlib.md5(image[0]).hexdigest()
    if st.session_state.get("feedback-drawing") != drawing_id:
        st.session_state["feedback-drawing"] = drawing_id
        st.session_state["draw-wrong"] = None
        st.session_state["feedback-saved"] = None
    count, problem = correction_state(correction_store().database.address)
    problem = st.session_state.pop("feedback-error", None) or problem
    if problem:  # said once, instead of buttons that cannot work
        st.info(f"{problem} Drawing and reading still work.")
        return None
    shown = prediction.digit if prediction.is_digit else NOT_A_DIGIT  # the answer the page gave
    st.button(
        "Right!",
        key="draw-right",
        width="stretch",
        on_click=lambda: save_correction(image, prediction, model_version, shown, confirmed=True),
    )
    with st.popover(correction_button(prediction), width="stretch"):
        # "not a digit" is a choice where the page named a digit; where it said "not a digit", Right! says so
        st.segmented_control(
            correction_prompt(prediction),
            options=[*range(10), *([NOT_A_DIGIT] if prediction.is_digit else [])],
            format_func=option_words,
            key="draw-wrong",
            on_change=lambda: save_correction(
                image, prediction, model_version, st.session_state["draw-wrong"], confirmed=False
            ),
        )
    return count


def corrections_note_ui(count: int) -> None:
    """What is stored for this drawing now, and what is kept and who can see it."""
    if st.session_state.get("feedback-saved") is not None:
        st.success(f"Saved as {label_words(st.session_state['feedback-saved'])}. Thank you!")
    st.caption(
        f"{count_of(count, 'drawing')} collected. What you correct or confirm is kept on this server to improve "
        "the model, and other visitors cannot see it: the drawing, its 28×28 input, the label and the model's answer."
    )
