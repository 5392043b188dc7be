"""The model page (AppTest) from metrics made in a temp dir, whole or with fields missing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import train
from digitnet.constants import PROJECT_ROOT
from digitnet.ui.report import curve_records, mistake_pictures
from digitnet.words import NO_REPORT

PAGE = str(PROJECT_ROOT / "pages" / "1_The_model.py")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> tuple[Path, dict]:
    """A tiny model trained for a few batches on synthetic data, with its metrics JSON."""
    from conftest import synthetic_data_root

    root = synthetic_data_root(tmp_path_factory.mktemp("data"))
    out = tmp_path_factory.mktemp("model") / "smoke.pt"
    train.main(["--smoke", "--data-dir", str(root), "--out", str(out), "--threads", "1"])
    return out, json.loads(out.with_suffix(".json").read_text())


def open_page(monkeypatch, checkpoint: Path) -> AppTest:
    monkeypatch.setenv("DIGITNET_CHECKPOINT", str(checkpoint))
    page = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not page.exception
    return page


def test_the_page_shows_what_training_recorded(monkeypatch, smoke_run):
    checkpoint, metrics = smoke_run
    page = open_page(monkeypatch, checkpoint)
    assert page.metric[0].value == f"{metrics['test']['accuracy']:.2%}"
    assert f"wrong on **{metrics['test']['errors']} of" in page.markdown[0].value
    assert len(page.get("image")) == len(metrics["test"]["mistakes"]) > 0
    assert len(page.get("vega_lite_chart")) == 3 and not page.warning
    drawn = metrics["drawn_test"]["unipen"]
    sentence = f"Right on **{drawn['accuracy']:.2%}** of {drawn['count']} digits drawn by 1 person it never saw"
    assert any(sentence in m.value and "(unipen)" in m.value for m in page.markdown)


def test_the_page_speaks_to_a_visitor_not_to_an_engineer(monkeypatch, smoke_run):
    checkpoint, metrics = smoke_run
    page = open_page(monkeypatch, checkpoint)
    text = " ".join(m.value for m in page.markdown)
    curves = json.loads(page.get("vega_lite_chart")[0].proto.spec)
    words = json.dumps(curves)
    for jargon in ('"acc"', '"loss"', '"split"', '"train"', '"val"', '"epoch"'):
        assert jargon not in words, jargon  # the training curves name their lines and axes in words
    assert "percentage points" in text and "before" not in text  # calibration: one figure, what the page shows
    assert "Linear" in text and "not a digit" in text  # the last layer's 11 outputs explained
    assert "digitnet corrections export" not in text and "train.py" not in text
    assert f"learned from {metrics['train']['data']['train_images']:,} pictures" in text
    assert "Training time" not in [m.label for m in page.metric]


def test_missing_fields_are_named_and_the_rest_is_shown(monkeypatch, smoke_run, tmp_path):
    _, metrics = smoke_run
    partial = {key: value for key, value in metrics.items() if key not in ("history", "drawn_test")}
    (tmp_path / "partial.json").write_text(json.dumps(partial))
    page = open_page(monkeypatch, tmp_path / "partial.pt")
    warnings = " ".join(w.value for w in page.warning)
    assert "history" in warnings and "drawn_test" in warnings
    assert page.metric[0].label == "Test digits read right" and len(page.get("vega_lite_chart")) == 2


def test_nested_fields_missing_are_named_and_the_rest_is_shown(monkeypatch, smoke_run, tmp_path):
    _, metrics = smoke_run
    partial = json.loads(json.dumps(metrics))
    del partial["test"]["ece"], partial["model"]["macs"], partial["train"]["data"]["train_images"]
    del partial["history"][0]["val_acc"], partial["test"]["mistakes"], partial["model"]["layers"][1]["output"]
    (tmp_path / "partial.json").write_text(json.dumps(partial))
    page = open_page(monkeypatch, tmp_path / "partial.pt")
    warnings = [w.value for w in page.warning]
    for field in ("model.macs", "train.data.train_images", "history.*.val_acc", "test.ece", "test.mistakes"):
        assert sum(field in w for w in warnings) == 1, field
    assert any("model.layers.*.output" in w for w in warnings)
    assert not page.metric  # the headline needs the missing fields; the sections that have theirs are drawn:
    assert len(page.get("vega_lite_chart")) == 1 and len(page.dataframe) == 1  # confusion matrix and scores


def test_no_metrics_file_is_said_in_words_and_its_path_and_remedy_only_in_the_log(monkeypatch, tmp_path, caplog):
    page = open_page(monkeypatch, tmp_path / "none.pt")
    assert page.error[0].value == NO_REPORT and str(tmp_path) not in page.error[0].value
    assert f"No metrics at {tmp_path / 'none.json'}" in caplog.text and ".venv/bin/python train.py" in caplog.text


def test_mistake_pixels_round_trip_from_training_to_the_gallery(smoke_run):
    _, metrics = smoke_run
    mistake = metrics["test"]["mistakes"][0]
    picture, caption = mistake_pictures([mistake])[0]
    assert picture.shape == (28, 28) and picture.min() >= 0 and picture.max() <= 1
    assert caption.startswith(f"a {mistake['label']}, read {mistake['predicted']}")
    assert len(curve_records(metrics["history"])) == 4 * len(metrics["history"])
    assert np.isclose(sum(mistake["probs"]), 1, atol=1e-3)


def test_the_collected_drawings_are_an_operators_download_built_only_when_asked(monkeypatch, smoke_run, tmp_path):
    from test_corrections import drawing

    from digitnet.storage.corrections import CorrectionStore

    checkpoint, _ = smoke_run
    db = tmp_path / "fb.sqlite3"
    monkeypatch.setenv("DIGITNET_FEEDBACK_DB", str(db))
    assert open_page(monkeypatch, checkpoint).markdown[-1].value.startswith("0 collected")
    for seed in range(3):
        CorrectionStore(db).save(drawing(seed=seed))
    exports = []
    real_export = CorrectionStore.export
    monkeypatch.setattr(CorrectionStore, "export", lambda self, out: exports.append(out) or real_export(self, out))
    visitor = open_page(monkeypatch, checkpoint)  # no secrets.toml: the default
    assert visitor.markdown[-1].value.startswith("3 collected") and not visitor.get("download_button")
    assert "digitnet corrections export" not in visitor.markdown[-1].value  # the operator's command: README's
    assert str(db) not in visitor.markdown[-1].value
    operator = AppTest.from_file(PAGE, default_timeout=60)
    operator.secrets["feedback_export"] = True
    operator.run()
    button = operator.get("download_button")
    assert not operator.exception and len(button) == 1 and "3 drawings" in button[0].proto.label
    assert exports == []  # nothing read or zipped until the button is pressed
