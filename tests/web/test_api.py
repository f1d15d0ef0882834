"""``/healthz`` and ``/activities.json``: the document of DESIGN.md, filters, caching, and clean 4xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from generators.loader import CampaignError
from tests.conftest import Edit, revised
from web import create_app


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "campaign": "2030", "activities": 3}
    assert "no-store" in response.headers["Cache-Control"]


def test_activities_document(client: FlaskClient) -> None:
    response = client.get("/activities.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.json
    assert document is not None
    week = document["activities"][1]
    assert week == {
        "id": "quality-week",
        "title": "質量宣傳周",
        "title_hans": "质量宣传周",
        "organizers": ["samr"],
        "kind": "week",
        "start": "2030-09-10",
        "end": "2030-09-15",
        "all_day": True,
        "dated": True,
        "text": "開展質量宣傳周活動。",
        "text_hans": "开展质量宣传周活动。",
        "source": {"annex": 1, "item": 1},
        "date_source": {"url": "https://example.org/week", "confidence": "medium", "note": None},
        "place": None,
        "date_note": None,
    }
    undated = document["activities"][2]
    assert (undated["start"], undated["end"], undated["date_source"]) == ("2030-09-01", "2030-10-01", None)
    assert [o["id"] for o in document["organizers"]] == ["samr", "miit"]
    assert document["campaign"]["slogans"][1] == {"number": 2, "text": "質量發展 利民惠民",
                                                  "text_hans": "质量发展 利民惠民"}  # fmt: skip


def test_timed_activity_has_offset(edit: Edit) -> None:
    folder = edit(
        "activities.toml", "start = 2030-09-03\n", "start = 2030-09-03T14:00:00\nend = 2030-09-03T16:00:00\n"
    )
    client = create_app({"TESTING": True, "DATA_DIR": revised(folder)}).test_client()
    first = client.get("/activities.json").json["activities"][0]  # type: ignore[index]
    assert (first["start"], first["end"], first["all_day"]) == (
        "2030-09-03T14:00:00+08:00", "2030-09-03T16:00:00+08:00", False,
    )  # fmt: skip


def test_utf8_not_escaped(client: FlaskClient) -> None:
    body = client.get("/activities.json").get_data()
    assert "質量宣傳周".encode() in body


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("organizer=miit", ["benchmark-exchange"]),
        ("kind=week", ["quality-week"]),
        ("organizer_kind=department", ["quality-conference", "quality-week", "benchmark-exchange"]),
        ("date=2030-09-12", ["quality-week", "benchmark-exchange"]),
        ("date=2030-09-12&organizer=samr&kind=exchange", ["benchmark-exchange"]),
        ("organizer_kind=association", []),
    ],
)
def test_filters(client: FlaskClient, query: str, ids: list[str]) -> None:
    response = client.get(f"/activities.json?{query}")
    assert response.status_code == 200
    assert [a["id"] for a in response.json["activities"]] == ids  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("organizer=nobody", "unknown organizer 'nobody'"),
        ("kind=party", "unknown activity kind 'party'"),
        ("organizer_kind=guild", "unknown organizer kind 'guild'"),
        ("date=2030-13-01", "is not a date"),
        ("date=2030-10-05", "outside the campaign period"),
        ("colour=red", "unknown query parameter 'colour'"),
        ("kind=week&kind=forum", "given 2 times"),
    ],
)
def test_bad_query_is_400_with_reason(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(f"/activities.json?{query}")
    assert response.status_code == 400
    assert response.json is not None
    assert message in response.json["error"]["message"]


def test_etag_and_304(client: FlaskClient) -> None:
    first = client.get("/activities.json")
    etag = first.headers["ETag"]
    again = client.get("/activities.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/activities.json").get_data() == first.get_data()
    other = client.get("/activities.json?kind=week")
    assert other.headers["ETag"] != etag


def test_unknown_path_is_404_not_500(client: FlaskClient) -> None:
    assert client.get("/nothing.json").status_code == 404
    assert client.get("/../../etc/passwd").status_code == 404
    assert client.post("/activities.json").status_code == 405


def test_broken_data_stops_start_up(edit: Edit) -> None:
    folder: Path = edit("activities.toml", "start = 2030-09-10", "start = 2030-19-10")
    with pytest.raises(CampaignError, match=r"activities\.toml:19"):
        create_app({"TESTING": True, "DATA_DIR": folder})


def test_every_activity_and_source_in_activities_json(edit: Edit) -> None:
    # An activity of two items of the notice, as the real launch ceremony is.
    folder = edit(
        "activities.toml",
        "sources = [{ annex = 1, item = 2 }]",
        "sources = [{ annex = 1, item = 2 }, { annex = 1, item = 1 }]",
    )
    client = create_app({"TESTING": True, "DATA_DIR": revised(folder)}).test_client()
    campaign = client.application.extensions["campaign"]
    document = json.loads(client.get("/activities.json").get_data())
    activities = {a["id"]: a for a in document["activities"]}
    assert list(activities) == [a.id for a in campaign.activities]
    assert len(document["organizers"]) == len(campaign.organizers)
    exchange = activities["benchmark-exchange"]
    assert exchange["source"] == [{"annex": 1, "item": 2}, {"annex": 1, "item": 1}]
    assert exchange["organizers"] == ["miit", "samr"]
    (day,) = [a for a in activities.values() if a["title"] == "質量大會"]
    assert (day["start"], day["end"], day["all_day"]) == ("2030-09-03", "2030-09-04", True) and day["dated"]
    covered = set()
    for activity in activities.values():
        sources = activity["source"] if isinstance(activity["source"], list) else [activity["source"]]
        covered |= {(s["annex"], s["item"]) for s in sources}
    assert covered == {(s.annex, s.item) for a in campaign.activities for s in a.sources}


def test_configuration_from_the_environment(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What `serve` builds: the instance configuration and QUALITY_MONTH_* variables apply, the CLI's
    # data folder on top.
    monkeypatch.setenv("QUALITY_MONTH_PUBLIC_URL", "https://qm.example/")
    app = create_app({"DATA_DIR": tiny})
    assert app.config["PUBLIC_URL"] == "https://qm.example/" and app.config["DATA_DIR"] == tiny
    testing = create_app({"TESTING": True, "DATA_DIR": tiny})
    assert testing.config.get("PUBLIC_URL") is None
