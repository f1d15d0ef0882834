"""Kiosk routes: the published programme and its version, the clock, heartbeats (400 for bad ones), the
dashboard's online flag, and the admin token."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import screen_keys
from web import create_app
from web.state import close_engine

NOW: dict[str, dt.datetime] = {}


@pytest.fixture
def kiosk_app(tiny_fleet: Path, tmp_path: Path) -> Iterator[Flask]:
    NOW["now"] = dt.datetime(2030, 9, 2, 10, 0, tzinfo=dt.UTC)
    app = create_app({
        "TESTING": True, "DATA_DIR": tiny_fleet, "POSTER_DIR": str(tmp_path / "posters"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}", "ADMIN_TOKEN": "secret",
        "CLOCK": lambda: NOW["now"],
    })  # fmt: skip
    yield app
    close_engine(app.config["DATABASE_URL"])


@pytest.fixture
def kiosk(kiosk_app: Flask) -> FlaskClient:
    return kiosk_app.test_client()


@pytest.fixture
def keys(kiosk_app: Flask) -> dict[str, dict[str, str]]:
    """Each screen's heartbeat headers, with the key the console would have made."""
    return screen_keys(kiosk_app.config["DATABASE_URL"], ["hq-lobby-east", "hq-lobby-west", "service-hall"])


def test_page(kiosk: FlaskClient) -> None:
    html = kiosk.get("/kiosk/hq-lobby-east").get_data(as_text=True)
    assert '<html lang="zh-Hant" data-screen="hq-lobby-east" data-current-slide=""' in html
    # Every address the script uses comes from the page, so that an export can make them relative.
    for name, path in [
        ("programme", "/kiosk/hq-lobby-east/programme.json"),
        ("events", "/kiosk/hq-lobby-east/events"),
        ("heartbeat", "/kiosk/hq-lobby-east/heartbeat"),
        ("time", "/kiosk/time"),
        ("worker", "/kiosk/sw.js"),
    ]:
        assert f'data-{name}="{path}"' in html
    response = kiosk.get("/static/kiosk.css")
    styles = response.get_data(as_text=True)
    response.close()
    assert "cursor: none" in styles and "overflow: hidden" in styles
    assert 'lang="zh-Hans"' in kiosk.get("/kiosk/service-hall").get_data(as_text=True)
    worker = kiosk.get("/kiosk/sw.js")
    assert worker.status_code == 200 and "networkFirst" in worker.get_data(as_text=True)
    worker.close()


def test_the_page_script_is_a_module_served_as_javascript(kiosk: FlaskClient) -> None:
    html = kiosk.get("/kiosk/hq-lobby-east").get_data(as_text=True)
    assert '<script type="module" src="/static/kiosk.js">' in html
    # The module it imports is named in the page too: the export follows it, the browser fetches it early.
    assert '<link rel="modulepreload" href="/static/timeline.mjs">' in html
    for path in ("/static/kiosk.js", "/static/timeline.mjs"):
        response = kiosk.get(path)
        assert response.status_code == 200 and response.mimetype == "text/javascript", path
        response.close()
    response = kiosk.get("/static/kiosk.js")
    assert 'from "./timeline.mjs"' in response.get_data(as_text=True)
    response.close()


def test_programme(kiosk: FlaskClient) -> None:
    document: Any = kiosk.get("/kiosk/hq-lobby-east/programme.json").json
    assert document["screen"] == "hq-lobby-east" and len(document["version"]) == 16
    segments = document["segments"]
    first_day = dt.datetime(2030, 9, 2, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert segments[0]["from"] == first_day.timestamp() * 1000
    assert segments[-1]["to"] - segments[0]["from"] == 8 * 86400 * 1000  # 8 days: a week offline and more
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(segments))
    special = [s for s in segments if s["programme"] == "quality-day"]
    assert special and special[0]["slides"][0]["design"] == "activity-quality-conference"
    assert all(3000 <= slide["ms"] <= 3_600_000 for s in segments for slide in s["slides"])
    assert document["images"] == {}  # nothing rendered in this folder yet
    again = kiosk.get(
        "/kiosk/hq-lobby-east/programme.json",
        headers={
            "If-None-Match": f'"{kiosk.get("/kiosk/hq-lobby-east/programme.json").headers["ETag"].strip(chr(34))}"'
        },
    )
    assert again.status_code == 304


