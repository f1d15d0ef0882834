"""Every campaign of the data folder, served below ``/<campaign-id>/``; the current one at ``/`` too.

One WSGI dispatcher sits in front of the site's app (``create_app`` puts it there, so ``serve``,
gunicorn and Flask's test client all go through it). A request to ``/<id>/…``, where ``id`` is a
campaign id of the data folder, is answered with ``SCRIPT_NAME`` ending in ``/<id>`` (so that every
link of the page, and every URL of a feed, stays below it):

- the current campaign's id by the site's app itself (the same caches), except for what is the
  site's alone (kiosks, dashboard, console, studio): 404 there;
- any other id by an app of its own, made on its first request: ``create_app`` on that campaign's
  folder with ``ARCHIVE`` set (no kiosk, console or studio, no fleet), its posters in
  ``<POSTER_DIR>/campaigns/<id>/``, and rendered there in the background if the site's are
  (``quality-month serve``; else ``quality-month render --campaign ID``).

The ids are read from each folder's ``campaign.toml`` at most once a second, so a campaign folder
added while the site runs is served at once. Ids that are a path of the site are refused by the loader
(``RESERVED_IDS``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, abort, request
from werkzeug.wrappers import Response

from generators.datafile import ID
from generators.editions import LOCAL_FOLDER
from generators.loader import CAMPAIGN_FILE, RESERVED_IDS, CampaignError, find_campaigns
from web.context import MOUNT, SITE
from web.posters import start_background_render

log = logging.getLogger(__name__)

#: How often the data folder is looked at for campaigns added or removed.
RESCAN_SECONDS = 1.0
#: The blueprints that are the site's alone: not answered below a campaign's id.
SITE_ONLY = frozenset({"kiosk", "studio", "console"})

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
#: ``create_app``: what makes a past campaign's app from its configuration.
Factory = Callable[[dict[str, Any]], Flask]


@dataclass(frozen=True)
class Entry:
    """A campaign folder as the switcher and the dispatcher know it: its id, name and start."""

    id: str
    name: str
    start: dt.date
    folder: Path


def read_entry(folder: Path) -> Entry | None:
    """The id, name and start of a campaign folder's ``campaign.toml``; ``None`` if it has no usable
    ones (``quality-month check`` says why)."""
    try:
        table = tomllib.loads((folder / CAMPAIGN_FILE).read_text("utf-8")).get("campaign")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if not isinstance(table, dict):
        return None
    ident, name, start = table.get("id"), table.get("name"), table.get("start")
    if not isinstance(ident, str) or not ID.match(ident) or ident in RESERVED_IDS:
        return None
    if not isinstance(name, str) or not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        return None
    return Entry(ident, name, start, folder)


class Catalog:
    """The campaigns of a data folder, newest first, looked at again at most once a second."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._entries: tuple[Entry, ...] = ()
        self._read: dict[Path, tuple[tuple[int, int], Entry | None]] = {}
        self._checked = -RESCAN_SECONDS
        self._lock = threading.Lock()

    def entries(self) -> tuple[Entry, ...]:
        if time.monotonic() - self._checked >= RESCAN_SECONDS and self._lock.acquire(blocking=False):
            try:
                self._checked = time.monotonic()
                self._entries = self._scan()
            finally:
                self._lock.release()
        return self._entries

    def _scan(self) -> tuple[Entry, ...]:
        try:
            folders = find_campaigns(self.data_dir)
        except CampaignError:
            return ()
        found: dict[str, Entry] = {}
        for folder in folders:
            entry = self._entry(folder)
            if entry is not None and entry.id not in found:  # a second folder of an id: check refuses it
                found[entry.id] = entry
        return tuple(sorted(found.values(), key=lambda e: e.start, reverse=True))

    def _entry(self, folder: Path) -> Entry | None:
        try:
            stat = (folder / CAMPAIGN_FILE).stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._read.get(folder)
        if known is None or known[0] != stamp:
            known = (stamp, read_entry(folder))
            self._read[folder] = known
        return known[1]

    def get(self, ident: str) -> Entry | None:
        return next((e for e in self.entries() if e.id == ident), None)


def archive_poster_dir(poster_dir: Path, ident: str) -> Path:
    """Where a past campaign's posters are rendered and served from: ``<POSTER_DIR>/campaigns/<id>``."""
    return poster_dir / "campaigns" / ident


