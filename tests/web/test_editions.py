"""A local edition on the site: its own feed and pages on the national site, and everything (the default
subscription, the calendar at its times, the day's poster, the kiosks' "today" slide) on a site run for
it (``EDITION``); marked as local wherever it stands beside the notice's activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from generators.datafile import CampaignError
from generators.posters import designs
from generators.script import to_hans
from tests.conftest import DATA
from web import create_app
from web.state import close_engine

EXAMPLE = "example-city"
UID = "UID:example-city-integrity-publicity@2022.quality-month"
#: 2022-09-16, 08:00 in Shanghai: the morning of the example's event.
MORNING = dt.datetime(2022, 9, 16, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def edition_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("edition")
    app = create_app({
        "TESTING": True, "DATA_DIR": DATA, "EDITION": EXAMPLE, "POSTER_DIR": str(folder / "posters"),
        "DATABASE_URL": f"sqlite:///{folder / 'state.sqlite'}", "CLOCK": lambda: MORNING,
    })  # fmt: skip
    yield app
    close_engine(app.config["DATABASE_URL"])


@pytest.fixture
def edition(edition_app: Flask) -> FlaskClient:
    return edition_app.test_client()


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_national_site_keeps_the_edition_in_its_own_feed_and_pages(real_client: FlaskClient) -> None:
    assert UID not in _text(real_client, "/calendar.ics").replace("\r\n ", "")
    feed = _text(real_client, "/feeds/local-example-city.ics").replace("\r\n ", "")
    assert UID in feed and "DTSTART;TZID=Asia/Shanghai:20220916T090000" in feed and "BEGIN:VTIMEZONE" in feed
    listed = _text(real_client, "/local/example-city/list")
    assert "09:00至11:30" in listed and "local-mark" in listed
    assert 'href="/local/example-city/"' in _text(real_client, "/")  # found from every page's footer
    page = _text(real_client, "/activities/example-city-integrity-publicity")
    assert (
        "地方活動" in page and "示例，並非真實活動" in page and "活動介紹" in page and "通知原文" not in page
    )
    feeds: Any = real_client.get("/feeds.json").json
    assert any(f["url"].endswith("/feeds/local-example-city.ics") for f in feeds["feeds"])


def test_a_site_run_for_the_edition_subscribes_to_it_by_default(edition: FlaskClient) -> None:
    feed = _text(edition, "/calendar.ics").replace("\r\n ", "")
    assert UID in feed and "DTSTART;TZID=Asia/Shanghai:20220916T090000" in feed
    assert "BEGIN:VTIMEZONE" in feed and "TZID:Asia/Shanghai" in feed
    assert "UID:launch-ceremony@2022.quality-month" in feed  # and the notice's own, as before
    assert "CATEGORIES:宣傳,地方活動" in feed


def test_the_calendar_shows_it_at_its_times(edition: FlaskClient) -> None:
    month = _text(edition, "/")
    assert '<time class="hours" datetime="2022-09-16T09:00:00+08:00">09:00至11:30</time>' in month
    day = _text(edition, "/list?date=2022-09-16")
    assert "09:00至11:30" in day and "文明誠信主題宣傳活動（示例）" in day and "local-mark" in day
    assert "本站另收地方活動" in day
    assert to_hans("文明誠信主題宣傳活動（示例）") in _text(edition, "/hans/list?date=2022-09-16")


def test_the_day_poster_and_the_kiosks_today_slide_take_it(edition_app: Flask, edition: FlaskClient) -> None:
    served = edition_app.extensions["campaign"]
    day_design = next(d for d in designs(served) if d.id == "today-2022-09-16")
    assert "09:00至11:30 文明誠信主題宣傳活動（示例）（地方活動：" in day_design.roles["body"]
    programme: Any = edition.get("/kiosk/hq-lobby-east/programme.json").json
    shown = [s["design"] for seg in programme["segments"] for s in seg["slides"]]
    assert "today-2022-09-16" in shown


def test_the_national_day_poster_does_not_mix_it_in(real_app: Flask) -> None:
    national = real_app.extensions["campaign"]
    day_design = next(d for d in designs(national) if d.id == "today-2022-09-16")
    assert "文明誠信" not in day_design.roles["body"]


def test_an_unknown_edition_stops_start_up_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(CampaignError, match="EDITION"):
        create_app({"TESTING": True, "DATA_DIR": DATA, "EDITION": "nowhere",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"})  # fmt: skip


def test_the_studio_of_a_site_run_for_the_edition_makes_its_posters(edition: FlaskClient) -> None:
    designs_offered: Any = edition.get("/studio.json").json["designs"]
    ids = {d["id"] for d in designs_offered}
    assert "activity-example-city-open-day" in ids and "today-2022-09-16" in ids
    response = edition.get(
        "/studio/poster.png?design=activity-example-city-open-day&format=square&script=hans&style=official"
    )
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_the_national_studio_does_not_offer_it(real_client: FlaskClient) -> None:
    ids = {d["id"] for d in real_client.get("/studio.json").json["designs"]}
    assert "activity-example-city-open-day" not in ids