def test_version_changes_with_a_reload_and_with_the_day(kiosk: FlaskClient) -> None:
    version = kiosk.get("/kiosk/hq-lobby-east/programme.json").json["version"]  # type: ignore[index]
    assert kiosk.post("/screens/hq-lobby-east/reload").status_code == 401
    assert (
        kiosk.post("/screens/hq-lobby-east/reload", headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )
    answer = kiosk.post("/screens/hq-lobby-east/reload", headers={"Authorization": "Bearer secret"})
    assert answer.status_code == 200 and answer.json == {"screen": "hq-lobby-east", "reloads": 1}
    reloaded = kiosk.get("/kiosk/hq-lobby-east/programme.json").json["version"]  # type: ignore[index]
    assert reloaded != version
    assert kiosk.get("/kiosk/hq-lobby-west/programme.json").json["version"] != reloaded  # type: ignore[index]
    NOW["now"] += dt.timedelta(days=1)
    assert kiosk.get("/kiosk/hq-lobby-east/programme.json").json["version"] != reloaded  # type: ignore[index]


def test_no_admin_token_configured(kiosk_app: Flask) -> None:
    kiosk_app.config["ADMIN_TOKEN"] = None
    response = kiosk_app.test_client().post(
        "/screens/hq-lobby-east/reload", headers={"Authorization": "Bearer "}
    )
    assert response.status_code == 403


def test_clock(kiosk: FlaskClient) -> None:
    assert kiosk.get("/kiosk/time").json == {"now": int(NOW["now"].timestamp() * 1000)}


@pytest.mark.parametrize(
    "body",
    ["not json", '["a list"]', '{"showing": 3, "version": "v"}', '{"showing": "theme"}',
     '{"showing": "", "version": "v"}', '{"showing": "theme", "version": "' + "x" * 65 + '"}'],
)  # fmt: skip
def test_malformed_heartbeats_are_400(kiosk: FlaskClient, keys: dict[str, dict[str, str]], body: str) -> None:
    response = kiosk.post(
        "/kiosk/hq-lobby-east/heartbeat",
        data=body,
        content_type="application/json",
        headers=keys["hq-lobby-east"],
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "authorization", [None, "Bearer ", "Bearer wrong", "Basic x", "Bearer {west}", "{east}"], ids=repr
)
def test_a_heartbeat_without_the_screens_key_is_refused(
    kiosk: FlaskClient, keys: dict[str, dict[str, str]], authorization: str | None
) -> None:
    """Only the screen can say it is online: no key, a wrong one, another screen's, a key outside the
    Bearer scheme: 401, and the dashboard is unchanged."""
    given = {
        name: value.split(" ", 1)[1] for name, value in
        (("east", keys["hq-lobby-east"]["Authorization"]), ("west", keys["hq-lobby-west"]["Authorization"]))
    }  # fmt: skip
    headers = {"Authorization": authorization.format(**given)} if authorization is not None else {}
    good = {"showing": "slogan-02", "version": "v"}
    response = kiosk.post("/kiosk/hq-lobby-east/heartbeat", json=good, headers=headers)
    assert response.status_code == 401 and "key" in response.get_data(as_text=True)
    east = next(s for s in kiosk.get("/screens.json").json["screens"] if s["id"] == "hq-lobby-east")  # type: ignore[index]
    assert east["online"] is False and east["showing"] is None
    assert (
        kiosk.post("/kiosk/hq-lobby-east/heartbeat", json=good, headers=keys["hq-lobby-east"]).status_code
        == 204
    )


def test_unknown_screens_are_404(kiosk: FlaskClient) -> None:
    for path in ("/kiosk/nowhere", "/kiosk/nowhere/programme.json", "/kiosk/nowhere/events"):
        assert kiosk.get(path).status_code == 404
    assert (
        kiosk.post("/kiosk/nowhere/heartbeat", json={"showing": "theme", "version": "v"}).status_code == 404
    )
    assert (
        kiosk.post("/screens/nowhere/reload", headers={"Authorization": "Bearer secret"}).status_code == 404
    )


def test_dashboard_flags_a_silent_screen_within_90_seconds(
    kiosk: FlaskClient, keys: dict[str, dict[str, str]]
) -> None:
    beat = {"showing": "slogan-02", "version": "v"}
    assert (
        kiosk.post("/kiosk/hq-lobby-east/heartbeat", json=beat, headers=keys["hq-lobby-east"]).status_code
        == 204
    )
    screens = {s["id"]: s for s in kiosk.get("/screens.json").json["screens"]}  # type: ignore[index]
    assert set(screens) == {"hq-lobby-east", "hq-lobby-west", "service-hall"}
    east = screens["hq-lobby-east"]
    assert east["online"] is True and east["showing"] == "slogan-02" and east["url"] == "/kiosk/hq-lobby-east"
    assert screens["service-hall"]["online"] is False and screens["service-hall"]["last_seen"] is None
    NOW["now"] += dt.timedelta(seconds=89)
    assert kiosk.get("/screens.json").json["screens"][0]["online"] is True  # type: ignore[index]
    NOW["now"] += dt.timedelta(seconds=2)
    assert kiosk.get("/screens.json").json["screens"][0]["online"] is False  # type: ignore[index]
    page = kiosk.get("/screens").get_data(as_text=True)
    assert "離線" in page and "總局大樓東大堂" in page


def test_sites_without_a_fleet_have_no_kiosks(client: FlaskClient) -> None:
    assert client.get("/screens.json").status_code == 404
    assert client.get("/kiosk/anything").status_code == 404


def test_event_stream_sends_the_version(kiosk: FlaskClient) -> None:
    response = kiosk.get("/kiosk/hq-lobby-east/events?limit=0.5")
    body = response.get_data(as_text=True)
    version = kiosk.get("/kiosk/hq-lobby-east/programme.json").json["version"]  # type: ignore[index]
    assert response.mimetype == "text/event-stream"
    assert f"event: version\ndata: {version}\n\n" in body


def test_the_last_good_copy_of_a_campaign_folder_keeps_its_fleet(tiny_fleet: Path, tmp_path: Path) -> None:
    """A data folder that is one campaign folder, its fleet file beside it: after the data breaks, an app
    starting on the last good copy still has its screens."""
    config = {
        "TESTING": True, "LAST_GOOD_DATA": True, "DATA_DIR": tiny_fleet,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
    }  # fmt: skip
    instance = tmp_path / "instance"
    first = create_app(config)
    assert first.extensions["fleet"] is not None
    from web import lastgood

    lastgood.remember(instance, tiny_fleet, lambda copy: None)
    (tiny_fleet / "activities.toml").write_text("[[activity]\nbroken", encoding="utf-8")
    copy = lastgood.recall(instance, tiny_fleet)
    assert copy is not None and (copy / "campaign.toml").is_file()
    from generators.fleet import load_fleet_for
    from generators.loader import load_current

    fleet = load_fleet_for(copy, load_current(copy))
    assert fleet is not None and [s.id for s in fleet.screens] == [
        s.id for s in first.extensions["fleet"].screens
    ]


def test_screens_alike_share_one_timeline_and_keep_their_own_names(fleet_client: FlaskClient) -> None:
    """A fleet of many lobbies on a few programmes works out a few timelines: two screens alike in all
    but their id, name and location share one (the same object), each labelled with its own."""
    import dataclasses

    from web.kiosk import cached_programme, fleet

    moment = dt.datetime(2030, 9, 2, 10, 0, tzinfo=dt.UTC)
    with fleet_client.application.app_context():
        east = fleet().screen("hq-lobby-east")
        twin = dataclasses.replace(east, id="hq-lobby-twin", name="另一大堂", location="二樓")
        first, second = cached_programme(east, moment, reloads=0), cached_programme(twin, moment, reloads=0)
        other = cached_programme(fleet().screen("service-hall"), moment, reloads=0)
    assert (first["screen"], second["screen"]) == ("hq-lobby-east", "hq-lobby-twin")
    assert second["name"] == "另一大堂" and first["name"] == east.name
    assert first["segments"] is second["segments"] and first["version"] == second["version"]
    assert other["segments"] is not first["segments"]
