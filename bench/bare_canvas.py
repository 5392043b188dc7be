"""The floor: Streamlit and streamlit-drawable-canvas alone, with the app's canvas settings and config.

No model, no tabs, no chart. Each drawing is answered with the canvas's own picture, the element the
browser bench watches for (an st.image), so `bench/browser.py --app bench/bare_canvas.py` times what
the framework and the component cost on this machine, the part of app.py's figures that is not ours.
It imports digitnet from the project root, where the bench starts it (`python -m streamlit run`).
"""

from __future__ import annotations

import base64

import streamlit as st

from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH
from digitnet.ui.widgets import drawing_canvas

st.set_page_config(page_title="Bare canvas", layout="wide")
result = drawing_canvas("draw-canvas", CANVAS_SIZE, CANVAS_SIZE, DEFAULT_BRUSH)
strokes = len((result.json_data or {}).get("objects", []))
if strokes:  # the canvas's reset sends no objects: no answer, as in app.py
    picture = "data:image/png;base64," + base64.b64encode(result.image_bytes).decode("ascii")
    st.image(picture, caption=f"strokes: {strokes}", width=168)
