"""The model page: how good the network is and how it was made, read from the checkpoint's metrics JSON.

Layout only; everything shown was stored by train.py, nothing is recomputed here.
"""

from __future__ import annotations

import io
import logging

import altair as alt
import pandas as pd
import streamlit as st

from digitnet.constants import RETRAIN_HINT
from digitnet.storage.corrections import CorrectionStore, CorrectionStoreError
from digitnet.ui.charts import enlarge_pixels
from digitnet.ui.report import (
    confusion_records,
    curve_records,
    drawn_sentences,
    load_metrics,
    missing,
    mistake_pictures,
    reliability_records,
)
from digitnet.words import LAYERS_STORY, NO_REPORT, learned_from

LOG = logging.getLogger("digitnet.model_page")
GALLERY_COLUMNS = 6
# `feedback_export = true` in .streamlit/secrets.toml lets this page offer every visitor's drawings as a zip:
# for an operator's own server, never a public demo.
EXPORT_SECRET = "feedback_export"
AXIS = alt.Axis(labelFontSize=15, titleFontSize=15, labelAngle=0)  # readable from the back of a room
DARK_CELL_COUNT = 100  # confusion cells with this many digits are dark blue: their counts are written white
TABLE_ROW_PX = 35  # st.dataframe's row height


def section_ready(metrics: dict, section: str, title: str) -> bool:
    """Draw a section's title; if its data is missing, say which fields and return False."""
    st.subheader(title)
    absent = missing(metrics, section)
    if absent:
        st.warning(f"This part was not recorded when this model was trained (missing: {', '.join(absent)}).")
    return not absent


def headline_ui(metrics: dict) -> None:
    """The numbers people ask for, in plain words."""
    if not section_ready(metrics, "headline", "How good is it?"):
        return
    test, model, train = metrics["test"], metrics["model"], metrics["train"]
    cols = st.columns(4)
    cols[0].metric(
        "Test digits read right", f"{test['accuracy']:.2%}", help="10,000 digits it never saw while learning"
    )
    cols[1].metric("Pictures it learned from", f"{train['data']['train_images']:,}")
    cols[2].metric("Numbers it learned", f"{model['parameters']:,}", help="its weights, set by training")
    cols[3].metric("Multiplications per digit", f"{model['macs'] / 1e6:.1f} million")
    st.write(
        f"It is wrong on **{test['errors']} of {test['count']:,}** test digits, handwritten digits from the "
        f"MNIST collection that it never saw while learning. {learned_from(train['data']['train_images'])}"
    )
    if section_ready(metrics, "drawn", "On digits people draw"):
        for sentence in drawn_sentences(metrics["drawn_test"]):
            st.write(sentence)


def curves_ui(metrics: dict) -> None:
    """How it got better, pass after pass over the pictures: how often right and how wrong, learned and kept aside."""
    if not section_ready(metrics, "curves", "How it learned"):
        return
    st.write(
        "It looked at every training picture once per round. After each round it was checked on the pictures "
        "it learned from and on pictures kept aside, which it never learned from: how often it was right, "
        "and how far its answers were from the truth (its error; lower is better)."
    )
    table = pd.DataFrame(curve_records(metrics["history"]))
    chart = (
        alt.Chart(table, height=200, width=280)
        .mark_line(point=True)
        .encode(
            x=alt.X("round:O", title="round"),
            y=alt.Y("value:Q", scale=alt.Scale(zero=False), title=None),
            color=alt.Color("pictures:N", title="pictures"),
            tooltip=["round", "pictures", alt.Tooltip("value:Q", format=".4f")],
        )
        .facet(column=alt.Column("measure:N", title=None))
        .resolve_scale(y="independent")
        .interactive()
    )
    st.altair_chart(chart, key="curves")


def confusion_ui(metrics: dict) -> None:
    """The 10x10 confusion matrix with counts, and precision, recall and F1 per digit."""
    if not section_ready(metrics, "confusion", "Which digits it confuses"):
        return
    table = pd.DataFrame(confusion_records(metrics["test"]["confusion"]))
    base = alt.Chart(table, height=420).encode(
        x=alt.X("predicted:O", title="what it read", axis=AXIS),
        y=alt.Y("true:O", title="the true digit", axis=AXIS),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(type="symlog", scheme="blues"), legend=None),
        tooltip=["true", "predicted", "count"],
    )
    # Light counts on the dark cells (the diagonal), dark ones on the pale cells: legible from the back.
    dark_cell = alt.datum.count >= DARK_CELL_COUNT
    counts = base.mark_text(fontSize=15, fontWeight="bold").encode(
        text="count:Q", color=alt.condition(dark_cell, alt.value("white"), alt.value("black"))
    )
    st.altair_chart(heat + counts, key="confusion")
    st.write(
        "Per digit: how often it is right when it answers that digit (precision), how many of that digit's "
        "test pictures it finds (recall), and the two together (F1)."
    )
    scores = pd.DataFrame({k: metrics["test"][k] for k in ("precision", "recall", "f1")})
    st.dataframe(scores.style.format("{:.2%}"), key="scores")


