"""Rooms: a presenter's wall and the drawings a room's visitors send to it, in the corrections' database.

API (every failure is a StoreError, or its RoomError kinds, whose message a visitor may read):
- `RoomStore(where=None)`: the same database as CorrectionStore(where).
- `.create() -> NewRoom(code, key)`: a room, open; its code short and unambiguous, its presenter key long and
  random (stored hashed, compared in constant time).
- Visitors: `.room(code) -> Room` (RoomError if there is no such room or it has ended),
  `.send(code, drawing) -> id` (stores the drawing on the room's wall; RoomError while paused, TooFastError past
  the per-visit rate), `.model(code, version) -> bytes` (the checkpoint the room adopted).
- The presenter, with the key (PresenterKeyError without it): `.wall(code, key) -> Wall` (the room and its
  drawings since the last clear, without pictures), `.pictures(code, key, ids) -> {id: png}`,
  `.hide(code, key, id, hidden=True)`, `.set_state(code, key, state)` (open, paused, closed; a closed room
  reopens, one past its ROOM_HOURS does not: RoomError), `.clear(code, key)`,
  `.drawings(code, key) -> [Drawing]` (the wall's drawings not hidden, for learning),
  `.adopt(code, key, checkpoint) -> version` (every process serving the room then reads with it).
Each call is one transaction: a room's state and its drawings never disagree, and nothing is half-written.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, select, update

from digitnet.storage.corrections import CANNOT_READ, CANNOT_SAVE, READ, Drawing, is_new, read_drawings, store_drawing
from digitnet.storage.corrections import visit_hash as visit_of
from digitnet.storage.database import Database, StoreError
from digitnet.storage.tables import drawings, room_models, rooms
from digitnet.words import NO_SUCH_ROOM, ROOM_ENDED, ROOM_EXPIRED, ROOM_PAUSED, TOO_FAST, WRONG_KEY

CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a wall and typed on a phone
CODE_LENGTH = 5  # 31**5: some 28 million codes
KEY_BYTES = 24  # the presenter key: 192 random bits, 32 characters in a link
ROOM_HOURS = 12  # a room ends this long after it was made: a talk, a class, a day
RATE_LIMIT = 12  # new drawings one visit may send to a wall in RATE_WINDOW: a person draws one every few seconds
RATE_WINDOW = timedelta(minutes=1)
STATES = ("open", "paused", "closed")
CANNOT_OPEN = "The room cannot be opened on this server"


class RoomError(StoreError):
    """A room that cannot take this: no such room, ended, paused; the message says so, for a person."""


class PresenterKeyError(RoomError):
    """The key given is not the room's presenter key."""


class TooFastError(RoomError):
    """One visit sent more drawings to the wall than a person draws."""


@dataclass(frozen=True)
class NewRoom:
    """A room just made: its code, for everyone, and its presenter key, for the presenter's link only."""

    code: str
    key: str


@dataclass(frozen=True)
class Room:
    """A room as its visitors and its wall see it."""

    id: int
    code: str
    state: str  # open, paused or closed
    expires: str
    cleared_after: int  # the wall shows the drawings after this id
    model_version: str | None  # the room's own model, once adopted


@dataclass(frozen=True)
class WallDrawing:
    """One drawing on a wall, without its picture: what the page answered and what its drawer said."""

    id: int
    label: int  # what the drawer said it is: a digit or NOT_A_DIGIT
    answer: int  # what the page answered: a digit or NOT_A_DIGIT
    hidden: bool


@dataclass(frozen=True)
class Wall:
    """A room and the drawings on its wall, oldest first."""

    room: Room
    drawings: list[WallDrawing]


def now() -> datetime:
    """The time rooms are measured by (UTC); tests move it."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A time as the database keeps it: ISO text, which sorts as time does."""
    return moment.isoformat(timespec="milliseconds")


def normal_code(code: str) -> str:
    """A room code as typed: spaces and case do not matter."""
    return "".join(str(code).split()).upper()


def shown_code(code: str) -> str:
    """A code as a message repeats it: typed, at most a few letters long (a link may carry anything)."""
    return normal_code(code)[: 2 * CODE_LENGTH] or "?"


