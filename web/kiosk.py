"""Kiosk screens: the display page of each screen, its published programme, the server's clock, push of
new versions, heartbeats, and the dashboard of the fleet.

Kiosk pages and their data are public and read-only; heartbeats only record what a screen shows; what
changes the fleet's state (asking a screen to reload) needs the admin token of the configuration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.wrappers import Response as BaseResponse

from generators.kiosk import Fleet, Screen, load_fleet_for, segments, showing_at
from generators.script import LANGUAGE_TAGS
from web.api import campaign, json_response

bp = Blueprint("kiosk", __name__)

#: A screen that has not reported for this long is offline.
OFFLINE_AFTER = dt.timedelta(seconds=90)
#: Days of programme a page keeps, so that it goes on rotating that long without the server.
DAYS_AHEAD = 8


def fleet() -> Fleet:
    loaded: Fleet | None = current_app.extensions.get("fleet")
    if loaded is None:
        abort(404, "this site has no kiosk screens (data/screens.toml)")
    return loaded


def _screen(screen_id: str) -> Screen:
    try:
        return fleet().screen(screen_id)
    except KeyError:
        abort(404, f"there is no screen {screen_id!r}: /screens.json lists them")


def now() -> dt.datetime:
    """The wall clock: read here, in web/, and handed to the domain as an argument. Tests may set
    ``CLOCK`` to a function that returns an aware datetime."""
    clock = current_app.config.get("CLOCK")
    found: dt.datetime = clock() if clock is not None else dt.datetime.now(dt.UTC)
    return found


# --- state: heartbeats and reload requests, one row per screen, in the database of DATABASE_URL --------

metadata = sa.MetaData()
#: What each screen last reported and how often it was asked to reload: one row a screen (never grows).
screen_state = sa.Table(
    "screen_state", metadata,
    sa.Column("screen", sa.Text, primary_key=True),
    sa.Column("last_seen", sa.Double),
    sa.Column("showing", sa.Text),
    sa.Column("version", sa.Text),
    sa.Column("reloads", sa.Integer, nullable=False, server_default="0"),
    sa.Column("offline_since", sa.Double),
)  # fmt: skip
#: Fleet-wide events by name (the last day-part switch), one row each.
fleet_event = sa.Table(
    "fleet_event", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("at", sa.Double),
    sa.Column("detail", sa.Text),
)  # fmt: skip

_ENGINES: dict[str, sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()


def database_url(app: Flask) -> str:
    """The configured ``DATABASE_URL``; else the older ``STATE_DB`` (an SQLite file) as a URL; else the
    instance folder's ``state.sqlite``."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    if app.config.get("STATE_DB"):
        return f"sqlite:///{app.config['STATE_DB']}"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'state.sqlite'}"


def engine_for(url: str) -> sa.Engine:
    """This process's one engine for a database URL, with its tables made on first use. SQLite and
    PostgreSQL are supported."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _new_engine(url)
            try:
                create_tables(engine)
            except BaseException:
                del _ENGINES[url]
                engine.dispose()
                raise
    return engine


def close_engine(url: str) -> None:
    """Close the pooled connections of a URL's engine and forget it (the next use opens a new one)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def _new_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"DATABASE_URL {parsed.render_as_string()}: only SQLite and PostgreSQL work")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Wait up to 10 s for a lock instead of failing at once; let readers go on beside a writer (WAL)."""
    cursor = connection.cursor()
    cursor.execute("pragma busy_timeout = 10000")
    cursor.execute("pragma journal_mode = wal")
    cursor.close()


def _forget_engines_after_fork() -> None:
    """A forked worker must not share its parent's connections: it opens its own."""
    global _ENGINES_LOCK
    _ENGINES_LOCK = threading.Lock()
    for engine in _ENGINES.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_engines_after_fork)


def create_tables(engine: sa.Engine) -> None:
    """Create the tables that are missing, and the column that state files of older versions lack."""
    try:
        metadata.create_all(engine)
    except sa.exc.DBAPIError:  # another process created them at the same moment: they are there now
        metadata.create_all(engine)
    if "offline_since" not in {c["name"] for c in sa.inspect(engine).get_columns("screen_state")}:
        with engine.begin() as connection:
            connection.execute(sa.text("alter table screen_state add column offline_since double precision"))


