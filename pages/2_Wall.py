"""The Wall: a presenter makes a room and projects this page; the audience draws on their phones and the wall
shows their drawings and how the model read them, live.

Layout only: the rooms live in digitnet/storage/rooms.py, the counting in digitnet/rooms.py, the widgets in
digitnet/ui/wall.py. The page's address carries the room's code and the presenter's key: only it opens the wall.
"""

from __future__ import annotations

import streamlit as st

from digitnet.storage.database import StoreError
from digitnet.ui.wall import WALL_CSS, controls_ui, join_ui, learn_ui, live_wall_ui, room_store
from digitnet.words import WALL_INTRO, WALL_KEEP_LINK


def new_room_ui() -> None:
    """Say what a room is, and make one: its code and key go into this page's address."""
    st.write(WALL_INTRO)
    if st.button("Make a room", key="wall-make", type="primary"):
        try:
            room = room_store().create()
        except StoreError as error:
            st.error(str(error))
            return
        st.query_params.update({"room": room.code, "key": room.key})
        st.rerun()


def main() -> None:
    """A new room's button, or the wall of the room in this page's address (with its key)."""
    st.set_page_config(page_title="DigitNet: the wall", page_icon="📽️", layout="wide")
    st.html(WALL_CSS)
    st.title("The wall")
    code, key = st.query_params.get("room"), st.query_params.get("key", "")
    if not code:
        new_room_ui()
        return
    try:
        room = room_store().wall(code, key).room  # checks the key: without it, no wall and no controls
    except StoreError as error:
        st.error(str(error))
        return
    if problem := st.session_state.pop("wall-error", None):
        st.warning(problem)
    join_ui(room)
    with st.sidebar:  # the presenter's, off the projected wall
        st.caption(WALL_KEEP_LINK)
        controls_ui(room, key)
        learn_ui(room, key)
    live_wall_ui(room.code, key)


main()
