"""The pictures of an answer: the probability chart (its spec, handed to Streamlit) and the input enlarged."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from digitnet.reading.images import encode_png
from digitnet.reading.pixels import to_uint8
from digitnet.words import IF_A_DIGIT

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

SMALL_CHART = 160  # pixels high; a lower chart gets smaller digit labels
WINNER_COLOR, OTHER_COLOR = "#e4572e", "#9ca3af"  # the answer's bar in the theme's colour, the others grey
GREYED_COLOR = "#d1d5db"  # bars of a drawing that is no digit (its likeliest in OTHER_COLOR): "if it were"


def enlarge_pixels(input28: np.ndarray, scale: int = 8) -> np.ndarray:
    """Nearest-neighbour enlargement to uint8, so every one of the 28x28 pixels stays visible."""
    return to_uint8(np.kron(input28, np.ones((scale, scale), np.float32)))


def inline_png(pixels: np.ndarray) -> str:
    """A uint8 picture as a data: URL for st.image.

    Pictures given to st.image as arrays become files on the server, and a fragment's rerun never
    frees them: one per stroke for the life of the session. An inline picture goes with its message.
    """
    return "data:image/png;base64," + base64.b64encode(encode_png(pixels)).decode("ascii")


def probability_chart(probs: list[float], height: int = 220, greyed: bool = False) -> dict:
    """A Vega-Lite spec: bars for digits 0-9 in order, the winner highlighted, exact values on hover.

    `greyed` (a drawing that is no digit): every bar pale and the chart titled "If it were a digit".
    Written as a plain dict: building it through Altair and pandas cost 20-100 ms a stroke. The rows are in
    `data.values` (chart_ui hands them to Streamlit as an Arrow table). Sent apart as a named dataset
    (so that the page swaps it into the chart it has), later answers came 5% and 35% slower in two paired
    runs, the Arrow table costing more than drawing a new chart.
    """
    winner = max(range(len(probs)), key=probs.__getitem__)
    winner_color, other_color = (OTHER_COLOR, GREYED_COLOR) if greyed else (WINNER_COLOR, OTHER_COLOR)
    # Every digit labelled, even in a narrow column (Vega would drop every other label as overlapping).
    digit_axis = {
        "labelAngle": 0,
        "labelFontSize": 16 if height >= SMALL_CHART else 13,
        "labelOverlap": False,
        "title": None,  # the bars are labelled 0-9: the word "digit" only took height from them
    }
    return {
        **({"title": IF_A_DIGIT} if greyed else {}),
        "height": height,
        "data": {"values": [{"digit": str(d), "probability": p, "winner": d == winner} for d, p in enumerate(probs)]},
        "mark": {"type": "bar", "cornerRadiusEnd": 3},
        "encoding": {
            "x": {"field": "digit", "type": "ordinal", "sort": None, "axis": digit_axis},
            "y": {
                "field": "probability",
                "type": "quantitative",
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%", "title": None},
            },
            "color": {"condition": {"test": "datum.winner", "value": winner_color}, "value": other_color},
            "tooltip": [
                {"field": "digit", "type": "ordinal"},
                {"field": "probability", "type": "quantitative", "format": ".2%"},
            ],
        },
    }


def chart_ui(container: DeltaGenerator, spec: dict, key: str | None = None) -> None:
    """A probability chart, its ten rows handed over as an Arrow table.

    Streamlit turns a spec's inline rows into an Arrow table through pandas: 1.7 ms of CPU a chart on
    this machine, against 0.2 ms from a table made directly (the page's answer draws one a stroke).
    """
    rows = pa.Table.from_pylist(spec["data"]["values"])
    layout = {name: part for name, part in spec.items() if name != "data"}  # the caller's spec is left as it was
    container.vega_lite_chart(rows, spec=layout, width="stretch", key=key)
