"""Hardening: security headers on every answer, a Content-Security-Policy that the pages really satisfy
(in Chromium), no file outside the poster and site folders reachable by any URL, and an HTTP fuzz of
every route of the app: nothing answers 5xx."""

from __future__ import annotations

import http.client
import re
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, expect
from werkzeug.routing import Rule

from generators.loader import load_current
from generators.posters.batch import render_set
from tests.conftest import TINY, screen_keys
from tests.web.live import serving
from web import create_app
from web.security import PUBLIC_DATA as PUBLIC_DATA_ENDPOINTS

TOKEN = "fuzz-admin-token"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    folder = tmp_path_factory.mktemp("security")
    campaign = load_current(TINY)
    render_set(campaign, folder / "posters", "http://127.0.0.1/", workers=2,
               only=lambda j: j.format == "kiosk-portrait" and j.design in {"theme", "slogan-01"})  # fmt: skip
    return create_app({
        "TESTING": True, "DATA_DIR": TINY, "POSTER_DIR": str(folder / "posters"), "ADMIN_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{folder / 'state.sqlite'}",
    })  # fmt: skip


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def east(app: Flask) -> dict[str, str]:
    """The heartbeat headers of hq-lobby-east, with its key."""
    return screen_keys(app.config["DATABASE_URL"], ["hq-lobby-east"])["hq-lobby-east"]


def poster_path(client: FlaskClient) -> str:
    posters = client.get("/posters.json").get_json()["posters"]
    return str(posters[0]["url"])


SAMPLE = ["/", "/hans/list", "/activities/quality-week", "/calendar.ics", "/feeds.json",
          "/activities.json", "/posters", "/posters.json", "/kiosk/hq-lobby-east", "/kiosk/sw.js",
          "/kiosk/hq-lobby-east/programme.json", "/screens", "/screens.json", "/healthz", "/static/style.css",
          "/no-such-page", "/activities/no-such-activity", "/list?date=garbage"]  # fmt: skip


