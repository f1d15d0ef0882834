"""Past campaigns stay: every campaign of the data folder below ``/<id>/``, the current one at ``/`` too
(web/campaigns.py), on a data folder of two campaigns: the tiny one (2030) and a copy of it re-dated
to 2029."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from generators.datafile import ID
from generators.loader import RESERVED_IDS, load_campaign
from generators.posters.batch import render_set
from tests.conftest import TINY, revised
from web import create_app
from web.cli import cli
from web.export import export_site

PAST = "2029"


def _redated(source: Path, target: Path, year: str) -> Path:
    """A copy of a campaign folder with its year (its id, dates and texts) changed, recorded."""
    shutil.copytree(source, target)
    for path in target.iterdir():
        if path.suffix in (".toml", ".txt"):
            path.write_text(path.read_text("utf-8").replace("2030", year), "utf-8")
    return revised(target)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder of two campaigns: 2030 (the current one) and 2029."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder / "2030")
    _redated(TINY, folder / "2029", PAST)
    return folder


def _app(data: Path, tmp: Path, **config: Any) -> Flask:
    return create_app({
        "TESTING": True, "DATA_DIR": data, "DATABASE_URL": f"sqlite:///{tmp / 'state.sqlite'}",
        "POSTER_DIR": str(tmp / "posters"), **config,
    })  # fmt: skip


@pytest.fixture
def client(data: Path, tmp_path: Path) -> FlaskClient:
    return _app(data, tmp_path).test_client()


def _links(html: str) -> list[str]:
    return re.findall(r'\s(?:href|src|action)="(/[^"]*)"', html)


def _uids(body: bytes) -> set[str]:
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


@pytest.mark.parametrize("path", ["", "list", "hans/", "hans/list", "activities/quality-week", "posters",
                                  "hans/posters", "subscribe", "kinds/week/"])  # fmt: skip
def test_both_campaigns_are_browsable(client: FlaskClient, path: str) -> None:
    for root, year in (("/", "2030"), (f"/{PAST}/", PAST), ("/2030/", "2030")):
        answer = client.get(root + path)
        assert answer.status_code == 200, root + path
        brand = re.search(r'<p class="brand"><a href="([^"]+)">(\d+)年', answer.get_data(as_text=True))
        assert brand is not None and brand.group(2) == year, root + path
        assert brand.group(1) == root + ("hans/" if path.startswith("hans/") else "")


def test_links_of_a_past_page_stay_below_its_mount(client: FlaskClient) -> None:
    for path in ("/2029/", "/2029/hans/list", "/2029/activities/quality-week", "/2029/posters"):
        html = client.get(path).get_data(as_text=True)
        switcher = re.search(r'<nav class="campaigns".*?</nav>', html, re.S)
        assert switcher is not None
        inside = _links(html.replace(switcher.group(0), ""))
        assert inside and all(link.startswith("/2029/") for link in inside), path
    assert client.get("/2029").headers["Location"] == "/2029/"
    # A past campaign's feed and its events link below its mount, its own URL too.
    feeds = client.get("/2029/feeds.json").get_json()["feeds"]
    assert all(f["url"].startswith("http://localhost/2029/") for f in feeds)
    body = client.get("/2029/feeds/complete.ics").get_data(as_text=True)
    urls = re.findall(r"^URL:(\S+)", body, re.M)
    assert urls and all(u.startswith("http://localhost/2029/") for u in urls)


def test_public_url_gets_the_mount(data: Path, tmp_path: Path) -> None:
    site = _app(data, tmp_path, PUBLIC_URL="https://example.org/qm").test_client()
    feeds = site.get("/2029/feeds.json").get_json()["feeds"]
    assert feeds[0]["url"] == "https://example.org/qm/2029/calendar.ics"
    assert site.get("/feeds.json").get_json()["feeds"][0]["url"] == "https://example.org/qm/calendar.ics"


def test_a_past_feed_keeps_its_uids(data: Path, tmp_path: Path) -> None:
    """What a subscriber to 2029's feed had while 2029 was current, it has below /2029/ now."""
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copytree(data / "2029", alone / "2029")
    then = _app(alone, tmp_path / "then").test_client()
    now = _app(data, tmp_path / "now").test_client()
    for feed in ("calendar.ics", "calendar.hans.ics", "feeds/complete.ics", "feeds/kind-week.ics"):
        before, after = then.get(f"/{feed}"), now.get(f"/2029/{feed}")
        assert before.status_code == after.status_code == 200, feed
        assert _uids(before.get_data()) == _uids(after.get_data()) != set(), feed
        assert all(uid.endswith("@2029.quality-month") for uid in _uids(after.get_data()))
        assert after.get_data() == before.get_data().replace(b"http://localhost/", b"http://localhost/2029/")


def test_the_current_campaign_below_its_id_answers_directly(client: FlaskClient) -> None:
    for path in ("calendar.ics", "calendar.hans.ics", "feeds/key-dates.ics"):
        here, there = client.get(f"/2030/{path}"), client.get(f"/{path}")
        assert here.status_code == 200 and not here.headers.get("Location")
        assert _uids(here.get_data()) == _uids(there.get_data())
        assert here.get_data().replace(b"/2030/", b"/") == there.get_data()


