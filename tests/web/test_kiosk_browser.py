"""Kiosk pages in a real browser (Debian's Chromium, Playwright's clock control): slides in order with
their durations, two pages in step, rotation offline and across midnight, an edit reaching the page,
never a blank frame (not even when ticks are asked for during a slow decode), and a cache that keeps
only what the programme needs. Tests wait on what the page says (its attributes and events), never on
time."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from generators.fleet import load_fleet
from generators.loader import load_current
from generators.posters.batch import render_set
from generators.programme import showing_at, timeline
from tests.conftest import TINY, TINY_FLEET, screen_keys
from tests.web.live import serving
from web import create_app

ZONE = load_current(TINY).timezone
SCREEN = "hq-lobby-east"
TOKEN = "test-admin-token"
CLOCK: dict[str, Any] = {"base": dt.datetime(2030, 9, 2, 10, 0, tzinfo=ZONE)}


def set_clock(base: dt.datetime) -> None:
    """The server's clock stands at ``base``, where the pages' installed clocks are paused: each page
    measures an offset of zero, and the test moves the pages' time itself."""
    CLOCK.update(base=base)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kiosk")
    campaign = load_current(TINY)
    # The posters of the two days the tests play, the day before the special day and the special day (the
    # conference's poster is the countdown's on the first and leads the second).
    wanted = {"theme", *(s.design for s in campaign.slogans), "today-2030-09-02", "today-2030-09-03",
              "activity-quality-conference"}  # fmt: skip
    render_set(campaign, folder / "posters", "http://127.0.0.1/", workers=2,
               only=lambda j: j.format == "kiosk-portrait" and j.script == "hant" and j.design in wanted)  # fmt: skip
    return folder


def kiosk_app(folder: Path, state: str) -> Any:
    return create_app({
        "TESTING": True, "DATA_DIR": TINY, "POSTER_DIR": str(folder / "posters"),
        "DATABASE_URL": f"sqlite:///{folder / state}", "ADMIN_TOKEN": TOKEN,
        "CLOCK": lambda: CLOCK["base"],
    })  # fmt: skip


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    with serving(kiosk_app(folder, "state.sqlite")) as url:
        yield url


