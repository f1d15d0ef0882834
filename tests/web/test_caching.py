"""Cache headers for a CDN or proxy in front (docs/deploy.md): content-hashed posters immutable, feeds
and pages kept briefly and revalidated by ETag, kiosk programmes always revalidated, live state never
kept."""

from __future__ import annotations

from flask.testing import FlaskClient


def revalidates(client: FlaskClient, path: str) -> str:
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"], path
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b"", path
    return str(first.headers["Cache-Control"])


def test_feeds_and_pages_are_kept_briefly_and_revalidated(client: FlaskClient) -> None:
    for path in ["/calendar.ics", "/feeds/key-dates.hans.ics"]:
        control = revalidates(client, path)
        assert "max-age=300" in control and "must-revalidate" in control and "no-transform" in control
    for path in ["/", "/hans/list", "/activities/quality-week", "/organizers/samr/"]:
        control = revalidates(client, path)
        assert "public" in control and "max-age=300" in control


def test_programmes_always_revalidate_and_live_state_is_never_kept(fleet_client: FlaskClient) -> None:
    control = revalidates(fleet_client, "/kiosk/hq-lobby-east/programme.json")
    assert "no-cache" in control
    for path in ["/screens.json", "/kiosk/time", "/healthz"]:
        response = fleet_client.get(path)
        assert "no-store" in response.headers["Cache-Control"], path


def test_error_pages_are_not_kept(client: FlaskClient) -> None:
    response = client.get("/activities/no-such-activity")
    assert response.status_code == 404 and "max-age" not in response.headers.get("Cache-Control", "")
