"""``quality-month export DIR``: the whole site as static files.

The app answers every page and document as it would over HTTP (the export asks it through Flask's test
client, from the home pages, the feeds and the kiosk pages, following every link), in its export mode:
the filter is a list of links and a day of the month grid leads to its section of the list, since a
static site cannot redirect or read a query string. Then every link is made relative
(:mod:`generators.export`), and the posters and their ZIPs are copied beside the pages.

What stays dynamic is left out: the kiosk clock, pushes and heartbeats (an exported kiosk page plays on
the screen's own clock and its published programme, and its heartbeats fail quietly), the fleet
dashboard, and the filter redirect.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from generators.export import (
    ExportError,
    SiteWriter,
    file_for,
    json_bytes,
    programme_days,
    rewrite_json,
    rewrite_links,
    split_link,
)
from generators.feeds import all_feeds
from generators.posters import FORMATS
from generators.posters.manifest import stored
from generators.programme import DAYS_AHEAD
from generators.script import SCRIPTS
from web.context import campaign
from web.kiosk import cached_programme, screen_document
from web.posters import file_url, manifest, poster_dir, zip_file

#: Addresses that only a running server can answer; links to them stay (relative) but are not fetched.
DYNAMIC = re.compile(r"/kiosk/time|/kiosk/[^/]+/(events|heartbeat)|/filter|/screens(\.json)?|/healthz")
POSTER_FILE = re.compile(r"/posters/[0-9a-f]{16}/[^?#]+")
ZIP_FILE = re.compile(r"/posters/[a-z0-9-]+-(hant|hans)\.zip")
#: A query that only asks for a download; the file is the same without it.
_HARMLESS_QUERIES = {"", "download=1"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Report:
    files: int
    written: int
    unchanged: int
    removed: int
    bytes: int
    days: int
    screens: int


def export_site(app: Flask, out: Path, today: dt.date, progress: Progress | None = None) -> Report:
    """Write the site into ``out``. ``today`` (the local day of the export) is where the kiosk
    programmes start: the same data on the same day gives the same bytes."""
    app.config["EXPORT"] = True
    client = app.test_client()
    out.mkdir(parents=True, exist_ok=True)
    writer = SiteWriter(out)

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)

    with app.app_context():
        loaded = campaign()
        entries = manifest().posters
        fleet = app.extensions.get("fleet")
        screens = fleet.screens if fleet is not None else ()

        poster_files: dict[str, Path] = {}
        for entry in entries:
            for name in entry.files:
                poster_files[file_url(entry, name)] = poster_dir() / stored(entry, name)
        zips: dict[str, Path] = {}
        for fmt in FORMATS:
            for script in SCRIPTS:
                found = zip_file(fmt.id, script)
                if found is not None:
                    zips[f"/posters/{fmt.id}-{script}.zip"] = found

        seeds = [
            "/",
            "/hans/",
            "/posters",
            "/hans/posters",
            "/activities.json",
            "/feeds.json",
            "/posters.json",
        ]
        seeds += ["/" + feed.path for feed in all_feeds(loaded)]
        if screens:
            seeds += ["/kiosk/sw.js", *(f"/kiosk/{s.id}" for s in screens)]

        pages: dict[str, bytes] = {}
        kinds: dict[str, str] = {}
        queue = list(dict.fromkeys(seeds))
        seen = set(queue)

        def total() -> int:
            return len(seen) + len(poster_files) + len(zips) + len(screens)

        while queue:
            path = queue.pop(0)
            response = client.get(path)
            body = response.get_data()
            response.close()
            if response.status_code != 200:
                reason = body.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise ExportError(f"{path} answered {response.status_code}: {reason[0][:200]}")
            pages[path] = body
            kinds[path] = response.mimetype or ""
            if response.mimetype == "text/html":
                for link in re.findall(r'\s(?:href|src)="(/(?!/)[^"]*)"', body.decode("utf-8")):
                    target, query, _ = split_link(link)
                    if DYNAMIC.fullmatch(target):
                        continue
                    if POSTER_FILE.fullmatch(target) or ZIP_FILE.fullmatch(target):
                        if target not in poster_files and target not in zips:
                            raise ExportError(f"{path} links to {target}, which has not been rendered")
                        continue
                    if query not in _HARMLESS_QUERIES:
                        raise ExportError(f"{path} links to {link}: a static site cannot answer a query")
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
            report(len(pages), total())

        def exported(path: str) -> str | None:
            if path in pages or path in poster_files or path in zips:
                return file_for(path)
            return None

        # What pages point to first (posters, ZIPs), the programmes next, pages last: an export stopped
        # half-way leaves the old pages pointing at files that are still there. The ledger knows every
        # file before one is written.
        start = dt.datetime.combine(today, dt.time(0), loaded.timezone)
        days = programme_days(today, loaded.end, DAYS_AHEAD)
        programmes = [f"kiosk/{screen.id}/programme.json" for screen in screens]
        writer.begin(
            {file_for(path) for path in [*poster_files, *zips, *pages]} | set(programmes)
            | ({"screens.json"} if screens else set())
        )  # fmt: skip
        done = len(pages)  # fetched; the posters, ZIPs and programmes are what is left to count
        for path, source in [*poster_files.items(), *zips.items()]:
            writer.copy(file_for(path), source, content_addressed=path in poster_files)
            done += 1
            report(done, total())

        documents = []
        for screen, name in zip(screens, programmes, strict=True):
            document = cached_programme(screen, start, days=days, reloads=0)
            writer.write(name, json_bytes(rewrite_json(document, name, exported)))
            documents.append(rewrite_json(screen_document(screen), "screens.json", exported))
            done += 1
            report(done, total())
        if screens:
            writer.write("screens.json", json_bytes({"screens": documents}))

        # The home pages last of all: a site whose front page is new has everything behind it.
        homes = {"/", "/hans/"}
        for path, body in sorted(pages.items(), key=lambda item: item[0] in homes):
            name = file_for(path)
            if kinds[path] == "text/html":
                body = rewrite_links(body.decode("utf-8"), name, exported).encode("utf-8")
            elif kinds[path] == "application/json":
                body = json_bytes(rewrite_json(app.json.loads(body), name, exported))
            writer.write(name, body)
    writer.finish()
    return Report(
        len(writer.files), writer.written, writer.unchanged, writer.removed, writer.size, days, len(screens)
    )
