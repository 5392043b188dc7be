"""Corrections from the people who draw: each drawing with its true label, kept safe in SQLite.

One connection per operation and one transaction per drawing, in WAL mode with full sync, so
concurrent sessions never lose or corrupt a record and an acknowledged save survives a crash.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np

from digitnet.constants import IMAGE_SIZE

FEEDBACK_ENV_VAR = "DIGITNET_FEEDBACK_DB"
DEFAULT_FEEDBACK_DB = Path("feedback") / "feedback.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one to finish
SCHEMA = """
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    confirmed INTEGER NOT NULL,
    predicted INTEGER NOT NULL,
    probs TEXT NOT NULL,
    model_version TEXT NOT NULL,
    canvas_png BLOB NOT NULL,
    input28 BLOB NOT NULL,
    canvas_width INTEGER,
    canvas_height INTEGER,
    brush INTEGER,
    strokes TEXT
)
"""
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


class FeedbackError(RuntimeError):
    """The feedback database cannot be written or read; the message says why, for a person."""


@dataclass(frozen=True)
class Drawing:
    """One drawing and what the person said it is."""

    label: int  # the true digit
    confirmed: bool  # True: "Right!" on a correct prediction; False: a correction
    predicted: int
    probs: list[float]
    model_version: str
    canvas_png: bytes
    input28: np.ndarray  # (28, 28) float32 in [0, 1]
    canvas_size: tuple[int, int] | None = None  # (width, height) in pixels
    brush: int | None = None
    strokes: dict | None = None  # the canvas's JSON, where it gives one
    created: str = ""
    id: int | None = None


def feedback_path(path: str | Path | None = None) -> Path:
    """The database: `path` if given, else $DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3."""
    return Path(path or os.environ.get(FEEDBACK_ENV_VAR) or DEFAULT_FEEDBACK_DB)


class FeedbackStore:
    """The drawings people corrected or confirmed, in one SQLite file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = feedback_path(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute(SCHEMA)
        except (sqlite3.Error, OSError) as error:
            raise FeedbackError(f"Cannot open the feedback database {self.path}: {error}.") from error
        return connection

    def save(self, drawing: Drawing) -> int:
        """Store one drawing in its own transaction; return its id once it is safely on disk."""
        row = (
            drawing.label,
            int(drawing.confirmed),
            drawing.predicted,
            json.dumps(drawing.probs),
            drawing.model_version,
            drawing.canvas_png,
            (drawing.input28 * 255).round().astype(np.uint8).tobytes(),
            *(drawing.canvas_size or (None, None)),
            drawing.brush,
            json.dumps(drawing.strokes) if drawing.strokes is not None else None,
        )
        connection = self._connect()
        try:
            with connection:  # one transaction: committed whole, or not at all
                cursor = connection.execute(
                    f"INSERT INTO drawings (created, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                    (datetime.now(UTC).isoformat(timespec="milliseconds"), *row),
                )
            return int(cursor.lastrowid)
        except sqlite3.Error as error:
            raise FeedbackError(f"Cannot save to {self.path}: {error}. Drawing and reading still work.") from error
        finally:
            connection.close()

    def count(self) -> int:
        """How many drawings are stored (0 if the database does not exist yet)."""
        if not self.path.exists():
            return 0
        connection = self._connect()
        try:
            return int(connection.execute("SELECT COUNT(*) FROM drawings").fetchone()[0])
        except sqlite3.Error as error:
            raise FeedbackError(f"Cannot read the feedback database {self.path}: {error}.") from error
        finally:
            connection.close()

    def records(self) -> list[Drawing]:
        """Every stored drawing, oldest first."""
        if not self.path.exists():
            return []
        connection = self._connect()
        try:
            rows = connection.execute(f"SELECT id, created, {', '.join(COLUMNS)} FROM drawings ORDER BY id").fetchall()
        except sqlite3.Error as error:
            raise FeedbackError(f"Cannot read the feedback database {self.path}: {error}.") from error
        finally:
            connection.close()
        return [_drawing(row) for row in rows]

    def export(self, out: str | Path | BinaryIO) -> int:
        """Write a zip of PNGs (original canvas and 28x28 input) with labels.csv and labels.json; return the count."""
        drawings = self.records()
        table = [
            {
                "id": d.id,
                "file": f"canvas/{d.id}.png",
                "label": d.label,
                "confirmed": d.confirmed,
                "predicted": d.predicted,
                "model_version": d.model_version,
                "created": d.created,
            }
            for d in drawings
        ]
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for d in drawings:
                archive.writestr(f"canvas/{d.id}.png", d.canvas_png)
                archive.writestr(f"input28/{d.id}.png", _png((d.input28 * 255).round().astype(np.uint8)))
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(table[0]) if table else ["id", "label"])
            writer.writeheader()
            writer.writerows(table)
            archive.writestr("labels.csv", text.getvalue())
            archive.writestr("labels.json", json.dumps(table, indent=1))
        return len(drawings)


def _drawing(row: tuple) -> Drawing:
    """A database row back into a Drawing."""
    (id_, created, label, confirmed, predicted, probs, version, png, input28, width, height, brush, strokes) = row
    pixels = np.frombuffer(input28, np.uint8).reshape(IMAGE_SIZE, IMAGE_SIZE).astype(np.float32) / 255
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
        created,
        id_,
    )


def _png(pixels: np.ndarray) -> bytes:
    """PNG bytes of a uint8 gray image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()
