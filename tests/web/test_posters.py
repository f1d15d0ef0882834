"""The poster gallery over HTTP: the page, /posters.json, content-hashed files, ZIPs, clean 4xx."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from generators.loader import load_campaign
from generators.posters.batch import render_set
from tests.conftest import TINY
from web import create_app


def fetch(client: FlaskClient, path: str) -> tuple[int, str, dict[str, str], bytes]:
    """Status, type, headers and body of a GET; the response is closed (files are streamed)."""
    with client.get(path) as response:
        return response.status_code, response.mimetype, dict(response.headers), response.get_data()


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("gallery")
    data = folder / "tiny"
    shutil.copytree(TINY, data)
    out = folder / "posters"
    only = lambda job: job.format in ("kiosk-portrait", "a4") and job.design in ("theme", "slogan-01")  # noqa: E731
    render_set(load_campaign(data), out, "http://localhost/", workers=2, only=only)
    app = create_app({"TESTING": True, "DATA_DIR": data, "POSTER_DIR": str(out)})
    yield app.test_client()


def test_posters_json(gallery: FlaskClient) -> None:
    document = gallery.get("/posters.json").json
    assert document is not None
    posters = document["posters"]
    assert len(posters) == 8
    a4 = next(p for p in posters if p["format"] == "a4" and p["design"] == "theme" and p["script"] == "hant")
    assert a4["dpi"] == 150 and a4["url"].startswith(f"/posters/{a4['sha256'][:16]}/a4/hant/theme.png")
    assert a4["pdf"]["url"].endswith("/a4/hant/theme.pdf")
    status, kind, headers, body = fetch(gallery, a4["url"])
    assert status == 200 and kind == "image/png" and len(body) == a4["bytes"]
    assert "immutable" in headers["Cache-Control"] and "max-age=31536000" in headers["Cache-Control"]
    _, _, headers, body = fetch(gallery, a4["pdf"]["url"] + "?download=1")
    assert body.startswith(b"%PDF-") and "attachment" in headers["Content-Disposition"]
    _, kind, _, body = fetch(gallery, a4["thumbnail"])
    assert kind == "image/jpeg" and len(body) < 60_000


def test_gallery_page_and_filters(gallery: FlaskClient) -> None:
    page = gallery.get("/posters").get_data(as_text=True)
    assert page.count('class="poster"') == 4  # Traditional, both formats, both designs
    assert 'alt="推動質量變革創新 促進質量強國建設"' in page
    hans = gallery.get("/posters?script=hans&format=a4").get_data(as_text=True)
    assert hans.count('class="poster"') == 2 and 'lang="zh-Hans"' in hans and "PDF" in hans
    slogans = gallery.get("/posters?design=slogan").get_data(as_text=True)
    assert slogans.count('class="poster"') == 2


def test_zip(gallery: FlaskClient) -> None:
    status, kind, _, body = fetch(gallery, "/posters/a4-hans.zip")
    assert status == 200 and kind == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(body)).namelist())
    assert names == ["slogan-01.pdf", "slogan-01.png", "theme.pdf", "theme.png"]
    assert fetch(gallery, "/posters/a4-hans.zip")[3] == body


@pytest.mark.parametrize(
    ("path", "code"),
    [("/posters?format=a5", 400), ("/posters?script=latin", 400), ("/posters?design=poem", 400),
     ("/posters/0123456789abcdef/a4/hant/theme.png", 404), ("/posters/abc/../../../etc/passwd", 404),
     ("/posters/abc/manifest.json", 404), ("/posters/a5-hant.zip", 404), ("/posters/square-hant.zip", 404)],
)  # fmt: skip
def test_bad_requests(gallery: FlaskClient, path: str, code: int) -> None:
    assert fetch(gallery, path)[0] == code


def test_empty_gallery_before_any_render(client: FlaskClient, tmp_path: Path) -> None:
    client.application.config["POSTER_DIR"] = str(tmp_path / "none")
    assert client.get("/posters.json").json["posters"] == []  # type: ignore[index]
    assert client.get("/posters").status_code == 200
