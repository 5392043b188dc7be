"""Rooms on the pages (AppTest): a wall made, a visitor told before sending, drawings on the wall, keys refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import constant_checkpoint, draw_seven
from digitnet.constants import NOT_A_DIGIT, PROJECT_ROOT
from digitnet.rooms import hardest_digit, mosaic, summarize
from digitnet.storage.corrections import CorrectionStore
from digitnet.storage.rooms import RoomStore, WallDrawing
from test_app import canvas_value, draw, open_page, png, three_sevens

WALL = str(PROJECT_ROOT / "pages" / "2_Wall.py")


def open_wall(monkeypatch: pytest.MonkeyPatch, db: Path, **params: str) -> AppTest:
    """The Wall page on the database `db`, its address holding `params` (room, key)."""
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(db))
    st.cache_resource.clear()
    st.cache_data.clear()
    page = AppTest.from_file(WALL, default_timeout=60)
    page.query_params.update(params)
    page.run()
    assert not page.exception
    return page


def labels(page: AppTest) -> list[str]:
    return [b.label for b in page.button]


def test_a_presenter_makes_a_room_and_its_address_opens_the_wall(monkeypatch, tmp_path):
    page = open_wall(monkeypatch, tmp_path / "db.sqlite3")
    next(b for b in page.button if b.label == "Make a room").click().run()
    assert not page.exception
    code, key = page.query_params["room"], page.query_params["key"]
    assert RoomStore(tmp_path / "db.sqlite3").wall(code, key).room.state == "open"
    assert any(m.value.startswith(f"{code} ") for m in page.markdown) and any(
        f"?room={code}" in m.value for m in page.markdown
    )
    assert key not in " ".join(m.value for m in page.markdown)  # the join link carries no key
    assert page.get("image") and {"Pause", "Clear the wall", "Close the room"} <= set(labels(page))


@pytest.mark.parametrize("key", ["", "guessed-key-guessed-key-guessed-key"], ids=["none", "guessed"])
def test_the_wall_and_its_controls_need_the_presenters_key(monkeypatch, tmp_path, key):
    room = RoomStore(tmp_path / "db.sqlite3").create()
    page = open_wall(monkeypatch, tmp_path / "db.sqlite3", room=room.code, key=key)
    assert [e.value for e in page.error] == [
        f"This link does not open the wall of room {room.code}. Only the presenter's own link does."
    ]
    assert not labels(page) and not page.get("image")


def test_a_visitor_in_a_room_is_told_before_sending_and_the_answer_goes_to_the_wall(monkeypatch, tiny_checkpoint):
    db = tiny_checkpoint.parent / "feedback.sqlite3"
    room = RoomStore(db).create()
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(db))
    page = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    page.query_params["room"] = room.code.lower()
    page = open_page(monkeypatch, tiny_checkpoint, page=page)
    (notice,) = [i.value for i in page.info if room.code in i.value]
    assert "appear on the room's wall" in notice and not RoomStore(db).wall(room.code, room.key).drawings
    draw(page, draw_seven(size=320))
    next(b for b in page.button if b.label == "Right!").click().run()
    (on_wall,) = RoomStore(db).wall(room.code, room.key).drawings
    assert on_wall.label == on_wall.answer == int(page.metric[0].value)


def test_outside_a_room_nothing_goes_to_any_wall_and_a_wrong_code_is_said(monkeypatch, tiny_checkpoint):
    db = tiny_checkpoint.parent / "feedback.sqlite3"
    room = RoomStore(db).create()
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(db))
    page = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    page.query_params["room"] = "QQQQQ"
    page = open_page(monkeypatch, tiny_checkpoint, page=page)
    assert [w.value for w in page.warning] == [
        "There is no room QQQQQ. Check the code on the wall, or just draw here on your own."
    ]
    draw(page, draw_seven(size=320))
    next(b for b in page.button if b.label == "Right!").click().run()
    assert not page.exception and CorrectionStore(db).count() == 1
    assert not RoomStore(db).wall(room.code, room.key).drawings


def test_the_wall_shows_the_rooms_drawings_and_hides_one_in_a_click(monkeypatch, tmp_path):
    from test_rooms_store import sent

    db = tmp_path / "db.sqlite3"
    store = RoomStore(db)
    room = store.create()
    ids = [sent(store, room.code, f"v{n}", seed=n, label=n % 3, answer=n % 3) for n in range(3)]
    sent(store, room.code, "v9", seed=9, label=NOT_A_DIGIT, answer=NOT_A_DIGIT)
    page = open_wall(monkeypatch, db, room=room.code, key=room.key)
    assert any(m.value.startswith("4 drawings, read right 4 times") for m in page.markdown)
    assert [b.key for b in page.button if b.label == "Hide"] == [f"hide-{i}" for i in reversed(ids)]  # no non-digit
    next(b for b in page.button if b.key == f"hide-{ids[1]}").click().run()
    assert [d.hidden for d in store.wall(room.code, room.key).drawings] == [False, True, False, False]
    assert [b.key for b in page.button if b.label == "Hide"] == [f"hide-{ids[2]}", f"hide-{ids[0]}"]
    page.toggle(key="wall-not-digits").set_value(True).run()
    assert len([b for b in page.button if b.label == "Hide"]) == 3
    next(b for b in page.button if b.label == "Pause").click().run()
    assert store.wall(room.code, room.key).room.state == "paused" and "Resume" in labels(page)


def test_the_presenter_reopens_a_closed_room_but_not_one_past_its_hours(monkeypatch, tmp_path):
    from datetime import timedelta

    from digitnet.storage import rooms

    db = tmp_path / "db.sqlite3"
    store = RoomStore(db)
    room = store.create()
    page = open_wall(monkeypatch, db, room=room.code, key=room.key)
    next(b for b in page.button if b.label == "Close the room").click().run()
    assert store.wall(room.code, room.key).room.state == "closed" and "Close the room" not in labels(page)
    next(b for b in page.button if b.label == "Reopen the room").click().run()
    assert not page.exception and store.room(room.code).state == "open" and "Close the room" in labels(page)
    later = rooms.now() + timedelta(hours=rooms.ROOM_HOURS, minutes=1)
    monkeypatch.setattr(rooms, "now", lambda: later)
    page.run()
    assert not {"Pause", "Close the room", "Reopen the room"} & set(labels(page))
    assert [i.value for i in page.info if "past its" in i.value] == [
        f"Room {room.code} is past its {rooms.ROOM_HOURS} hours and stays ended: make a new room to go on."
    ]


def on_wall(label: int, answer: int, hidden: bool = False, n: list = [0]) -> WallDrawing:  # noqa: B006 (a counter)
    n[0] += 1
    return WallDrawing(n[0], label, answer, hidden)


def test_the_rooms_own_account_counts_right_answers_and_finds_its_hardest_digit():
    drawings = [
        on_wall(4, 4),
        on_wall(4, 9),
        on_wall(4, 9),
        on_wall(9, 9),
        on_wall(9, 4),
        on_wall(7, 1),  # a 7 read wrong once: too few to be the hardest
        on_wall(NOT_A_DIGIT, NOT_A_DIGIT),
        on_wall(3, 3, hidden=True),
    ]
    summary = summarize(drawings)
    assert (summary.drawings, summary.right, summary.not_digits, summary.hardest) == (7, 3, 1, 4)
    assert summary.confusion[4, 9] == 2 and summary.confusion[3, 3] == 0 and summary.confusion.sum() == 7
    assert [d.label for d in mosaic(drawings)] == [7, 9, 9, 4, 4, 4]
    assert [d.label for d in mosaic(drawings, with_not_digits=True, size=2)] == [NOT_A_DIGIT, 7]
    assert hardest_digit(np.eye(11, dtype=int) * 5) is None  # all read right: nothing is hard


def test_a_lesson_adopted_on_the_wall_is_the_model_the_rooms_visitors_read_with(
    monkeypatch, tiny_checkpoint, refusing_checkpoint
):
    from digitnet.learning import room_lesson
    from digitnet.words import NOT_A_DIGIT_HEADLINE

    db = tiny_checkpoint.parent / "feedback.sqlite3"
    store = RoomStore(db)
    room = store.create()
    taught = refusing_checkpoint.read_bytes()  # the "new" model: it calls everything no digit
    given = []

    def learned(checkpoint, drawings, data_root, progress):
        given.append((checkpoint, drawings))
        progress(0.5)
        return room_lesson.RoomLesson(True, "Adopted.", 4, 0.5, 0.75, 0.9, 0.9, taught)

    monkeypatch.setattr(room_lesson, "learn_from_drawings", learned)
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(tiny_checkpoint))
    page = open_wall(monkeypatch, db, room=room.code, key=room.key)
    next(b for b in page.button if b.label == "Learn from this room").click().run()
    assert not page.exception and given[0][0] == tiny_checkpoint.read_bytes()  # the server's model, at first
    assert "read right 50% of the time before, 75% after" in page.success[0].value
    assert (
        store.room(room.code).model_version is not None
        and store.model(room.code, store.room(room.code).model_version) == taught
    )

    visitor = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    visitor.query_params["room"] = room.code
    visitor = draw(open_page(monkeypatch, tiny_checkpoint, page=visitor), draw_seven(size=320))
    assert any(NOT_A_DIGIT_HEADLINE in s.value for s in visitor.subheader)  # the room's model read it
    alone = draw(open_page(monkeypatch, tiny_checkpoint), draw_seven(size=320))
    assert alone.metric and alone.metric[0].label == "Prediction"  # outside the room: the server's model


def test_a_rooms_adopted_model_reads_its_visitors_numbers_and_uploads_too(monkeypatch, tiny_checkpoint, tmp_path):
    from test_photos import SIZE, two_digits_ink

    from bench.synth.scenes import photo_of_digit
    from digitnet import load_predictor

    fours = constant_checkpoint(tmp_path / "fours.pt", [0.0] * 4 + [9.0] + [0.0] * 6, {"doubt_threshold": 0.5})
    store = RoomStore(tiny_checkpoint.parent / "feedback.sqlite3")
    room = store.create()
    store.adopt(room.code, room.key, fours.read_bytes())
    number = np.asarray(three_sevens())
    photo = photo_of_digit(two_digits_ink, np.random.default_rng(3), "plain", size=SIZE)

    def read(page: AppTest) -> list[str]:
        """What the page's Number tab, Upload tab and Upload tab's number reader said."""
        page.session_state["number-canvas"] = canvas_value(number)
        seven = png(Image.fromarray(draw_seven(size=320)))
        page.file_uploader(key="upload").set_value(("seven.png", seven, "image/png")).run()
        said = [next(m.value for m in page.metric if m.label == label) for label in ("Number", "Prediction")]
        page.file_uploader(key="upload").set_value(("number.jpg", photo, "image/jpeg")).run()
        page.toggle(key="upload-as-number").set_value(True).run()
        assert not page.exception
        return [*said, [m.value for m in page.metric if m.label == "Number"][-1]]

    visitor = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    visitor.query_params["room"] = room.code
    assert read(open_page(monkeypatch, tiny_checkpoint, page=visitor)) == ["444", "4", "44"]  # the room's model
    server = load_predictor(tiny_checkpoint).predict_number(three_sevens())
    alone = read(open_page(monkeypatch, tiny_checkpoint))
    assert alone[0] == "".join(str(p.digit) for p in server) != "444"  # outside the room: the server's model


def test_a_rooms_model_reads_numbers_with_the_servers_number_reader(monkeypatch, tiny_checkpoint, tmp_path):
    import shutil

    from digitnet import load_predictor
    from digitnet.constants import checkpoint_path
    from digitnet.reading.predictor import predictor_from_bytes
    from digitnet.storage.checkpoint import number_reader_path
    from digitnet.words import number_sentence

    shutil.copy(number_reader_path(checkpoint_path(None)), number_reader_path(tiny_checkpoint))
    fours = constant_checkpoint(tmp_path / "fours.pt", [0.0] * 4 + [9.0] + [0.0] * 6, {"doubt_threshold": 0.5})
    store = RoomStore(tiny_checkpoint.parent / "feedback.sqlite3")
    room = store.create()
    store.adopt(room.code, room.key, fours.read_bytes())
    number = three_sevens()
    read = predictor_from_bytes(fours.read_bytes(), "room", load_predictor(tiny_checkpoint).reader).read_number(number)
    cut = predictor_from_bytes(fours.read_bytes(), "room").read_number(number)
    said = number_sentence(read.predictions, read.confidence, read.is_number)
    assert said != number_sentence(cut.predictions, cut.confidence, cut.is_number)  # the two ways differ here

    visitor = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    visitor.query_params["room"] = room.code
    visitor = open_page(monkeypatch, tiny_checkpoint, page=visitor)
    visitor.session_state["number-canvas"] = canvas_value(np.asarray(number))
    visitor.run()
    assert not visitor.exception and said in [c.value for c in visitor.caption]


def test_a_database_gone_while_a_room_draws_is_said_once_and_reading_goes_on(monkeypatch, tiny_checkpoint):
    db = tiny_checkpoint.parent / "feedback.sqlite3"
    room = RoomStore(db).create()
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(db))
    page = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    page.query_params["room"] = room.code
    page = open_page(monkeypatch, tiny_checkpoint, page=page)
    monkeypatch.setenv("DIGITNET_DATABASE_URL", "postgresql+psycopg://digitnet@/gone?host=/nonexistent-socket-dir")
    st.cache_resource.clear()
    st.cache_data.clear()
    draw(page, draw_seven(size=320))
    assert not page.exception and page.metric[0].label == "Prediction"
    (said,) = [i.value for i in page.info if "database" in i.value]
    assert said.endswith("its database cannot be reached right now. Drawing and reading still work.")
    assert "nonexistent" not in said and not any(b.label == "Right!" for b in page.button)
