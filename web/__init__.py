"""The web app: one Flask app factory, one blueprint per job."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from generators.loader import load_current

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"


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


def configured_data_dir() -> Path:
    """The data folder the configuration names (``DATA_DIR`` in ``instance/config.py`` or
    ``QUALITY_MONTH_DATA_DIR``), else the repository's ``data/``: where every command looks when it is
    not given ``--data``, so that the web workers, the scheduler and the command line agree."""
    return Path(_configured().config["DATA_DIR"])


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
    """
    app = _configured(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    app.extensions["campaign"] = load_current(Path(app.config["DATA_DIR"]))

    from web import api, calendar, errors, feeds, kiosk, posters, security

    security.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    feeds.init_app(app)
    calendar.init_app(app)
    posters.init_app(app)
    kiosk.init_app(app)
    return app
