"""Live data: every process sees a change of the campaign folder or of the fleet within two seconds,
without a restart, and a change that does not check never replaces the good data.

Each process keeps what it serves (the campaign, the fleet and the fleet's version number) and looks
for a change at most every ``LIVE_CHECK_SECONDS`` (default 0.5), when something asks for the data: the
campaign folder's files by their sizes and modification times, the fleet by the state database's
latest version number (one small query). A change is loaded and checked off to the side: if it checks
it replaces the data at once (the caches built from the old data are dropped); if not, the site keeps
serving what it served, and the errors (file, record, field, reason, as ``check`` prints them) are
logged once and shown on ``/healthz``, the dashboard and the console until a good change comes.

The fleet lives in the state database (web/fleetstore.py); ``data/screens.toml`` is imported on the
first start only. When the database cannot be used, the fleet of the file is served, and the console
says the database is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from generators.datafile import CampaignError
from generators.fleet import Fleet, fleet_path, load_fleet_for
from generators.loader import load_current
from generators.model import Campaign
from web import lastgood
from web.fleetstore import FleetStore, Version, checked
from web.state import StateUnavailable

log = logging.getLogger(__name__)

#: How often a process looks for a change: with the kiosk streams' own check each second, a saved
#: change reaches every open page within 1.5 s.
CHECK_SECONDS = 0.5
#: The caches of the app that are built from the data, dropped when it changes.
_DERIVED = ("feed_cache", "feeds_by_path", "kiosk_programmes", "kiosk_shapes")


def _stamp(data_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """What the campaign folder's files are now, by name, size and modification time (the fleet file
    is not among them: after the first start the fleet is the database's)."""
    fleet = fleet_path(data_dir)
    found = []
    for name, path in lastgood.data_files(data_dir):
        if path == fleet:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class Live:
    """What a process serves, and its check for changes."""

    def __init__(
        self, app: Flask, source: Path, campaign: Campaign, store: FleetStore,
        clock: Callable[[], dt.datetime],
    ) -> None:  # fmt: skip
        self.app, self.source, self.store, self.clock = app, source, store, clock
        self.every = float(app.config.get("LIVE_CHECK_SECONDS", CHECK_SECONDS))
        self.campaign = campaign
        self.fleet: Fleet | None = None
        self.fleet_number: int | None = None
        self.data_errors: list[str] = list(app.extensions.get("data_errors") or [])
        self.fleet_errors: list[str] = []
        self.database_error: str | None = None
        #: Called with the new campaign or fleet when one is taken (by the scheduler: its jobs follow).
        self.on_campaign: list[Callable[[Campaign], None]] = []
        self.on_fleet: list[Callable[[Fleet | None], None]] = []
        self._stamp = _stamp(source)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._changed = threading.Condition()
        self._logged: tuple[str, ...] = ()

    # --- the start -------------------------------------------------------------------------------

    def start_fleet(self, served_dir: Path) -> None:
        """The fleet at start-up: the database's latest version that checks, after importing the fleet
        file on the very first start; the file's when the database cannot be used."""
        try:
            self.store.import_first(fleet_path(served_dir), self.campaign, self.clock())
            self._take_fleet(self.store.latest_number(), self.campaign)
            self.database_error = None
        except StateUnavailable as exc:
            self.database_error = str(exc)
            log.error("%s: serving the fleet of %s", exc, fleet_path(served_dir))
            self.fleet = load_fleet_for(served_dir, self.campaign)
        self._publish()

    # --- the check -------------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> None:
        """Look for a change (at most once a ``every`` seconds unless ``force``) and take it if it
        checks. Another thread's check under way is not waited for: its caller serves what is there."""
        if not force and time.monotonic() - self._checked < self.every:
            return
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._checked = time.monotonic()
            self._refresh()
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        campaign, fleet_before = self.campaign, self.fleet
        stamp = _stamp(self.source)
        changed = stamp != self._stamp
        if changed:
            self._stamp = stamp
            try:
                campaign = load_current(self.source, self.app.config.get("EDITION") or None)
                self.data_errors = []
            except CampaignError as exc:
                self.data_errors = [str(e) for e in exc.errors]
                changed = False
            else:
                self._remember()
        number = self.fleet_number
        try:
            number = self.store.latest_number()
            self.database_error = None
        except StateUnavailable as exc:
            self.database_error = str(exc)
        if changed or number != self.fleet_number:
            try:
                self._take_fleet(number, campaign)
            except StateUnavailable as exc:
                self.database_error = str(exc)
        if changed:
            self.campaign = campaign
        self._publish()
        for listener in self.on_campaign if changed else []:
            listener(campaign)
        for fleet_listener in self.on_fleet if self.fleet is not fleet_before else []:
            fleet_listener(self.fleet)

    def _take_fleet(self, number: int | None, campaign: Campaign) -> None:
        """Serve fleet version ``number`` if it checks against ``campaign``; else keep the fleet and
        say why."""
        if number is None:
            return
        version: Version | None = self.store.get(number)
        if version is None:
            return
        try:
            self.fleet = checked(version.document, campaign, version.name)
        except CampaignError as exc:
            self.fleet_errors = [str(e) for e in exc.errors]
            if self.fleet is None:  # nothing served yet: the latest earlier version that checks
                for older in self.store.history(limit=20):
                    try:
                        self.fleet = checked(older.document, campaign, older.name)
                    except CampaignError:
                        continue
                    self.fleet_number = older.number
                    return
            return
        self.fleet_number = number
        self.fleet_errors = []

    def _remember(self) -> None:
        if not self.app.config.get("LAST_GOOD_DATA", not self.app.config.get("TESTING")):
            return
        try:
            lastgood.remember(Path(self.app.instance_path), self.source, load_current)
        except OSError as exc:
            log.warning("cannot keep the last good data in %s: %s", self.app.instance_path, exc)

    def wait(self, timeout: float) -> None:
        """Until the data changes, or ``timeout`` seconds: what a kiosk's stream waits on between its
        checks (it then checks for a change itself, so that a change is taken by streams alone)."""
        with self._changed:
            self._changed.wait(timeout)

    def errors(self) -> list[str]:
        """Why the last change was refused (the data's, then the fleet's); empty when all is served."""
        return [*self.data_errors, *self.fleet_errors]

    def _publish(self) -> None:
        extensions = self.app.extensions
        changed = extensions.get("campaign") is not self.campaign or extensions.get("fleet") is not self.fleet
        if changed:
            for name in _DERIVED:
                extensions.pop(name, None)
        extensions["campaign"] = self.campaign
        extensions["fleet"] = self.fleet
        extensions["fleet_version"] = self.fleet_number
        errors = self.errors()
        extensions["data_errors"] = errors
        if changed:
            with self._changed:
                self._changed.notify_all()  # the kiosks' streams look at once
        if tuple(errors) != self._logged:
            self._logged = tuple(errors)
            if errors:
                log.error(
                    "a change of the data was refused, the last good data is served: %s",
                    "; ".join(errors[:5]),
                )


def live(app: Flask) -> Live | None:
    found: Live | None = app.extensions.get("live")
    return found


def watch(app: Flask, stop: threading.Event) -> threading.Thread:
    """Check for changes every second in a thread of its own: for a process that serves no requests
    (the scheduler), whose data is only ever read by its jobs."""

    def run() -> None:
        while not stop.wait(CHECK_SECONDS):
            found = live(app)
            if found is not None:
                try:
                    found.refresh(force=True)
                except Exception:  # never the end of the watch
                    log.exception("the check for changed data failed")

    thread = threading.Thread(target=run, name="live-data", daemon=True)
    thread.start()
    return thread