def key_hash(key: str) -> str:
    """What is stored of a presenter key."""
    return hashlib.sha256(key.encode()).hexdigest()


class RoomStore:
    """The rooms of one database."""

    def __init__(self, where: str | Path | None = None) -> None:
        self.database = Database(where)

    def create(self) -> NewRoom:
        """A new open room with a fresh code and presenter key."""
        key = secrets.token_urlsafe(KEY_BYTES)
        with self.database.write(CANNOT_OPEN) as connection:
            code = _free_code(connection)
            created = now()
            connection.execute(
                rooms.insert().values(
                    code=code,
                    key_hash=key_hash(key),
                    state="open",
                    created=stamp(created),
                    expires=stamp(created + timedelta(hours=ROOM_HOURS)),
                    cleared_after=0,
                )
            )
        return NewRoom(code, key)

    def room(self, code: str) -> Room:
        """The room a visitor's link names; RoomError if there is none or it has ended."""
        if not self.database.exists():  # no room was ever made here
            raise RoomError(NO_SUCH_ROOM.format(code=shown_code(code)))
        with self.database.read(CANNOT_READ) as connection:
            return _live_room(connection, code)

    def send(self, code: str, drawing: Drawing) -> int:
        """Store a visitor's drawing on the room's wall (or relabel it); its id."""
        with self.database.write(CANNOT_SAVE) as connection:
            room = _live_room(connection, code)
            if room.state == "paused":
                raise RoomError(ROOM_PAUSED)
            if is_new(connection, drawing):
                _check_rate(connection, room, visit_of(drawing.session))
            return store_drawing(connection, drawing, room.id)

    def model(self, code: str, version: str) -> bytes:
        """The checkpoint bytes the room adopted as `version`."""
        with self.database.read(CANNOT_READ) as connection:
            room = _live_room(connection, code)
            query = select(room_models.c.checkpoint).where(
                room_models.c.room_id == room.id, room_models.c.version == version
            )
            checkpoint = connection.execute(query).scalar()
        if checkpoint is None:
            raise RoomError(f"{CANNOT_READ}: room {room.code} has no model {version}.")
        return bytes(checkpoint)

    def wall(self, code: str, key: str) -> Wall:
        """The room and its wall's drawings, oldest first."""
        with self.database.read(CANNOT_READ) as connection:
            room = _presenters_room(connection, code, key)
            query = (
                select(drawings.c.id, drawings.c.label, drawings.c.answer, drawings.c.predicted, drawings.c.hidden)
                .where(*_on_wall(room))
                .order_by(drawings.c.id)
            )
            rows = connection.execute(query).all()
        shown = [
            WallDrawing(id_, label, predicted if answer is None else answer, bool(hidden))
            for id_, label, answer, predicted, hidden in rows
        ]
        return Wall(room, shown)

    def pictures(self, code: str, key: str, ids: Iterable[int]) -> dict[int, bytes]:
        """The drawings' canvas pictures (PNG), by id; only the room's own."""
        with self.database.read(CANNOT_READ) as connection:
            room = _presenters_room(connection, code, key)
            query = select(drawings.c.id, drawings.c.canvas_png).where(
                drawings.c.room_id == room.id, drawings.c.id.in_(list(ids))
            )
            return {int(id_): bytes(png) for id_, png in connection.execute(query)}

    def hide(self, code: str, key: str, drawing_id: int, hidden: bool = True) -> None:
        """Hide a drawing from the wall (or show it again)."""
        with self.database.write(CANNOT_SAVE) as connection:
            room = _presenters_room(connection, code, key)
            where = (drawings.c.id == drawing_id, drawings.c.room_id == room.id)
            connection.execute(update(drawings).where(*where).values(hidden=int(hidden)))

    def set_state(self, code: str, key: str, state: str) -> None:
        """Open (or reopen), pause or close the room; RoomError opening or pausing one past its time."""
        if state not in STATES:
            raise ValueError(f"a room is {', '.join(STATES)}, not {state!r}")
        with self.database.write(CANNOT_SAVE) as connection:
            room = _presenters_room(connection, code, key)
            if state != "closed" and expired(room):
                raise RoomError(ROOM_EXPIRED.format(code=room.code, hours=ROOM_HOURS))
            connection.execute(update(rooms).where(rooms.c.id == room.id).values(state=state))

    def clear(self, code: str, key: str) -> None:
        """Empty the wall: it counts and shows only the drawings sent from now on (the others stay stored)."""
        with self.database.write(CANNOT_SAVE) as connection:
            room = _presenters_room(connection, code, key)
            last = connection.execute(select(func.max(drawings.c.id)).where(drawings.c.room_id == room.id)).scalar()
            connection.execute(update(rooms).where(rooms.c.id == room.id).values(cleared_after=last or 0))

    def drawings(self, code: str, key: str) -> list[Drawing]:
        """The wall's drawings that are not hidden, oldest first: what the room teaches the model."""
        with self.database.read(CANNOT_READ) as connection:
            room = _presenters_room(connection, code, key)
            query = select(*READ).where(*_on_wall(room), drawings.c.hidden == 0).order_by(drawings.c.id)
            return list(read_drawings(connection.execute(query)))

    def adopt(self, code: str, key: str, checkpoint: bytes) -> str:
        """Make `checkpoint` the room's model; its version (the hash every checkpoint's version is)."""
        version = hashlib.sha256(checkpoint).hexdigest()[:12]
        with self.database.write(CANNOT_SAVE) as connection:
            room = _presenters_room(connection, code, key)
            known = select(room_models.c.version).where(
                room_models.c.room_id == room.id, room_models.c.version == version
            )
            if connection.execute(known).first() is None:
                connection.execute(
                    room_models.insert().values(
                        room_id=room.id, version=version, checkpoint=checkpoint, created=stamp(now())
                    )
                )
            connection.execute(update(rooms).where(rooms.c.id == room.id).values(model_version=version))
        return version


