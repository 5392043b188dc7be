"""Rooms in the database, on SQLite and PostgreSQL: codes, keys, walls, abuse, migrations, transactions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from test_corrections import drawing

from digitnet.constants import NOT_A_DIGIT
from digitnet.storage import corrections_schema, rooms
from digitnet.storage.corrections import CorrectionStore
from digitnet.storage.database import StoreError
from digitnet.storage.rooms import CODE_LENGTH, CODE_LETTERS, PresenterKeyError, RoomError, RoomStore, TooFastError


def sent(store: RoomStore, code: str, visitor: str, seed: int, label: int = 7, answer: int = 7) -> int:
    """A visitor's drawing sent to the room's wall; its id."""
    return store.send(code, replace(drawing(label=label, seed=seed), session=visitor, answer=answer))


def test_a_room_has_a_short_unambiguous_code_and_a_long_key_stored_only_hashed(database_url):
    store = RoomStore(database_url)
    made = [store.create() for _ in range(3)]
    assert len({room.code for room in made}) == 3
    for room in made:
        assert (
            len(room.code) == CODE_LENGTH and set(room.code) <= set(CODE_LETTERS) and not set("0O1IL") & set(room.code)
        )
        assert len(room.key) >= 32
    with store.database.read("") as connection:
        stored = [str(value) for row in connection.exec_driver_sql("SELECT * FROM rooms") for value in row]
    assert not any(room.key in value for room in made for value in stored)
    assert store.room(f" {made[0].code.lower()} ").code == made[0].code  # typed on a phone


def test_a_wrong_closed_or_expired_room_code_is_refused_in_words(database_url, monkeypatch):
    store = RoomStore(database_url)
    for code in ("", "ZZZZZ", "a" * 10_000, "'; DROP TABLE rooms; --"):
        with pytest.raises(RoomError, match="There is no room"):
            store.room(code)
    closed, expiring = store.create(), store.create()
    store.set_state(closed.code, closed.key, "closed")
    with pytest.raises(RoomError, match=f"Room {closed.code} has ended"):
        store.send(closed.code, drawing())
    later = rooms.now() + timedelta(hours=rooms.ROOM_HOURS, minutes=1)
    monkeypatch.setattr(rooms, "now", lambda: later)
    with pytest.raises(RoomError, match=f"Room {expiring.code} has ended"):
        store.room(expiring.code)
    assert CorrectionStore(database_url).count() == 0


def test_drawings_sent_to_a_room_are_on_its_wall_and_no_other(database_url):
    store, corrections = RoomStore(database_url), CorrectionStore(database_url)
    ours, theirs = store.create(), store.create()
    first = sent(store, ours.code, "visitor-a", seed=0, label=3, answer=5)
    sent(store, ours.code, "visitor-b", seed=1, label=NOT_A_DIGIT, answer=NOT_A_DIGIT)
    sent(store, theirs.code, "visitor-c", seed=2)
    corrections.save(replace(drawing(seed=3), session="alone"))  # outside any room: on no wall
    wall = store.wall(ours.code, ours.key)
    assert [(d.label, d.answer, d.hidden) for d in wall.drawings] == [(3, 5, False), (NOT_A_DIGIT, NOT_A_DIGIT, False)]
    assert sent(store, ours.code, "visitor-a", seed=0, label=5, answer=5) == first  # "Right!" after all: relabelled
    assert [d.label for d in store.wall(ours.code, ours.key).drawings] == [5, NOT_A_DIGIT]
    pictures = store.pictures(
        ours.code, ours.key, [first, *(d.id for d in store.wall(theirs.code, theirs.key).drawings)]
    )
    assert list(pictures) == [first] and pictures[first] == drawing(seed=0).canvas_png
    assert corrections.count() == 4


def test_the_walls_controls_refuse_a_wrong_or_missing_key(database_url):
    store = RoomStore(database_url)
    room, other = store.create(), store.create()
    drawing_id = sent(store, room.code, "visitor", seed=0)
    for key in ("", None, other.key, room.key[:-1], room.key + "x", room.key.upper()):
        for control in (
            lambda k: store.wall(room.code, k),
            lambda k: store.pictures(room.code, k, [drawing_id]),
            lambda k: store.hide(room.code, k, drawing_id),
            lambda k: store.set_state(room.code, k, "closed"),
            lambda k: store.clear(room.code, k),
            lambda k: store.drawings(room.code, k),
            lambda k: store.adopt(room.code, k, b"model"),
        ):
            with pytest.raises(PresenterKeyError, match="Only the presenter's own link"):
                control(key)
    wall = store.wall(room.code, room.key)
    assert wall.room.state == "open" and not wall.drawings[0].hidden and wall.room.model_version is None


def test_one_visitor_flooding_a_room_is_slowed_and_others_are_not(database_url, monkeypatch):
    monkeypatch.setattr(rooms, "RATE_LIMIT", 3)
    store = RoomStore(database_url)
    room = store.create()
    for seed in range(3):
        sent(store, room.code, "flood", seed=seed)
    with pytest.raises(TooFastError, match="3 drawings a minute"):
        sent(store, room.code, "flood", seed=3)
    sent(store, room.code, "flood", seed=0, label=1)  # relabelling a drawing already sent is no new drawing
    sent(store, room.code, "calm", seed=3)
    assert len(store.wall(room.code, room.key).drawings) == 4
    later = rooms.now() + rooms.RATE_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr(rooms, "now", lambda: later)
    sent(store, room.code, "flood", seed=4)  # a minute on, the visitor may send again
    assert len(store.wall(room.code, room.key).drawings) == 5


def test_the_presenter_hides_pauses_clears_and_closes(database_url):
    store = RoomStore(database_url)
    room = store.create()
    ids = [sent(store, room.code, f"visitor-{seed}", seed=seed) for seed in range(3)]
    store.hide(room.code, room.key, ids[1])
    assert [d.hidden for d in store.wall(room.code, room.key).drawings] == [False, True, False]
    assert [d.id for d in store.drawings(room.code, room.key)] == [ids[0], ids[2]]  # hidden: not learned from
    store.set_state(room.code, room.key, "paused")
    with pytest.raises(RoomError, match="The wall is paused"):
        sent(store, room.code, "visitor-9", seed=9)
    store.set_state(room.code, room.key, "open")
    store.clear(room.code, room.key)
    assert store.wall(room.code, room.key).drawings == [] and store.drawings(room.code, room.key) == []
    after = sent(store, room.code, "visitor-9", seed=9)
    assert [d.id for d in store.wall(room.code, room.key).drawings] == [after]
    store.set_state(room.code, room.key, "closed")
    assert store.wall(room.code, room.key).room.state == "closed"  # the presenter still sees the wall
    assert CorrectionStore(database_url).count() == 4  # cleared from the wall, still stored


def test_a_closed_room_reopens_but_one_past_its_hours_stays_ended(database_url, monkeypatch):
    store = RoomStore(database_url)
    room, old = store.create(), store.create()
    for made in (room, old):
        store.set_state(made.code, made.key, "closed")
    with pytest.raises(PresenterKeyError):
        store.set_state(room.code, "guessed", "open")
    store.set_state(room.code, room.key, "open")
    assert store.room(room.code).state == "open" and sent(store, room.code, "visitor", seed=1)
    later = rooms.now() + timedelta(hours=rooms.ROOM_HOURS, minutes=1)
    monkeypatch.setattr(rooms, "now", lambda: later)
    for state in ("open", "paused"):
        with pytest.raises(RoomError, match=f"Room {old.code} is past its {rooms.ROOM_HOURS} hours"):
            store.set_state(old.code, old.key, state)
    assert store.wall(old.code, old.key).room.state == "closed"
    with pytest.raises(RoomError, match="has ended"):
        store.room(old.code)


def test_a_model_adopted_by_a_room_is_read_back_by_version(database_url):
    store = RoomStore(database_url)
    room = store.create()
    version = store.adopt(room.code, room.key, b"checkpoint bytes")
    assert store.room(room.code).model_version == version and store.model(room.code, version) == b"checkpoint bytes"
    assert store.adopt(room.code, room.key, b"checkpoint bytes") == version  # adopted again: one copy
    with pytest.raises(RoomError, match="has no model"):
        store.model(room.code, "0123456789ab")


def test_six_visitors_drawing_at_once_are_each_stored_once(database_url):
    store = RoomStore(database_url)
    room = store.create()
    errors = []

    def visitor(n: int) -> None:
        try:
            for i in range(8):
                sent(store, room.code, f"visitor-{n}", seed=100 * n + i)
        except Exception as error:  # collected, so a failure shows in the main thread
            errors.append(error)

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len({d.id for d in store.wall(room.code, room.key).drawings}) == 48


def test_a_database_gone_at_commit_says_so_and_keeps_no_half_written_row(database_url, monkeypatch):
    store = RoomStore(database_url)
    room = store.create()
    sent(store, room.code, "visitor", seed=0)

    def lost(self, *args):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    with monkeypatch.context() as patched:
        patched.setattr(Connection, "_commit_impl", lost)
        with pytest.raises(StoreError, match="cannot be saved on this server: its database cannot be reached"):
            sent(store, room.code, "visitor", seed=1)
    assert len(store.wall(room.code, room.key).drawings) == 1 and CorrectionStore(database_url).count() == 1


def test_a_database_that_cannot_be_reached_is_said_in_words_without_its_address():
    store = RoomStore("postgresql+psycopg://someone:secret@/digitnet?host=/nonexistent-socket-dir")
    with pytest.raises(StoreError) as caught:
        store.room("ABCDE")
    assert str(caught.value).endswith("its database cannot be reached right now.")
    assert "secret" not in str(caught.value) and "nonexistent" not in str(caught.value)


def test_a_database_of_the_code_before_rooms_gains_them_and_keeps_its_drawings(database_url, monkeypatch):
    with monkeypatch.context() as before_rooms:
        before_rooms.setattr(corrections_schema, "MIGRATIONS", corrections_schema.MIGRATIONS[:4])
        before_rooms.setattr(corrections_schema, "LATEST_VERSION", 4)
        with CorrectionStore(database_url).database.write("") as connection:
            assert corrections_schema.version(connection) == 4
            connection.execute(
                text(
                    "INSERT INTO drawings (created, label, confirmed, predicted, probs, model_version, canvas_png,"
                    " input28) VALUES ('2026-01-01', 2, 0, 3, '[]', 'v', :png, :pixels)"
                ),
                {"png": b"\x00", "pixels": bytes(784)},
            )
    store = RoomStore(database_url)
    room = store.create()
    sent(store, room.code, "visitor", seed=1)
    assert [d.label for d in CorrectionStore(database_url).records()] == [2, 7]
    with store.database.read("") as connection:
        assert corrections_schema.version(connection) == corrections_schema.LATEST_VERSION
