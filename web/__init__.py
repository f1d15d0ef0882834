"""The web app: one Flask app factory, one blueprint per job."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from generators.fleet import Fleet, load_fleet_for
from generators.fonts import shipped
from generators.loader import CampaignError, load_current
from generators.model import Campaign
from web import (
    api,
    calendar,
    campaigns,
    console,
    context,
    errors,
    feeds,
    kiosk,
    lastgood,
    posters,
    security,
    studio,
)
from web.fleetstore import FleetStore, Version
from web.live import Live
from web.state import State, database_url

DEFAULT_DATA = shipped(Path(__file__).resolve().parent.parent / "data", "quality_month_data")


def _configured(test_config: Mapping[str, Any] | None = None) -> Flask:
    """An app with its configuration read and nothing else done: the defaults, then the instance
    folder's ``config.py`` and ``QUALITY_MONTH_*`` variables (not under ``TESTING``), then
    ``test_config``."""
    instance = os.environ.get("QUALITY_MONTH_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    # No request of this site has a body of more than a few KiB (a heartbeat needs under 1 KiB).
    app.config.from_mapping(DATA_DIR=DEFAULT_DATA, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024)
    if test_config is None or not test_config.get("TESTING"):
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("QUALITY_MONTH")  # QUALITY_MONTH_DATABASE_URL=… and the like
        # Flask reads each variable as JSON where it can: a token such as 1e3, true or "x" is a string
        # here, exactly as written (and null does not switch the endpoint off).
        for key in ("ADMIN_TOKEN", "PUBLIC_URL"):
            if f"QUALITY_MONTH_{key}" in os.environ:
                app.config[key] = os.environ[f"QUALITY_MONTH_{key}"]
    if test_config is not None:
        app.config.from_mapping(test_config)
    return app


def instance_folder() -> Path:
    """The instance folder: ``QUALITY_MONTH_INSTANCE_PATH``, else Flask's own choice (the repository's
    ``instance/`` in a checkout, ``<prefix>/var/web-instance`` when installed from the wheel)."""
    return Path(_configured().instance_path)


def configured_data_dir() -> Path:
    """The data folder the configuration names (``DATA_DIR`` in ``instance/config.py`` or
    ``QUALITY_MONTH_DATA_DIR``), else the repository's ``data/``: where every command looks when it is
    not given ``--data``, so that the web workers, the scheduler and the command line agree."""
    return Path(_configured().config["DATA_DIR"])


def configured_edition() -> str | None:
    """The local edition the site is run for (``EDITION``, ``QUALITY_MONTH_EDITION``), else ``None``:
    the notice's activities alone, each edition in its own feed and pages."""
    edition: str | None = _configured().config.get("EDITION") or None
    return edition


def _load(folder: Path) -> tuple[Campaign, Fleet | None]:
    """A data folder's campaign (the current one) and its fleet file's (``None`` without one)."""
    campaign = load_current(folder)
    return campaign, load_fleet_for(folder, campaign)


def _wall_clock(app: Flask) -> Callable[[], dt.datetime]:
    def clock() -> dt.datetime:
        configured = app.config.get("CLOCK")
        found: dt.datetime = configured() if configured is not None else dt.datetime.now(dt.UTC)
        return found

    return clock


def _load_data(app: Flask) -> None:
    """Load the campaign, and the fleet from the state database (the fleet file is imported on the
    first start), and keep watching both (web/live.py). Data with errors stops start-up, unless this
    data folder has loaded before (``LAST_GOOD_DATA``, on except under ``TESTING``): then the app serves
    the last good copy of it, logs the errors and shows them on ``/healthz``, so that a worker restarted
    while the data on disk is broken keeps the site up."""
    data_dir = Path(app.config["DATA_DIR"])
    instance = Path(app.instance_path)
    keep = app.config.get("LAST_GOOD_DATA", not app.config.get("TESTING"))
    served = data_dir
    try:
        campaign = load_current(data_dir, app.config.get("EDITION") or None)
    except CampaignError as exc:
        good = lastgood.recall(instance, data_dir) if keep else None
        if good is None:
            raise
        errors = [str(e) for e in exc.errors]
        app.logger.error(
            "the data in %s has %d error(s): serving its last good copy (%s) until it is fixed; %s",
            data_dir, len(errors), good, "; ".join(errors[:5]),
        )  # fmt: skip
        campaign = load_current(good, app.config.get("EDITION") or None)
        served = good
        app.config["DATA_DIR"] = good
        app.extensions["data_errors"] = errors
    else:
        if keep:
            try:
                lastgood.remember(instance, data_dir, _load)
            except OSError as exc:  # a read-only instance folder: the site runs, without the fallback
                app.logger.warning("cannot keep the last good data in %s: %s", instance, exc)
    app.config["DATABASE_URL"] = database_url(app)
    state = State(app.config["DATABASE_URL"])
    store = _NoFleet(state) if app.config.get("ARCHIVE") else FleetStore(state)
    watched = Live(app, data_dir, campaign, store, _wall_clock(app))
    app.extensions["live"] = watched
    watched.start_fleet(served)


class _NoFleet(FleetStore):
    """A past campaign's app has no fleet: nothing is imported or read from the database."""

    def import_first(self, path: Path, campaign: Campaign, moment: dt.datetime) -> Version | None:
        return None

    def latest_number(self) -> int | None:
        return None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. The data is loaded and checked here: a broken data folder stops start-up.

    Configuration: ``DATA_DIR`` (default the repository's ``data/``); ``PUBLIC_URL``, the site's public
    root for links in feeds and QR codes (default: the URL the request came to); the instance folder
    holds local state; ``POSTER_DIR``, where rendered posters live (default: the instance folder's
    ``posters/``); ``DATABASE_URL``, the SQLAlchemy URL of the database of the screens' state and the
    scheduler's jobs (default: ``sqlite:///`` the instance folder's ``state.sqlite``; ``postgresql+psycopg://…``
    for a fleet; the older ``STATE_DB``, an SQLite file, still counts when it is unset); ``ADMIN_TOKEN``,
    which changes to the fleet need (none: no changes over the web); ``FRAME_ANCESTORS``, who may show
    the pages in a frame (default ``'none'``). The instance folder is the repository's ``instance/``, or
    the folder that the environment's ``QUALITY_MONTH_INSTANCE_PATH`` names.

    The site's app serves every campaign of the data folder below ``/<id>/`` too (web/campaigns.py);
    ``ARCHIVE`` (set there) makes the app of a past campaign: no kiosks, console or studio, no fleet.
    """
    app = _configured(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    _load_data(app)

    security.init_app(app)
    context.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    feeds.init_app(app)
    calendar.init_app(app)
    posters.init_app(app)
    if not app.config.get("ARCHIVE"):
        kiosk.init_app(app)
        studio.init_app(app)
        console.init_app(app)
    campaigns.init_app(app, create_app)
    return app
