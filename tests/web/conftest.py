"""The web tests' shared fixtures: one Chromium for every browser test of the run, and a desktop page in
it for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.web.live import chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop page (1280×900, Traditional Chinese) in a context of its own."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW")
    opened = context.new_page()
    yield opened
    context.close()
