"""The web calendar in a real browser (Debian's Chromium driven by Playwright), with an axe-core
accessibility scan of every kind of page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from generators.loader import load_campaign
from tests.conftest import TINY, revised
from tests.web.live import serving
from web import create_app

#: The tiny campaign with its quality week moved to start on the day of the conference, so that a day
#: of the month grid holds two activities.
WEEK = ("start = 2030-09-10\nend = 2030-09-14", "start = 2030-09-03\nend = 2030-09-07")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "tiny"
    shutil.copytree(TINY, folder)
    activities = folder / "activities.toml"
    text = activities.read_text(encoding="utf-8")
    assert text.count(WEEK[0]) == 1
    activities.write_text(text.replace(*WEEK), encoding="utf-8")
    return revised(folder)


@pytest.fixture(scope="module")
def server(data: Path) -> Iterator[str]:
    app = create_app(
        {"TESTING": True, "DATA_DIR": data, "DATABASE_URL": f"sqlite:///{data.parent / 'state.sqlite'}"}
    )
    with serving(app) as url:
        yield url


def test_month_grid_in_both_scripts(page: Page, server: str, data: Path) -> None:
    page.goto(server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    expect(page.locator("table.month caption")).to_have_text("2030年9月")
    day = page.locator('td[data-date="2030-09-03"]')
    expect(day.get_by_role("link", name="質量大會")).to_be_visible()
    expect(day.locator("li")).to_have_count(2)  # the conference and the first day of the week
    # Every activity with a date of its own on each of its days (the week on all five), the others on none.
    days = sum(len(a.span.days()) for a in load_campaign(data).activities if a.span.own)
    expect(page.locator("table.month td li")).to_have_count(days)
    page.get_by_role("link", name="简体中文").click()
    expect(page).to_have_url(server + "/hans/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator('td[data-date="2030-09-03"]').get_by_role("link", name="质量大会")).to_be_visible()


def test_filter_and_subscribe_panel(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("篩選").select_option("organizers/samr/")
    page.get_by_role("button", name="顯示").click()
    expect(page).to_have_url(server + "/organizers/samr/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("國家市場監督管理總局")
    panel = page.locator("aside.subscribe")
    webcal = panel.get_by_role("link", name="以行事曆程式訂閱（Apple 行事曆、Thunderbird）")
    expect(webcal).to_have_attribute(
        "href", "webcal://127.0.0.1:" + server.rsplit(":", 1)[1] + "/feeds/organizer-samr.ics"
    )
    expect(panel.get_by_role("link", name="加入 Google 日曆")).to_have_attribute(
        "href",
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F127.0.0.1%3A"
        + server.rsplit(":", 1)[1]
        + "%2Ffeeds%2Forganizer-samr.ics",
    )
    expect(panel.get_by_role("img", name="以手機掃描訂閱")).to_be_visible()
    download = panel.get_by_role("link", name="下載 .ics 檔案")
    response = page.request.get(download.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VCALENDAR" in response.body()


def test_the_subscribe_page_copies_the_feed_url(browser: Browser, server: str) -> None:
    """On a phone: the copy button puts the feed's URL on the clipboard; without JavaScript the button
    is not shown and the read-only field can still be selected."""
    url = server + "/kinds/week/subscribe"
    feed = server + "/feeds/kind-week.ics"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("主題周")
    expect(page.get_by_role("img")).to_have_count(0)  # the page a QR code opens shows none
    field = page.get_by_label("訂閱網址")
    expect(field).to_have_value(feed)
    page.get_by_role("button", name="複製網址").click()
    expect(page.get_by_role("button", name="已複製")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == feed
    context.close()
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    page.goto(url)
    expect(page.locator("button.copy")).to_be_hidden()
    field = page.get_by_label("訂閱網址")
    field.select_text()
    assert page.evaluate("[document.activeElement.selectionStart, document.activeElement.selectionEnd]") == [
        0,
        len(feed),
    ]
    plain.close()


def test_phone_layout_has_no_sideways_scroll(browser: Browser, server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    for path in ("/", "/list", "/activities/quality-week", "/subscribe", "/hans/organizers/samr/subscribe"):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.goto(server + "/")
    expect(page.locator('td[data-date="2030-09-02"]')).to_be_hidden()  # no dated activity that day
    expect(page.locator('td[data-date="2030-09-03"]')).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/", "/list", "/list?date=2030-09-03", "/organizers/samr/", "/kinds/week/list", "/activities/quality-week",
     "/hans/", "/hans/activities/quality-conference", "/organizers/nobody/", "/posters", "/subscribe",
     "/hans/kinds/week/subscribe", "/activities/benchmark-exchange"],
)  # fmt: skip
def test_accessibility(page: Page, server: str, path: str) -> None:
    page.goto(server + path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
