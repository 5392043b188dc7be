"""End to end in Debian's chromium: real pointer and touch strokes of real pen digits, Clear, upload, phone."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from browser import (
    CHROMIUM,
    METRIC,
    canvas_origin,
    clear_canvas,
    launch_chromium,
    mouse_stroke,
    preview_source,
    streamlit_server,
    touch_stroke,
    wait_for_idle,
    wait_for_new_read,
)
from conftest import held_out_pen_digits, skip_or_fail
from digitnet.constants import CANVAS_SIZE, DEFAULT_BRUSH, PROJECT_ROOT
from digitnet.strokes import STYLES, PenDigit, draw_strokes, place_strokes

pytestmark = [pytest.mark.browser, pytest.mark.data]
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshot.png"
MODEL_SCREENSHOT = PROJECT_ROOT / "docs" / "model-page.png"
HEIGHT_FRACTION = 0.6  # of the canvas: a digit drawn at a comfortable size
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def url():
    with streamlit_server() as address:
        yield address


@pytest.fixture(scope="module")
def samples() -> list[tuple[PenDigit, list[np.ndarray]]]:
    """One held-out writer's digit of each class, placed on the canvas, that the package reads right offline.

    The browser must then read exactly what the package reads: the page adds nothing and loses nothing.
    """
    from digitnet import load_predictor

    predictor = load_predictor()
    chosen = {}
    for digit in held_out_pen_digits():
        if digit.label in chosen:
            continue
        strokes = place_strokes(digit.strokes, CANVAS_SIZE, HEIGHT_FRACTION, (CANVAS_SIZE / 2, CANVAS_SIZE / 2))
        ink, background = STYLES["transparent"]
        offline = predictor.predict(draw_strokes(strokes, (CANVAS_SIZE, CANVAS_SIZE), DEFAULT_BRUSH, ink, background))
        if offline.digit == digit.label and offline.confidence > 0.9:
            chosen[digit.label] = (digit, strokes)
    return [chosen[label] for label in sorted(chosen)]


def draw_digit(page, strokes: list[np.ndarray]) -> str:
    """Draw every stroke, waiting for the page's answer after each; return the final answer."""
    origin = canvas_origin(page)
    for number, stroke in enumerate(strokes, 1):
        before = preview_source(page)
        mouse_stroke(page, stroke, origin)
        try:
            shown = wait_for_new_read(page, before)
        except Exception as error:
            raise AssertionError(f"no new prediction after stroke {number} of {len(strokes)}") from error
    return shown


def test_every_digit_drawn_with_the_mouse_is_read_and_clear_empties(chromium, url, samples, tmp_path):
    assert [digit.label for digit, _ in samples] == list(range(10))
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    for digit, strokes in samples:
        assert draw_digit(page, strokes) == str(digit.label), f"writer {digit.writer}'s {digit.label}"
        if digit.label == 3:
            page.screenshot(path=SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "page.png")
        clear_canvas(page)
        page.get_by_text("Draw a digit on the canvas").wait_for(timeout=15_000)
        assert page.locator(METRIC).count() == 0
    page.close()


def test_a_finger_on_a_phone_draws_and_the_page_fits_the_screen(chromium, url, samples):
    context = chromium.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(url)
    cdp = context.new_cdp_session(page)
    _, strokes = samples[7]
    page.locator("canvas.upper-canvas").first.scroll_into_view_if_needed()
    for stroke in strokes:
        before = preview_source(page)
        touch_stroke(cdp, stroke, canvas_origin(page))
        shown = wait_for_new_read(page, before)
    assert shown == "7"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    canvas, metric = page.locator("canvas.upper-canvas").first.bounding_box(), page.locator(METRIC).bounding_box()
    assert metric["y"] > canvas["y"] + canvas["height"]  # the result stacks below the canvas
    context.close()


def test_an_uploaded_picture_is_read(chromium, url, samples):
    _, strokes = samples[4]
    ink, background = STYLES["dark-on-light"]
    picture = draw_strokes(strokes, (CANVAS_SIZE, CANVAS_SIZE), DEFAULT_BRUSH, ink, background)
    buffer = io.BytesIO()
    Image.fromarray(picture).convert("RGB").save(buffer, "PNG")
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.get_by_role("tab", name="Upload").click()
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "four.png", "mimeType": "image/png", "buffer": buffer.getvalue()}]
    )
    page.locator(METRIC).first.wait_for(timeout=30_000)
    assert page.locator(METRIC).first.inner_text() == "4"
    page.close()


def test_the_model_page_opens(chromium, url, tmp_path):
    page = chromium.new_page(viewport={"width": 1280, "height": 1800})
    page.goto(f"{url}/The_model")
    page.get_by_text("How good is it?").wait_for(timeout=30_000)
    page.get_by_text("The network, layer by layer").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().endswith("%")
    page.wait_for_timeout(1000)  # let the charts draw before the picture
    page.screenshot(path=MODEL_SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / "model.png")
    page.close()


def test_a_three_digit_number_is_read_on_the_number_tab(chromium, url):
    from digitnet import load_predictor
    from digitnet.constants import CANVAS_SIZE as HEIGHT
    from digitnet.strokes import compose_number

    predictor, digits, rng = load_predictor(), held_out_pen_digits(), np.random.default_rng(3)
    while True:  # a number the package reads right offline: the page must then read the same
        number = [digits[i] for i in rng.choice(len(digits), 3, replace=False)]
        strokes, size = compose_number(number, rng, height=HEIGHT)
        truth = "".join(str(d.label) for d in number)
        offline = predictor.predict_number(draw_strokes(strokes, size, DEFAULT_BRUSH, *STYLES["transparent"]))
        if size[0] <= 3 * HEIGHT and "".join(str(p.digit) for p in offline) == truth:
            break
    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(url)
    page.get_by_role("tab", name="Number").click()
    origin = canvas_origin(page)
    for stroke in strokes:
        mouse_stroke(page, stroke, origin)
        page.wait_for_timeout(400)  # the canvas sends 200 ms after the pen lifts
        wait_for_idle(page)
    number = page.locator('[data-testid="stMetric"]').filter(has_text="Number").locator(METRIC)
    assert number.inner_text() == truth
    page.close()