def reliability_ui(metrics: dict) -> None:
    """How often it is right when it says it is this sure (the percentages the Draw page shows)."""
    if not section_ready(metrics, "reliability", "Can you trust its percentages?"):
        return
    test = metrics["test"]
    st.write(
        "When it says it is 90% sure, it should be right 9 times in 10: each circle groups the test digits "
        "it was about as sure of, and circles on the dashed line are honest. On the test digits its "
        f"percentages are off by **{100 * test['ece']:.2f} percentage points** on average."
    )
    table = pd.DataFrame([row for row in reliability_records(test) if row["calibration"] == "after"])
    if table.empty:
        st.warning("Not in the metrics file: reliability bins.")
        return
    confidence = alt.X("confidence:Q", scale=alt.Scale(domain=[0, 1]), title="how sure it said it was", axis=AXIS)
    accuracy = alt.Y("accuracy:Q", scale=alt.Scale(domain=[0, 1]), title="how often it was right", axis=AXIS)
    honest = pd.DataFrame({"confidence": [0, 1], "accuracy": [0, 1]})
    diagonal = alt.Chart(honest).mark_line(strokeDash=[6, 4], color="gray").encode(x=confidence, y=accuracy)
    points = (
        alt.Chart(table, height=400)
        .mark_circle(opacity=0.85, stroke="black", strokeWidth=1, color="#e4572e")
        .encode(
            x=confidence,
            y=accuracy,
            size=alt.Size("count:Q", scale=alt.Scale(range=[120, 1600]), title="digits"),
            tooltip=["confidence", "accuracy", "count"],
        )
    )
    st.altair_chart(diagonal + points, key="reliability")


def mistakes_ui(metrics: dict) -> None:
    """Every test digit it reads wrong, with the truth, its answer and its confidence."""
    if not section_ready(metrics, "mistakes", "The test digits it gets wrong"):
        return
    pictures = mistake_pictures(metrics["test"]["mistakes"])
    if not pictures:
        st.warning("Not in the metrics file: the pictures of the mistakes.")
        return
    for start in range(0, len(pictures), GALLERY_COLUMNS):
        for column, (picture, caption) in zip(
            st.columns(GALLERY_COLUMNS), pictures[start : start + GALLERY_COLUMNS], strict=False
        ):
            column.image(enlarge_pixels(picture, 3), caption=caption)


def architecture_ui(metrics: dict) -> None:
    """The network, layer by layer."""
    if not section_ready(metrics, "architecture", "The network, layer by layer"):
        return
    layers = metrics["model"]["layers"]
    st.write(LAYERS_STORY)
    st.dataframe(  # tall enough for every layer: no scroll box
        pd.DataFrame(layers).assign(output=lambda t: t["output"].map(lambda s: " x ".join(map(str, s)))),
        key="layers",
        hide_index=True,
        height=TABLE_ROW_PX * (len(layers) + 1) + 3,
    )


def export_enabled() -> bool:
    """Whether the operator lets this page offer the collected drawings (off unless secrets.toml says so)."""
    try:
        return bool(st.secrets.get(EXPORT_SECRET, False))
    except FileNotFoundError:  # no secrets.toml at all
        return False


def corrections_zip() -> bytes:
    """The collected drawings as a zip, built only when the download is clicked."""
    archive = io.BytesIO()
    CorrectionStore().export(archive)
    return archive.getvalue()


def corrections_ui() -> None:
    """The drawings people corrected: counted for everyone, downloadable only where the operator enabled it."""
    st.subheader("Drawings people corrected")
    try:
        count = CorrectionStore().count()
    except CorrectionStoreError as error:
        st.warning(str(error))
        return
    st.write(f"{count} collected. They stay on this server for improving the model; other visitors cannot see them.")
    if count and export_enabled():
        st.download_button(
            f"Download the {count} drawings (PNGs, labels.csv, labels.json)",
            corrections_zip,
            file_name="digitnet-corrections.zip",
            mime="application/zip",
            key="export",
        )


def main() -> None:
    """Lay out the page."""
    st.set_page_config(page_title="DigitNet: the model", page_icon="📊", layout="wide")
    st.title("The model")
    metrics, path = load_metrics()
    if not metrics:
        LOG.error("No metrics at %s. Train a model with `%s`; it writes them there.", path, RETRAIN_HINT)
        st.error(NO_REPORT)
        return
    for section_ui in (headline_ui, curves_ui, confusion_ui, reliability_ui, mistakes_ui, architecture_ui):
        section_ui(metrics)
    corrections_ui()


main()
