"""Live data: a change of the campaign folder or of the fleet reaches a running app (and every app on
the same database) without a restart; a change that does not check never replaces the good data, and
its errors are shown until it is fixed. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import TESTS, revised
from web import create_app
from web.fleetstore import FleetStore
from web.state import State, close_engine

MOMENT = dt.datetime(2030, 9, 2, 10, 0, tzinfo=dt.UTC)
ROOT = TESTS.parent
UID = "benchmark-exchange@"


def make_app(folder: Path, database_url: str, tmp_path: Path) -> Flask:
    return create_app({
        "TESTING": True, "DATA_DIR": folder, "POSTER_DIR": str(tmp_path / "posters"),
        "DATABASE_URL": database_url, "LIVE_CHECK_SECONDS": 0, "CLOCK": lambda: MOMENT,
    })  # fmt: skip


@pytest.fixture
def live_app(tiny_fleet: Path, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tiny_fleet, database_url, tmp_path)
    yield app
    close_engine(database_url)


def event(feed: str, uid: str) -> dict[str, str]:
    """An event's properties (the unfolded lines of its VEVENT) in a feed."""
    unfolded = feed.replace("\r\n ", "")
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        lines = dict(line.split(":", 1) for line in block.split("\r\n") if ":" in line)
        if lines.get("UID", "").startswith(uid):
            return {k.split(";")[0]: v for k, v in lines.items()}
    raise AssertionError(f"no event {uid} in the feed")


def date_the_exchange(folder: Path) -> None:
    """The undated benchmark exchange gets a date (and a source), recorded as `revise` records it."""
    path = folder / "activities.toml"
    text = path.read_text(encoding="utf-8")
    anchor = "sources = [{ annex = 1, item = 2 }]"
    assert text.count(anchor) == 1
    dated = (
        anchor
        + '\nstart = 2030-09-16\ndate_source = { url = "https://www.samr.gov.cn/", confidence = "medium" }'
    )
    path.write_text(text.replace(anchor, dated), encoding="utf-8")
    revised(folder, MOMENT)


def test_an_activity_dated_on_disk_is_served_without_a_restart(live_app: Flask, tiny_fleet: Path) -> None:
    """The feeds' SEQUENCE rises, the default subscription (dated events) gains it, the web calendar
    shows it on its day: no restart."""
    client = live_app.test_client()
    before = event(client.get("/feeds/complete.ics").get_data(as_text=True), UID)
    assert before["DTSTART"] == "20300901"  # undated: the whole month
    assert UID not in client.get("/calendar.ics").get_data(as_text=True)
    date_the_exchange(tiny_fleet)
    after = event(client.get("/feeds/complete.ics").get_data(as_text=True), UID)
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["DTSTART"] == "20300916"
    assert event(client.get("/calendar.ics").get_data(as_text=True), UID)["DTSTART"] == "20300916"
    month = client.get("/").get_data(as_text=True)
    day = re.search(r'data-date="2030-09-16">(.*?)</td>', month, re.S)
    assert day and "質量標桿交流" in day.group(1)
    assert client.get("/healthz").json["status"] == "ok"  # type: ignore[index]


def test_a_broken_edit_never_replaces_the_good_data(live_app: Flask, tiny_fleet: Path) -> None:
    client = live_app.test_client()
    good = client.get("/calendar.ics").get_data()
    path = tiny_fleet / "activities.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('kind = "exchange"', 'kind = "nonsense"'), encoding="utf-8")
    assert client.get("/calendar.ics").get_data() == good
    health: Any = client.get("/healthz").json
    assert health["status"] == "degraded" and health["serving"] == "the last good data"
    assert any("activities.toml" in e and "nonsense" in e for e in health["data_errors"])
    dashboard = client.get("/screens").get_data(as_text=True)
    assert 'id="data-errors"' in dashboard and "nonsense" in dashboard
    path.write_text(text, encoding="utf-8")  # fixed: served, and the errors are gone
    assert client.get("/healthz").json["status"] == "ok"  # type: ignore[index]
    assert 'id="data-errors"' not in client.get("/screens").get_data(as_text=True)


