"""A room end to end in Debian's chromium: a presenter makes it, two visitors draw (one on a phone), their
drawings reach the wall by themselves, the presenter hides one, and a guessed key opens nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from test_browser import PHONE, chromium, draw_digit, samples  # noqa: F401 (fixtures)

from bench.chromium import (
    TIMEOUT_MS,
    canvas_origin,
    new_context,
    preview_source,
    streamlit_server,
    touch_stroke,
    wait_for_new_read,
)
from digitnet.storage.rooms import RoomStore

pytestmark = [pytest.mark.browser, pytest.mark.data]
WAIT = {"timeout": TIMEOUT_MS}  # this 2-core machine is shared: the page's answers may take a while


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on a database of its own: (its address, the database)."""
    db = tmp_path_factory.mktemp("rooms") / "db.sqlite3"
    with streamlit_server(env={"DIGITNET_FEEDBACK_DB": str(db)}) as address:
        yield address, db


def make_room(browser, url: str):
    """The presenter opens the Wall page and makes a room; (their page, the room's code, the key)."""
    presenter = new_context(browser, viewport={"width": 1400, "height": 1000}).new_page()
    presenter.goto(f"{url}/Wall")
    presenter.get_by_role("button", name="Make a room").click()
    presenter.wait_for_url("**key=**")
    params = parse_qs(urlsplit(presenter.url).query)
    return presenter, params["room"][0], params["key"][0]


def answer_right(page, code: str) -> None:
    """Confirm the page's answer: in a room, that sends the drawing to the wall."""
    page.get_by_role("button", name="Right!").click()
    expect(page.get_by_text("Thank you!")).to_be_visible(**WAIT)


def test_two_visitors_drawings_reach_the_wall_and_the_presenter_hides_one(chromium, served, samples):  # noqa: F811
    url, db = served
    presenter, code, key = make_room(chromium, url)
    expect(presenter.get_by_text(f"?room={code}")).to_be_visible(**WAIT)
    expect(presenter.locator('[data-testid="stImage"] img').first).to_be_visible(**WAIT)  # the QR code
    expect(presenter.get_by_text("No drawings yet")).to_be_visible(**WAIT)

    laptop = new_context(chromium, viewport={"width": 1280, "height": 1000}).new_page()
    laptop.goto(f"{url}/?room={code}")
    expect(laptop.get_by_text(f"You are in room {code}")).to_be_visible(**WAIT)  # before anything is sent
    assert draw_digit(laptop, samples[7][1]) == "7"
    answer_right(laptop, code)

    phone_context = new_context(chromium, viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    phone = phone_context.new_page()
    phone.goto(f"{url}/?room={code}")
    expect(phone.get_by_text(f"You are in room {code}")).to_be_visible(**WAIT)
    cdp = phone_context.new_cdp_session(phone)
    for stroke in samples[3][1]:
        before = preview_source(phone)
        touch_stroke(cdp, stroke, canvas_origin(phone))
        shown = wait_for_new_read(phone, before)
    assert shown == "3"
    answer_right(phone, code)

    hide = presenter.get_by_role("button", name="Hide")
    expect(hide).to_have_count(2, **WAIT)  # the wall updated by itself: nobody touched the presenter's page
    expect(presenter.get_by_text("2 drawings, read right 2 times")).to_be_visible(**WAIT)
    hide.first.click()  # the newest: the phone's 3
    expect(hide).to_have_count(1, **WAIT)
    wall = RoomStore(db).wall(code, key)
    assert [(d.label, d.hidden) for d in wall.drawings] == [(7, False), (3, True)]


@pytest.mark.parametrize("key", ["", "a-guessed-key-of-the-right-length-1234"], ids=["none", "guessed"])
def test_the_walls_controls_are_refused_without_the_presenters_key(chromium, served, key):  # noqa: F811
    url, db = served
    room = RoomStore(db).create()
    page = new_context(chromium, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{url}/Wall?room={room.code}&key={key}")
    expect(page.get_by_text("Only the presenter's own link does")).to_be_visible(**WAIT)
    for control in ("Pause", "Clear the wall", "Close the room", "Hide", "Learn from this room"):
        expect(page.get_by_role("button", name=control)).to_have_count(0, **WAIT)
    assert RoomStore(db).wall(room.code, room.key).room.state == "open"