def test_the_switcher_marks_the_campaign_shown(client: FlaskClient) -> None:
    for path, shown, script in (("/", "/", "hant"), ("/2029/", "/2029/", "hant"), ("/2029/hans/list", "/2029/hans/", "hans"),
                                ("/2030/", "/", "hant"), ("/hans/", "/hans/", "hans")):  # fmt: skip
        html = client.get(path).get_data(as_text=True)
        nav = re.search(r'<nav class="campaigns" aria-label="([^"]+)">(.*?)</nav>', html, re.S)
        assert nav is not None, path
        items = re.findall(r'<a href="([^"]+)"( aria-current="true")?>([^<]+)</a>', nav.group(2))
        names = ["2030年全國“質量月”", "2029年全國“質量月”"]
        if script == "hans":
            names = [n.replace("國", "国").replace("質", "质") for n in names]
        hans = "hans/" if script == "hans" else ""
        assert [(href, name) for href, _, name in items] == [
            (f"/{hans}", names[0]),
            (f"/2029/{hans}", names[1]),
        ]
        assert [href for href, current, _ in items if current] == [shown], path
        assert nav.group(1) == ("歷屆活動" if script == "hant" else "历届活动")


def test_one_campaign_has_no_switcher(app: Flask) -> None:
    assert 'class="campaigns"' not in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["kiosk/time", "kiosk/hq-lobby-east", "screens", "screens.json", "console",
                                  "hans/console", "studio", "studio.json"])  # fmt: skip
def test_kiosks_console_and_studio_are_the_sites_only(client: FlaskClient, path: str) -> None:
    assert client.get(f"/2029/{path}").status_code == 404
    assert client.get(f"/2030/{path}").status_code == 404
    if path in ("kiosk/time", "console", "studio", "studio.json"):
        assert client.get(f"/{path}").status_code == 200
    assert "studio" not in client.get("/2029/posters").get_data(as_text=True)


def test_a_campaign_added_while_the_site_runs_is_served(data: Path, tmp_path: Path) -> None:
    site = _app(data, tmp_path)
    client = site.test_client()
    assert client.get("/2028/").status_code == 404
    _redated(TINY, data / "2028", "2028")
    site.extensions["campaigns"].catalog._checked = -10.0  # as if a second had passed
    assert client.get("/2028/").status_code == 200
    nav = re.search(r'<nav class="campaigns".*?</nav>', client.get("/").get_data(as_text=True), re.S)
    assert nav is not None and nav.group(0).count("<li>") == 3


def test_every_route_segment_is_reserved(client: FlaskClient) -> None:
    app = client.application
    segments = {r.rule.split("/")[1] for r in app.url_map.iter_rules()}
    assert {s for s in segments if ID.match(s)} <= RESERVED_IDS


@pytest.mark.parametrize("ident", ["posters", "feeds", "hans", "kiosk", "static"])
def test_an_id_that_is_a_route_is_refused_by_check(data: Path, ident: str) -> None:
    path = data / "2029" / "campaign.toml"
    path.write_text(path.read_text("utf-8").replace('id = "2029"', f'id = "{ident}"'), "utf-8")
    result = CliRunner().invoke(cli, ["check", "--data", str(data)])
    assert result.exit_code == 1
    assert re.search(
        rf"2029/campaign\.toml:\d+: \[campaign\]: field 'id': '{ident}' is a path of the site", result.output
    )


def test_two_campaigns_of_one_id_are_refused_by_check(data: Path) -> None:
    path = data / "2029" / "campaign.toml"
    path.write_text(path.read_text("utf-8").replace('id = "2029"', 'id = "2030"'), "utf-8")
    result = CliRunner().invoke(cli, ["check", "--data", str(data)])
    assert result.exit_code == 1 and "'2030' is the id of" in result.output


def test_the_export_writes_every_campaign(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site = _app(data, tmp_path)
    export_site(site, out, dt.date(2030, 9, 2))
    client = _app(data, tmp_path / "again").test_client()
    for prefix, year in (("", "2030"), ("2030/", "2030"), ("2029/", "2029")):
        assert f"{year}年" in (out / prefix / "index.html").read_text("utf-8")
        assert (out / prefix / "hans/list/index.html").is_file()
        assert _uids((out / prefix / "calendar.ics").read_bytes()) == _uids(
            client.get(f"/{prefix}calendar.ics").get_data()
        )
    assert not (out / "2029" / "kiosk").exists()
    pages = list(out.rglob("*.html"))
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
    assert checked > 300
    switcher = (out / "2029" / "list" / "index.html").read_text("utf-8")
    assert 'href="../../index.html"' in switcher and 'href="../index.html" aria-current="true"' in switcher


def test_a_past_campaign_shows_its_own_posters(data: Path, tmp_path: Path) -> None:
    past = load_campaign(data / PAST)
    render_set(past, tmp_path / "posters" / "campaigns" / PAST, "http://localhost/2029/", workers=1,
               only=lambda job: job.format == "kiosk-portrait" and job.design == "theme")  # fmt: skip
    client = _app(data, tmp_path).test_client()
    assert client.get("/posters.json").get_json()["posters"] == []  # the current campaign's: none rendered
    posters = client.get("/2029/posters.json").get_json()["posters"]
    assert {p["script"] for p in posters} == {"hant", "hans"}
    for poster in posters:
        assert poster["url"].startswith("/2029/posters/")
        with client.get(poster["url"]) as answer:
            assert answer.status_code == 200
        assert client.get(poster["url"].removeprefix("/2029")).status_code == 404
    gallery = client.get("/2029/posters?format=kiosk-portrait").get_data(as_text=True)
    assert posters[0]["thumbnail"] in gallery and "/2029/posters/kiosk-portrait-hant.zip" in gallery


def test_render_names_a_campaign_of_the_data_folder(data: Path) -> None:
    result = CliRunner().invoke(cli, ["render", "--data", str(data), "--campaign", "1999"])
    assert result.exit_code == 2 and "there is no campaign '1999'" in result.output
