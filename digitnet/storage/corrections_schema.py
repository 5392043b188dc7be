"""The corrections table and its migrations, numbered: PRAGMA user_version says which a database has had."""

from __future__ import annotations

import sqlite3

from digitnet.constants import NOT_A_DIGIT

LABEL_CHECK = f"CHECK (label BETWEEN 0 AND {NOT_A_DIGIT})"
DIGITS_ONLY_CHECK = "CHECK (label BETWEEN 0 AND 9)"  # databases from before "not a digit" could be said
# The table as the first code made it, before drawings had keys; history, never to be edited.
FIRST_TABLE = f"""
CREATE TABLE drawings (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    label INTEGER NOT NULL {DIGITS_ONLY_CHECK},
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
# The table since step 3; a step that changes it again writes its own table, leaving this one as step 3 made it.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    label INTEGER NOT NULL {LABEL_CHECK},
    confirmed INTEGER NOT NULL,
    predicted INTEGER NOT NULL,
    probs TEXT NOT NULL,
    model_version TEXT NOT NULL,
    canvas_png BLOB NOT NULL,
    input28 BLOB NOT NULL,
    canvas_width INTEGER,
    canvas_height INTEGER,
    brush INTEGER,
    strokes TEXT,
    drawing_key TEXT
)
"""
KEY_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS drawings_by_key ON drawings (drawing_key)"
# Step n takes a database from user_version n - 1 to n, in one transaction. Append steps; never edit one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (FIRST_TABLE,),
    # One record per drawing of a session.
    ("ALTER TABLE drawings ADD COLUMN drawing_key TEXT", KEY_INDEX),
    # Labels up to NOT_A_DIGIT: SQLite cannot change a CHECK, so the rows move into a new table (same columns,
    # same order, as every earlier table had them).
    (
        SCHEMA.replace("IF NOT EXISTS drawings", "drawings_upgraded"),
        "INSERT INTO drawings_upgraded SELECT * FROM drawings",
        "DROP TABLE drawings",
        "ALTER TABLE drawings_upgraded RENAME TO drawings",
        KEY_INDEX,
    ),
    # Which visit stored each drawing (a hash of its random session id), so that one visit's share is bounded.
    (
        "ALTER TABLE drawings ADD COLUMN session_hash TEXT",
        "CREATE INDEX IF NOT EXISTS drawings_by_session ON drawings (session_hash)",
    ),
)
LATEST_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection) -> None:
    """Apply the migrations the database lacks, each in its own transaction that other sessions wait for."""
    while _user_version(connection) < LATEST_VERSION:
        connection.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another session may have stepped on while this one waited.
            version = _user_version(connection) or _unversioned_version(connection)
            if version < LATEST_VERSION:
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                version += 1
            connection.execute(f"PRAGMA user_version = {version}")
            connection.commit()
        except BaseException:
            connection.rollback()  # nothing to do where SQLite has already rolled back, as on a full disk
            raise


def _user_version(connection: sqlite3.Connection) -> int:
    """The last migration the database has had (0: none, or written before migrations were numbered)."""
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def _unversioned_version(connection: sqlite3.Connection) -> int:
    """Which steps a database written before they were numbered has had, told by its table (that code knew 3)."""
    row = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'drawings'").fetchone()
    if row is None:
        return 0
    if "drawing_key" not in row[0]:
        return 1
    return 2 if DIGITS_ONLY_CHECK in row[0] else 3
