"""The feedback database: round trip, concurrency, crashes, read-only disks, export."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from digitnet.constants import NOT_A_DIGIT, PROJECT_ROOT
from digitnet.reading.images import encode_png
from digitnet.storage import corrections_schema
from digitnet.storage.corrections import CorrectionStore, CorrectionStoreError, Drawing
from digitnet.storage.corrections_schema import FIRST_TABLE, KEY_INDEX, LABEL_CHECK, LATEST_VERSION, SCHEMA, both


def drawing(label: int = 7, seed: int = 0) -> Drawing:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(10)).round(4).tolist()
    return Drawing(
        label=label,
        confirmed=False,
        predicted=int(np.argmax(probs)),
        probs=probs,
        model_version="abc123def456",
        canvas_png=encode_png(rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)),
        input28=(rng.integers(0, 256, (28, 28)) / 255).astype(np.float32),
        canvas_size=(320, 320),
        brush=16,
        strokes={"objects": [{"type": "path", "path": [["M", 1, 2], ["L", 3, 4]]}]},
    )


def test_a_drawing_comes_back_as_it_was_saved(database_url):
    store = CorrectionStore(database_url)
    original = drawing()
    saved_id = store.save(original)
    (back,) = store.records()
    assert back.id == saved_id and back.created
    for field in (
        "label",
        "confirmed",
        "predicted",
        "probs",
        "model_version",
        "canvas_png",
        "canvas_size",
        "brush",
        "strokes",
    ):
        assert getattr(back, field) == getattr(original, field), field
    assert np.abs(back.input28 - original.input28).max() <= 0.5 / 255


def test_eight_threads_saving_fifty_each_keep_all_four_hundred(database_url):
    store = CorrectionStore(database_url)
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                store.save(drawing(label=(n + i) % 10, seed=n * 100 + i))
        except Exception as error:  # collected, so a failure is visible in the main thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert store.count() == 400 and len({d.id for d in store.records()}) == 400


WRITER = """
from test_corrections import drawing
from digitnet.storage.corrections import CorrectionStore
store = CorrectionStore({db!r})
for i in range(100000):
    print(store.save(drawing(seed=i)), flush=True)
"""


def test_a_process_killed_while_writing_leaves_every_acknowledged_record(tmp_path):
    db = tmp_path / "db.sqlite3"
    script = WRITER.format(db=str(db))
    # run from tests/ so that the writer imports the drawing these tests make; digitnet is installed
    tests = PROJECT_ROOT / "tests"
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tests)
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        acknowledged.append(int(writer.stdout.readline()))
    os.kill(writer.pid, signal.SIGKILL)  # mid-write, with no chance to clean up
    writer.wait()
    stored = {d.id for d in CorrectionStore(db).records()}
    assert len(acknowledged) == 30 and set(acknowledged) <= stored


def test_a_database_that_cannot_be_written_says_why_without_the_servers_paths(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("a file where the folder should be")  # unwritable even for root, unlike chmod
    store = CorrectionStore(not_a_folder / "db.sqlite3")
    for attempt in (store.check_writable, lambda: store.save(drawing())):
        with pytest.raises(CorrectionStoreError) as caught:
            attempt()
        assert str(caught.value).startswith("Corrections cannot be saved on this server: its folder cannot be made")
        assert str(tmp_path) not in str(caught.value) and "Errno" not in str(caught.value)


def test_the_write_check_passes_where_drawings_can_be_saved_and_fails_on_a_damaged_file(tmp_path):
    CorrectionStore(tmp_path / "new" / "db.sqlite3").check_writable()  # a writable place raises nothing
    assert (tmp_path / "new" / "db.sqlite3").is_file() and CorrectionStore(tmp_path / "new" / "db.sqlite3").count() == 0
    (tmp_path / "damaged.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(CorrectionStoreError, match="cannot be saved on this server: its database file is damaged"):
        CorrectionStore(tmp_path / "damaged.sqlite3").check_writable()


def test_answering_twice_for_one_drawing_keeps_one_record_with_the_last_label(database_url):
    store = CorrectionStore(database_url)
    first = store.save(replace(drawing(label=3), session="visitor-a"))
    assert store.save(replace(drawing(label=5), session="visitor-a")) == first
    confirmed = replace(drawing(label=7), session="visitor-a", confirmed=True, predicted=7)
    assert store.save(confirmed) == first
    (record,) = store.records()
    assert (record.label, record.confirmed, record.predicted) == (7, True, 7)
    store.save(replace(drawing(label=5), session="visitor-b"))  # the same picture from someone else
    store.save(replace(drawing(label=5, seed=1), session="visitor-a"))  # another drawing
    assert [d.label for d in store.records()] == [7, 5, 5]


def database_of_the_code_before(path, schema: str) -> CorrectionStore:
    """A database made by earlier code with `schema`, holding one drawing labelled 2; and a store on it now."""
    import sqlite3

    with sqlite3.connect(path) as old:
        old.execute(schema)
        old.execute(
            "INSERT INTO drawings (created, label, confirmed, predicted, probs, model_version, canvas_png, input28)"
            " VALUES ('2026-01-01', 2, 0, 3, '[]', 'v', x'00', ?)",
            (bytes(784),),
        )
    old.close()
    return CorrectionStore(path)


def test_a_database_from_before_drawing_keys_is_upgraded_and_keeps_its_rows(tmp_path):
    store = database_of_the_code_before(tmp_path / "old.sqlite3", SCHEMA.replace(",\n    drawing_key TEXT", ""))
    store.save(drawing(label=4))
    store.save(drawing(label=6))
    assert [d.label for d in store.records()] == [2, 6]


def test_a_database_of_digits_only_is_upgraded_to_take_not_a_digit_and_keeps_its_rows(tmp_path):
    store = database_of_the_code_before(
        tmp_path / "old.sqlite3", SCHEMA.replace(LABEL_CHECK, "CHECK (label BETWEEN 0 AND 9)")
    )
    store.save(drawing(label=NOT_A_DIGIT))
    assert [d.label for d in store.records()] == [2, NOT_A_DIGIT]
    with pytest.raises(CorrectionStoreError, match="CHECK constraint failed"):
        store.save(drawing(label=NOT_A_DIGIT + 1, seed=1))
    store.save(drawing(label=5))  # the same drawing again: the key's unique index came through, one record updated
    assert [d.label for d in store.records()] == [2, 5]


def schema_and_version(path) -> tuple[list[tuple], int, list[tuple]]:
    """What a database's tables and indexes are (quotes aside), its user_version, and its rows."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        tables = connection.execute("SELECT type, name, replace(sql, '\"', '') FROM sqlite_master ORDER BY name")
        shape = tables.fetchall()
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        rows = connection.execute("SELECT id, label, drawing_key FROM drawings ORDER BY id").fetchall()
    connection.close()
    return shape, version, rows


