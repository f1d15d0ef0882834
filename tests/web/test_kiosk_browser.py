"""Kiosk pages in a real browser (Debian's Chromium, Playwright's clock control): slides in order with
their durations, two pages in step, rotation offline and across midnight, an edit reaching the page,
and never a blank frame."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from generators.kiosk import load_fleet, showing_at, timeline
from generators.loader import load_current
from generators.poster_set import render_set
from tests.conftest import DATA
from tests.web.live import serving
from web import create_app

ZONE = load_current(DATA).timezone
SCREEN = "hq-lobby-east"
TOKEN = "test-admin-token"
CLOCK: dict[str, Any] = {"base": dt.datetime(2022, 9, 20, 10, 0, tzinfo=ZONE)}


def set_clock(base: dt.datetime) -> None:
    """The server's clock stands at ``base``, where the pages' installed clocks are paused: each page
    measures an offset of zero, and the test moves the pages' time itself."""
    CLOCK.update(base=base)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("kiosk")
    campaign = load_current(DATA)
    wanted = {"theme", *(s.design for s in campaign.slogans), "today-2022-09-20", "today-2022-09-21",
              "activity-casc-921-quality-day-video-conference", "activity-organic-product-certification-week"}  # fmt: skip
    render_set(campaign, folder / "posters", "http://127.0.0.1/", workers=2,
               only=lambda j: j.format == "kiosk-portrait" and j.script == "hant" and j.design in wanted)  # fmt: skip
    app = create_app({
        "TESTING": True, "DATA_DIR": DATA, "POSTER_DIR": str(folder / "posters"),
        "DATABASE_URL": f"sqlite:///{folder / 'state.sqlite'}", "ADMIN_TOKEN": TOKEN,
        "CLOCK": lambda: CLOCK["base"],
    })  # fmt: skip
    with serving(app) as url:
        yield url


def open_kiosk(browser: Browser, server: str, base: dt.datetime) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 540, "height": 960})
    page = context.new_page()
    page.clock.install(time=base - dt.timedelta(seconds=1))
    page.clock.pause_at(base)
    page.goto(f"{server}/kiosk/{SCREEN}")
    expect(page.locator("html")).not_to_have_attribute("data-version", "", timeout=10000)
    return context, page


def expected(moment: dt.datetime) -> str:
    campaign = load_current(DATA)
    fleet = load_fleet(DATA / "screens.toml", campaign)
    return showing_at(fleet, campaign, fleet.screen(SCREEN), moment).slide.id


def advance_to(page: Page, moment: dt.datetime, base: dt.datetime) -> None:
    page.clock.run_for(int((moment - base).total_seconds() * 1000))


