"""The database behind the corrections and the rooms: SQLite by default, PostgreSQL by URL (SQLAlchemy Core).

`Database(where).write(failure)` and `.read(failure)` each give a connection inside one transaction, committed
whole or rolled back whole; any database error comes out as StoreError in a visitor's words, naming no server
path, host or password. A writer first brings the schema to the latest version (corrections_schema.migrate).

SQLite: one connection per operation, in WAL mode with full sync; a writer takes the write lock as its
transaction begins (BEGIN IMMEDIATE), so counting and writing happen under one lock; a reader opens the file
read-only and changes nothing. PostgreSQL: a pool of connections checked before use, so a restarted server
is found again; writers that count before they write lock the table they count (see corrections.save).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from digitnet.constants import path_setting
from digitnet.storage.corrections_schema import migrate

DATABASE_URL_ENV_VAR = "DIGITNET_DATABASE_URL"  # an SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db
CORRECTIONS_ENV_VAR = "DIGITNET_FEEDBACK_DB"  # the SQLite file, where no URL is set
DEFAULT_CORRECTIONS_DB = Path("feedback") / "feedback.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another one to finish
CONNECT_TIMEOUT = 3  # seconds to reach a PostgreSQL server: a page waits no longer to say it is away
SETUP_TRIES = 20  # a new file's set-up, when connections race to make it (0.05 s, 0.1 s, ... apart)

# The databases' words for what went wrong, in a visitor's words.
SQLITE_WORDS = {
    "unable to open database file": "its database file cannot be opened",
    "attempt to write a readonly database": "its database is read-only",
    "file is not a database": "its database file is damaged",
    "database disk image is malformed": "its database file is damaged",
    "database or disk is full": "the disk is full",
    "no such table: drawings": "its database file holds no corrections",
}
UNREACHABLE = "its database cannot be reached right now"


class StoreError(RuntimeError):
    """The database cannot be written or read; the message says why, for a person, without paths."""


def database_url(where: str | Path | None = None) -> str:
    """The database: `where` (a path or an SQLAlchemy URL) if given, else $DIGITNET_DATABASE_URL, else the
    SQLite file $DIGITNET_FEEDBACK_DB, else feedback/feedback.sqlite3."""
    if where is None and os.environ.get(DATABASE_URL_ENV_VAR):
        return os.environ[DATABASE_URL_ENV_VAR]
    if where is not None and "://" in str(where):
        return str(where)
    return f"sqlite:///{path_setting(where, CORRECTIONS_ENV_VAR, DEFAULT_CORRECTIONS_DB)}"


class Database:
    """One database, SQLite or PostgreSQL, opened lazily; safe to share between threads."""

    def __init__(self, where: str | Path | None = None) -> None:
        self.address = database_url(where)  # the whole URL, password included: never shown
        self.url = make_url(self.address)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.path = Path(self.url.database) if self.is_sqlite else None
        self._engines: dict[bool, Engine] = {}

    def __str__(self) -> str:
        """Where it is, for the operator (the CLI): the file, or the URL without its password."""
        return str(self.path) if self.is_sqlite else self.url.render_as_string(hide_password=True)

    def exists(self) -> bool:
        """False only for a SQLite file not made yet (reading it finds nothing, and must not create it)."""
        return not self.is_sqlite or self.path.exists()

    @contextmanager
    def write(self, failure: str) -> Iterator[Connection]:
        """A connection in one transaction on the latest schema, committed whole or not at all."""
        with self._translated(failure), self._engine(write=True).connect() as connection:
            migrate(connection)
            with connection.begin():
                yield connection

    @contextmanager
    def read(self, failure: str) -> Iterator[Connection]:
        """A connection in one read transaction; a SQLite file is opened read-only."""
        with self._translated(failure), self._engine(write=False).connect() as connection:
            if not self.is_sqlite:
                migrate(connection)  # a new PostgreSQL database reads as empty, not as foreign
            with connection.begin():
                yield connection

    @contextmanager
    def _translated(self, failure: str) -> Iterator[None]:
        """Database and file-system errors as StoreError('<failure>: <why>.')."""
        try:
            yield
        except (SQLAlchemyError, sqlite3.Error, OSError) as error:
            raise StoreError(f"{failure}: {why(error)}.") from error

    def _engine(self, write: bool) -> Engine:
        """The engine for writing or reading, made once."""
        write = write or not self.is_sqlite  # a server's readers and writers share one pool
        if write not in self._engines:
            self._engines[write] = self._sqlite_engine(write) if self.is_sqlite else self._server_engine()
        return self._engines[write]

    def _server_engine(self) -> Engine:
        """PostgreSQL: pooled, each connection checked before use (a restarted server is found again)."""
        return create_engine(self.url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})

    def _sqlite_engine(self, write: bool) -> Engine:
        """A SQLite engine opening a new connection per operation; its transactions begin as SQLite's own."""
        path = self.path

        def connect() -> sqlite3.Connection:
            if not write:
                return sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None
                )
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            try:
                prepare(connection)
            except BaseException:
                connection.close()
                raise
            return connection

        engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)
        begin = "BEGIN IMMEDIATE" if write else "BEGIN"  # a writer holds the lock from its first read
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql(begin))
        return engine


def prepare(connection: sqlite3.Connection) -> None:
    """WAL and full sync for a SQLite writer. Switching a new file to WAL fails at once, without waiting,
    while another connection is setting it up (SQLite calls no busy handler there): try again."""
    for attempt in range(SETUP_TRIES):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == SETUP_TRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def why(error: BaseException) -> str:
    """What went wrong, in words, without the server's paths (Python's OSError text names them) or hosts."""
    if isinstance(error, OSError):
        return f"its folder cannot be made ({(error.strerror or 'unknown error').lower()})"
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, sqlite3.Error):
        return SQLITE_WORDS.get(str(cause), str(cause))
    if not isinstance(error, DBAPIError) or isinstance(error, (OperationalError, InterfaceError)):
        return UNREACHABLE  # the server is down, restarting or out of reach (its own text names the host)
    return str(cause).splitlines()[0]
