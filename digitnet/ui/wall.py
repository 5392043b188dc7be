"""The Wall page's widgets: a new room's QR code and link, the presenter's controls, and the live wall.

Made for a projector: large type, a mosaic of the room's latest drawings, the room's own score, its confusion
matrix and its hardest digit, refreshed every WALL_REFRESH seconds by a fragment. Storage: digitnet/storage/rooms.py;
the counting: digitnet/rooms.py.
"""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from digitnet.constants import NOT_A_DIGIT, checkpoint_path
from digitnet.rooms import WallSummary, mosaic, summarize
from digitnet.storage.database import StoreError
from digitnet.storage.rooms import ROOM_HOURS, Room, WallDrawing, expired
from digitnet.ui.widgets import room_store
from digitnet.words import (
    LEARN_HELP,
    LEARNING,
    MATRIX_WORDS,
    NO_MODEL,
    ROOM_EXPIRED,
    UNKNOWN_PIECE,
    WALL_EMPTY,
    WALL_JOIN,
    WALL_STATES,
    hardest_words,
    lesson_words,
    not_digit_count,
    option_words,
    wall_score,
)

LOG = logging.getLogger("digitnet.wall")
WALL_REFRESH = 1.5  # seconds between the wall's updates: a drawing shows within this and one rerun of being sent
TILES_PER_ROW = 4
QR_SCALE = 8  # pixels per QR module: ~270 px for a short link, scanned from a phone across a room
WALL_CSS = """<style>
.st-key-wall-code p {font-size: 4rem; font-weight: 700; letter-spacing: 0.3rem; line-height: 1.1;}
.st-key-wall-score p {font-size: 2.5rem; font-weight: 600;}
[class*='st-key-tile-'] img {background: #fff; border-radius: 0.5rem;}
[class*='st-key-tile-'] p {font-size: 1.6rem; line-height: 1.2;}
</style>"""


def join_link(code: str) -> str:
    """The drawing page's address for a room, on the server this page was opened from."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    return f"{parts.scheme}://{parts.netloc}/?{urlencode({'room': code})}"


def qr_picture(link: str) -> str:
    """A QR code of `link` as an inline PNG, dark on white with its quiet zone."""
    qr = segno.make(link, error="m")
    return qr.png_data_uri(scale=QR_SCALE, border=2)


def join_ui(room: Room) -> None:
    """The big QR code, the short link and the room's code: what the audience needs to join."""
    link = join_link(room.code)
    qr, words = st.columns([1, 3], vertical_alignment="center")
    qr.image(qr_picture(link), width="content")
    with words:
        st.markdown(f"### {WALL_JOIN}")
        st.markdown(f"## [{link}]({link})")
        state = WALL_STATES["ended" if expired(room) else room.state]
        st.container(key="wall-code").markdown(f"{room.code} :gray-badge[{state}]")


def controls_ui(room: Room, key: str) -> None:
    """In the sidebar, off the projected wall: pause or resume, clear, close or reopen, and what the wall shows."""
    store = room_store()
    ended = expired(room)  # for good: nothing to pause, resume, close or reopen
    if ended:
        st.info(ROOM_EXPIRED.format(code=room.code, hours=ROOM_HOURS))
    elif room.state == "open":
        st.button("Pause", key="wall-pause", on_click=act, args=(store.set_state, room.code, key, "paused"))
    elif room.state == "paused":
        st.button("Resume", key="wall-resume", on_click=act, args=(store.set_state, room.code, key, "open"))
    st.button("Clear the wall", key="wall-clear", on_click=act, args=(store.clear, room.code, key))
    if not ended and room.state == "closed":
        st.button("Reopen the room", key="wall-reopen", on_click=act, args=(store.set_state, room.code, key, "open"))
    elif not ended:
        st.button("Close the room", key="wall-close", on_click=act, args=(store.set_state, room.code, key, "closed"))
    st.toggle("Show drawings that are not digits", key="wall-not-digits")


def learn_ui(room: Room, key: str) -> None:
    """'Learn from this room': fine-tune the room's model on its drawings with a progress bar, show the room's
    kept-aside drawings read before and after, and adopt the new model where it reads validation no worse."""
    if st.button("Learn from this room", key="wall-learn", help=LEARN_HELP):
        st.session_state["wall-lesson"] = lesson(room, key)
    if said := st.session_state.get("wall-lesson"):
        (st.success if said[0] else st.warning)(said[1])


def lesson(room: Room, key: str) -> tuple[bool, str]:
    """Run a lesson for the room; (adopted, what to tell the presenter)."""
    from digitnet.learning.room_lesson import LessonError, learn_from_drawings
    from digitnet.storage.checkpoint import CheckpointError

    bar = st.progress(0.0, text=LEARNING)
    try:
        store = room_store()
        drawings = store.drawings(room.code, key)
        current = store.model(room.code, room.model_version) if room.model_version else checkpoint_path().read_bytes()
        taught = learn_from_drawings(current, drawings, None, lambda share: bar.progress(share, text=LEARNING))
        if taught.adopted:
            store.adopt(room.code, key, taught.checkpoint)
    except (StoreError, LessonError, CheckpointError, OSError) as error:
        LOG.error("Room %s could not learn: %s", room.code, error)
        return False, str(error) if not isinstance(error, OSError) else NO_MODEL
    finally:
        bar.empty()
    return taught.adopted, f"{taught.reason} {lesson_words(taught.held_out, taught.before, taught.after)}"


