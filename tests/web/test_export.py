"""``quality-month export``: the real site as static files, served by Python's own static file server
under a base path: every link leads to a file, feeds are the web app's feeds, the same data gives the
same bytes and unchanged files are not rewritten, and a kiosk page rotates with no dynamic server."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import icalendar
import pytest
from playwright.sync_api import Browser, expect

from generators.export import LEDGER, ExportError
from generators.feeds import all_feeds
from generators.fleet import load_fleet
from generators.loader import load_current
from generators.posters.batch import render_set
from generators.programme import showing_at
from tests.conftest import TINY
from web import create_app
from web.export import export_site

TODAY = dt.date(2030, 9, 2)
BASE = "deep/base/path"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_app(posters: Path, base_url: str, tmp: Path) -> Any:
    return create_app({
        "TESTING": True, "DATA_DIR": TINY, "POSTER_DIR": str(posters), "PUBLIC_URL": base_url,
        "DATABASE_URL": f"sqlite:///{tmp / 'state.sqlite'}",
    })  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("export")
    campaign = load_current(TINY)
    wanted = {"theme", *(s.design for s in campaign.slogans), f"today-{TODAY}"}
    wanted |= {f"activity-{a.id}" for a in campaign.activities if a.span.own}  # the countdown's
    render_set(campaign, tmp / "posters", "http://127.0.0.1/", workers=2,
               only=lambda j: j.format == "kiosk-portrait" and j.design in wanted)  # fmt: skip
    root = tmp / "www"
    out = root / BASE
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{httpd.server_port}/{BASE}/"
    app = make_app(tmp / "posters", base_url, tmp)
    report = export_site(app, out, TODAY)
    yield {
        "out": out,
        "url": base_url,
        "report": report,
        "app": make_app(tmp / "posters", base_url, tmp),
        "tmp": tmp,
    }
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url) as response:
        return response.read(), response.headers["Content-Type"]


def test_everything_is_there(site: dict[str, Any]) -> None:
    out: Path = site["out"]
    for name in ["index.html", "hans/index.html", "list/index.html", "posters/index.html", "hans/posters/index.html",
                 "calendar.ics", "calendar.hans.ics", "activities.json", "feeds.json", "posters.json", "screens.json",
                 "kiosk/sw.js", "kiosk/hq-lobby-east/index.html", "kiosk/hq-lobby-east/programme.json",
                 "static/style.css", "static/kiosk.js", "static/timeline.mjs", "posters/kiosk-portrait-hant.zip"]:  # fmt: skip
        assert (out / name).is_file(), name
    campaign = load_current(TINY)
    for activity in campaign.activities:
        assert (out / "activities" / activity.id / "index.html").is_file()
        assert (out / "hans/activities" / activity.id / "index.html").is_file()
        # A dated activity's own .ics, the same bytes as the app's; an undated one has none.
        for prefix in ("", "hans/"):
            ics = out / f"{prefix}activities/{activity.id}.ics"
            assert ics.is_file() == activity.span.own, ics
            if activity.span.own:
                answer = site["app"].test_client().get(f"/{prefix}activities/{activity.id}.ics")
                assert ics.read_bytes() == answer.get_data()
    # The subscribe pages, which the QR codes open: the whole campaign's and each view's, in both scripts.
    for prefix in ("", "hans/"):
        for folder in ("", "organizers/samr/", "kinds/week/", "organizer-kinds/department/"):
            page = out / f"{prefix}{folder}subscribe/index.html"
            assert page.is_file(), page
            html = page.read_text(encoding="utf-8")
            assert "outlook.office.com/calendar/0/addfromweb?url=" in html and 'readonly value="http' in html
    feeds = json.loads((out / "feeds.json").read_text())["feeds"]
    assert len(list((out / "feeds").glob("*.ics"))) + 2 == len(feeds) == len(all_feeds(campaign))
    for name in ["screens", "kiosk/time", "filter"]:  # only a running server can answer these
        assert not (out / name).exists()


def test_every_link_leads_to_a_file(site: dict[str, Any]) -> None:
    out: Path = site["out"]
    pages = list(out.rglob("*.html"))
    assert len(pages) > 40
    checked = 0
    for page in pages:
        html = page.read_text("utf-8")
        assert not re.search(r'\s(?:href|src|action|data-[a-z-]+)="/(?!/)', html), (
            f"{page}: a root-relative link"
        )
        for link in re.findall(r'\s(?:href|src)="([^"#:]+)(?:#[^"]*)?"', html):
            target = (page.parent / link).resolve()
            assert target.is_file() and target.is_relative_to(out.resolve()), (
                f"{page.relative_to(out)}: {link}"
            )
            checked += 1
        for anchor in re.findall(r'href="(list/index\.html)#(d-[\d-]+)"', html):
            assert f'id="{anchor[1]}"' in (page.parent / anchor[0]).read_text("utf-8")
    assert checked > 800


def test_json_documents_point_at_files(site: dict[str, Any]) -> None:
    out: Path = site["out"]
    posters = json.loads((out / "posters.json").read_text())["posters"]
    assert posters and all((out / p["url"]).is_file() and (out / p["thumbnail"]).is_file() for p in posters)
    screens = json.loads((out / "screens.json").read_text())["screens"]
    assert [s["url"] for s in screens] == [f"kiosk/{s['id']}/index.html" for s in screens]
    assert all("online" not in s for s in screens)  # the live state is the server's alone
    programme = json.loads((out / "kiosk/hq-lobby-east/programme.json").read_text())
    for image in programme["images"].values():
        assert (
            image.startswith("../../posters/") and (out / "kiosk/hq-lobby-east" / image).resolve().is_file()
        )
    # From the export's day through the campaign's last day (and one more), so it plays without a new export.
    last = max(s["to"] for s in programme["segments"])
    end = dt.datetime.fromtimestamp(last / 1000, dt.UTC)
    assert end >= dt.datetime(2030, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_feeds_over_a_static_server_are_the_web_apps(site: dict[str, Any]) -> None:
    client = site["app"].test_client()
    for path in ["calendar.ics", "calendar.hans.ics", "feeds/key-dates.ics"]:
        body, content_type = fetch(site["url"] + path)
        assert content_type.startswith("text/calendar")
        assert body == client.get("/" + path).get_data()
        parsed = icalendar.Calendar.from_ical(body)
        assert parsed.walk("VEVENT")
        assert all(len(line) <= 75 for line in body.split(b"\r\n"))


def test_same_data_same_bytes_and_nothing_rewritten(site: dict[str, Any]) -> None:
    out: Path = site["out"]
    before = {
        p: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file() and p.suffix != ".png"
    }
    (out / "notes.txt").write_text("not the export's")
    again = export_site(site["app"], out, TODAY)
    assert (again.written, again.removed) == (0, 0) and again.unchanged == again.files == site["report"].files
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before}
    assert after == before
    # Another day: only the kiosk programmes change.
    later = export_site(site["app"], out, TODAY + dt.timedelta(days=1))
    assert later.written == 3 and later.removed == 0
    assert (out / "notes.txt").exists() and LEDGER not in [p.name for p in out.rglob("*.html")]
    export_site(site["app"], out, TODAY)


def test_a_query_link_cannot_be_exported(site: dict[str, Any], tmp_path: Path) -> None:
    app = make_app(site["tmp"] / "posters", site["url"], tmp_path)
    app.view_functions["calendar_hant.month"] = lambda **_: '<a href="/list?date=2022-09-21">a day</a>'
    with pytest.raises(
        ExportError, match=r"/ links to /list\?date=2022-09-21: a static site cannot answer a query"
    ):
        export_site(app, tmp_path / "site", TODAY)


def test_a_kiosk_page_rotates_from_the_static_server(site: dict[str, Any], browser: Browser) -> None:
    campaign = load_current(TINY)
    fleet = load_fleet(TINY.parent / "screens.toml", campaign)
    screen = fleet.screen("hq-lobby-east")
    base = dt.datetime(2030, 9, 2, 10, 0, 5, tzinfo=campaign.timezone)
    page = browser.new_page(viewport={"width": 540, "height": 960})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install(time=base - dt.timedelta(seconds=1))
    page.clock.pause_at(base)
    page.goto(site["url"] + "kiosk/hq-lobby-east/index.html")
    expect(page.locator("html")).not_to_have_attribute("data-version", "", timeout=10000)
    moment = base
    seen = []
    for _ in range(4):
        shown = showing_at(fleet, campaign, screen, moment)
        expect(page.locator("html")).to_have_attribute("data-current-slide", shown.slide.id, timeout=5000)
        seen.append(shown.slide.id)
        step = shown.end - moment + dt.timedelta(milliseconds=50)
        page.clock.run_for(int(step.total_seconds() * 1000))
        moment += step
    assert len(set(seen)) == 4
    image = page.locator(".layer.front img")
    assert "/posters/" in (image.get_attribute("src") or "")
    assert page.evaluate("document.querySelector('.layer.front img').naturalWidth") > 0
    # Its heartbeats (a POST the static server refuses) fail quietly, and it plays on.
    page.clock.run_for(70_000)
    expect(page.locator("html")).not_to_have_attribute("data-current-slide", "", timeout=5000)
    assert errors == []
    page.context.close()


def test_an_export_stopped_half_way_leaves_a_whole_site(
    site: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while copying (posters re-rendered for another base URL, so under new names): the pages
    there are still the last export's, and every link leads to a file; a later export removes what the
    stopped one wrote."""
    from generators.export import LEDGER, SiteWriter

    out = tmp_path / "site"
    export_site(site["app"], out, TODAY)
    posters = tmp_path / "posters"
    campaign = load_current(TINY)
    render_set(campaign, posters, "https://elsewhere.example/", workers=2,
               only=lambda j: j.format == "kiosk-portrait" and j.design in {"theme", "slogan-01", "slogan-02"})  # fmt: skip
    other = make_app(posters, "https://elsewhere.example/", tmp_path)
    copy = SiteWriter.copy
    calls = {"n": 0}

    def stopping(self: SiteWriter, name: str, source: Path, content_addressed: bool = False) -> None:
        calls["n"] += 1
        if calls["n"] > 10:
            raise KeyboardInterrupt  # as a kill would, half-way
        copy(self, name, source, content_addressed)

    monkeypatch.setattr(SiteWriter, "copy", stopping)
    with pytest.raises(KeyboardInterrupt):
        export_site(other, out, TODAY)
    monkeypatch.undo()
    for page in out.rglob("*.html"):
        for link in re.findall(r'\s(?:href|src)="([^"#:]+)(?:#[^"]*)?"', page.read_text("utf-8")):
            assert (page.parent / link).is_file(), f"{page.relative_to(out)}: {link}"
    # What the stopped export wrote is in the ledger already; a whole export leaves only its own files.
    export_site(site["app"], out, TODAY)
    listed = set((out / LEDGER).read_text("utf-8").split())
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.name != LEDGER}
    assert on_disk == listed