def upsert(
    engine: sa.Engine, table: sa.Table, values: dict[str, Any], *, copy: Iterable[str] = (),
    changes: dict[str, Any] | None = None,
) -> sa.Insert:  # fmt: skip
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` in the engine's dialect: the row's ``copy``
    columns take the inserted values, and ``changes`` apply to it (one statement, so no race)."""
    insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    update = {name: statement.excluded[name] for name in copy} | (changes or {})
    found: sa.Insert = statement.on_conflict_do_update(index_elements=list(table.primary_key), set_=update)
    return found


class State:
    """What screens last reported, one row per screen, in the database of ``DATABASE_URL``."""

    #: How long a process keeps the reload counts: every open event stream asks for its screen's count
    #: each second, and 500 screens must cost two queries a second, not 500. An edit still reaches every
    #: screen within two seconds (this, plus a stream's check each second).
    RELOADS_MAX_AGE = 0.5

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = engine_for(url)
        self._reloads: tuple[float, dict[str, int]] | None = None
        self._reloads_lock = threading.Lock()

    def reloads(self, screen: str) -> int:
        """A screen's reload count, as of at most ``RELOADS_MAX_AGE`` seconds ago."""
        with self._reloads_lock:
            kept = self._reloads
            if kept is None or time.monotonic() - kept[0] > self.RELOADS_MAX_AGE:
                counts = {name: row["reloads"] for name, row in self.rows().items()}
                kept = self._reloads = (time.monotonic(), counts)
        return kept[1].get(screen, 0)

    def beat(self, screen: str, moment: dt.datetime, showing: str, version: str) -> None:
        values = {"screen": screen, "last_seen": moment.timestamp(), "showing": showing, "version": version}
        statement = upsert(self.engine, screen_state, values, copy=("last_seen", "showing", "version"))
        with self.engine.begin() as connection:
            connection.execute(statement)

    def reload(self, screen: str) -> int:
        statement = upsert(
            self.engine, screen_state, {"screen": screen, "reloads": 1},
            changes={"reloads": screen_state.c.reloads + 1},
        ).returning(screen_state.c.reloads)  # fmt: skip
        with self.engine.begin() as connection:
            reloads: int = connection.execute(statement).scalar_one()
        self._reloads = None  # this process sees its own change at once
        return reloads

    def rows(self) -> dict[str, dict[str, Any]]:
        c = screen_state.c
        with self.engine.connect() as connection:
            query = sa.select(c.screen, c.last_seen, c.showing, c.version, c.reloads)
            found = connection.execute(query).all()
        return {
            row.screen: {"last_seen": row.last_seen, "showing": row.showing, "version": row.version,
                         "reloads": row.reloads}
            for row in found
        }  # fmt: skip


def state() -> State:
    found: State = current_app.extensions["kiosk_state"]
    return found


# --- the programme a page plays --------------------------------------------------------------------


def _images(screen: Screen) -> dict[str, str]:
    """The poster of each design for a screen's format and script, by content-hashed URL."""
    from web.posters import manifest, poster_document

    return {
        e["design"]: poster_document(e)["url"]
        for e in manifest().get("posters", [])
        if e["format"] == screen.format and e["script"] == screen.script
    }


def programme_document(
    screen: Screen, moment: dt.datetime, days: int = DAYS_AHEAD, reloads: int | None = None
) -> dict[str, Any]:
    """Everything a screen shows for ``days`` days from the local day of ``moment``, and one version hash
    that covers all of it. ``reloads`` is the screen's reload count (default: the state store's; a
    static export, which has no state, gives 0).

    The document follows from the screen, the local day, its posters and its reload count alone, so it
    is kept by those: every poll and every open event stream asks for it, and hundreds of screens must
    not each rebuild eight days of timeline."""
    loaded = campaign()
    day = moment.astimezone(loaded.timezone).date()
    images = _images(screen)
    if reloads is None:
        reloads = state().reloads(screen.id)
    key = (screen.id, day, days, reloads, tuple(sorted(images.items())))
    cache: dict[tuple[Any, ...], dict[str, Any]] = current_app.extensions.setdefault("kiosk_programmes", {})
    found = cache.get(key)
    if found is None:
        published = segments(fleet(), loaded, screen, moment, days)
        designs = {s["design"] for seg in published for s in seg["slides"]}
        shown = {d: url for d, url in images.items() if d in designs}
        content = json.dumps([published, shown, reloads], sort_keys=True).encode()
        found = {
            "screen": screen.id,
            "name": screen.name,
            "format": screen.format,
            "script": screen.script,
            "version": hashlib.sha256(content).hexdigest()[:16],
            "segments": published,
            "images": shown,
        }
        if len(cache) > 256:
            cache.clear()
        cache[key] = found
    return found


@bp.get("/kiosk/<screen_id>")
def page(screen_id: str) -> str:
    screen = _screen(screen_id)
    return render_template(
        "kiosk.html",
        screen=screen,
        lang=LANGUAGE_TAGS[screen.script],
        script=screen.script,
        campaign=campaign(),
    )


@bp.get("/kiosk/sw.js")
def service_worker() -> BaseResponse:
    """The service worker, served from /kiosk/ so that its scope (the folder it is in) covers every kiosk
    page."""
    response = current_app.send_static_file("kiosk-sw.js")
    response.cache_control.no_cache = True
    return response


@bp.get("/kiosk/<screen_id>/programme.json")
def programme(screen_id: str) -> BaseResponse:
    response = json_response(programme_document(_screen(screen_id), now()), max_age=0)
    response.cache_control.no_cache = True
    return response


@bp.get("/kiosk/time")
def clock() -> BaseResponse:
    """The server's clock, for pages to measure their offset from it."""
    response = json_response({"now": round(now().timestamp() * 1000)}, max_age=0)
    response.cache_control.no_store = True
    return response


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # also refuses nan and inf
        abort(400, f"limit {value!r} is not a number of seconds from 0 to 3600")
    return seconds


@bp.get("/kiosk/<screen_id>/events")
def events(screen_id: str) -> Response:
    """Server-sent events: the programme's version now, then whenever it changes (checked each second),
    with a comment every 15 s to keep proxies from closing the stream."""
    screen = _screen(screen_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    limit = _seconds(request.args.get("limit", "3600"))  # a stream ends in an hour; the page reconnects

    def stream() -> Iterator[str]:
        with app.app_context():
            yield "retry: 2000\n\n"
            sent = None
            started = last = time.monotonic()
            while time.monotonic() - started < limit:
                version = programme_document(screen, now())["version"]
                if version != sent:
                    yield f"event: version\ndata: {version}\n\n"
                    sent = version
                    last = time.monotonic()
                elif time.monotonic() - last > 15:
                    yield ": keep-alive\n\n"
                    last = time.monotonic()
                time.sleep(1)

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


@bp.post("/kiosk/<screen_id>/heartbeat")
def heartbeat(screen_id: str) -> BaseResponse:
    screen = _screen(screen_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, 'a heartbeat is a JSON object: {"showing": slide id, "version": programme version}')
    showing, version = body.get("showing"), body.get("version")
    if not isinstance(showing, str) or not 0 < len(showing) <= 200:
        abort(400, "showing must be the id of a slide")
    if not isinstance(version, str) or not 0 < len(version) <= 64:
        abort(400, "version must be the programme's version")
    state().beat(screen.id, now(), showing, version)
    return Response(status=204)


# --- the dashboard --------------------------------------------------------------------------------


def screen_document(screen: Screen) -> dict[str, Any]:
    """What a screen is, without its live state (a static export has only this)."""
    return {
        "id": screen.id,
        "name": screen.name,
        "location": screen.location,
        "format": screen.format,
        "script": screen.script,
        "url": f"/kiosk/{screen.id}",
        "programme": screen.programme,
    }


def screens_document(moment: dt.datetime) -> dict[str, Any]:
    screens = fleet().screens  # first: a site without a fleet answers 404, not a missing state store
    rows = state().rows()
    found = []
    for screen in screens:
        row = rows.get(screen.id, {})
        seen = row.get("last_seen")
        last_seen = dt.datetime.fromtimestamp(seen, dt.UTC) if seen else None
        scheduled = showing_at(fleet(), campaign(), screen, moment).slide.id
        found.append(
            {
                **screen_document(screen),
                "online": last_seen is not None and moment - last_seen <= OFFLINE_AFTER,
                "last_seen": last_seen.isoformat() if last_seen else None,
                "showing": row.get("showing"),
                "scheduled": scheduled,
            }
        )
    return {"screens": found}


@bp.get("/screens.json")
def screens_json() -> BaseResponse:
    response = json_response(screens_document(now()), max_age=0)
    response.cache_control.no_store = True
    return response


@bp.get("/screens")
def dashboard() -> str:
    document = screens_document(now())
    images = {s.id: _images(s) for s in fleet().screens}
    return render_template(
        "screens.html", screens=document["screens"], images=images, campaign=campaign(), script="hant",
        lang="zh-Hant", root="/", switch_path="/screens", switch_lang="zh-Hant", subscribe=None,
    )  # fmt: skip


@bp.post("/screens/<screen_id>/reload")
def reload(screen_id: str) -> BaseResponse:
    """Ask a screen to reload (its version changes, so it fetches everything again). Admin only."""
    screen = _screen(screen_id)
    token = current_app.config.get("ADMIN_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        abort(403, "no admin token is configured (ADMIN_TOKEN): the fleet cannot be changed over the web")
    if not hmac.compare_digest(given.encode(), str(token).encode()):
        abort(401, "this needs the admin token: Authorization: Bearer <token>")
    return json_response({"screen": screen.id, "reloads": state().reload(screen.id)}, max_age=0)


def init_app(app: Flask) -> None:
    loaded = app.extensions["campaign"]
    app.extensions["fleet"] = load_fleet_for(Path(app.config["DATA_DIR"]), loaded)
    app.config["DATABASE_URL"] = database_url(app)
    if app.extensions["fleet"] is not None:
        app.extensions["kiosk_state"] = State(app.config["DATABASE_URL"])
    app.register_blueprint(bp)