@pytest.mark.parametrize("path", SAMPLE)
def test_security_headers_on_every_answer(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


PUBLIC_DATA = ["/calendar.ics", "/calendar.hans.ics", "/feeds/kind-week.ics", "/feeds/organizer-samr.hans.ics",
               "/feeds.json", "/activities.json", "/activities.json?kind=week", "/posters.json", "/screens.json",
               "/healthz"]  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/hans/posters", "/kiosk/hq-lobby-east", "/no-such-page"])
def test_every_page_names_an_icon_the_site_has(client: FlaskClient, path: str) -> None:
    """A browser asks for /favicon.ico, a 404, unless the page names its icon."""
    icon = re.search(
        r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', client.get(path).get_data(as_text=True)
    )
    assert icon is not None, path
    answer = client.get(icon.group(1))
    body = answer.get_data()
    answer.close()
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert body.startswith(b"<svg")


@pytest.mark.parametrize("path", PUBLIC_DATA)
def test_public_data_may_be_read_by_any_site(client: FlaskClient, path: str) -> None:
    """CORS on the feeds and the public JSON documents, so a calendar widget on another site can load
    them: on the answer, on HEAD, on a 304 and on a preflight."""
    origin = {"Origin": "https://widget.example"}
    first = client.get(path, headers=origin)
    assert first.status_code == 200, path
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in first.headers
    assert client.head(path, headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers.get("ETag")
    if etag and "no-store" not in first.headers.get("Cache-Control", ""):
        again = client.get(path, headers={**origin, "If-None-Match": etag})
        assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_a_refused_public_query_is_readable_too(client: FlaskClient) -> None:
    for path in ("/activities.json?kind=nothing", "/feeds/organizer-nobody.ics"):
        answer = client.get(path)
        assert answer.status_code in (400, 404) and answer.headers["Access-Control-Allow-Origin"] == "*"


def test_no_cors_on_pages_the_kiosk_and_the_admin(client: FlaskClient, east: dict[str, str]) -> None:
    """Only the public, read-only data: not the pages, not the kiosk's own plumbing, never a POST."""
    origin = {"Origin": "https://widget.example"}
    for path in ["/", "/hans/list", "/activities/quality-week", "/posters", "/screens", "/kiosk/hq-lobby-east",
                 "/kiosk/hq-lobby-east/programme.json", "/kiosk/time", "/static/style.css", "/no-such-page",
                 poster_path(client)]:  # fmt: skip
        answer = client.get(path, headers=origin)
        answer.close()
        assert "Access-Control-Allow-Origin" not in answer.headers, path
    beat = client.post(
        "/kiosk/hq-lobby-east/heartbeat",
        json={"showing": "theme", "version": "v"},
        headers={**origin, **east},
    )
    assert beat.status_code == 204 and "Access-Control-Allow-Origin" not in beat.headers
    reload = client.post(
        "/screens/hq-lobby-east/reload", headers={**origin, "Authorization": f"Bearer {TOKEN}"}
    )
    assert reload.status_code == 200 and "Access-Control-Allow-Origin" not in reload.headers
    refused = client.post("/screens/hq-lobby-east/reload", headers=origin)
    assert refused.status_code == 401 and "Access-Control-Allow-Origin" not in refused.headers
    posted = client.post("/feeds.json", headers=origin)  # no such method: no CORS on its 405 either
    assert posted.status_code == 405 and "Access-Control-Allow-Origin" not in posted.headers


def test_public_data_names_real_endpoints(app: Flask) -> None:
    assert set(app.view_functions) >= PUBLIC_DATA_ENDPOINTS
    for endpoint in PUBLIC_DATA_ENDPOINTS:
        methods = {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods or ()}
        assert methods <= {"GET", "HEAD", "OPTIONS"}, endpoint  # read-only


def test_frame_ancestors_can_name_a_signage_player(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": TINY, "FRAME_ANCESTORS": "https://player.example.org",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}"})  # fmt: skip
    response = app.test_client().get("/kiosk/hq-lobby-east")
    assert "frame-ancestors https://player.example.org" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


TRAVERSALS = [
    "/static/../pyproject.toml", "/static/..%2fpyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%5c..%5cpyproject.toml", "/static//etc/passwd", "/static/%2fetc%2fpasswd",
    "/posters/{digest}/../manifest.json", "/posters/{digest}/..%2fmanifest.json",
    "/posters/{digest}/..%2f..%2f..%2fpyproject.toml", "/posters/{digest}/%2e%2e/%2e%2e/state.sqlite",
    "/posters/{digest}//etc/passwd", "/posters/{digest}/manifest.json", "/posters/0000000000000000/manifest.json",
    "/posters/..%2f..%2fpyproject.toml", "/posters/a3-hant.zip/../../pyproject.toml",
    "/kiosk/..%2f..%2fpyproject.toml", "/kiosk/..%2f..%2fpyproject.toml/programme.json",
    "/feeds/..%2f..%2fpyproject.ics", "/feeds/%2e%2e%2fcalendar.ics", "/activities/..%2f..%2fpyproject.toml",
    "/hans/../pyproject.toml", "/%2e%2e/%2e%2e/etc/passwd", "/kiosk/sw.js/../../../pyproject.toml",
    "/static/kiosk.js%00.png", "/posters/{digest}/kiosk-portrait/hant/theme.png%00",
]  # fmt: skip


@pytest.mark.parametrize("attempt", TRAVERSALS)
def test_no_path_outside_the_site_folders(client: FlaskClient, attempt: str) -> None:
    digest = poster_path(client).split("/")[2]
    response = client.get(attempt.format(digest=digest))
    body = response.get_data()
    response.close()
    assert response.status_code in (400, 404, 308), (attempt, response.status_code)
    if response.status_code == 308:  # werkzeug cleans the path; the clean one must be refused as well
        cleaned = client.get(response.headers["Location"])
        body = cleaned.get_data()
        cleaned.close()
        assert cleaned.status_code in (400, 404), attempt
    for secret in [b"[build-system]", b"root:x:0", b"SQLite format", b'"posters": [']:
        assert secret not in body, attempt


def test_the_admin_token_is_needed_and_compared_whole(client: FlaskClient) -> None:
    for header in [
        None,
        "Bearer ",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN.upper(),
        TOKEN,  # the bare token, without its scheme
    ]:
        headers = {"Authorization": header} if header is not None else {}
        assert client.post("/screens/hq-lobby-east/reload", headers=headers).status_code == 401, header
    for scheme in ("Bearer", "bearer", "BEARER"):  # the scheme is case-insensitive (RFC 9110)
        answer = client.post("/screens/hq-lobby-east/reload", headers={"Authorization": f"{scheme} {TOKEN}"})
        assert answer.status_code == 200, scheme


@pytest.mark.parametrize("token", ["1e3", "true", '"quoted"', "null", "12345", "[1]"])
def test_the_admin_token_is_read_as_written(
    token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From QUALITY_MONTH_ADMIN_TOKEN, a token that reads as JSON (a number, true, null, a quoted
    string) is still the string typed: it matches itself, and null does not switch the endpoint off."""
    monkeypatch.setenv("QUALITY_MONTH_ADMIN_TOKEN", token)
    monkeypatch.setenv("QUALITY_MONTH_DATABASE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("QUALITY_MONTH_DATA_DIR", str(TINY))
    monkeypatch.setenv("QUALITY_MONTH_INSTANCE_PATH", str(tmp_path))
    client = create_app().test_client()
    assert (
        client.post("/screens/hq-lobby-east/reload", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert (
        client.post("/screens/hq-lobby-east/reload", headers={"Authorization": "Bearer 1000.0"}).status_code
        == 401
    )


def test_wrong_tokens_are_throttled(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": TINY, "ADMIN_TOKEN": TOKEN,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}"})  # fmt: skip
    client = app.test_client()
    codes = [client.post("/screens/hq-lobby-east/reload", headers={"Authorization": f"Bearer guess-{n}"}).status_code
             for n in range(12)]  # fmt: skip
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    # Throttled: even the right token waits out the minute; another client is not held up.
    assert (
        client.post("/screens/hq-lobby-east/reload", headers={"Authorization": f"Bearer {TOKEN}"}).status_code
        == 429
    )
    other = client.post("/screens/hq-lobby-east/reload", headers={"Authorization": f"Bearer {TOKEN}"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})  # fmt: skip
    assert other.status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "a" * 64 + ".example",
        "a..b",
        ".",
        "exa mple",
        "x:port",
        "[::1",
        "[nonsense]:80",
        "a" * 254,
        "h!x:80",
    ],
)
@pytest.mark.parametrize("path", ["/", "/no-such-page", "/calendar.ics", "/kiosk/hq-lobby-east"])
def test_a_bad_host_is_a_400_with_the_headers(
    client: FlaskClient, host: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    plain = client.application.test_client(use_cookies=False)  # its cookie jar would parse the Host itself
    response = plain.get(path, environ_overrides={"HTTP_HOST": host})
    assert response.status_code == 400 and b"Host header" in response.data, (host, path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize(
    "host", ["quality-month.example.org", "127.0.0.1:8000", "[::1]:8000", "localhost", "質量.example"]
)
def test_good_hosts_pass(client: FlaskClient, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_trusted_hosts_keep_links_to_the_site(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": TINY, "TRUSTED_HOSTS": ["quality-month.example.org", ".cdn.example"],
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}"})  # fmt: skip
    client = app.test_client()
    assert client.get("/calendar.ics", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/calendar.ics", headers={"Host": "quality-month.example.org"}).status_code == 200
    assert client.get("/calendar.ics", headers={"Host": "edge.cdn.example"}).status_code == 200


def test_bodies_are_bounded(client: FlaskClient, east: dict[str, str]) -> None:
    beat = "/kiosk/hq-lobby-east/heartbeat"
    good = {"showing": "theme", "version": "v"}
    assert client.post(beat, json=good, headers=east).status_code == 204
    assert client.post(beat, json={**good, "pad": "x" * 2000}, headers=east).status_code == 413
    assert client.post("/", data=b"x" * (65 * 1024)).status_code in (405, 413)
    nested = "[" * 500 + "]" * 500  # as deep as fits the limit
    answer = client.post(beat, data=nested, content_type="application/json", headers=east)
    assert answer.status_code == 400 and b"JSON object" in answer.data
    deeper = '{"a":' * 100_000 + "1" + "}" * 100_000  # past the limit: refused before it is parsed
    assert client.post(beat, data=deeper, content_type="application/json", headers=east).status_code == 413


def test_zip_cache_control_is_as_documented(client: FlaskClient) -> None:
    response = client.get("/posters/kiosk-portrait-hant.zip")
    response.close()
    assert response.status_code == 200
    assert sorted(response.headers["Cache-Control"].split(", ")) == ["max-age=3600", "public"]


# --- the HTTP fuzz ---------------------------------------------------------------------------------

NASTY = st.sampled_from(["..", "%2e%2e", "%00", "%ff", "%", "\u3000", "質量", "🎉", "a" * 3000, "<script>",
                         "'", '"', "\\", "%2f", " ", "", "0", "-1", "9" * 40, "2022-09-31", "2022-02-29"])  # fmt: skip
SEGMENT = st.one_of(
    NASTY,
    st.text(string.ascii_letters + string.digits + "-_.~%", max_size=30),
    st.text(max_size=12),
)
KNOWN_KEYS = ["date", "organizer", "organizer_kind", "kind", "format", "design", "script", "to", "download",
              "limit"]  # fmt: skip
QUERY = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(KNOWN_KEYS), st.text(max_size=8)), SEGMENT
    ),
    max_size=4,
)
#: Host headers a client can send: this site's, other names, and ones that are no host name at all.
HOST = st.one_of(
    st.sampled_from(
        ["localhost", "127.0.0.1:8000", "quality-month.example.org", "[::1]:8000", "evil.example"]
    ),
    st.sampled_from(["a" * 64 + ".example", "a..b", ".", "[::1", "h:port", "a" * 300, "", "exa mple"]),
    st.text(string.ascii_letters + string.digits + ".-:[]_", max_size=40),
)
FUZZ_COUNTS: Counter[str] = Counter()
BODY = st.one_of(
    st.none(),
    st.binary(max_size=200),
    st.sampled_from([b"x" * 1024, b"x" * 1025, b"x" * (64 * 1024), b"x" * (64 * 1024 + 1), b"[" * 1000]),
    st.dictionaries(
        st.sampled_from(["showing", "version", "x"]),
        st.one_of(st.text(max_size=300), st.integers(), st.none(), st.lists(st.integers())),
    ),
)


def rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


#: Every route of the app, each fuzzed on its own.
RULES = [r.rule for r in rules(create_app({"TESTING": True, "DATA_DIR": TINY, "DATABASE_URL": "sqlite://"}))]


def fill(rule: Rule, values: list[str]) -> str:
    """The rule's path with each ``<variable>`` replaced by a fuzz value (escaped as a browser would,
    its ``%`` escapes, dots and slashes left raw)."""
    parts = rule.rule.split("<")
    path = parts[0]
    for i, part in enumerate(parts[1:]):
        path += quote(values[i % len(values)], safe="%/.-_~") + part.split(">", 1)[1]
    return "/" + path.lstrip("/") if path.startswith("//") else path  # not a host name


@pytest.mark.parametrize("route", RULES)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_route_answers_5xx(app: Flask, route: str, data: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client(use_cookies=False)
    rule = next(r for r in rules(app) if r.rule == route)
    values = data.draw(st.lists(SEGMENT, min_size=1, max_size=3))
    path = fill(rule, values)
    query = data.draw(QUERY)
    method = data.draw(st.sampled_from([*sorted(rule.methods or {"GET"}), "POST", "PUT", "DELETE"]))
    body = data.draw(BODY)
    kwargs: dict[str, Any] = {"query_string": query, "method": method}
    if "events" in rule.rule:
        kwargs["query_string"] = [*query, ("limit", "0")]
    if isinstance(body, dict):
        kwargs["json"] = body
    elif body is not None:
        kwargs["data"] = body
    # The Host as sent, past the test client's own URL parsing (a port out of range it cannot take at
    # all: test_a_bad_host_over_http sends that one).
    kwargs["environ_overrides"] = {"HTTP_HOST": data.draw(HOST)}
    headers: dict[str, str] = {}
    if data.draw(st.booleans()):
        headers |= {"Authorization": data.draw(st.sampled_from(["Bearer x", f"Bearer {TOKEN}", "", "\u00ff", "bearer x"])),
                    "If-None-Match": data.draw(SEGMENT.filter(lambda s: s.isascii() and s.isprintable()))}  # fmt: skip
    kwargs["headers"] = headers
    caplog.clear()
    response = client.open(path, **kwargs)
    response.get_data()
    response.close()
    FUZZ_COUNTS[f"{response.status_code // 100}xx"] += 1
    assert response.status_code < 500, (method, path, query, headers, response.status_code)
    # The app's own errors (not the event loop of a browser test before this one, collected meanwhile).
    errors = [r for r in caplog.records if r.levelname == "ERROR" and r.name != "asyncio"]
    assert not errors, (method, path, headers)


@pytest.mark.parametrize("limit", ["-5", "nan", "inf", "1e309", "x", "3601", ""])
def test_event_stream_limits_are_bounded(client: FlaskClient, limit: str) -> None:
    response = client.get(f"/kiosk/hq-lobby-east/events?limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.get_data(as_text=True)
    response.close()
    response = client.get("/kiosk/hq-lobby-east/events?limit=1")
    assert response.status_code == 200 and b"event: version" in response.get_data()
    response.close()


# --- the Content-Security-Policy in a real browser --------------------------------------------------


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_pages_satisfy_their_content_security_policy(server: str, browser: Browser) -> None:
    pages = ["/", "/hans/list", "/activities/quality-week", "/posters", "/hans/posters",
             "/kiosk/hq-lobby-east", "/screens", "/no-such-page"]  # fmt: skip
    context = browser.new_context()
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    failed: list[str] = []  # every request that did not answer, the browser's own (the icon) among them
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    for path in pages:
        page.goto(server + path)
        if path.startswith("/kiosk"):
            # Its event stream never lets the network idle: the page says when the stream is open.
            expect(page.locator("html")).to_have_attribute("data-live", "open", timeout=10000)
        else:
            page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == [], path
        assert page.evaluate("document.styleSheets.length") >= 1, path  # the styles did load
    assert not [m for m in console if "Content Security Policy" in m], console
    # Only what must fail did: the missing page, and the kiosk's heartbeat, opened here without its key.
    assert sorted(set(failed)) == [server + "/kiosk/hq-lobby-east/heartbeat", server + "/no-such-page"]
    # The kiosk page ran its script under the policy: it shows a slide.
    page.goto(server + "/kiosk/hq-lobby-east")
    expect(page.locator("html")).not_to_have_attribute("data-current-slide", "", timeout=10000)
    context.close()


@pytest.mark.parametrize(
    "path", ["/", "/calendar.ics", "/activities.json", "/kiosk/hq-lobby-east/programme.json"]
)
def test_one_date_header_over_http(server: str, path: str) -> None:
    connection = http.client.HTTPConnection(server.removeprefix("http://"))
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200 and len(response.msg.get_all("Date") or []) == 1, path


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "a..b", "x:99999"])
def test_a_bad_host_over_http(server: str, host: str) -> None:
    connection = http.client.HTTPConnection(server.removeprefix("http://"))
    connection.putrequest("GET", "/no-such-page", skip_host=True)
    connection.putheader("Host", host)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 400 and b"Host header" in body
    assert response.getheader("Content-Security-Policy")
