"""Feeds over HTTP: the content type, caching validators, 304, HEAD, no compression; ``/feeds.json``."""

from __future__ import annotations

from flask.testing import FlaskClient

from generators.feeds import all_feeds
from generators.model import Campaign


def test_feed_http(client: FlaskClient) -> None:
    first = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, br"})
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Encoding" not in first.headers
    assert first.headers["ETag"] and first.headers["Last-Modified"] == "Tue, 20 Aug 2030 01:00:00 GMT"
    assert "no-transform" in first.headers["Cache-Control"]
    second = client.get("/calendar.ics")
    assert second.get_data() == first.get_data()
    assert client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    head = client.head("/calendar.ics")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == first.headers["ETag"]


def test_feed_links_follow_public_url(client: FlaskClient) -> None:
    body = client.get("/calendar.ics", base_url="https://calendar.example").get_data()
    assert b"URL:https://calendar.example/activities/quality-week\r\n" in body.replace(b"\r\n ", b"")
    client.application.config["PUBLIC_URL"] = "https://qm.example/site"
    body = client.get("/calendar.ics").get_data().replace(b"\r\n ", b"")
    assert b"SOURCE;VALUE=URI:https://qm.example/site/calendar.ics" in body


def test_simplified_and_other_feeds(client: FlaskClient) -> None:
    hans = client.get("/calendar.hans.ics")
    assert hans.status_code == 200 and "质量".encode() in hans.get_data()
    week = client.get("/feeds/kind-week.ics").get_data()
    assert week.count(b"BEGIN:VEVENT") == 2  # the week, and the period's event
    assert client.get("/feeds/organizer-miit.hans.ics").status_code == 200


def test_unknown_feed_is_404(client: FlaskClient) -> None:
    for path in ("/feeds/organizer-nobody.ics", "/feeds/nothing.ics", "/feeds/calendar.ics", "/feeds/x.txt"):
        response = client.get(path)
        assert response.status_code == 404, path


def test_feeds_json(client: FlaskClient) -> None:
    campaign: Campaign = client.application.extensions["campaign"]
    document = client.get("/feeds.json").json
    assert document is not None
    feeds = {f["id"]: f for f in document["feeds"]}
    assert len(feeds) == len(all_feeds(campaign))
    whole = feeds["all"]
    assert whole["url"] == "http://localhost/calendar.ics"
    assert whole["webcal"] == "webcal://localhost/calendar.ics"
    assert whole["events"] == len(campaign.activities)
    assert feeds["key-dates"]["events"] == sum(1 for a in campaign.activities if a.span.own)
    assert feeds["organizer-samr.hans"]["title"] == "2030年全国“质量月”活动 · 市场监管总局"
    for feed in document["feeds"]:
        path = feed["url"].removeprefix("http://localhost")
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.get_data().count(b"BEGIN:VEVENT") == feed["events"], path


def test_a_public_url_without_its_slash_still_joins_paths(client: FlaskClient) -> None:
    """PUBLIC_URL written without the trailing slash: links and the posters' QR codes (drawn with no
    request) still join their paths onto it, not onto its last letter."""
    from web.context import public_url

    client.application.config["PUBLIC_URL"] = "https://qm.example/site"
    assert public_url(client.application) == "https://qm.example/site/"
    body = client.get("/calendar.ics").get_data().replace(b"\r\n ", b"")
    assert b"URL:https://qm.example/site/activities/quality-conference" in body
