"""``quality-month export DIR``: the whole site as static files.

The app answers every page and document as it would over HTTP (the export asks it through Flask's test
client, from the home pages, the feeds and the kiosk pages, following every link), in its export mode:
the filter is a list of links and a day of the month grid leads to its section of the list, since a
static site cannot redirect or read a query string. Then every link is made relative
(:mod:`generators.export`), and the posters and their ZIPs are copied beside the pages.

What stays dynamic is left out: the kiosk clock, pushes and heartbeats (an exported kiosk page plays on
the screen's own clock and its published programme, and its heartbeats fail quietly), the fleet
dashboard, and the filter redirect.

Every campaign of the data folder is exported as the site serves it (web/campaigns.py): the current one
at the root and each one, the current too, below ``<id>/``, each with its own posters.
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
from generators.posters import SET_FORMATS
from generators.posters.manifest import stored
from generators.programme import DAYS_AHEAD
from generators.script import SCRIPTS
from web.campaigns import campaign_apps
from web.context import campaign
from web.kiosk import cached_programme, screen_document
from web.posters import file_url, manifest, poster_dir, zip_file

#: A campaign's mount (``/2022``) before a path, or none.
_MOUNT = r"(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?"
#: Addresses that only a running server can answer; links to them stay (relative) but are not fetched.
DYNAMIC = re.compile(
    _MOUNT + r"(?:/kiosk/time|/kiosk/[^/]+/(events|heartbeat)|/filter|/screens(\.json)?|/healthz)"
)
POSTER_FILE = re.compile(_MOUNT + r"/posters/[0-9a-f]{16}/[^?#]+")
ZIP_FILE = re.compile(_MOUNT + r"/posters/[a-z0-9-]+-(hant|hans)\.zip")
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
    out.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        export = _Export(app, SiteWriter(out), progress)
        export.crawl()
        # What pages point to first (posters, ZIPs), the programmes next, pages last: an export stopped
        # half-way leaves the old pages pointing at files that are still there. The ledger knows every
        # file before one is written.
        days = programme_days(today, export.campaign.end, DAYS_AHEAD)
        export.writer.begin(export.planned())
        export.copy_posters()
        export.write_programmes(dt.datetime.combine(today, dt.time(0), export.campaign.timezone), days)
        export.write_pages()
    writer = export.writer
    writer.finish()
    return Report(
        len(writer.files), writer.written, writer.unchanged, writer.removed, writer.size, days,
        len(export.screens),
    )  # fmt: skip


class _Export:
    """One export under way, in the app's context: what it found and what it has written."""

    def __init__(self, app: Flask, writer: SiteWriter, progress: Progress | None) -> None:
        self.app, self.writer, self.progress = app, writer, progress
        self.client = app.test_client()
        self.campaign = campaign()
        fleet = app.extensions.get("fleet")
        self.screens = fleet.screens if fleet is not None else ()
        #: Each campaign's pages: the site's at the root, and every campaign's below its id.
        self.mounts = [("", app), *((f"/{ident}", made) for ident, made in campaign_apps(app))]
        self.poster_files: dict[str, Path] = {}
        self.zips: dict[str, Path] = {}
        for prefix, served in self.mounts:
            with served.app_context():
                self._find_posters(prefix)
        self.pages: dict[str, bytes] = {}
        self.kinds: dict[str, str] = {}
        self.seen: set[str] = set()
        self.done = 0

    def _find_posters(self, prefix: str) -> None:
        """The rendered posters and ZIPs of the app in context, by their paths below ``prefix``."""
        for entry in manifest().posters:
            for name in entry.files:
                self.poster_files[prefix + file_url(entry, name)] = poster_dir() / stored(entry, name)
        for fmt in SET_FORMATS:
            for script in SCRIPTS:
                found = zip_file(fmt.id, script)
                if found is not None:
                    self.zips[f"{prefix}/posters/{fmt.id}-{script}.zip"] = found

    def _report(self) -> None:
        if self.progress is not None:
            total = len(self.seen) + len(self.poster_files) + len(self.zips) + len(self.screens)
            self.progress(self.done, total)

    def _seeds(self) -> list[str]:
        seeds = []
        for prefix, served in self.mounts:
            pages = [
                "/",
                "/hans/",
                "/posters",
                "/hans/posters",
                "/activities.json",
                "/feeds.json",
                "/posters.json",
            ]
            seeds += [prefix + page for page in pages]
            seeds += [f"{prefix}/{feed.path}" for feed in all_feeds(served.extensions["campaign"])]
        if self.screens:
            seeds += ["/kiosk/sw.js", *(f"/kiosk/{s.id}" for s in self.screens)]
        return list(dict.fromkeys(seeds))

    def crawl(self) -> None:
        """Ask the app for every page and document, from the seeds, following every link."""
        queue = self._seeds()
        self.seen = set(queue)
        while queue:
            path = queue.pop(0)
            response = self.client.get(path)
            body = response.get_data()
            response.close()
            if response.status_code != 200:
                reason = body.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise ExportError(f"{path} answered {response.status_code}: {reason[0][:200]}")
            self.pages[path] = body
            self.kinds[path] = response.mimetype or ""
            if response.mimetype == "text/html":
                for target in self._links(path, body.decode("utf-8")):
                    if target not in self.seen:
                        self.seen.add(target)
                        queue.append(target)
            self.done = len(self.pages)
            self._report()

    def _links(self, path: str, html: str) -> list[str]:
        """The pages a page links to that the export must fetch (not the posters, nor what is dynamic)."""
        found = []
        for link in re.findall(r'\s(?:href|src)="(/(?!/)[^"]*)"', html):
            target, query, _ = split_link(link)
            if DYNAMIC.fullmatch(target):
                continue
            if POSTER_FILE.fullmatch(target) or ZIP_FILE.fullmatch(target):
                if target not in self.poster_files and target not in self.zips:
                    raise ExportError(f"{path} links to {target}, which has not been rendered")
                continue
            if query not in _HARMLESS_QUERIES:
                raise ExportError(f"{path} links to {link}: a static site cannot answer a query")
            found.append(target)
        return found

    def exported(self, path: str) -> str | None:
        """The file a site path is exported as, or ``None`` if the export has no such file."""
        if path in self.pages or path in self.poster_files or path in self.zips:
            return file_for(path)
        return None

    def _programme_files(self) -> list[str]:
        return [f"kiosk/{screen.id}/programme.json" for screen in self.screens]

    def planned(self) -> set[str]:
        names = {file_for(path) for path in [*self.poster_files, *self.zips, *self.pages]}
        return names | set(self._programme_files()) | ({"screens.json"} if self.screens else set())

    def copy_posters(self) -> None:
        for path, source in [*self.poster_files.items(), *self.zips.items()]:
            self.writer.copy(file_for(path), source, content_addressed=path in self.poster_files)
            self.done += 1
            self._report()

    def write_programmes(self, start: dt.datetime, days: int) -> None:
        documents = []
        for screen, name in zip(self.screens, self._programme_files(), strict=True):
            document = cached_programme(screen, start, days=days, reloads=0)
            self.writer.write(name, json_bytes(rewrite_json(document, name, self.exported)))
            documents.append(rewrite_json(screen_document(screen), "screens.json", self.exported))
            self.done += 1
            self._report()
        if self.screens:
            self.writer.write("screens.json", json_bytes({"screens": documents}))

    def write_pages(self) -> None:
        """The pages, their links made relative; the home pages last of all: a site whose front page is
        new has everything behind it."""
        homes = {f"{prefix}{home}" for prefix, _ in self.mounts for home in ("/", "/hans/")}
        for path, body in sorted(
            self.pages.items(), key=lambda item: (item[0] in {"/", "/hans/"}, item[0] in homes)
        ):
            name = file_for(path)
            if self.kinds[path] == "text/html":
                body = rewrite_links(body.decode("utf-8"), name, self.exported).encode("utf-8")
            elif self.kinds[path] == "application/json":
                body = json_bytes(rewrite_json(self.app.json.loads(body), name, self.exported))
            self.writer.write(name, body)