def test_slides_in_order_with_their_durations(browser: Browser, server: str) -> None:
    base = dt.datetime(2022, 9, 20, 10, 0, 5, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    html = page.locator("html")
    expect(html).to_have_attribute("data-current-slide", expected(base))
    # Walk the next slides at their middles: the page changes exactly when the timeline says.
    campaign = load_current(DATA)
    fleet = load_fleet(DATA / "screens.toml", campaign)
    showing = showing_at(fleet, campaign, fleet.screen(SCREEN), base)
    clock = base
    for _ in range(6):
        showing = showing_at(
            fleet, campaign, fleet.screen(SCREEN), showing.end + dt.timedelta(milliseconds=1)
        )
        middle = showing.start + (showing.end - showing.start) / 2
        advance_to(page, middle, clock)
        clock = middle
        expect(html).to_have_attribute("data-current-slide", showing.slide.id)
    context.close()


def test_two_pages_stay_in_step(browser: Browser, server: str) -> None:
    base = dt.datetime(2022, 9, 20, 14, 3, 17, tzinfo=ZONE)
    set_clock(base)
    first, one = open_kiosk(browser, server, base)
    second, two = open_kiosk(browser, server, base)
    clock = base
    for step in (7, 13, 29, 41, 95):
        moment = base + dt.timedelta(seconds=step * 3 + 0.5)
        advance_to(one, moment, clock)
        advance_to(two, moment, clock)
        clock = moment
        want = expected(moment)
        expect(one.locator("html")).to_have_attribute("data-current-slide", want)
        expect(two.locator("html")).to_have_attribute("data-current-slide", want)
    first.close()
    second.close()


def test_offline_it_rotates_on_across_midnight(browser: Browser, server: str) -> None:
    base = dt.datetime(2022, 9, 20, 23, 58, 50, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10000)
    # Let the service worker keep the programme and every poster of the coming days.
    page.wait_for_timeout(1500)
    context.set_offline(True)
    midnight = dt.datetime(2022, 9, 21, 0, 0, 5, tzinfo=ZONE)
    advance_to(page, midnight, base)
    html = page.locator("html")
    # 2022-09-21 is the special day: the screen leads with the 航天 quality day.
    expect(html).to_have_attribute("data-current-slide", "activity-casc-921-quality-day-video-conference")
    expect(page.locator(".layer.front img")).to_have_js_property("naturalWidth", 1080)
    later = midnight + dt.timedelta(minutes=50)
    advance_to(page, later, midnight)
    expect(html).to_have_attribute("data-current-slide", expected(later))
    page.reload()  # even the page itself comes from the cache
    expect(html).to_have_attribute("data-current-slide", expected(later))
    context.close()


def test_an_edit_reaches_the_page_within_seconds(browser: Browser, server: str) -> None:
    base = dt.datetime(2022, 9, 20, 12, 0, 2, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    html = page.locator("html")
    before = html.get_attribute("data-version")
    page.wait_for_timeout(1000)  # the event stream is open
    started = time.monotonic()
    response = page.request.post(
        f"{server}/screens/{SCREEN}/reload", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.ok
    expect(html).not_to_have_attribute("data-version", before or "", timeout=3000)
    assert time.monotonic() - started < 3
    assert page.request.post(f"{server}/screens/{SCREEN}/reload").status == 401
    context.close()


def test_no_blank_frame_at_a_change(browser: Browser, server: str) -> None:
    base = dt.datetime(2022, 9, 20, 16, 0, 1, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    page.evaluate(
        """() => {
          window.frames_ = [];
          new MutationObserver(() => {
            const image = document.querySelector('.layer.front img');
            window.frames_.push(image.complete && image.naturalWidth > 0);
          }).observe(document.documentElement, { attributes: true, attributeFilter: ['data-current-slide'] });
        }"""
    )
    html = page.locator("html")
    campaign = load_current(DATA)
    fleet = load_fleet(DATA / "screens.toml", campaign)
    clock = base
    for _ in range(8):
        ends = showing_at(fleet, campaign, fleet.screen(SCREEN), clock).end
        moment = ends + dt.timedelta(milliseconds=500)
        advance_to(page, moment, clock)
        clock = moment
        expect(html).to_have_attribute("data-current-slide", expected(moment))
    frames = page.evaluate("window.frames_")
    assert len(frames) >= 8 and all(frames)
    context.close()


def test_heartbeats_reach_the_dashboard(browser: Browser, server: str, tmp_path: Path) -> None:
    base = dt.datetime(2022, 9, 20, 9, 30, 3, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    expect(page.locator("html")).not_to_have_attribute("data-current-slide", "")
    page.clock.run_for(40_000)  # the next heartbeat is due within 36 s
    page.wait_for_timeout(1000)
    screens = {s["id"]: s for s in page.request.get(f"{server}/screens.json").json()["screens"]}
    assert screens[SCREEN]["online"] is True
    campaign = load_current(DATA)
    fleet = load_fleet(DATA / "screens.toml", campaign)
    shown = {
        s.slide.id
        for s in timeline(fleet, campaign, fleet.screen(SCREEN), base, base + dt.timedelta(seconds=41))
    }
    assert screens[SCREEN]["showing"] in shown
    assert screens["service-hall"]["online"] is False
    context.close()
