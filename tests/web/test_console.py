"""The staff console, through the app: sign-in and its bounds, sessions, CSRF, every edit checked and
kept as a version, concurrent saves, restore, keys, and all of it on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from web import create_app
from web import staff as accounts
from web.fleetstore import FleetStore
from web.state import State, close_engine

PASSWORD = "correct horse battery"
MOMENT = dt.datetime(2030, 9, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def console_app(tiny_fleet: Path, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "DATA_DIR": tiny_fleet, "POSTER_DIR": str(tmp_path / "posters"),
        "DATABASE_URL": database_url, "LIVE_CHECK_SECONDS": 0, "CLOCK": lambda: MOMENT,
    })  # fmt: skip
    for name in ("ann", "bob"):
        accounts.add(State(database_url), name, PASSWORD, MOMENT)
    yield app
    close_engine(database_url)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has a form with its CSRF token"
    return found.group(1)


def signed_in(app: Flask, name: str = "ann") -> tuple[FlaskClient, str]:
    """A client signed in as ``name``, and its CSRF token."""
    client = app.test_client()
    token = csrf(client.get("/console").get_data(as_text=True))
    answer = client.post("/console/sign-in", data={"csrf": token, "name": name, "password": PASSWORD})
    assert answer.status_code == 303
    return client, csrf(client.get("/console").get_data(as_text=True))


def latest(app: Flask) -> int:
    number = FleetStore(State(app.config["DATABASE_URL"])).latest_number()
    assert number is not None
    return number


NEW_SCREEN = {
    "id": "meeting-3f", "name": "三樓會議室", "location": "三樓電梯口", "format": "kiosk-landscape",
    "script": "hant", "programme": "evening", "days_0": "", "from_0": "", "to_0": "", "programme_part_0": "",
}  # fmt: skip


def test_the_first_start_imports_the_fleet_file(console_app: Flask, tiny_fleet: Path) -> None:
    store = FleetStore(State(console_app.config["DATABASE_URL"]))
    (version,) = store.history()
    assert version.number == 1 and version.saved_by == "quality-month" and "screens.toml" in version.reason
    assert version.document == (tiny_fleet.parent / "screens.toml").read_text(encoding="utf-8")


def test_signing_in(console_app: Flask) -> None:
    client = console_app.test_client()
    page = client.get("/console")
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    token = csrf(page.get_data(as_text=True))
    for name, password in (("ann", "wrong password"), ("nobody", PASSWORD), ("ann", "")):
        refused = client.post("/console/sign-in", data={"csrf": token, "name": name, "password": password})
        assert refused.status_code == 401 and "名稱或密碼不對" in refused.get_data(as_text=True)
    answer = client.post("/console/sign-in", data={"csrf": token, "name": "ann", "password": PASSWORD})
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    overview = client.get("/console").get_data(as_text=True)
    assert "hq-lobby-east" in overview and "第 1 版" in overview
    # Over https the cookie is Secure too.
    secure = console_app.test_client()
    token = csrf(secure.get("/console", base_url="https://localhost").get_data(as_text=True))
    answer = secure.post(
        "/console/sign-in",
        data={"csrf": token, "name": "ann", "password": PASSWORD},
        base_url="https://localhost",
    )
    assert "Secure" in answer.headers["Set-Cookie"]


def test_failed_sign_ins_are_bounded(console_app: Flask) -> None:
    client = console_app.test_client()
    token = csrf(client.get("/console").get_data(as_text=True))
    for _ in range(10):
        wrong = {"csrf": token, "name": "ann", "password": "guess guess guess"}
        assert client.post("/console/sign-in", data=wrong).status_code == 401
    blocked = client.post("/console/sign-in", data={"csrf": token, "name": "ann", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"


def test_every_change_needs_the_forms_csrf_token(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    before = latest(console_app)
    for given in ({}, {"csrf": ""}, {"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        answer = client.post("/console/screens/new", data={**NEW_SCREEN, "base": str(before), **given})
        assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
        assert client.post("/console/reload", data=given).status_code == 400
    assert latest(console_app) == before
    # Another browser's token is not this session's.
    _, other = signed_in(console_app, "bob")
    assert client.post("/console/reload", data={"csrf": other}).status_code == 400
    assert client.post("/console/reload", data={"csrf": token}).status_code == 303


def test_signed_out_changes_are_refused(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    assert client.post("/console/sign-out", data={"csrf": token}).status_code == 303
    answer = client.post("/console/screens/new", data={**NEW_SCREEN, "base": "1", "csrf": token})
    assert answer.status_code in (400, 401)  # the session, and its token, are gone
    assert client.get("/console/screens/new").status_code == 401
    assert latest(console_app) == 1
    # A removed account's session ends at its next request.
    client, token = signed_in(console_app, "bob")
    accounts.remove(State(console_app.config["DATABASE_URL"]), "bob")
    assert client.get("/console/history").status_code == 401


def test_adding_a_screen_reaches_its_kiosk_without_a_restart(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    kiosk = console_app.test_client()
    assert kiosk.get("/kiosk/meeting-3f").status_code == 404
    answer = client.post(
        "/console/screens/new", data={**NEW_SCREEN, "base": "1", "csrf": token, "reason": "新會議室"}
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/console?saved=2"
    page = kiosk.get("/kiosk/meeting-3f")
    assert page.status_code == 200 and "三樓會議室" in page.get_data(as_text=True)
    programme: Any = kiosk.get("/kiosk/meeting-3f/programme.json").json
    assert {s["design"] for seg in programme["segments"] for s in seg["slides"]} >= {"theme"}
    version = FleetStore(State(console_app.config["DATABASE_URL"])).latest()
    assert version is not None and (version.number, version.saved_by, version.reason) == (
        2,
        "ann",
        "新會議室",
    )
    assert (
        'id = "meeting-3f"' in version.document and "# The kiosk fleet" in version.document
    )  # comments kept
    assert "三樓會議室" in kiosk.get("/screens").get_data(as_text=True)


def test_a_slide_length_edit_changes_what_screens_play(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    kiosk = console_app.test_client()
    before: Any = kiosk.get("/kiosk/hq-lobby-east/programme.json").json
    form = {
        "csrf": token, "base": "1",
        "order_0": "1", "show_0": "theme", "design_0": "", "seconds_0": "45",
        "order_1": "2", "show_1": "today", "design_1": "", "seconds_1": "30",
        "order_2": "", "show_2": "", "design_2": "", "seconds_2": "",
    }  # fmt: skip
    assert client.post("/console/programmes/daytime", data=form).status_code == 303
    after: Any = kiosk.get("/kiosk/hq-lobby-east/programme.json").json
    assert after["version"] != before["version"]
    daytime = next(seg for seg in after["segments"] if seg["programme"] == "daytime")
    assert [(s["id"], s["ms"]) for s in daytime["slides"][:2]] == [
        ("theme", 45000),
        ("today-2030-09-02", 30000),
    ]
    # The order numbers set the order.
    form.update(order_0="3", base="2")
    assert client.post("/console/programmes/daytime", data=form).status_code == 303
    fleet = console_app.extensions["fleet"]
    assert [s.show for s in fleet.programmes["daytime"].slides] == ["today", "theme"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"seconds_0": "2"}, "slides", "seconds must be a whole number from 3 to 3600"),
        ({"seconds_0": "a minute"}, "slides", "is not a whole number"),
        ({"show_0": "poster", "design_0": "no-such-poster"}, "slides", "needs the design of a poster"),
    ],
)
def test_a_bad_programme_is_refused_on_its_form(
    console_app: Flask, change: dict[str, str], field: str, words: str
) -> None:
    client, token = signed_in(console_app)
    form = {
        "csrf": token,
        "base": "1",
        "order_0": "1",
        "show_0": "theme",
        "design_0": "",
        "seconds_0": "20",
        **change,
    }
    answer = client.post("/console/programmes/daytime", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and f'data-field="{field}"' in page and words in page
    assert 'value="' + change.get("seconds_0", "20") + '"' in page  # what was typed stays on the form
    assert latest(console_app) == 1


def test_a_bad_screen_is_refused_on_its_form(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    cases = [
        ({"id": "Lobby 3F"}, "id"), ({"name": ""}, "name"), ({"location": "x" * 61}, "location"),
        ({"programme": "nightly"}, "programme"), ({"id": "hq-lobby-east"}, "id"),
        ({"days_0": "someday", "from_0": "19:00", "to_0": "07:00", "programme_part_0": "evening"}, "dayparts"),
        ({"days_0": "mon-fri", "from_0": "25:00", "to_0": "07:00", "programme_part_0": "evening"}, "dayparts"),
    ]  # fmt: skip
    for change, field in cases:
        answer = client.post(
            "/console/screens/new", data={**NEW_SCREEN, "base": "1", "csrf": token, **change}
        )
        assert answer.status_code == 422, change
        assert f'data-field="{field}"' in answer.get_data(as_text=True), change
    assert latest(console_app) == 1


def test_two_staff_saving_at_once_lose_nothing(console_app: Flask) -> None:
    """Both open the form at version 1; the first to save wins; the second is told the fleet moved on,
    sees the other's change and keeps what they typed; saved again, both changes are in."""
    ann, ann_token = signed_in(console_app, "ann")
    bob, bob_token = signed_in(console_app, "bob")
    first = ann.post("/console/screens/new", data={**NEW_SCREEN, "base": "1", "csrf": ann_token})
    assert first.status_code == 303
    second = {**NEW_SCREEN, "id": "canteen", "name": "員工餐廳", "base": "1", "csrf": bob_token}
    moved = bob.post("/console/screens/new", data=second)
    page = moved.get_data(as_text=True)
    assert (
        moved.status_code == 409
        and 'data-moved="2"' in page
        and "+id = &#34;meeting-3f&#34;" in page.replace("&#34;", "&#34;")
    )
    assert 'value="員工餐廳"' in page and 'name="base" value="2"' in page
    assert bob.post("/console/screens/new", data={**second, "base": "2"}).status_code == 303
    ids = [s.id for s in console_app.extensions["fleet"].screens]
    assert "meeting-3f" in ids and "canteen" in ids and latest(console_app) == 3
    # A form from a version that never was (a base beyond the latest) is refused too: no gap, no skip.
    ahead = bob.post("/console/screens/new", data={**second, "id": "lab", "base": "7"})
    assert ahead.status_code == 409 and latest(console_app) == 3