def act(control, *args) -> None:
    """Run a presenter's control; a failure is said once, at the top of the wall."""
    try:
        control(*args)
    except StoreError as error:
        st.session_state["wall-error"] = str(error)


@st.fragment(run_every=WALL_REFRESH)
def live_wall_ui(code: str, key: str) -> None:
    """The room's score, its latest drawings and its confusion matrix, read again every WALL_REFRESH seconds."""
    try:
        wall = room_store().wall(code, key)
    except StoreError as error:
        st.warning(f"{error} The wall tries again every {WALL_REFRESH} seconds.")
        return
    summary = summarize(wall.drawings)
    if not summary.drawings:
        st.info(WALL_EMPTY)
        return
    st.container(key="wall-score").markdown(wall_score(summary.drawings, summary.right))
    drawings, matrix = st.columns([3, 2], gap="large")
    with drawings:
        if shown := mosaic(wall.drawings, with_not_digits=st.session_state.get("wall-not-digits", False)):
            mosaic_ui(code, key, shown)
    with matrix:
        st.markdown(f"### {hardest_words(summary.hardest)}")
        if summary.not_digits:
            st.caption(not_digit_count(summary.not_digits))
        st.vega_lite_chart(confusion_chart(summary), width="stretch", key="wall-confusion")
        st.caption(MATRIX_WORDS)


def mosaic_ui(code: str, key: str, shown: list[WallDrawing]) -> None:
    """The latest drawings, newest first, each with the model's answer, its drawer's verdict and a Hide button."""
    pictures = wall_pictures(code, key, [d.id for d in shown])
    for start in range(0, len(shown), TILES_PER_ROW):
        for column, drawing in zip(st.columns(TILES_PER_ROW), shown[start : start + TILES_PER_ROW], strict=False):
            with column.container(key=f"tile-{drawing.id}", border=True):
                if drawing.id in pictures:
                    st.image(pictures[drawing.id], width="stretch")
                st.markdown(tile_words(drawing))
                st.button(
                    "Hide", key=f"hide-{drawing.id}", on_click=act, args=(room_store().hide, code, key, drawing.id)
                )


def tile_words(drawing: WallDrawing) -> str:
    """Under a drawing: the model's answer, and the drawer's Right! or what they meant."""
    answer = "not a digit" if drawing.answer == NOT_A_DIGIT else f"**{drawing.answer}**"
    if drawing.label == drawing.answer:
        return f"{answer} :green[✓ right]"
    return f"{answer} :red[✗ it's {option_words(drawing.label)}]"


def wall_pictures(code: str, key: str, ids: list[int]) -> dict[int, str]:
    """The drawings' pictures as inline PNGs, each fetched once a session (the wall asks every few seconds)."""
    kept = st.session_state.setdefault("wall-pictures", {})
    missing = [i for i in ids if i not in kept]
    if missing:
        for drawing_id, png in room_store().pictures(code, key, missing).items():
            kept[drawing_id] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    st.session_state["wall-pictures"] = {i: kept[i] for i in ids if i in kept}  # only the mosaic's, however long
    return st.session_state["wall-pictures"]


def confusion_chart(summary: WallSummary) -> dict:
    """The room's confusion matrix as a Vega-Lite heat map with its counts, filling in as the room draws."""
    names = [*map(str, range(NOT_A_DIGIT)), UNKNOWN_PIECE]  # "?": not a digit, as the Number tab writes it
    cells = [
        {"said": names[said], "answer": names[answer], "count": int(count)}
        for said, row in enumerate(summary.confusion)
        for answer, count in enumerate(row)
        if count
    ]
    axis = {"labelFontSize": 18, "titleFontSize": 18, "labelAngle": 0, "labelOverlap": False}
    encode = {
        "x": {
            "field": "answer",
            "type": "ordinal",
            "sort": names,
            "scale": {"domain": names},
            "title": "The model read",
            "axis": axis,
        },
        "y": {
            "field": "said",
            "type": "ordinal",
            "sort": names,
            "scale": {"domain": names},
            "title": "They drew",
            "axis": axis,
        },
    }
    return {
        "height": 480,
        "data": {"values": cells},
        "layer": [
            {
                "mark": "rect",
                "encoding": {**encode, "color": {"field": "count", "type": "quantitative", "legend": None}},
            },
            {"mark": {"type": "text", "fontSize": 18}, "encoding": {**encode, "text": {"field": "count"}}},
        ],
    }
