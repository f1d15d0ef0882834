"""A month in the life, played fast: some days of the campaign (two before it, its first, the days of
a data edit and of a scheduler restart across midnight, 9·20 and 9·21, its last and two after) on a
simulated clock through the real scheduler, poster set, programmes and feeds (see tests/rehearsal.py;
`python bench/rehearsal.py` plays every day); then a kiosk page in Chromium on the rehearsal's site
across three midnights, the server out of reach for one of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from generators.fleet import load_fleet
from generators.loader import load_current
from generators.programme import showing_at
from tests.conftest import DATA
from tests.rehearsal import Site, fast_plan, rehearse, set_clock
from tests.web.live import serving
from tests.web.test_kiosk_browser import wait_cached

SCREEN = "hq-lobby-east"


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, list[str]]:
    lines: list[str] = []
    site = rehearse(tmp_path_factory.mktemp("rehearsal"), fast_plan(load_current(DATA)), say=lines.append)
    return site, lines


def test_the_campaign_rehearsed(rehearsed: tuple[Site, list[str]]) -> None:
    _, lines = rehearsed
    print("\n".join(lines))
    days = [line.split(" ", 1)[0] for line in lines]
    assert days == [str(d) for w in fast_plan(load_current(DATA)).windows for d in w]
    assert any("edit at 12:00" in line and "SEQUENCE +1" in line for line in lines)
    assert any("render at the restart" in line and "nothing else" in line for line in lines)
    assert any("made up at 00:10" in line for line in lines)
    special = next(line for line in lines if line.startswith("2022-09-21"))
    assert f"{SCREEN}: 00:00 quality-day;" in special


@pytest.fixture(scope="module")
def rehearsed_server(rehearsed: tuple[Site, list[str]]) -> Iterator[str]:
    site, _ = rehearsed
    with serving(site.app) as url:
        yield url


def test_a_kiosk_page_across_three_midnights_one_of_them_offline(
    browser: Browser, rehearsed_server: str
) -> None:
    campaign = load_current(DATA)
    zone = campaign.timezone
    fleet = load_fleet(DATA / "screens.toml", campaign)
    screen = fleet.screen(SCREEN)
    base = dt.datetime(2022, 9, 19, 23, 59, 40, tzinfo=zone)
    set_clock(base)
    context = browser.new_context(viewport={"width": 540, "height": 960})
    page = context.new_page()
    page.clock.install(time=base - dt.timedelta(seconds=1))
    page.clock.pause_at(base)
    page.goto(f"{rehearsed_server}/kiosk/{SCREEN}")
    html = page.locator("html")
    wait_cached(page)
    # Every change of slide is recorded with what the screen then shows: one layer in front, decoded.
    page.evaluate(
        """() => {
          window.frames_ = [];
          new MutationObserver(() => {
            const fronts = document.querySelectorAll('.layer.front');
            const image = fronts.length === 1 ? fronts[0].querySelector('img') : null;
            window.frames_.push({slide: document.documentElement.dataset.currentSlide, fronts: fronts.length,
                                 drawn: !!image && image.complete && image.naturalWidth > 0});
          }).observe(document.documentElement, {attributes: true, attributeFilter: ['data-current-slide']});
        }"""
    )
    now = base
    changes = 0
    for n, midnight in enumerate(dt.datetime(2022, 9, 20 + d, tzinfo=zone) for d in range(3)):
        offline = n == 1  # the server is out of reach over the second midnight
        before = midnight - dt.timedelta(seconds=10)
        if before > now:
            set_clock(before)
            page.clock.fast_forward(int((before - now).total_seconds() * 1000))
            now = before
            expect(html).to_have_attribute(
                "data-current-slide", showing_at(fleet, campaign, screen, now).slide.id
            )
        context.set_offline(offline)
        # Slide by slide across midnight, into the first minute of the new day.
        while now < midnight + dt.timedelta(seconds=60):
            then = showing_at(fleet, campaign, screen, now).end + dt.timedelta(milliseconds=500)
            set_clock(then)
            page.clock.run_for(int((then - now).total_seconds() * 1000))
            now = then
            # The page decodes the next poster first (from its cache when offline): on a loaded machine
            # that can take longer than the default 5 s of waiting.
            expect(html).to_have_attribute(
                "data-current-slide", showing_at(fleet, campaign, screen, now).slide.id, timeout=30_000
            )
            changes += 1
        context.set_offline(False)
    frames = page.evaluate("window.frames_")
    assert len(frames) >= changes
    assert all(f["fronts"] == 1 and f["drawn"] for f in frames), [
        f for f in frames if f["fronts"] != 1 or not f["drawn"]
    ]
    # 9·21 opened with the quality day's own poster, offline.
    assert any(f["slide"] == "activity-casc-921-quality-day-video-conference" for f in frames)
    context.close()
