"""A Clear button for the drawing canvas that empties it in the browser at once, and reports its width.

Clearing from the server (a new key remounts the canvas, a new `initial_drawing` reloads it) lands
only after a round trip, and a stroke begun in the meantime is lost with the old drawing: 6 of 20
strokes drawn right after Clear vanished. This button presses the canvas's own reset (the bin of
streamlit-drawable-canvas 0.13's toolbar) in the page, which empties the canvas before the next
pointer event and sends the empty drawing itself. The width it reports lets the Number canvas take
the width it has, and the run its report starts draws the answer's rehearsal. Requires the pinned
streamlit-drawable-canvas (its reset button's label below).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from digitnet.present import REHEARSAL, inline_png

CANVAS_RESET_LABEL = "Reset canvas & history"  # aria-label of streamlit-drawable-canvas 0.13's reset button
WIDTH_STEP = 16  # pixels; the width is reported in these steps, so small resizes cause no rerun

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
# The canvas sits in the same block as this button (or a block above it): press its reset there.
_JS = f"""
const observers = new WeakMap();
export default function ({{ parentElement, setStateValue }}) {{
  const host = parentElement.host;
  parentElement.querySelector("button").onclick = () => {{
    for (let block = host.parentElement; block; block = block.parentElement) {{
      for (const component of block.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {{
        const reset = component.shadowRoot?.querySelector('button[aria-label="{CANVAS_RESET_LABEL}"]');
        if (reset) {{ reset.click(); return; }}
      }}
    }}
  }};
  if (observers.has(parentElement)) return;  // one observer per button, however often the page re-renders it
  let sent = null;
  const observer = new ResizeObserver(() => {{
    const width = Math.floor(host.getBoundingClientRect().width / {WIDTH_STEP}) * {WIDTH_STEP};
    if (width > 0 && width !== sent) {{ sent = width; setStateValue("width", width); }}
  }});
  observer.observe(host);
  observers.set(parentElement, observer);
  return () => {{ observer.disconnect(); observers.delete(parentElement); }};
}}
"""

_clear_component = st.components.v2.component("digitnet.clear_button", html=_HTML, css=_CSS, js=_JS)


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
        st.segmented_control("Rehearsal", list(range(10)), key=f"{REHEARSAL}-choice", label_visibility="collapsed")
        st.button("Rehearsal", key=f"{REHEARSAL}-button")
        left, right = st.columns(2)
        left.image(inline_png(np.zeros((28, 28), np.uint8)), width=28)
        right.toggle("Rehearsal", key=f"{REHEARSAL}-toggle")


def reported_width(key: str) -> int | None:
    """The width the Clear button `key` reported in an earlier run (None before the page has said)."""
    state = st.session_state.get(key)
    return state.get("width") if isinstance(state, dict) else None
