"""The Number tab's answer: the number, how sure, each digit as the model saw it, and one digit's chart."""

from __future__ import annotations

import streamlit as st

from digitnet.reading.predictor import NumberReading
from digitnet.ui.charts import chart_ui, enlarge_pixels, inline_png, probability_chart
from digitnet.words import (
    NOT_A_DIGIT_WORDS,
    UNKNOWN_PIECE,
    format_percent,
    is_doubtful,
    number_sentence,
    number_text,
    ordinal,
)


def number_ui(reading: NumberReading, threshold: float, key: str) -> None:
    """The number read, each digit as the model saw it, then one digit's chart at a readable size.

    Four charts side by side in half a page had merged labels and 1 px bars: the chart is of the digit
    chosen below the pictures (at first the one it doubts most).
    """
    digits, ignored = reading.predictions, reading.ignored
    st.metric("Number", number_text(digits) if reading.is_number else UNKNOWN_PIECE)
    st.caption(number_sentence(digits, reading.confidence, reading.is_number))
    if not reading.is_number:
        return
    if ignored:
        st.caption(f"Ignored {ignored} dot{'s' * (ignored > 1)} too small to be a digit.")
    for column, prediction in zip(st.columns(max(len(digits), 4)), digits, strict=False):
        caption = format_percent(prediction.confidence) if prediction.is_digit else NOT_A_DIGIT_WORDS
        column.image(inline_png(enlarge_pixels(prediction.input28, 3)), caption=caption)
        if prediction.is_digit and is_doubtful(prediction, threshold):
            column.warning(f"{prediction.digit} or {prediction.runner_up()}?")
    least_sure = min(range(len(digits)), key=lambda i: (digits[i].is_digit, digits[i].confidence))
    chosen = st.segmented_control(
        "Chart of the digit",
        range(len(digits)),
        default=least_sure,
        format_func=lambda i: f"{number_text(digits[i : i + 1])} ({ordinal(i + 1)})",
        key=f"{key}-chart-of",
    )
    shown = digits[least_sure if chosen is None else chosen]
    chart_ui(st, probability_chart(shown.probs.tolist(), greyed=not shown.is_digit), f"{key}-number-chart")
