"""Corrections from the people who draw: each drawing with its true label, kept safe in SQLite or PostgreSQL.

API:
- `CorrectionStore(where=None)`: `where` a SQLite path or an SQLAlchemy URL; by default $DIGITNET_DATABASE_URL,
  else the SQLite file $DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3 (database.database_url).
  `.save(drawing) -> id`, `.count()`, `.records()`, `.iter_records()`, `.export(out)`, `.check_writable()`;
  every failure is a CorrectionStoreError whose message a visitor may read.
- `Drawing`: one drawing, its label (a digit or NOT_A_DIGIT), the model's answer and the session that drew it.
- `store_drawing(connection, drawing, room_id)`: the same save inside another writer's transaction (rooms.py).
- Rooms, their walls and their models: digitnet/storage/rooms.py, on the same database.

One transaction per drawing (database.py), so concurrent sessions and processes never lose or half-write a
record and an acknowledged save survives a crash. Only a writer creates or migrates the database; reading a
SQLite file opens it read-only and changes nothing (a file that is not ours included). What a visitor sends
is bounded (limits.py) and so is what a visit stores. A drawing is one row, keyed by a hash of its PNG and the
session that drew it: a second answer for the same drawing updates its label. Messages name no server paths.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from digitnet.constants import IMAGE_SIZE
from digitnet.reading.images import encode_png
from digitnet.reading.pixels import from_uint8, to_uint8
from digitnet.storage.database import Database, StoreError
from digitnet.storage.files import write_atomically
from digitnet.storage.limits import MAX_PER_SESSION, MAX_ROWS, DrawingRefusedError, bounded_picture, bounded_strokes
from digitnet.storage.tables import drawings

READ_BATCH = 8  # drawings fetched at a time while streaming: an export holds a few pictures, not all
UPDATED_ON_CONFLICT = ("label", "confirmed", "predicted", "probs", "model_version", "answer")
COLUMNS = (
    "label",
    "confirmed",
    "predicted",
    "probs",
    "model_version",
    "canvas_png",
    "input28",
    "canvas_width",
    "canvas_height",
    "brush",
    "strokes",
)


CANNOT_SAVE = "Corrections cannot be saved on this server"
CANNOT_READ = "The corrections collected on this server cannot be read"
SESSION_FULL = f"This visit has saved {MAX_PER_SESSION} drawings, the most one visit keeps. Thank you!"
STORE_FULL = "This server keeps no more corrections: it has stored all it can."
CorrectionStoreError = StoreError  # the corrections' name for it: what the page, CLI and train.py catch


@dataclass(frozen=True)
class Drawing:
    """One drawing and what the person said it is."""

    label: int  # the true digit, or NOT_A_DIGIT
    confirmed: bool  # True: "Right!" on a correct prediction; False: a correction
    predicted: int
    probs: list[float]
    model_version: str
    canvas_png: bytes
    input28: np.ndarray  # (28, 28) float32 in [0, 1]
    canvas_size: tuple[int, int] | None = None  # (width, height) in pixels
    brush: int | None = None
    strokes: dict | None = None  # the canvas's JSON, where it gives one
    session: str = ""  # who drew it: hashed into the drawing's key, never stored
    created: str = ""
    id: int | None = None
    answer: int | None = None  # what the page answered (a digit or NOT_A_DIGIT), where it was stored

    @property
    def key(self) -> str:
        """One drawing of one session: the same canvas answered twice is one record."""
        return hashlib.sha256(self.session.encode() + b"\0" + self.canvas_png).hexdigest()


class CorrectionStore:
    """The drawings people corrected or confirmed, in one database (SQLite or PostgreSQL)."""

    def __init__(self, where: str | Path | None = None) -> None:
        self.database = Database(where)
        self.path = self.database.path  # the SQLite file, or None for a server

    def __str__(self) -> str:
        """Where the drawings are, for the operator: the file, or the URL without its password."""
        return str(self.database)

    def check_writable(self) -> None:
        """Raise CorrectionStoreError, saying why, if drawings cannot be saved here (creates the database if needed)."""
        with self.database.write(CANNOT_SAVE):
            pass  # the write lock taken and the schema brought up to date: a read-only file fails here

    def save(self, drawing: Drawing) -> int:
        """Store a drawing, or update the label of the same drawing, in one transaction; return its id.

        The picture is kept at most the widest canvas's size and the strokes only while small; a visit that
        has stored MAX_PER_SESSION drawings (or a database of MAX_ROWS) stores no new ones.
        """
        with self.database.write(CANNOT_SAVE) as connection:  # committed whole, or not at all
            return store_drawing(connection, drawing)

    def count(self) -> int:
        """How many drawings are stored (0 if the database does not exist yet)."""
        if not self.database.exists():
            return 0
        with self.database.read(CANNOT_READ) as connection:
            return int(connection.execute(select(func.count()).select_from(drawings)).scalar())

    def records(self) -> list[Drawing]:
        """Every stored drawing, oldest first; a damaged row is a CorrectionStoreError naming it."""
        return list(self.iter_records())

    def iter_records(self) -> Iterator[Drawing]:
        """The stored drawings one by one, oldest first, without holding them all in memory."""
        if not self.database.exists():
            return
        with self.database.read(CANNOT_READ) as connection:
            rows = connection.execution_options(yield_per=READ_BATCH).execute(select(*READ).order_by(drawings.c.id))
            yield from read_drawings(rows)

    def export(self, out: str | Path | BinaryIO) -> int:
        """Write a zip of PNGs (original canvas and 28x28 input) with labels.csv and labels.json; return the count.

        The drawings are read and written one at a time: only the table of labels is held in memory. A file
        is written whole or not at all."""
        if not isinstance(out, (str, Path)):
            return self._write_zip(out)
        counted = []
        write_atomically(out, lambda file: counted.append(self._write_zip(file)))
        return counted[0]

    def _write_zip(self, out: BinaryIO) -> int:
        """The export's zip, written to `out`; the count of drawings."""
        table = []
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for d in self.iter_records():
                archive.writestr(f"canvas/{d.id}.png", d.canvas_png)
                archive.writestr(f"input28/{d.id}.png", encode_png(to_uint8(d.input28)))
                table.append(
                    {
                        "id": d.id,
                        "file": f"canvas/{d.id}.png",
                        "label": d.label,
                        "confirmed": d.confirmed,
                        "predicted": d.predicted,
                        "model_version": d.model_version,
                        "created": d.created,
                    }
                )
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(table[0]) if table else ["id", "label"])
            writer.writeheader()
            writer.writerows(table)
            archive.writestr("labels.csv", text.getvalue())
            archive.writestr("labels.json", json.dumps(table, indent=1))
        return len(table)


