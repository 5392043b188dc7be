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

import numpy as np
import pytest

from digitnet.constants import PROJECT_ROOT
from digitnet.feedback import Drawing, FeedbackError, FeedbackStore


def drawing(label: int = 7, seed: int = 0) -> Drawing:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(10)).round(4).tolist()
    return Drawing(
        label=label,
        confirmed=False,
        predicted=int(np.argmax(probs)),
        probs=probs,
        model_version="abc123def456",
        canvas_png=rng.bytes(300),
        input28=(rng.integers(0, 256, (28, 28)) / 255).astype(np.float32),
        canvas_size=(320, 320),
        brush=16,
        strokes={"objects": [{"type": "path", "path": [["M", 1, 2], ["L", 3, 4]]}]},
    )


def test_a_drawing_comes_back_as_it_was_saved(tmp_path):
    store = FeedbackStore(tmp_path / "fb" / "db.sqlite3")
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


def test_eight_threads_saving_fifty_each_keep_all_four_hundred(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite3")
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
import sys, numpy as np
sys.path[:0] = [{root!r}, {tests!r}]
from test_feedback import drawing
from digitnet.feedback import FeedbackStore
store = FeedbackStore({db!r})
for i in range(100000):
    print(store.save(drawing(seed=i)), flush=True)
"""


def test_a_process_killed_while_writing_leaves_every_acknowledged_record(tmp_path):
    db = tmp_path / "db.sqlite3"
    script = WRITER.format(root=str(PROJECT_ROOT), tests=str(PROJECT_ROOT / "tests"), db=str(db))
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        acknowledged.append(int(writer.stdout.readline()))
    os.kill(writer.pid, signal.SIGKILL)  # mid-write, with no chance to clean up
    writer.wait()
    stored = {d.id for d in FeedbackStore(db).records()}
    assert len(acknowledged) == 30 and set(acknowledged) <= stored


def test_a_database_that_cannot_be_written_gives_a_clear_message(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("a file where the folder should be")  # unwritable even for root, unlike chmod
    with pytest.raises(FeedbackError, match=r"Cannot open the feedback database .*file/db\.sqlite3"):
        FeedbackStore(not_a_folder / "db.sqlite3").save(drawing())


def test_export_writes_pngs_and_a_csv_matching_the_records(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite3")
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
    from digitnet.__main__ import main as cli

    db = tmp_path / "db.sqlite3"
    FeedbackStore(db).save(drawing())
    assert cli(["feedback", "export", str(tmp_path / "out.zip"), "--db", str(db)]) == 0
    assert "wrote 1 drawings" in capsys.readouterr().out
    assert cli(["feedback", "export", str(tmp_path / "no" / "such" / "dir.zip"), "--db", str(db)]) == 1
    assert "error:" in capsys.readouterr().err


def test_a_damaged_database_gives_a_clear_message(tmp_path):
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(FeedbackError, match="feedback database"):
        FeedbackStore(db).count()
