"""What visitors send is bounded: pictures, strokes, drawings per visit and in all; exports stream."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import tracemalloc

import numpy as np
import pytest
from PIL import Image
from test_corrections import drawing

from digitnet.reading.images import encode_png
from digitnet.storage import corrections
from digitnet.storage.corrections import CorrectionStore, CorrectionStoreError
from digitnet.storage.limits import MAX_SIDE, MAX_STROKES


def test_a_huge_picture_is_stored_at_most_the_widest_canvas_large(database_url):
    picture = np.zeros((2400, 3600, 4), np.uint8)
    picture[1000:1400, 1600:1700] = 255  # one stroke on a transparent sheet
    store = CorrectionStore(database_url)
    store.save(dataclasses.replace(drawing(), canvas_png=encode_png(picture)))
    (back,) = store.records()
    stored = Image.open(io.BytesIO(back.canvas_png))
    assert stored.format == "PNG" and max(stored.size) <= MAX_SIDE and stored.size[0] / stored.size[1] == 1.5


def test_a_drawing_that_is_no_picture_is_refused_with_words(database_url):
    with pytest.raises(CorrectionStoreError, match="not an image that can be read"):
        CorrectionStore(database_url).save(dataclasses.replace(drawing(), canvas_png=b"<svg>" * 100))


@pytest.mark.parametrize(
    "strokes, kept",
    [
        ({"objects": [{"type": "path"}] * (MAX_STROKES + 50)}, MAX_STROKES),  # too many paths: the first kept
        ({"objects": [{"type": "path", "path": [["L", 1, 2]] * 100_000}]}, None),  # one enormous path
        ({"objects": "not a list"}, None),
        (["not", "a", "drawing"], None),
    ],
    ids=["many", "enormous", "malformed", "not-a-dict"],
)
def test_strokes_are_capped_and_validated(database_url, strokes, kept):
    store = CorrectionStore(database_url)
    store.save(dataclasses.replace(drawing(), strokes=strokes))
    (back,) = store.records()
    assert (len(back.strokes["objects"]) if back.strokes else None) == kept


def test_one_visit_stores_a_bounded_number_of_drawings_and_may_still_relabel_them(database_url, monkeypatch):
    monkeypatch.setattr(corrections, "MAX_PER_SESSION", 3)
    store = CorrectionStore(database_url)
    first = dataclasses.replace(drawing(seed=0), session="visit-a")
    for seed in range(3):
        store.save(dataclasses.replace(drawing(seed=seed), session="visit-a"))
    with pytest.raises(CorrectionStoreError, match="the most one visit keeps"):
        store.save(dataclasses.replace(drawing(seed=3), session="visit-a"))
    store.save(dataclasses.replace(first, label=1))  # a correction of a stored drawing is no new row
    store.save(dataclasses.replace(drawing(seed=3), session="visit-b"))  # another visit is not held back
    assert store.count() == 4 and store.records()[0].label == 1


def test_the_database_stops_growing_at_its_bound(database_url, monkeypatch):
    monkeypatch.setattr(corrections, "MAX_ROWS", 2)
    store = CorrectionStore(database_url)
    for seed in range(2):
        store.save(dataclasses.replace(drawing(seed=seed), session=f"visit-{seed}"))
    with pytest.raises(CorrectionStoreError, match="stored all it can"):
        store.save(dataclasses.replace(drawing(seed=2), session="visit-2"))
    assert store.count() == 2


def test_an_export_holds_one_drawing_at_a_time_in_memory(tmp_path):
    db = tmp_path / "db.sqlite3"
    CorrectionStore(db).check_writable()
    rng = np.random.default_rng(0)
    with sqlite3.connect(db) as connection:  # 120 stored pictures of 100 KB: 12 MB in all
        connection.executemany(
            "INSERT INTO drawings (created, label, confirmed, predicted, probs, model_version, canvas_png, input28)"
            " VALUES ('2026-01-01', 1, 0, 1, '[]', 'v', ?, ?)",
            [(rng.bytes(100_000), bytes(784)) for _ in range(120)],
        )
    connection.close()
    tracemalloc.start()
    try:
        assert CorrectionStore(db).export(tmp_path / "out.zip") == 120
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000  # a few pictures' worth, not twelve megabytes
