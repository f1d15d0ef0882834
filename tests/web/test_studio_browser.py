"""The poster studio in a real browser: the preview follows the form (the URL keeps the choice, so a link
reproduces the poster), a refusal shows its reason on the form, the page works without JavaScript,
passes the site's Content-Security-Policy and an axe-core scan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from generators.posters import FORMATS_BY_ID
from tests.conftest import TINY
from tests.web.live import serving
from web import create_app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("studio")
    app = create_app(
        {"TESTING": True, "DATA_DIR": TINY, "DATABASE_URL": f"sqlite:///{folder / 'state.sqlite'}",
         "STUDIO_CACHE": str(folder / "studio"), "POSTER_DIR": str(folder / "posters")}
    )  # fmt: skip
    with serving(app) as url:
        yield url


def _listen(page: Page) -> None:
    """Pass the page's "studio:state" events on to its console, where the test waits for them."""
    page.evaluate(
        "document.querySelector('form.studio-form').addEventListener('studio:state',"
        " e => console.log('studio:' + e.detail.state))"
    )


def _state_after(page: Page, change: object) -> str:
    """Make a change on the form and wait for the page's own word that the preview is done with it."""
    with page.expect_event("console", predicate=lambda m: m.text.startswith("studio:")) as seen:
        change()  # type: ignore[operator]
    return seen.value.text.removeprefix("studio:")


def test_the_preview_follows_the_form_and_the_url_keeps_the_choice(page: Page, server: str) -> None:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server + "/studio")
    form = page.locator("form.studio-form")
    expect(form).to_have_attribute("data-enhanced", "yes")
    # The page says each change is done with a "studio:state" event; the test listens for it.
    _listen(page)
    assert _state_after(page, lambda: page.get_by_label("設計").select_option("slogan-02")) == "ready"
    assert _state_after(page, lambda: page.get_by_label("尺寸").select_option("a4")) == "ready"
    assert _state_after(page, lambda: page.get_by_label("海報文字").select_option("hans")) == "ready"
    assert _state_after(page, lambda: page.get_by_label("風格").select_option("official")) == "ready"
    assert (
        _state_after(
            page, lambda: page.get_by_label("落款（單位名稱，可不填）").fill("江苏省徐州市市场监督管理局")
        )
        == "ready"
    )
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"design": ["slogan-02"], "format": ["a4"], "script": ["hans"], "style": ["official"],
                     "signature": ["江苏省徐州市市场监督管理局"]}  # fmt: skip
    # The preview is the poster of that choice, and the PDF link is offered for a print format.
    shown = page.evaluate(
        "[document.getElementById('s-preview').naturalWidth, document.getElementById('s-preview').naturalHeight]"
    )
    fmt = FORMATS_BY_ID["a4"]
    assert shown == [fmt.width, fmt.height]
    pdf = page.locator("#s-pdf")
    expect(pdf).to_be_visible()
    assert page.request.get(server + pdf.get_attribute("href")).headers["content-type"] == "application/pdf"  # type: ignore[operator]
    # A link reproduces the poster: opened afresh, the form holds the same choice.
    page.goto(page.url)
    expect(page.get_by_label("尺寸")).to_have_value("a4")
    expect(page.get_by_label("落款（單位名稱，可不填）")).to_have_value("江苏省徐州市市场监督管理局")
    # A screen format has no PDF.
    _listen(page)
    assert _state_after(page, lambda: page.get_by_label("尺寸").select_option("square")) == "ready"
    expect(pdf).to_be_hidden()
    assert violations == []


def test_a_refusal_shows_its_reason_on_the_form(page: Page, server: str) -> None:
    page.goto(server + "/studio")
    _listen(page)
    assert (
        _state_after(page, lambda: page.get_by_label("落款（單位名稱，可不填）").fill("品質😀局")) == "error"
    )
    expect(page.get_by_role("alert")).to_contain_text("signature: no font of the poster has 😀")
    expect(page.locator("#s-png")).to_be_hidden()


def test_without_javascript_the_form_submits(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/hans/studio")
    page.get_by_label("尺寸").select_option("banner-h")
    page.get_by_label("落款（单位名称，可不填）").fill("南京市市场监督管理局")
    page.get_by_role("button", name="预览").click()
    page.wait_for_url("**/hans/studio?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["format"] == ["banner-h"] and query["signature"] == ["南京市市场监督管理局"]
    expect(page.locator("#s-preview")).to_have_attribute("src", re.compile("format=banner-h"))
    expect(page.locator("#s-pdf")).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    "path", ["/studio", "/hans/studio?format=a3&style=blue&signature=南京", "/studio?signature=%F0%9F%98%80"]
)
def test_accessibility(page: Page, server: str, path: str) -> None:
    page.goto(server + path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
