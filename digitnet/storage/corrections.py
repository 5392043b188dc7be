"""Corrections from the people who draw: each drawing with its true label, kept safe in SQLite.

One connection per operation and one transaction per drawing, in WAL mode with full sync, so
concurrent sessions never lose or corrupt a record and an acknowledged save survives a crash. Only
a writer creates or migrates the database; reading opens it read-only and changes nothing (a file
that is not ours included). What a visitor sends is bounded (limits.py) and so is what a visit stores.
A drawing is one row, keyed by a hash of its PNG and the session that drew it: a second answer
for the same drawing updates its label, a digit or NOT_A_DIGIT (10) for a drawing that is none.
Messages name no server paths: visitors read them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np

from digitnet.constants import IMAGE_SIZE, path_setting
from digitnet.reading.images import encode_png
from digitnet.reading.pixels import from_uint8, to_uint8
from digitnet.storage.corrections_schema import migrate
from digitnet.storage.files import write_atomically
from digitnet.storage.limits import MAX_PER_SESSION, MAX_ROWS, DrawingRefusedError, bounded_picture, bounded_strokes

CORRECTIONS_ENV_VAR = "DIGITNET_FEEDBACK_DB"
DEFAULT_CORRECTIONS_DB = Path("feedback") / "feedback.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one to finish
SETUP_TRIES = 20  # a new file's set-up, when connections race to make it (0.05 s, 0.1 s, ... apart)
UPDATED_ON_CONFLICT = ("label", "confirmed", "predicted", "probs", "model_version")
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
# SQLite's words for what went wrong, in a visitor's words.
SQLITE_WORDS = {
    "unable to open database file": "its database file cannot be opened",
    "attempt to write a readonly database": "its database is read-only",
    "file is not a database": "its database file is damaged",
    "database disk image is malformed": "its database file is damaged",
    "database or disk is full": "the disk is full",
    "no such table: drawings": "its database file holds no corrections",
}


class CorrectionStoreError(RuntimeError):
    """The corrections database cannot be written or read; the message says why, for a person, without paths."""


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

    @property
    def key(self) -> str:
        """One drawing of one session: the same canvas answered twice is one record."""
        return hashlib.sha256(self.session.encode() + b"\0" + self.canvas_png).hexdigest()


def corrections_path(path: str | Path | None = None) -> Path:
    """The database: `path` if given, else $DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3."""
    return path_setting(path, CORRECTIONS_ENV_VAR, DEFAULT_CORRECTIONS_DB)


class CorrectionStore:
    """The drawings people corrected or confirmed, in one SQLite file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = corrections_path(path)

    @contextmanager
    def _open(self, failure: str, write: bool) -> Iterator[sqlite3.Connection]:
        """A connection, always closed: a writer's with the latest schema, a reader's read-only; a database
        error becomes CorrectionStoreError."""
        connection = None
        try:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
                _prepare(connection)
            else:
                connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
            yield connection
        except (sqlite3.Error, OSError) as error:
            raise CorrectionStoreError(f"{failure}: {_why(error)}.") from error
        finally:
            if connection is not None:
                connection.close()

    def check_writable(self) -> None:
        """Raise CorrectionStoreError, saying why, if drawings cannot be saved here (creates the database if needed)."""
        with self._open(CANNOT_SAVE, write=True) as connection:
            connection.execute("BEGIN IMMEDIATE")  # takes the write lock: fails on a read-only file
            connection.rollback()

    def save(self, drawing: Drawing) -> int:
        """Store a drawing, or update the label of the same drawing, in one transaction; return its id.

        The picture is kept at most the widest canvas's size and the strokes only while small; a visit that
        has stored MAX_PER_SESSION drawings (or a database of MAX_ROWS) stores no new ones.
        """
        try:
            picture = bounded_picture(drawing.canvas_png)
        except DrawingRefusedError as error:
            raise CorrectionStoreError(str(error)) from error
        strokes = bounded_strokes(drawing.strokes)
        row = (
            drawing.label,
            int(drawing.confirmed),
            drawing.predicted,
            json.dumps(drawing.probs),
            drawing.model_version,
            picture,
            to_uint8(drawing.input28).tobytes(),
            *(drawing.canvas_size or (None, None)),
            drawing.brush,
            json.dumps(strokes) if strokes is not None else None,
        )
        visit = hashlib.sha256(drawing.session.encode()).hexdigest()[:16]
        updates = ", ".join(f"{column} = excluded.{column}" for column in UPDATED_ON_CONFLICT)
        with self._open(CANNOT_SAVE, write=True) as connection, connection:  # committed whole, or not at all
            connection.execute("BEGIN IMMEDIATE")  # the room counted and the row written under one lock
            _check_room(connection, drawing.key, visit)
            cursor = connection.execute(
                f"INSERT INTO drawings (created, drawing_key, session_hash, {', '.join(COLUMNS)}) "
                f"VALUES (?, ?, ?{', ?' * len(COLUMNS)}) ON CONFLICT (drawing_key) DO UPDATE SET {updates} "
                "RETURNING id",
                (datetime.now(UTC).isoformat(timespec="milliseconds"), drawing.key, visit, *row),
            )
            return int(cursor.fetchone()[0])

    def count(self) -> int:
        """How many drawings are stored (0 if the database does not exist yet)."""
        if not self.path.exists():
            return 0
        with self._open(CANNOT_READ, write=False) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM drawings").fetchone()[0])

    def records(self) -> list[Drawing]:
        """Every stored drawing, oldest first; a damaged row is a CorrectionStoreError naming it."""
        return list(self.iter_records())

    def iter_records(self) -> Iterator[Drawing]:
        """The stored drawings one by one, oldest first, without holding them all in memory."""
        if not self.path.exists():
            return
        with self._open(CANNOT_READ, write=False) as connection:
            for row in connection.execute(f"SELECT id, created, {', '.join(COLUMNS)} FROM drawings ORDER BY id"):
                try:
                    drawing = _drawing(row)
                except (ValueError, TypeError) as error:  # bytes of the wrong size, text that is not JSON, ...
                    raise CorrectionStoreError(f"{CANNOT_READ}: drawing {row[0]} is damaged ({error}).") from error
                yield drawing

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


def _prepare(connection: sqlite3.Connection) -> None:
    """WAL, full sync and the latest schema. Switching a new file to WAL fails at once, without waiting,
    while another connection is setting it up (SQLite calls no busy handler there): try again."""
    for attempt in range(SETUP_TRIES):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            migrate(connection)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == SETUP_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _check_room(connection: sqlite3.Connection, key: str, visit: str) -> None:
    """Raise CorrectionStoreError if a new drawing would pass the visit's or the database's bound; a drawing
    already stored may always be relabelled."""
    if connection.execute("SELECT 1 FROM drawings WHERE drawing_key = ?", (key,)).fetchone():
        return
    if connection.execute("SELECT COUNT(*) FROM drawings WHERE session_hash = ?", (visit,)).fetchone()[0] >= (
        MAX_PER_SESSION
    ):
        raise CorrectionStoreError(SESSION_FULL)
    if connection.execute("SELECT COUNT(*) FROM drawings").fetchone()[0] >= MAX_ROWS:
        raise CorrectionStoreError(STORE_FULL)


def _why(error: Exception) -> str:
    """What went wrong, in words and without the server's paths (Python's OSError text names them)."""
    if isinstance(error, OSError):
        return f"its folder cannot be made ({(error.strerror or 'unknown error').lower()})"
    return SQLITE_WORDS.get(str(error), str(error))


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