def test_history_diff_and_restore(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    client.post("/console/screens/new", data={**NEW_SCREEN, "base": "1", "csrf": token})
    history = client.get("/console/history").get_data(as_text=True)
    assert 'data-version="2"' in history and 'data-version="1"' in history and "ann" in history
    diff = client.get("/console/history/2").get_data(as_text=True)
    assert 'id="diff"' in diff and "+[[screen]]" in diff
    answer = client.post("/console/history/1/restore", data={"csrf": token, "base": "2"})
    assert answer.status_code == 303
    store = FleetStore(State(console_app.config["DATABASE_URL"]))
    restored, first = store.get(3), store.get(1)
    assert restored is not None and first is not None and restored.document == first.document
    assert restored.reason == "restored version 1"
    assert "meeting-3f" not in [s.id for s in console_app.extensions["fleet"].screens]


def test_a_screens_key_is_shown_once_and_renewed(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    kiosk = console_app.test_client()
    beat = {"showing": "theme", "version": "v"}
    assert "尚無金鑰" in client.get("/console").get_data(as_text=True)
    answer = client.post("/console/screens/hq-lobby-east/key", data={"csrf": token})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store" and "<svg" in page
    key = re.search(r"/kiosk/hq-lobby-east#key=([A-Za-z0-9_-]+)", page)
    assert key
    headers = {"Authorization": f"Bearer {key.group(1)}"}
    assert kiosk.post("/kiosk/hq-lobby-east/heartbeat", json=beat, headers=headers).status_code == 204
    assert key.group(1) not in client.get("/console").get_data(as_text=True)  # never shown again
    client.post("/console/screens/hq-lobby-east/key", data={"csrf": token})
    assert kiosk.post("/kiosk/hq-lobby-east/heartbeat", json=beat, headers=headers).status_code == 401
    # The public dashboard shows neither keys nor console links to a visitor.
    dashboard = kiosk.get("/screens").get_data(as_text=True)
    assert "console" not in dashboard and "key" not in dashboard
    assert 'id="console-link"' in client.get("/screens").get_data(as_text=True)


def test_the_preview_shows_the_next_24_hours(console_app: Flask) -> None:
    client, _ = signed_in(console_app)
    page = client.get("/console/screens/hq-lobby-east/preview").get_data(as_text=True)
    # 10:00 UTC is 18:00 in the campaign's zone (UTC+8) on 2 September: daytime until 19:00, evening
    # until midnight, then 3 September, a special day, plays its programme all day.
    blocks = re.findall(r'data-programme="([a-z-]+)"', page)
    assert blocks == ["daytime", "evening", "quality-day"]
    assert "09-02 18:00–09-02 19:00" in page and "09-03 00:00–09-03 18:00" in page
    assert 'id="now-showing"' in page


def test_reloads(console_app: Flask) -> None:
    client, token = signed_in(console_app)
    kiosk = console_app.test_client()
    before: Any = kiosk.get("/kiosk/hq-lobby-west/programme.json").json
    assert client.post("/console/screens/hq-lobby-west/reload", data={"csrf": token}).status_code == 303
    after: Any = kiosk.get("/kiosk/hq-lobby-west/programme.json").json
    assert after["version"] != before["version"]
    assert client.post("/console/reload", data={"csrf": token}).status_code == 303
    rows = State(console_app.config["DATABASE_URL"]).rows()
    assert rows["hq-lobby-west"]["reloads"] == 2 and rows["service-hall"]["reloads"] == 1


def test_the_simplified_console(console_app: Flask) -> None:
    client, _ = signed_in(console_app)
    page = client.get("/hans/console").get_data(as_text=True)
    assert 'lang="zh-Hans"' in page and "控制台：资讯屏" in page and 'action="/hans/console/reload"' in page
