"""The poster studio over HTTP: what may be chosen, the file URLs' contract (400 naming the field, 422
with the reason, 429 with Retry-After), the same bytes for the same query from a bounded cache, and the
page and the gallery's links to it."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from generators.posters import FORMATS_BY_ID, STYLES
from generators.posters.batch import render_set
from web import create_app
from web import studio as studio_module

SLOGAN = "/studio/poster.png?design=slogan-02&format=kiosk-portrait&script=hans&style=official&signature=江苏省徐州市"


#: Another process taking the studio's one turn and holding it until its standard input closes.
HOLD = """
import fcntl, os, sys
held = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
fcntl.flock(held, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def make_app(tiny: Path, **config: Any) -> Flask:
    return create_app(
        {"TESTING": True, "DATA_DIR": tiny, "DATABASE_URL": f"sqlite:///{tiny.parent / 'state.sqlite'}",
         "STUDIO_CACHE": str(tiny.parent / "studio"), "POSTER_DIR": str(tiny.parent / "posters"), **config}
    )  # fmt: skip


@pytest.fixture
def app(tiny: Path) -> Flask:
    return make_app(tiny)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_studio_json_lists_every_choice(client: FlaskClient) -> None:
    document = client.get("/studio.json").get_json()
    assert [s["id"] for s in document["styles"]] == [s.id for s in STYLES] and len(STYLES) >= 3
    assert all(s["name"] for s in document["styles"])
    formats = {f["id"]: f for f in document["formats"]}
    assert set(formats) == set(FORMATS_BY_ID)
    assert formats["banner-h-10m"]["trim_mm"] == [10000, 900] and formats["banner-h-10m"]["pdf"] is True
    assert formats["kiosk-portrait"]["pdf"] is False
    designs = [d["id"] for d in document["designs"]]
    assert designs[0] == "theme" and "slogan-02" in designs and any(d.startswith("today-") for d in designs)
    assert document["limits"] == {"signature": 30, "note": 40}


def test_the_same_query_gives_the_same_bytes_from_the_cache(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get(SLOGAN)
    assert first.status_code == 200 and first.mimetype == "image/png"
    image = Image.open(io.BytesIO(first.data))
    assert image.size == (1080, 1920)
    # A repeat is answered from the cache: nothing is drawn again.
    monkeypatch.setattr(studio_module, "draw", lambda layout: pytest.fail("drawn again"))
    again = client.get(SLOGAN)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert client.get(SLOGAN, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_fresh_cache_draws_the_same_bytes(tiny: Path) -> None:
    first = make_app(tiny).test_client().get(SLOGAN.replace("kiosk-portrait", "a4").replace(".png", ".pdf"))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    other = make_app(tiny, STUDIO_CACHE=str(tiny.parent / "other")).test_client()
    second = other.get(SLOGAN.replace("kiosk-portrait", "a4").replace(".png", ".pdf"))
    assert second.data == first.data
    with pikepdf.open(io.BytesIO(first.data)) as pdf:
        assert len(pdf.pages) == 1 and "/TrimBox" in pdf.pages[0].obj


def test_the_cache_is_bounded(tiny: Path) -> None:
    app = make_app(tiny, STUDIO_CACHE_BYTES=1)
    client = app.test_client()
    for city in ("徐州", "南京", "蘇州"):
        answer = client.get(SLOGAN.replace("徐州", city))
        assert answer.status_code == 200 and answer.data[:8] == b"\x89PNG\r\n\x1a\n"
    # Over its bound, the cache keeps only the file it has just sent.
    assert len(list((tiny.parent / "studio").glob("*.png"))) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [("design=slogan-99", "design"), ("format=a0", "format"), ("script=latn", "script"), ("style=neon", "style"),
     ("signature=" + "局" * 31, "signature"), ("note=" + "日" * 41, "note")],
)  # fmt: skip
def test_a_bad_value_is_answered_400_naming_its_field(client: FlaskClient, query: str, field: str) -> None:
    for kind in ("png", "pdf"):
        printable = "" if field == "format" else "format=a4&"
        answer = client.get(f"/studio/poster.{kind}?{printable}{query}")
        assert answer.status_code == 400 and answer.mimetype == "text/plain", answer.data
        assert answer.get_data(as_text=True).startswith(f"400 Bad Request: {field}: ")


def test_a_screen_format_has_no_pdf(client: FlaskClient) -> None:
    answer = client.get("/studio/poster.pdf?format=kiosk-landscape")
    assert answer.status_code == 400 and "format: kiosk-landscape is a screen format" in answer.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [("signature=市場\x07監管", "signature: it holds control characters that cannot be set (U+0007)"),
     ("note=九月\u2028廣場", "note: it holds control characters that cannot be set (U+2028)"),
     ("signature=品質😀局", "signature: no font of the poster has 😀"),
     ("note=\U00020000", "note: no font of the poster has \U00020000")],
)  # fmt: skip
def test_text_that_cannot_be_set_is_answered_422_with_the_reason(
    client: FlaskClient, line: str, reason: str
) -> None:
    answer = client.get(f"/studio/poster.png?{line}")
    assert answer.status_code == 422 and reason in answer.get_data(as_text=True)
    page = client.get(f"/studio?{line}")
    assert page.status_code == 422 and reason in page.get_data(as_text=True)


def test_text_too_long_for_its_format_is_answered_422(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        studio_module.LIMITS, "signature", 500
    )  # past the form's bound, to reach the layout's
    answer = client.get("/studio/poster.png?format=square&signature=" + "市場監督管理局" * 60)
    assert answer.status_code == 422
    assert "does not fit" in answer.get_data(as_text=True)


def test_a_busy_studio_answers_429_with_retry_after(tiny: Path) -> None:
    app = make_app(tiny, STUDIO_WORKERS=1, STUDIO_QUEUE_SECONDS=0.05)
    client = app.test_client()
    # The one core is busy with another poster, in another process (a turn is a lock on a file).
    Path(app.config["STUDIO_CACHE"]).mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(Path(app.config["STUDIO_CACHE"]) / ".turn-0.lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = client.get(SLOGAN)
        assert busy.status_code == 429 and int(busy.headers["Retry-After"]) >= 1
        assert "try again" in busy.get_data(as_text=True)
    finally:
        holder.communicate("")  # it lets go
    assert client.get(SLOGAN).status_code == 200


def test_the_page_keeps_the_choice_in_its_links(client: FlaskClient) -> None:
    page = client.get(
        "/hans/studio?design=slogan-02&format=a3&style=blue&signature=南京市市场监督管理局&note=9月"
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-Hans"' in html
    assert re.search(r'<option value="slogan-02" selected>', html) and re.search(
        r'<option value="a3"[^>]* selected>', html
    )
    assert 'value="南京市市场监督管理局"' in html
    preview = re.search(r'<img id="s-preview" src="([^"]+)"', html)
    assert preview is not None
    query = parse_qs(urlsplit(preview[1].replace("&amp;", "&")).query)
    assert query == {"design": ["slogan-02"], "format": ["a3"], "script": ["hans"], "style": ["blue"],
                     "signature": ["南京市市场监督管理局"], "note": ["9月"]}  # fmt: skip
    assert 'id="s-pdf" href="/studio/poster.pdf?' in html
    assert client.get(preview[1].replace("&amp;", "&")).status_code == 200


def test_the_gallery_links_each_poster_to_the_studio(app: Flask, client: FlaskClient, tiny: Path) -> None:
    assert 'href="/studio"' in client.get("/posters").get_data(as_text=True)  # named before any render
    render_set(app.extensions["campaign"], Path(app.config["POSTER_DIR"]), "https://q.example/", workers=1,
               only=lambda job: job.design == "slogan-01" and job.format == "square")  # fmt: skip
    html = client.get("/hans/posters").get_data(as_text=True)
    link = re.search(r'<a class="customise" href="([^"]+)"', html)
    assert link is not None
    assert link[1].replace("&amp;", "&") == "/hans/studio?design=slogan-01&format=square&script=hans"
    page = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert '<option value="slogan-01" selected>' in page and re.search(
        r'<option value="square"[^>]* selected>', page
    )


def test_a_line_typed_in_either_script_is_its_own_poster(client: FlaskClient) -> None:
    """A unit's name is drawn as typed: its Traditional and Simplified spellings are two posters on a
    Simplified poster, never one answered from the other's cache."""
    traditional = client.get(SLOGAN.replace("江苏省徐州市", "江蘇省徐州市"))
    simplified = client.get(SLOGAN)
    assert traditional.status_code == simplified.status_code == 200
    assert traditional.data != simplified.data