def test_a_new_database_ends_at_the_latest_version_and_each_migration_runs_once(tmp_path, monkeypatch):
    import sqlite3

    CorrectionStore(tmp_path / "new.sqlite3").check_writable()
    assert schema_and_version(tmp_path / "new.sqlite3")[1] == LATEST_VERSION
    counted = (
        *corrections_schema.MIGRATIONS,
        both("CREATE TABLE IF NOT EXISTS runs (n)", "INSERT INTO runs VALUES (1)"),
    )
    monkeypatch.setattr(corrections_schema, "MIGRATIONS", counted)
    monkeypatch.setattr(corrections_schema, "LATEST_VERSION", len(counted))
    store = CorrectionStore(tmp_path / "new.sqlite3")
    store.save(drawing())
    assert store.count() == 1 and [d.label for d in store.records()] == [7]  # three more openings
    with sqlite3.connect(tmp_path / "new.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
        assert connection.execute("PRAGMA user_version").fetchone() == (len(counted),)
    connection.close()


@pytest.mark.parametrize(
    "schema",
    [FIRST_TABLE, SCHEMA.replace(LABEL_CHECK, "CHECK (label BETWEEN 0 AND 9)"), SCHEMA],
    ids=["first", "keys", "not-a-digit"],
)
def test_a_database_of_every_earlier_code_ends_like_a_new_one(tmp_path, schema):
    import sqlite3

    store = database_of_the_code_before(tmp_path / "old.sqlite3", schema)
    if "drawing_key" in schema:  # the code that added keys made their index at once
        with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
            connection.execute(KEY_INDEX)
        connection.close()
    store.save(drawing(label=4))
    CorrectionStore(tmp_path / "new.sqlite3").check_writable()
    old_shape, old_version, rows = schema_and_version(tmp_path / "old.sqlite3")
    new_shape, new_version, _ = schema_and_version(tmp_path / "new.sqlite3")
    assert (old_shape, old_version) == (new_shape, new_version) and [row[1] for row in rows] == [2, 4]


def test_a_database_with_the_last_unnumbered_table_is_stamped_and_never_copied(tmp_path):
    import sqlite3

    db = tmp_path / "db.sqlite3"
    database_of_the_code_before(db, SCHEMA)
    with sqlite3.connect(db) as connection:
        connection.execute(KEY_INDEX)
        table = "SELECT rootpage FROM sqlite_master WHERE name = 'drawings'"
        before = connection.execute(table).fetchone()  # another root page would mean the table was copied
    connection.close()
    _, _, rows = schema_and_version(db)
    CorrectionStore(db).check_writable()  # a writer migrates
    with sqlite3.connect(db) as connection:
        assert connection.execute(table).fetchone() == before
    connection.close()
    _, version, rows_after = schema_and_version(db)
    assert (version, rows_after) == (LATEST_VERSION, rows)


def test_reading_an_old_database_changes_nothing_in_it(tmp_path):
    db = tmp_path / "db.sqlite3"
    database_of_the_code_before(db, FIRST_TABLE)
    before = db.read_bytes()
    store = CorrectionStore(db)
    assert store.count() == 1 and [d.label for d in store.records()] == [2]
    store.export(tmp_path / "out.zip")
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite3", "out.zip"]


def test_an_export_from_a_foreign_sqlite_file_says_so_and_leaves_it_as_it_was(tmp_path, capsys):
    import sqlite3

    from digitnet.cli import main as cli

    db = tmp_path / "notes.sqlite3"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('not a drawing')")
    connection.close()
    before = db.read_bytes()
    assert cli(["corrections", "export", str(tmp_path / "out.zip"), "--db", str(db)]) == 1
    assert "holds no corrections" in capsys.readouterr().err
    assert db.read_bytes() == before and not (tmp_path / "notes.sqlite3-wal").exists()


def test_a_damaged_row_is_a_feedback_error_and_the_cli_says_it_in_one_line(tmp_path, capsys):
    import sqlite3

    from digitnet.cli import main as cli

    db = tmp_path / "db.sqlite3"
    CorrectionStore(db).save(drawing())
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE drawings SET input28 = x'0102'")  # 2 bytes where 784 belong
    connection.close()
    with pytest.raises(CorrectionStoreError, match="drawing 1 is damaged"):
        CorrectionStore(db).records()
    assert cli(["feedback", "export", str(tmp_path / "out.zip"), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {db}: ") and "drawing 1 is damaged" in err


def test_no_connection_is_left_open_when_the_first_statement_fails(tmp_path, monkeypatch):
    import sqlite3

    opened = []

    class Tracked(sqlite3.Connection):
        is_closed = False

        def close(self) -> None:
            self.is_closed = True
            super().close()

    real_connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: opened.append(real_connect(*a, factory=Tracked, **k)) or opened[-1]
    )
    db = tmp_path / "damaged.sqlite3"
    db.write_bytes(b"not a database" * 100)  # fails at the first PRAGMA
    for attempt in (
        CorrectionStore(db).count,
        CorrectionStore(db).records,
        lambda: CorrectionStore(db).save(drawing()),
    ):
        with pytest.raises(CorrectionStoreError, match="its database file is damaged"):
            attempt()
    assert len(opened) == 3 and all(connection.is_closed for connection in opened)


def test_export_writes_pngs_and_a_csv_matching_the_records(database_url, tmp_path):
    store = CorrectionStore(database_url)
    for i in range(5):
        store.save(drawing(label=i, seed=i))
    out = tmp_path / "export.zip"
    assert store.export(out) == 5
    with zipfile.ZipFile(out) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("labels.csv").decode())))
        assert [int(r["label"]) for r in rows] == [d.label for d in store.records()]
        assert archive.read(rows[2]["file"]) == store.records()[2].canvas_png
        assert f"input28/{rows[0]['id']}.png" in archive.namelist()