def slow_posters(wsgi: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    """The app with every poster file answering ``seconds`` late (a slow network or a busy server)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/posters/"):
            time.sleep(seconds)
        return wsgi(environ, start_response)

    return app


@pytest.fixture(scope="module")
def slow_server(folder: Path) -> Iterator[str]:
    app = kiosk_app(folder, "slow.sqlite")
    app.wsgi_app = slow_posters(app.wsgi_app, 1.5)  # type: ignore[method-assign]
    with serving(app) as url:
        yield url


def open_kiosk(
    browser: Browser, server: str, base: dt.datetime, fragment: str = "", **options: Any
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 540, "height": 960}, **options)
    page = context.new_page()
    page.clock.install(time=base - dt.timedelta(seconds=1))
    page.clock.pause_at(base)
    page.goto(f"{server}/kiosk/{SCREEN}{fragment}")
    # (the attribute is missing until the programme is in: waiting for "not empty" would not wait)
    expect(page.locator("html")).to_have_attribute(
        "data-version", re.compile("^[0-9a-f]{16}$"), timeout=10000
    )
    return context, page


def wait_cached(page: Page) -> None:
    """Until the service worker says it has kept everything the page's programme needs."""
    html = page.locator("html")
    expect(html).to_have_attribute("data-version", re.compile("^[0-9a-f]{16}$"), timeout=30000)
    expect(html).to_have_attribute("data-cached", html.get_attribute("data-version") or "", timeout=30000)


def expected(moment: dt.datetime) -> str:
    campaign = load_current(TINY)
    fleet = load_fleet(TINY_FLEET, campaign)
    return showing_at(fleet, campaign, fleet.screen(SCREEN), moment).slide.id


def advance_to(page: Page, moment: dt.datetime, base: dt.datetime) -> None:
    page.clock.run_for(int((moment - base).total_seconds() * 1000))


def test_slides_in_order_with_their_durations(browser: Browser, server: str) -> None:
    base = dt.datetime(2030, 9, 2, 10, 0, 5, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    html = page.locator("html")
    expect(html).to_have_attribute("data-current-slide", expected(base))
    # Walk the next slides at their middles: the page changes exactly when the timeline says.
    campaign = load_current(TINY)
    fleet = load_fleet(TINY_FLEET, campaign)
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
    base = dt.datetime(2030, 9, 2, 14, 3, 17, tzinfo=ZONE)
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
    base = dt.datetime(2030, 9, 2, 23, 58, 50, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    # The service worker has kept the programme and every poster of the coming days: it says so.
    html = page.locator("html")
    wait_cached(page)
    assert page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.active !== null)")
    context.set_offline(True)
    midnight = dt.datetime(2030, 9, 3, 0, 0, 5, tzinfo=ZONE)
    advance_to(page, midnight, base)
    # 2030-09-03 is the special day: the screen leads with the quality conference.
    expect(html).to_have_attribute("data-current-slide", "activity-quality-conference")
    expect(page.locator(".layer.front img")).to_have_js_property("naturalWidth", 1080)
    later = midnight + dt.timedelta(minutes=50)
    advance_to(page, later, midnight)
    expect(html).to_have_attribute("data-current-slide", expected(later))
    page.reload()  # even the page itself comes from the cache
    expect(html).to_have_attribute("data-current-slide", expected(later))
    context.close()


def test_an_edit_reaches_the_page_within_seconds(browser: Browser, server: str) -> None:
    base = dt.datetime(2030, 9, 2, 12, 0, 2, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    html = page.locator("html")
    before = html.get_attribute("data-version")
    expect(html).to_have_attribute("data-live", "open")  # the event stream is open
    response = page.request.post(
        f"{server}/screens/{SCREEN}/reload", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.ok
    # Pushed: the poll would take 20 s or more of the page's clock, which stands still here.
    expect(html).not_to_have_attribute("data-version", before or "")
    assert page.request.post(f"{server}/screens/{SCREEN}/reload").status == 401
    context.close()


def test_no_blank_frame_at_a_change(browser: Browser, server: str) -> None:
    base = dt.datetime(2030, 9, 2, 16, 0, 1, tzinfo=ZONE)
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
    campaign = load_current(TINY)
    fleet = load_fleet(TINY_FLEET, campaign)
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


def _showing(response: Response) -> str | None:
    """What a heartbeat reported showing."""
    body = response.request.post_data_json
    return body.get("showing") if isinstance(body, dict) else None


def test_heartbeats_reach_the_dashboard(browser: Browser, server: str, folder: Path) -> None:
    """A page opened at the console's URL (the key in its fragment) keeps the key, takes it out of the
    address bar, and its heartbeats are taken; a page without the key is refused (401)."""
    base = dt.datetime(2030, 9, 2, 9, 30, 3, tzinfo=ZONE)
    set_clock(base)
    unkeyed, stranger = open_kiosk(browser, server, base)
    expect(stranger.locator("html")).to_have_attribute("data-beat", "401")  # its first, at start
    unkeyed.close()
    header = screen_keys(f"sqlite:///{folder / 'state.sqlite'}", [SCREEN])[SCREEN]["Authorization"]
    context, page = open_kiosk(browser, server, base, fragment="#key=" + header.split(" ", 1)[1])
    assert "key=" not in page.url and page.url.endswith(f"/kiosk/{SCREEN}")
    expect(page.locator("html")).not_to_have_attribute("data-current-slide", "")
    # The server's clock moves with the page's: the report of 40 s later is the newer one. The answer
    # waited for is that report's (the page's first, at its start, may be answered only now).
    set_clock(base + dt.timedelta(seconds=40))
    with page.expect_response(
        lambda r: r.url.endswith("/heartbeat") and r.status == 204 and _showing(r) != "none"
    ):
        page.clock.run_for(40_000)  # the next heartbeat is due within 36 s
    expect(page.locator("html")).to_have_attribute("data-beat", "ok")
    screens = {s["id"]: s for s in page.request.get(f"{server}/screens.json").json()["screens"]}
    assert screens[SCREEN]["online"] is True
    campaign = load_current(TINY)
    fleet = load_fleet(TINY_FLEET, campaign)
    shown = {
        s.slide.id
        for s in timeline(fleet, campaign, fleet.screen(SCREEN), base, base + dt.timedelta(seconds=41))
    }
    assert screens[SCREEN]["showing"] in shown
    assert screens["service-hall"]["online"] is False
    context.close()


def test_a_tick_during_a_slow_decode_never_leaves_the_screen_blank(
    browser: Browser, slow_server: str
) -> None:
    """Posters answer 1.5 s late and the tab wakes (visibilitychange) while the next one decodes: the
    second tick must not flip the layers a second time, which left both hidden."""
    base = dt.datetime(2030, 9, 2, 11, 0, 1, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, slow_server, base, service_workers="block")
    html = page.locator("html")
    expect(html).to_have_attribute("data-current-slide", expected(base), timeout=20000)
    campaign = load_current(TINY)
    fleet = load_fleet(TINY_FLEET, campaign)
    screen = fleet.screen(SCREEN)
    # A moment some slides on, whose poster the page has not fetched yet (it only warms the next one).
    first = showing_at(fleet, campaign, screen, base)
    warmed = showing_at(fleet, campaign, screen, first.end + dt.timedelta(milliseconds=1)).slide.design
    moment = first.end + dt.timedelta(seconds=1)
    while showing_at(fleet, campaign, screen, moment).slide.design in (first.slide.design, warmed):
        moment = showing_at(fleet, campaign, screen, moment).end + dt.timedelta(seconds=1)
    want = showing_at(fleet, campaign, screen, moment).slide.id
    with page.expect_request(lambda r: "/posters/" in r.url):
        advance_to(page, moment, base)
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(html).to_have_attribute("data-current-slide", want, timeout=20000)
    fronts = page.evaluate(
        "() => [...document.querySelectorAll('.layer')].map((l) => l.classList.contains('front'))"
    )
    assert fronts.count(True) == 1, fronts
    assert page.evaluate("() => document.querySelector('.layer.front img').naturalWidth") == 1080
    context.close()


def test_the_cache_keeps_only_what_the_programme_needs(browser: Browser, server: str) -> None:
    base = dt.datetime(2030, 9, 2, 13, 0, 2, tzinfo=ZONE)
    set_clock(base)
    context, page = open_kiosk(browser, server, base)
    html = page.locator("html")
    wait_cached(page)
    # A file of an old programme (a poster since re-rendered) is still in the cache.
    page.evaluate(
        """async () => {
          const cache = await caches.open('kiosk-v3');
          await cache.put(new URL('/posters/0123456789abcdef/kiosk-portrait/hant/old.png', location.href).href,
                          new Response('old'));
        }"""
    )
    before = html.get_attribute("data-version")
    page.request.post(f"{server}/screens/{SCREEN}/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    expect(html).not_to_have_attribute("data-version", before or "")
    wait_cached(page)
    programme = page.request.get(f"{server}/kiosk/{SCREEN}/programme.json").json()
    kept = page.evaluate(
        "async () => (await (await caches.open('kiosk-v3')).keys()).map((r) => new URL(r.url).pathname)"
    )
    posters = {path for path in kept if path.startswith("/posters/")}
    assert posters == set(programme["images"].values())
    assert not [path for path in kept if "old" in path]
    assert {"/static/kiosk.js", "/static/timeline.mjs"} <= set(kept)  # the page's scripts, for offline play
    context.close()


def test_a_poster_that_never_arrives_does_not_stop_the_screen(browser: Browser, server: str) -> None:
    """One tick is in flight at a time, so a decode that never ends (a request that hangs) must end: after
    a minute of the page's clock the slide is shown as text and the page goes on."""
    base = dt.datetime(2030, 9, 2, 15, 0, 1, tzinfo=ZONE)
    set_clock(base)
    context = browser.new_context(viewport={"width": 540, "height": 960}, service_workers="block")
    page = context.new_page()
    hung: list[Any] = []
    page.route("**/posters/**", lambda route: hung.append(route))  # never answered
    page.clock.install(time=base - dt.timedelta(seconds=1))
    page.clock.pause_at(base)
    page.goto(f"{server}/kiosk/{SCREEN}")
    html = page.locator("html")
    expect(html).to_have_attribute("data-version", re.compile("^[0-9a-f]{16}$"))
    page.clock.run_for(61_000)
    expect(page.locator(".layer.front")).to_have_attribute("data-fallback", re.compile(".+"))
    expect(html).not_to_have_attribute("data-current-slide", "")
    assert hung
    context.close()


def test_a_refused_stream_falls_back_to_polling_and_still_gets_the_edit(
    browser: Browser, folder: Path
) -> None:
    """A server that holds all the streams it can (here: none) answers 503 with Retry-After: the page
    says so, polls its programme, and an edit still reaches it."""
    app = kiosk_app(folder, "refusing.sqlite")
    app.extensions["thread_streams"].limit = 0
    base = dt.datetime(2030, 9, 2, 12, 0, 2, tzinfo=ZONE)
    set_clock(base)
    with serving(app) as url:
        context, page = open_kiosk(browser, url, base)
        html = page.locator("html")
        expect(html).to_have_attribute("data-live", "refused")
        before = html.get_attribute("data-version")
        assert page.request.post(
            f"{url}/screens/{SCREEN}/reload", headers={"Authorization": f"Bearer {TOKEN}"}
        ).ok
        with page.expect_response(lambda r: r.url.endswith("/programme.json")):
            page.clock.run_for(41_000)  # the poll without a stream comes within 20 to 40 s
        expect(html).not_to_have_attribute("data-version", before or "")
        context.close()


def test_a_dropped_stream_is_opened_again_with_back_off_and_jitter(browser: Browser, folder: Path) -> None:
    """Every stream is cut as soon as it opens (a proxy that drops it): the page opens it again after
    1, 2, 4 s and so on, each jittered between half and one and a half times."""
    app = kiosk_app(folder, "dropping.sqlite")
    app.config["KIOSK_STREAM_SECONDS"] = 0
    base = dt.datetime(2030, 9, 2, 12, 0, 2, tzinfo=ZONE)
    set_clock(base)
    with serving(app) as url:
        context = browser.new_context(viewport={"width": 540, "height": 960})
        context.add_init_script("""window.reconnects_ = [];
          document.addEventListener('DOMContentLoaded', () => document.documentElement.addEventListener(
            'kiosk:reconnect', (event) => window.reconnects_.push(event.detail)));""")
        page = context.new_page()
        page.clock.install(time=base - dt.timedelta(seconds=1))
        page.clock.pause_at(base)
        page.goto(f"{url}/kiosk/{SCREEN}")
        seen: list[dict[str, int]] = []
        for attempt in (1, 2, 3, 4):
            page.wait_for_function("(n) => window.reconnects_.length >= n", arg=attempt)
            detail = page.evaluate("(n) => window.reconnects_[n - 1]", attempt)
            assert detail["attempt"] == attempt
            assert 500 * 2**attempt <= detail["ms"] < 1500 * 2**attempt, detail
            seen.append(detail)
            page.clock.run_for(detail["ms"] + 1)  # the next attempt is due
        assert len({d["ms"] / 2 ** d["attempt"] for d in seen}) > 1  # jittered, not a fixed schedule
        context.close()
