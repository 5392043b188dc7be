"""Words and pictures for showing a prediction to people (no torch, no Streamlit)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import numpy as np

from digitnet.reading.images import encode_png
from digitnet.reading.pixels import to_uint8

if TYPE_CHECKING:  # the page imports this before torch is loaded
    from digitnet.reading.predictor import Prediction

from digitnet.constants import CANVAS_SIZE, NOT_A_DIGIT

SURE = 0.99  # above this the page says it is sure
SMALL_CHART = 220  # pixels high (the Draw tab's chart); lower ones (the Number tab's, per digit) get smaller labels
# A big answer; on a phone (where Streamlit stacks the columns, under 640 px) the answer in one line above
# the canvas, in a slot that always holds a line, so the canvas never moves under the finger.
REHEARSAL = "answer-rehearsal"  # the key of the hidden container that lays out an answer's elements once (widgets)
PAGE_CSS = f"""<style>
[data-testid='stMetricValue'] {{font-size: 4.5rem; line-height: 1.1;}}
.st-key-{REHEARSAL} {{display: none;}}
[class*='-answer-line'] {{display: none;}}
@media (max-width: 640px) {{
  [data-testid='stMainBlockContainer'] {{padding-top: 3rem;}}
  [class*='-answer-line'] {{display: flex; min-height: 3.5rem; justify-content: center;}}
  [class*='-answer-line'] p {{font-size: 1.25rem; line-height: 1.4;}}
}}
</style>"""
NUMBER_ASPECT = 3  # the Number canvas is three times as wide as it is tall
NUMBER_MAX_WIDTH = NUMBER_ASPECT * CANVAS_SIZE  # pixels: 960x320 on a wide screen
NUMBER_MIN_HEIGHT = 100  # pixels: four digits still fit a phone held upright (~350 px wide)
WINNER_COLOR, OTHER_COLOR = "#e4572e", "#9ca3af"  # the answer's bar in the theme's colour, the others grey
GREYED_COLOR = "#d1d5db"  # bars of a drawing that is no digit (its likeliest in OTHER_COLOR): "if it were"
NOT_A_DIGIT_HEADLINE = "That doesn't look like a digit to me"
NOT_A_DIGIT_WORDS = "not a digit"  # the CLI's answer and a Number piece's caption
IF_A_DIGIT = "If it were a digit"
UNKNOWN_PIECE = "?"  # a piece of a drawn number that is no digit


def confidence_sentence(prediction: Prediction, doubt_threshold: float) -> str:
    """Plain words for how sure the model is; below the threshold it names the two likeliest digits."""
    top, second = prediction.digit, prediction.runner_up()
    percent = format_percent(prediction.confidence)
    if prediction.confidence >= SURE:
        return f"I'm sure it's {a_digit(top)} ({percent})."
    if prediction.confidence >= doubt_threshold:
        return f"Probably {a_digit(top)} ({percent}), maybe {a_digit(second)}."
    return (
        f"I'm not sure: {a_digit(top)} or {a_digit(second)}? ({percent} vs {format_percent(prediction.probs[second])})"
    )


# EmptyImageError's kinds, worded for an uploaded picture rather than a drawing.
PICTURE_WORDS = {
    "blank": "I can't find a digit in your picture: it looks blank. Photograph the digit dark on light paper.",
    "stray": "I can't find a digit in your picture, only a few specks. Photograph the digit closer.",
    "dot": "The only mark in your picture is tiny: photograph the digit closer, so that it fills most of the picture.",
    "blob": "Your picture is mostly one dark patch: photograph the digit on plain paper, in even light.",
}


def a_digit(digit: int) -> str:
    """The digit with its article, as it is read aloud: 'an 8', 'a 7'."""
    return f"{'an' if digit == 8 else 'a'} {digit}"


def label_words(label: int) -> str:
    """A stored correction as the page confirms it: 'an 8', or 'not a digit'."""
    return NOT_A_DIGIT_WORDS if label == NOT_A_DIGIT else a_digit(label)


def option_words(label: int) -> str:
    """A choice of the corrections control: '8', or 'not a digit'."""
    return NOT_A_DIGIT_WORDS if label == NOT_A_DIGIT else str(label)


def count_of(count: int | str, noun: str) -> str:
    """'1 drawing', '2 drawings'; a count given as words ('An unknown number of') takes the plural."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def not_digit_sentence(prediction: Prediction) -> str:
    """What a refused drawing would be read as, said as a guess, not an answer."""
    return (
        "It looks like none of the ten digits. If it were one, it would most likely be "
        f"{a_digit(prediction.digit)} ({format_percent(prediction.confidence)})."
    )


def correction_prompt(prediction: Prediction) -> str:
    """The corrections control's label: a refused drawing may still be a digit its author meant."""
    return "Wrong? It's…" if prediction.is_digit else "Meant a digit? It's a…"


def number_text(predictions: list[Prediction]) -> str:
    """The digits of a number left to right, with "?" for a piece that is no digit."""
    return "".join(str(p.digit) if p.is_digit else UNKNOWN_PIECE for p in predictions)


def format_percent(probability: float) -> str:
    """A percentage that never rounds a doubt away: 0.9996 is 'over 99.9%', not '100%'."""
    if probability > 0.999:
        return "over 99.9%"
    return f"{probability:.1%}" if probability >= SURE else f"{probability:.0%}"


def is_doubtful(prediction: Prediction, doubt_threshold: float) -> bool:
    """True when the top probability is below the threshold chosen on validation data."""
    return prediction.confidence < doubt_threshold


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
    `data.values` (app.chart_ui hands them to Streamlit as an Arrow table). Sent apart as a named dataset
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


def digit_canvas_size(available_width: int | None) -> tuple[int, int]:
    """The Draw canvas: square, 320 px or the width its column has if that is less (a 1024 px window)."""
    side = min(available_width or CANVAS_SIZE, CANVAS_SIZE)
    return side, side


def number_canvas_size(available_width: int | None) -> tuple[int, int]:
    """The Number canvas's width and height for the width the page has (a phone's 320 px until it says)."""
    width = min(available_width or CANVAS_SIZE, NUMBER_MAX_WIDTH)
    return width, max(width // NUMBER_ASPECT, NUMBER_MIN_HEIGHT)