def _free_code(connection: Connection) -> str:
    """A random room code no room has had."""
    while True:
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        if connection.execute(select(rooms.c.id).where(rooms.c.code == code)).first() is None:
            return code


def _find(connection: Connection, code: str) -> tuple[Room, str]:
    """The room with `code` and its key's hash; RoomError if there is none."""
    code = normal_code(code)
    query = select(
        rooms.c.id,
        rooms.c.code,
        rooms.c.state,
        rooms.c.expires,
        rooms.c.cleared_after,
        rooms.c.model_version,
        rooms.c.key_hash,
    )
    row = connection.execute(query.where(rooms.c.code == code)).first() if code else None
    if row is None:
        raise RoomError(NO_SUCH_ROOM.format(code=code[: CODE_LENGTH * 2] or "?"))
    return Room(*row[:-1]), row[-1]


def expired(room: Room) -> bool:
    """Whether the room is past its ROOM_HOURS: ended for good, closed or not."""
    return room.expires <= stamp(now())


def _live_room(connection: Connection, code: str) -> Room:
    """The room with `code`, for its visitors; RoomError if there is none, or it is closed or past its time."""
    room, _ = _find(connection, code)
    if room.state == "closed" or expired(room):
        raise RoomError(ROOM_ENDED.format(code=room.code))
    return room


def _presenters_room(connection: Connection, code: str, key: str) -> Room:
    """The room with `code`, for the holder of its presenter key only (compared in constant time)."""
    room, stored = _find(connection, code)
    if not hmac.compare_digest(key_hash(str(key or "")), stored):
        raise PresenterKeyError(WRONG_KEY.format(code=room.code))
    return room


def _on_wall(room: Room) -> tuple:
    """Which drawings a room's wall holds: the room's, since it was last cleared."""
    return drawings.c.room_id == room.id, drawings.c.id > room.cleared_after


def _check_rate(connection: Connection, room: Room, visit: str) -> None:
    """TooFastError if this visit has sent RATE_LIMIT new drawings to the room within RATE_WINDOW."""
    since = stamp(now() - RATE_WINDOW)
    recent = select(func.count()).where(
        drawings.c.room_id == room.id, drawings.c.session_hash == visit, drawings.c.created > since
    )
    if connection.execute(recent).scalar() >= RATE_LIMIT:
        raise TooFastError(TOO_FAST.format(count=RATE_LIMIT))
