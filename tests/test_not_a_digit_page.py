"""The page when the model says a drawing is no digit: the words, the greyed chart, corrections, the Number tab."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from conftest import draw_seven
from digitnet.constants import NOT_A_DIGIT
from digitnet.storage.corrections import CorrectionStore
from digitnet.words import IF_A_DIGIT, NOT_A_DIGIT_HEADLINE, NOT_A_DIGIT_WORDS
from test_app import canvas_value, draw, open_page


def test_a_drawing_that_is_no_digit_gets_no_answer_but_can_be_corrected(monkeypatch, refusing_checkpoint):
    page = draw(open_page(monkeypatch, refusing_checkpoint), draw_seven(size=320))
    assert NOT_A_DIGIT_HEADLINE in page.subheader[0].value and "guess a digit, I'd say a 4" in page.info[0].value
    assert not [m for m in page.metric if m.label == "Prediction"] and not page.success
    chart = page.get("vega_lite_chart")[0]  # the Draw tab's (the Upload tab's waits empty beside it)
    assert json.loads(chart.proto.spec)["title"] == IF_A_DIGIT
    store = CorrectionStore(refusing_checkpoint.parent / "feedback.sqlite3")
    next(b for b in page.button if b.label == "Right!").click().run()  # agreeing: it is no digit
    assert not page.exception and "Saved as not a digit" in page.success[0].value
    assert [(d.label, d.confirmed) for d in store.records()] == [(NOT_A_DIGIT, True)]
    meant = next(w for w in page.button_group if w.label == "Meant a digit? It's a…")
    assert meant.options == [str(d) for d in range(10)]  # no "not a digit" choice: Right! already says so
    meant.set_value(7).run()
    assert not page.exception and "Saved as a 7" in page.success[0].value
    assert [(d.label, d.confirmed) for d in store.records()] == [(7, False)]


def test_the_number_tab_marks_pieces_that_are_no_digit(monkeypatch, refusing_checkpoint):
    page = open_page(monkeypatch, refusing_checkpoint)
    picture = Image.new("RGBA", (960, 320), (0, 0, 0, 0))
    picture.paste(Image.fromarray(draw_seven(size=320)), (0, 0))
    picture.paste(Image.fromarray(draw_seven(size=320)), (480, 0))
    page.session_state["number-canvas"] = canvas_value(np.asarray(picture))
    page.run()
    assert not page.exception and next(m for m in page.metric if m.label == "Number").value == "??"
    assert [i.proto.imgs[0].caption for i in page.get("image")] == [NOT_A_DIGIT_WORDS] * 2
