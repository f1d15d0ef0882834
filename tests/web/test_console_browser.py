"""The console in a real browser, as a facility manager uses it: sign in, add a screen with the evening
programme, open its kiosk URL on a second browser, see it play and appear online, change a slide's
length and see the page take it within seconds; no restart, no file edited. Under the site's CSP, with
an axe scan of each console page, and every form working without JavaScript (there is none)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from generators.loader import load_current
from generators.posters.batch import render_set
from tests.conftest import TINY, TINY_FLEET
from tests.web.live import serving
from web import create_app
from web import staff as accounts
from web.state import State

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("console")
    data = folder / "data"
    (data / "2030").mkdir(parents=True)
    for path in TINY.iterdir():
        (data / "2030" / path.name).write_bytes(path.read_bytes())
    (data / "screens.toml").write_bytes(TINY_FLEET.read_bytes())
    campaign = load_current(data / "2030")
    render_set(campaign, folder / "posters", "http://127.0.0.1/", workers=2,
               only=lambda j: j.format == "kiosk-landscape" and j.script == "hant"
               and j.design in {"theme", *(s.design for s in campaign.slogans)})  # fmt: skip
    url = f"sqlite:///{folder / 'state.sqlite'}"
    app = create_app({"TESTING": True, "DATA_DIR": data / "2030", "POSTER_DIR": str(folder / "posters"),
                      "DATABASE_URL": url})  # fmt: skip
    accounts.add(State(url), "管理員", PASSWORD, dt.datetime.now(dt.UTC))
    with serving(app) as base:
        yield base


def no_violations(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_facility_manager_adds_a_screen_and_changes_a_slide(
    browser: Browser, page: Page, server: str
) -> None:
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server + "/console")
    no_violations(page)
    page.get_by_label("名稱").fill("管理員")
    page.get_by_label("密碼").fill("not the password")
    page.get_by_role("button", name="登入").click()
    expect(page.locator("#problem")).to_contain_text("名稱或密碼不對")
    page.get_by_label("名稱").fill("管理員")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("heading", name="控制台：資訊屏")).to_be_visible()
    no_violations(page)

    # Add the screen.
    page.get_by_role("link", name="新增資訊屏").click()
    no_violations(page)
    page.get_by_label("代號").fill("meeting-3f")
    page.get_by_label("名稱").fill("三樓會議室")
    page.get_by_label("位置").fill("三樓電梯口")
    page.get_by_label("畫面尺寸").select_option("kiosk-landscape")
    page.get_by_label("平時節目").select_option("evening")
    page.get_by_role("button", name="儲存").click()
    expect(page.locator("#saved")).to_contain_text("已儲存第 2 版")
    row = page.locator('tr[data-screen="meeting-3f"]')
    expect(row).to_contain_text("三樓會議室")
    expect(row).to_contain_text("尚無金鑰")

    # Its key, shown once with the kiosk URL.
    row.get_by_role("button", name="產生金鑰").click()
    url = page.get_by_label("資訊屏網址（含金鑰）").input_value()
    assert re.fullmatch(re.escape(server) + r"/kiosk/meeting-3f#key=[A-Za-z0-9_-]{40,}", url)
    no_violations(page)

    # The screen: a second browser opens the URL, plays, and reports itself.
    screen = browser.new_context(viewport={"width": 960, "height": 540})
    kiosk = screen.new_page()
    kiosk.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    kiosk.goto(url)
    html = kiosk.locator("html")
    expect(html).to_have_attribute("data-version", re.compile("^[0-9a-f]{16}$"), timeout=15000)
    expect(html).not_to_have_attribute("data-current-slide", "")
    expect(html).to_have_attribute("data-beat", "ok", timeout=15000)
    assert "key=" not in kiosk.url
    page.goto(server + "/screens")
    expect(page.locator('tr[data-screen="meeting-3f"]')).to_have_class("online")

    # A slide's length: the evening programme's theme from 30 to 40 seconds; the page takes it.
    version = html.get_attribute("data-version")
    page.goto(server + "/console/programmes/evening")
    no_violations(page)
    theme = page.locator("tbody tr").filter(has=page.locator('select option[selected]:text-is("theme")'))
    theme.get_by_label(re.compile("^秒")).fill("40")
    page.get_by_label("修改原因").fill("主題畫面多留十秒")
    page.get_by_role("button", name="儲存").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(html).not_to_have_attribute("data-version", version or "", timeout=10000)
    kept = json.loads(kiosk.evaluate("localStorage.getItem('programme:meeting-3f')"))
    lengths = {
        s["id"]: s["ms"] for seg in kept["segments"] if seg["programme"] == "evening" for s in seg["slides"]
    }
    assert lengths["theme"] == 40000

    # The history says who, why; the public dashboard has no console link for a visitor.
    page.goto(server + "/console/history")
    expect(page.locator('tr[data-version="3"]')).to_contain_text("主題畫面多留十秒")
    expect(page.locator('tr[data-version="3"]')).to_contain_text("管理員")
    no_violations(page)
    visitor = browser.new_context().new_page()
    visitor.goto(server + "/screens")
    expect(visitor.locator("#console-link")).to_have_count(0)
    visitor.context.close()
    screen.close()
    assert not blocked


def test_the_console_needs_no_javascript(browser: Browser, server: str, tmp_path: Path) -> None:
    """With scripts off, sign-in and a save work the same (plain forms), and say so."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/hans/console")
    page.get_by_label("名称").fill("管理員")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("heading", name="控制台：资讯屏")).to_be_visible()
    page.goto(server + "/hans/console/programmes")
    page.get_by_label("日期").fill("2030-09-20")
    page.get_by_label("节目").select_option("evening")
    page.get_by_role("button", name="新增特别日").click()
    expect(page.locator("#saved")).to_be_visible()
    page.goto(server + "/hans/console/programmes")
    expect(page.locator('li[data-special="2030-09-20"]')).to_contain_text("evening")
    context.close()