class Campaigns:
    """The WSGI dispatcher in front of the site's app (``app.wsgi_app``); see the module's docstring."""

    def __init__(self, app: Flask, inner: WsgiApp, factory: Factory) -> None:
        self.app, self.inner, self.factory = app, inner, factory
        self.catalog = Catalog(Path(app.config["DATA_DIR"]))
        self.archives: dict[str, tuple[Path, Flask]] = {}
        self._lock = threading.Lock()

    def current_id(self) -> str:
        ident: str = self.app.extensions["campaign"].id
        return ident

    def listing(self) -> list[tuple[Entry, bool]]:
        """Each campaign of the data folder, newest first, and whether it is the one served at ``/``
        (the site's own campaign is listed even while its folder's file cannot be read)."""
        current = self.app.extensions["campaign"]
        entries = list(self.catalog.entries())
        if all(e.id != current.id for e in entries):
            entries.append(Entry(current.id, current.name, current.start, Path(self.app.config["DATA_DIR"])))
            entries.sort(key=lambda e: e.start, reverse=True)
        return [(e, e.id == current.id) for e in entries]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        site = environ.get("SCRIPT_NAME", "")
        path = environ.get("PATH_INFO") or "/"
        ident, slash, rest = path[1:].partition("/")
        entry = self.catalog.get(ident) if ID.match(ident) else None
        if entry is None and ident and ident == self.current_id():
            entry = Entry(ident, "", dt.date.min, Path(self.app.config["DATA_DIR"]))
        if entry is None:
            return self.inner({**environ, SITE: site}, start_response)
        if not slash:  # /2022 → /2022/
            query = environ.get("QUERY_STRING")
            target = f"{site}/{ident}/" + (f"?{query}" if query else "")
            return Response(status=308, headers={"Location": target})(environ, start_response)
        mounted = {**environ, SITE: site, MOUNT: ident, "SCRIPT_NAME": f"{site}/{ident}"}
        mounted["PATH_INFO"] = "/" + rest
        if ident == self.current_id():
            return self.inner(mounted, start_response)
        archive = self.archive(entry)
        if archive is None:
            answer = Response(f"503 Service Unavailable: the data of campaign {ident} has errors.\n", 503,
                              mimetype="text/plain")  # fmt: skip
            return answer(environ, start_response)
        return archive(mounted, start_response)

    def archive(self, entry: Entry) -> Flask | None:
        """The app of a past campaign, made on first use (again if its folder moved); ``None`` while
        its data has errors (logged)."""
        try:
            return self.made(entry)
        except CampaignError as exc:
            log.error("campaign %s (%s) is not served: %s", entry.id, entry.folder, exc)
            return None

    def made(self, entry: Entry) -> Flask:
        """The app of a past campaign, made if need be with the site's configuration (raises
        ``CampaignError`` on data with errors)."""
        with self._lock:
            known = self.archives.get(entry.id)
            if known is not None and known[0] == entry.folder:
                return known[1]
            config = dict(self.app.config)
            config.update(DATA_DIR=entry.folder, ARCHIVE=True, MOUNT=entry.id, LAST_GOOD_DATA=False)
            # A site run for a local edition shows it in each campaign that has it (the same file name).
            edition = config.get("EDITION")
            if edition and not (entry.folder / LOCAL_FOLDER / f"{edition}.toml").is_file():
                config["EDITION"] = None
            config["POSTER_DIR"] = str(archive_poster_dir(Path(self.app.config["POSTER_DIR"]), entry.id))
            made = self.factory(config)
            made.extensions["campaigns"] = self
            if "poster_render" in self.app.extensions:  # the site renders its own: so does each campaign
                start_background_render(made)
            self.archives[entry.id] = (entry.folder, made)
            return made


#: What a past campaign's app takes from the site's when it is exported or rendered for (the command
#: line sets them on the site's app after making it).
_FOLLOWED = ("EXPORT", "POSTER_FORMATS", "PUBLIC_URL")


def campaign_apps(app: Flask) -> list[tuple[str, Flask]]:
    """Every campaign of the site's data folder with the app that serves it below its id, newest
    first: the site's app for the current one, a past one's own (made now if need be, and given the
    site's export settings and poster folder). Raises ``CampaignError`` if a past one's data has errors."""
    dispatcher: Campaigns = app.extensions["campaigns"]
    found = []
    for entry, is_current in dispatcher.listing():
        if is_current:
            found.append((entry.id, app))
            continue
        made = dispatcher.made(entry)
        for key in _FOLLOWED:
            if key in app.config:
                made.config[key] = app.config[key]
        made.config["POSTER_DIR"] = str(archive_poster_dir(Path(app.config["POSTER_DIR"]), entry.id))
        found.append((entry.id, made))
    return found


def _site_only() -> None:
    """Below a campaign's id there are no kiosks, dashboard, console or studio: they are the site's."""
    if request.environ.get(MOUNT) and request.blueprint in SITE_ONLY:
        abort(404, f"{request.path} is the site's own, not a campaign's: it is at {request.environ[SITE]}/")


def init_app(app: Flask, factory: Factory) -> None:
    """Put the dispatcher in front of the site's app (not of a past campaign's: it is one of them);
    ``factory`` makes the past campaigns' apps."""
    if app.config.get("ARCHIVE"):
        return
    dispatcher = Campaigns(app, app.wsgi_app, factory)
    app.extensions["campaigns"] = dispatcher
    app.wsgi_app = dispatcher  # type: ignore[method-assign]
    app.before_request(_site_only)
