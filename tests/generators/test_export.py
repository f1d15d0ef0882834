"""The static export's file work: URL paths to files, relative links, and a writer that leaves unchanged
files alone and removes only what it wrote before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generators.export import (
    LEDGER,
    ExportError,
    SiteWriter,
    file_for,
    programme_days,
    relative,
    rewrite_json,
    rewrite_links,
)


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/", "index.html"),
        ("/hans/", "hans/index.html"),
        ("/list", "list/index.html"),
        ("/organizers/samr/list", "organizers/samr/list/index.html"),
        ("/kiosk/hq-lobby-east", "kiosk/hq-lobby-east/index.html"),
        ("/calendar.ics", "calendar.ics"),
        ("/posters/0123456789abcdef/a3/hant/theme.png", "posters/0123456789abcdef/a3/hant/theme.png"),
    ],
)
def test_file_for(path: str, file: str) -> None:
    assert file_for(path) == file


@pytest.mark.parametrize("path", ["list", "/../etc/passwd", "/a/../../b"])
def test_file_for_refuses_what_is_not_a_site_path(path: str) -> None:
    with pytest.raises(ExportError, match="not a site path"):
        file_for(path)


def test_relative() -> None:
    assert relative("index.html", "list/index.html") == "list/index.html"
    assert relative("hans/activities/x/index.html", "static/style.css") == "../../../static/style.css"
    assert relative("kiosk/a/index.html", "kiosk/a/programme.json") == "programme.json"


def test_rewrite_links() -> None:
    html = (
        '<a href="/">home</a><a href="/list#d-2022-09-21">day</a><img src="/posters/ab/x.png">'
        '<html data-time="/kiosk/time"><a href="https://example.org/">out</a><a href="//cdn/x">cdn</a>'
    )
    known = {"/": "index.html", "/list": "list/index.html", "/posters/ab/x.png": "posters/ab/x.png"}
    out = rewrite_links(html, "hans/list/index.html", known.get)
    assert 'href="../../index.html"' in out
    assert 'href="../../list/index.html#d-2022-09-21"' in out
    assert 'src="../../posters/ab/x.png"' in out
    assert 'data-time="../../kiosk/time"' in out  # not exported: kept as a relative path
    assert 'href="https://example.org/"' in out and 'href="//cdn/x"' in out


def test_rewrite_json_only_touches_exported_paths() -> None:
    document = {"url": "/kiosk/a", "text": "/not/a/file", "images": {"theme": "/posters/ab/t.png"}}
    exported = {"/kiosk/a": "kiosk/a/index.html", "/posters/ab/t.png": "posters/ab/t.png"}
    out = rewrite_json(document, "kiosk/a/programme.json", exported.get)
    assert out == {"url": "index.html", "text": "/not/a/file", "images": {"theme": "../../posters/ab/t.png"}}


def test_writer_leaves_unchanged_files_and_removes_only_its_own(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"poster")
    site = tmp_path / "site"
    first = SiteWriter(site)
    first.write("index.html", b"one")
    first.write("old/page.html", b"old")
    first.copy("posters/p.png", source)
    first.finish()
    assert (first.written, first.unchanged) == (3, 0)
    (site / "mine.txt").write_text("a file the export did not write")
    stamp = (site / "index.html").stat().st_mtime_ns

    second = SiteWriter(site)
    second.write("index.html", b"one")
    second.copy("posters/p.png", source)
    second.write("new.html", b"new")
    second.finish()
    assert (second.written, second.unchanged, second.removed) == (1, 2, 1)
    assert (site / "index.html").stat().st_mtime_ns == stamp
    assert not (site / "old").exists()  # its file went, and the folder it left empty
    assert (site / "mine.txt").exists()
    assert (site / LEDGER).read_text().split() == ["index.html", "new.html", "posters/p.png"]
    assert not list(site.rglob("*.tmp"))


def test_writer_refuses_a_file_twice_or_outside(tmp_path: Path) -> None:
    writer = SiteWriter(tmp_path)
    writer.write("a.html", b"a")
    with pytest.raises(ExportError, match="twice"):
        writer.write("a.html", b"b")
    for name in ["../x", "/etc/x", LEDGER]:
        with pytest.raises(ExportError, match="not a file of the site"):
            writer.write(name, b"x")


def test_a_content_addressed_file_of_the_same_size_is_not_read(tmp_path: Path) -> None:
    source = tmp_path / "poster.png"
    source.write_bytes(b"AAAA")
    first = SiteWriter(tmp_path / "site")
    first.copy("posters/0123456789abcdef/p.png", source, content_addressed=True)
    first.copy("posters/a3-hant.zip", source)
    first.finish()
    source.write_bytes(b"BBBB")  # (a name that carries its content's hash never sees this)
    second = SiteWriter(tmp_path / "site")
    second.copy("posters/0123456789abcdef/p.png", source, content_addressed=True)
    second.copy("posters/a3-hant.zip", source)
    assert (second.unchanged, second.written) == (1, 1)
    assert (tmp_path / "site/posters/a3-hant.zip").read_bytes() == b"BBBB"


def test_programme_days() -> None:
    end = dt.date(2022, 9, 30)
    assert programme_days(dt.date(2022, 9, 1), end, 8) == 31  # through the last day, and one more
    assert programme_days(dt.date(2022, 9, 28), end, 8) == 8  # never fewer than the web app's
    assert programme_days(dt.date(2026, 11, 26), end, 8) == 8  # after the campaign
    assert programme_days(dt.date(2020, 1, 1), end, 8) == 400  # long before: capped