READ = tuple(drawings.c[name] for name in ("id", "created", *COLUMNS))  # columns every version's table has


def store_drawing(connection: Connection, drawing: Drawing, room_id: int | None = None) -> int:
    """Store or relabel `drawing` inside the writer's transaction `connection`, within the bounds; its id."""
    values = _row(drawing)
    if connection.dialect.name == "postgresql":  # writers that count serialise, as SQLite's write lock makes them
        connection.exec_driver_sql("LOCK TABLE drawings IN SHARE ROW EXCLUSIVE MODE")
    if is_new(connection, drawing):
        _check_bounds(connection, values["session_hash"])
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(drawings)
    statement = (
        insert.values(**values, room_id=room_id)
        .on_conflict_do_update(
            index_elements=[drawings.c.drawing_key], set_={name: insert.excluded[name] for name in UPDATED_ON_CONFLICT}
        )
        .returning(drawings.c.id)
    )
    return int(connection.execute(statement).scalar_one())


def visit_hash(session: str) -> str:
    """Which visit stored a drawing: a hash of its random session id, never the id itself."""
    return hashlib.sha256(session.encode()).hexdigest()[:16]


def is_new(connection: Connection, drawing: Drawing) -> bool:
    """Whether `drawing` is not stored yet (a stored one may always be relabelled)."""
    return connection.execute(select(drawings.c.id).where(drawings.c.drawing_key == drawing.key)).first() is None


def read_drawings(rows) -> Iterator[Drawing]:
    """Rows of READ's columns as Drawings; a damaged row is a CorrectionStoreError naming it."""
    for row in rows:
        try:
            yield _drawing(tuple(row))
        except (ValueError, TypeError) as error:  # bytes of the wrong size, text that is not JSON, ...
            raise CorrectionStoreError(f"{CANNOT_READ}: drawing {row[0]} is damaged ({error}).") from error


def _row(drawing: Drawing) -> dict:
    """The drawing's columns, its picture and strokes bounded; a picture that is none is refused in words."""
    try:
        picture = bounded_picture(drawing.canvas_png)
    except DrawingRefusedError as error:
        raise CorrectionStoreError(str(error)) from error
    strokes = bounded_strokes(drawing.strokes)
    width, height = drawing.canvas_size or (None, None)
    return {
        "created": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "drawing_key": drawing.key,
        "session_hash": visit_hash(drawing.session),
        "label": drawing.label,
        "confirmed": int(drawing.confirmed),
        "predicted": drawing.predicted,
        "probs": json.dumps(drawing.probs),
        "model_version": drawing.model_version,
        "canvas_png": picture,
        "input28": to_uint8(drawing.input28).tobytes(),
        "canvas_width": width,
        "canvas_height": height,
        "brush": drawing.brush,
        "strokes": json.dumps(strokes) if strokes is not None else None,
        "answer": drawing.answer,
    }


def _check_bounds(connection: Connection, visit: str) -> None:
    """Raise CorrectionStoreError if a new drawing would pass the visit's or the database's bound."""
    stored = select(func.count()).select_from(drawings)
    if connection.execute(stored.where(drawings.c.session_hash == visit)).scalar() >= MAX_PER_SESSION:
        raise CorrectionStoreError(SESSION_FULL)
    if connection.execute(stored).scalar() >= MAX_ROWS:
        raise CorrectionStoreError(STORE_FULL)


def _drawing(row: tuple) -> Drawing:
    """A database row back into a Drawing."""
    (id_, created, label, confirmed, predicted, probs, version, png, input28, width, height, brush, strokes) = row
    pixels = from_uint8(np.frombuffer(input28, np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE))
    return Drawing(
        label,
        bool(confirmed),
        predicted,
        json.loads(probs),
        version,
        png,
        pixels,
        (width, height) if width is not None else None,
        brush,
        json.loads(strokes) if strokes is not None else None,
        "",
        created,
        id_,
    )