def test_the_cli_exports_the_database(tmp_path, capsys):
    from digitnet.cli import main as cli

    db = tmp_path / "db.sqlite3"
    CorrectionStore(db).save(drawing())
    assert cli(["feedback", "export", str(tmp_path / "out.zip"), "--db", str(db)]) == 0
    assert "wrote 1 drawings" in capsys.readouterr().out
    assert cli(["feedback", "export", str(tmp_path / "no" / "such" / "dir.zip"), "--db", str(db)]) == 1
    assert "error:" in capsys.readouterr().err


def test_a_damaged_database_gives_a_clear_message(tmp_path):
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CorrectionStoreError, match="cannot be read: its database file is damaged"):
        CorrectionStore(db).count()


def test_setting_up_a_new_file_that_another_connection_holds_is_tried_again(tmp_path):
    import sqlite3

    from digitnet.storage import database

    class LockedTwice:  # what a connection sees while another one is switching the new file to WAL
        def __init__(self, connection: sqlite3.Connection) -> None:
            self.connection, self.refusals = connection, 2

        def execute(self, sql: str, *args):
            if sql.startswith("PRAGMA journal_mode") and self.refusals:
                self.refusals -= 1
                raise sqlite3.OperationalError("database is locked")
            return self.connection.execute(sql, *args)

        def __getattr__(self, name: str):  # commit, rollback: the connection's own
            return getattr(self.connection, name)

    connection = LockedTwice(sqlite3.connect(tmp_path / "db.sqlite3"))
    database.prepare(connection)
    assert connection.refusals == 0 and connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
