"""The page's sizes and style: the canvases for the width a screen has, and the CSS for phones."""

from __future__ import annotations

from digitnet.constants import CANVAS_SIZE

# A big answer; on a phone (where Streamlit stacks the columns, under 640 px) the answer in one line above
# the canvas, in a slot that always holds a line, so the canvas never moves under the finger.
REHEARSAL = "answer-rehearsal"  # the key of the hidden container that lays out an answer's elements once (widgets)
# On a laptop (1280x800, 1024x768 with the sidebar open) the answer, its words, its chart and what the model
# saw must fit the first screen: less of Streamlit's padding above and beside the page, a smaller title.
# The uploader's own line says the server's limit (50 MB, so that every file reaches the page and gets its
# reason); its label says the real one (10 MB, digitnet.reading.images), so the picker's line is hidden.
PAGE_CSS = f"""<style>
[data-testid='stMetricValue'] {{font-size: 4.5rem; line-height: 1.1;}}
[data-testid='stMainBlockContainer'] {{padding: 1.5rem 3rem 4rem;}}
h1 {{font-size: 2.25rem; padding-top: 0;}}
[data-testid='stFileUploaderDropzoneInstructions'] {{display: none;}}
.st-key-{REHEARSAL} {{display: none;}}
[class*='-answer-line'] {{display: none;}}
@media (max-width: 640px) {{
  [data-testid='stMainBlockContainer'] {{padding: 3rem 1rem 4rem;}}
  [class*='-answer-line'] {{display: flex; min-height: 3.5rem; justify-content: center;}}
  [class*='-answer-line'] p {{font-size: 1.25rem; line-height: 1.4;}}
}}
</style>"""
NUMBER_ASPECT = 3  # the Number canvas is three times as wide as it is tall
NUMBER_MAX_WIDTH = NUMBER_ASPECT * CANVAS_SIZE  # pixels: 960x320 on a wide screen
NUMBER_MIN_HEIGHT = 100  # pixels: four digits still fit a phone held upright (~350 px wide)


def digit_canvas_size(available_width: int | None) -> tuple[int, int]:
    """The Draw canvas: square, 320 px or the width its column has if that is less (a 1024 px window)."""
    side = min(available_width or CANVAS_SIZE, CANVAS_SIZE)
    return side, side


def number_canvas_size(available_width: int | None) -> tuple[int, int]:
    """The Number canvas's width and height for the width the page has (a phone's 320 px until it says)."""
    width = min(available_width or CANVAS_SIZE, NUMBER_MAX_WIDTH)
    return width, max(width // NUMBER_ASPECT, NUMBER_MIN_HEIGHT)