def test_a_saved_fleet_reaches_every_app_on_the_database(
    live_app: Flask, tiny_fleet: Path, database_url: str, tmp_path: Path
) -> None:
    """Two apps, as two workers or two machines, on one database: a version saved through one is served
    by the other at its next check."""
    other = make_app(tiny_fleet, database_url, tmp_path / "other")
    kiosk = other.test_client()
    before: Any = kiosk.get("/kiosk/hq-lobby-east/programme.json").json
    store = FleetStore(State(database_url))
    version = store.latest()
    assert version is not None
    changed = version.document.replace('{ show = "theme", seconds = 20 }', '{ show = "theme", seconds = 50 }')
    assert changed != version.document
    store.save(changed, "ann", "theme 50 s", version.number, MOMENT)
    after: Any = kiosk.get("/kiosk/hq-lobby-east/programme.json").json
    assert after["version"] != before["version"]
    assert other.extensions["fleet"].programmes["daytime"].slides[0].seconds == 50
    assert live_app.test_client().get("/kiosk/hq-lobby-east/programme.json").json == after


def test_a_broken_import_is_refused_and_the_good_version_stays(
    live_app: Flask, tiny_fleet: Path, database_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    good = (tiny_fleet.parent / "screens.toml").read_text(encoding="utf-8")
    broken.write_text(good.replace('programme = "daytime"', 'programme = "nightly"', 1), encoding="utf-8")
    env = {
        "QUALITY_MONTH_DATABASE_URL": database_url,
        "QUALITY_MONTH_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [sys.executable, "-m", "web.cli", "fleet", "import", "--data", str(tiny_fleet), str(broken)]
    result = subprocess.run(
        command, cwd=ROOT, env={**_environ(), **env}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert f"{broken}:" in result.stderr and "unknown programme 'nightly'" in result.stderr
    assert FleetStore(State(database_url)).latest_number() == 1
    client = live_app.test_client()
    assert client.get("/kiosk/hq-lobby-east/programme.json").status_code == 200
    # A good file is saved as the next version, and served.
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(
        good.replace('name = "總局大樓東大堂"', 'name = "總局大樓東大堂（新）"'), encoding="utf-8"
    )
    command[-1] = str(fixed)
    result = subprocess.run([*command, "--reason", "renamed", "--by", "ops"], cwd=ROOT,
                            env={**_environ(), **env}, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "總局大樓東大堂（新）" in client.get("/kiosk/hq-lobby-east").get_data(as_text=True)
    exported = subprocess.run([sys.executable, "-m", "web.cli", "fleet", "export", "--data", str(tiny_fleet)],
                              cwd=ROOT, env={**_environ(), **env}, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert exported.stdout == fixed.read_text(encoding="utf-8")


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QUALITY_MONTH_")}


def test_with_the_database_down_the_console_says_so_and_kiosks_play(
    tiny_fleet: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"not a database " * 500)
    app = make_app(tiny_fleet, f"sqlite:///{state}", tmp_path)
    client = app.test_client()
    assert client.get("/kiosk/hq-lobby-east/programme.json").status_code == 200  # the file's fleet
    page = client.get("/console")
    assert "狀態資料庫現在無法使用" in page.get_data(as_text=True)
    close_engine(f"sqlite:///{state}")


def test_an_open_stream_follows_an_edit_of_its_own_screen(live_app: Flask, database_url: str) -> None:
    """A kiosk's event stream, open before the edit, announces the version of the screen as edited (its
    programme changed from daytime to evening), the same that its programme.json then gives."""
    client = live_app.test_client()
    response = client.get("/kiosk/hq-lobby-east/events?limit=30", buffered=False)
    lines = (line for chunk in response.response for line in chunk.decode().splitlines())
    versions = (line.removeprefix("data: ") for line in lines if line.startswith("data: "))
    first = next(versions)
    store = FleetStore(State(database_url))
    version = store.latest()
    assert version is not None
    anchor = 'id = "hq-lobby-east"\nname = "總局大樓東大堂"\nlocation = "一樓東大堂入口"\nformat = "kiosk-portrait"\nscript = "hant"\nprogramme = "daytime"'
    assert anchor in version.document
    store.save(
        version.document.replace(anchor, anchor.replace('"daytime"', '"evening"')),
        "ann",
        "evening",
        1,
        MOMENT,
    )
    announced = next(versions)
    response.close()
    programme: Any = client.get("/kiosk/hq-lobby-east/programme.json").json
    assert announced != first and announced == programme["version"]
    assert live_app.extensions["fleet"].screen("hq-lobby-east").programme == "evening"
