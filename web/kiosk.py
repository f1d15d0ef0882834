"""Kiosk screens: the display page of each screen, its published programme, the server's clock, push of
new versions, heartbeats, and the dashboard of the fleet.

Kiosk pages and their data are public and read-only; a heartbeat records what a screen shows, and
only the screen can send one: it carries the screen's key (web/screenkeys.py, made in the console); what
changes the fleet's state (asking a screen to reload) needs the admin token of the configuration or a
signed-in console. The
state itself is in web/state.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
import mimetypes
import threading
import time
from collections.abc import Iterator
from typing import Any

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
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response as BaseResponse

from generators.fleet import Fleet, Screen
from generators.programme import DAYS_AHEAD, OFFLINE_AFTER, online, programme_document, showing_at
from web import screenkeys
from web.context import campaign, json_response, now, one_script, use_script
from web.errors import _answer
from web.live import live
from web.posters import poster_urls
from web.slots import Streams, refusal
from web.state import State, StateUnavailable, database_url

bp = Blueprint("kiosk", __name__)


def fleet() -> Fleet:
    """The fleet the app serves now (web/live.py takes a saved version that checks)."""
    watched = current_app.extensions.get("live")
    if watched is not None:
        watched.refresh()
    loaded: Fleet | None = current_app.extensions.get("fleet")
    if loaded is None:
        abort(404, "this site has no kiosk screens (data/screens.toml)")
    return loaded


def _screen(screen_id: str) -> Screen:
    try:
        return fleet().screen(screen_id)
    except KeyError:
        abort(404, f"there is no screen {screen_id!r}: /screens.json lists them")


def state() -> State:
    found: State = current_app.extensions["kiosk_state"]
    return found


# --- the programme a page plays --------------------------------------------------------------------


def _images(screen: Screen) -> dict[str, str]:
    """The poster of each design for a screen's format and script, by content-hashed URL."""
    return dict(poster_urls(screen.format, screen.script))


def cached_programme(
    screen: Screen, moment: dt.datetime, days: int = DAYS_AHEAD, reloads: int | None = None
) -> dict[str, Any]:
    """The programme document of a screen for ``days`` days from the local day of ``moment``
    (:func:`generators.programme.programme_document`). ``reloads`` is the screen's reload count
    (default: the state store's; a static export, which has no state, gives 0).

    The document follows from the screen, the local day, its posters and its reload count alone, so it
    is kept by those: every poll and every open event stream asks for it, and hundreds of screens must
    not each rebuild eight days of timeline."""
    loaded = campaign()
    day = moment.astimezone(loaded.timezone).date()
    images = poster_urls(screen.format, screen.script)
    if reloads is None:
        try:
            reloads = state().reloads(screen.id)
        except StateUnavailable as exc:  # the screens play on; only the reload count is not known
            current_app.logger.error("%s", exc)
            reloads = 0
    current = fleet()
    key = (screen, day, days, reloads, images)
    cache: dict[tuple[Any, ...], dict[str, Any]] = current_app.extensions.setdefault("kiosk_programmes", {})
    found = cache.get(key)
    if found is None:
        # One thread works a document out; the streams woken by the same change wait for it.
        with _BUILDING:
            cache = current_app.extensions.setdefault("kiosk_programmes", {})
            found = cache.get(key)
            if found is None:
                found = _shared_document(current, loaded, screen, day, images, reloads, days)
                if len(cache) > 20_000:
                    cache.clear()
                cache[key] = found
    return found


#: What a screen's programme does not depend on: screens alike in all else share one timeline.
_OWN = ("id", "name", "location")


def _shared_document(
    current: Fleet, loaded: Any, screen: Screen, day: dt.date, images: Any, reloads: int, days: int
) -> dict[str, Any]:
    """The programme document of ``screen``, worked out once for every screen alike in all but its
    name (a fleet of a thousand lobbies on three programmes works out three timelines, not a thousand),
    and labelled with this screen's own."""
    shape = tuple(getattr(screen, f.name) for f in dataclasses.fields(screen) if f.name not in _OWN)
    shared: dict[tuple[Any, ...], dict[str, Any]] = current_app.extensions.setdefault("kiosk_shapes", {})
    key = (shape, day, days, reloads, images)
    base = shared.get(key)
    if base is None:
        base = programme_document(current, loaded, screen, day, dict(images), reloads, days)
        if len(shared) > 1024:
            shared.clear()
        shared[key] = base
    return base | {"screen": screen.id, "name": screen.name}


_BUILDING = threading.Lock()


@bp.get("/kiosk/<screen_id>")
def page(screen_id: str) -> str:
    screen = _screen(screen_id)
    use_script(screen.script)
    return render_template("kiosk.html", screen=screen)


@bp.get("/kiosk/sw.js")
def service_worker() -> BaseResponse:
    """The service worker, served from /kiosk/ so that its scope (the folder it is in) covers every kiosk
    page."""
    response = current_app.send_static_file("kiosk-sw.js")
    response.cache_control.no_cache = True
    return response


@bp.get("/kiosk/<screen_id>/programme.json")
def programme(screen_id: str) -> BaseResponse:
    response = json_response(cached_programme(_screen(screen_id), now()), max_age=0)
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
def events(screen_id: str) -> BaseResponse:
    """Server-sent events: the programme's version now, then whenever it changes (checked each second),
    with a comment every 15 s to keep proxies from closing the stream. Past the cap, 503 with
    ``Retry-After``: the page polls meanwhile."""
    _screen(screen_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # A stream ends in an hour (KIOSK_STREAM_SECONDS); the page reconnects.
    limit = _seconds(request.args.get("limit", str(app.config.get("KIOSK_STREAM_SECONDS", 3600))))
    watched = live(app)
    slots: Streams = app.extensions["thread_streams"]
    if not slots.take():
        text, headers = refusal(slots.limit)
        return BaseResponse(text, status=503, mimetype="text/plain", headers=headers)

    def stream() -> Iterator[str]:
        with app.app_context():
            yield "retry: 2000\n\n"
            sent = None
            started = last = time.monotonic()
            while time.monotonic() - started < limit:
                try:
                    screen = fleet().screen(screen_id)  # as the fleet is now: an edit may change it
                except KeyError:
                    return  # removed: the page's next request says so
                version = cached_programme(screen, now())["version"]
                if version != sent:
                    yield f"event: version\ndata: {version}\n\n"
                    sent = version
                    last = time.monotonic()
                elif time.monotonic() - last > 15:
                    yield ": keep-alive\n\n"
                    last = time.monotonic()
                if watched is not None:
                    watched.wait(1.0)  # a second, or less when the data changes
                else:
                    time.sleep(1)

    response = Response(stream_with_context(stream()), mimetype="text/event-stream")
    response.call_on_close(slots.give_back)  # however the stream ends, even before its first byte
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


#: The largest heartbeat body (one is under 200 bytes).
HEARTBEAT_BYTES = 1024


@bp.post("/kiosk/<screen_id>/heartbeat")
def heartbeat(screen_id: str) -> BaseResponse:
    screen = _screen(screen_id)
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not screenkeys.matches(state(), screen.id, given.strip()):
        abort(401, "a heartbeat needs the screen's key (Authorization: Bearer <key>): open the kiosk URL "
                   "that the console gives, with its #key=…")  # fmt: skip
    request.max_content_length = HEARTBEAT_BYTES  # larger: 413, before it is read
    try:
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested too deep to parse
        body = None
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
                "online": online(last_seen, moment),
                "last_seen": last_seen.isoformat() if last_seen else None,
                "showing": row.get("showing"),
                "scheduled": scheduled,
                "heartbeats": row.get("beats", 0),
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
    use_script("hant")
    one_script()  # the dashboard is for staff, in the data's own script
    return render_template(
        "screens.html", screens=document["screens"], images=images,
        offline_after=int(OFFLINE_AFTER.total_seconds()),
        data_errors=current_app.extensions.get("data_errors") or [],
    )  # fmt: skip


@bp.post("/screens/<screen_id>/reload")
def reload(screen_id: str) -> BaseResponse:
    """Ask a screen to reload (its version changes, so it fetches everything again). Admin only."""
    screen = _screen(screen_id)
    token = current_app.config.get("ADMIN_TOKEN")
    if token is None or token == "":
        abort(403, "no admin token is configured (ADMIN_TOKEN): the fleet cannot be changed over the web")
    client = request.remote_addr or "?"
    failures: Failures = current_app.extensions["admin_failures"]
    if failures.blocked(client, now()):
        abort(429, f"too many wrong tokens from {client}: wait a minute")
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        failures.add(client, now())
        abort(401, "this needs the admin token: Authorization: Bearer <token>")
    return json_response({"screen": screen.id, "reloads": state().reload(screen.id)}, max_age=0)


class Failures:
    """Failed admin tokens by client, kept a minute: past ``limit`` a client is answered 429 (a guess
    a second would otherwise go unthrottled)."""

    def __init__(self, limit: int = 10, window: dt.timedelta = dt.timedelta(minutes=1)) -> None:
        self.limit, self.window = limit, window
        self.seen: dict[str, list[dt.datetime]] = {}
        self.lock = threading.Lock()

    def _recent(self, client: str, moment: dt.datetime) -> list[dt.datetime]:
        recent = [t for t in self.seen.get(client, []) if moment - t < self.window]
        if recent:
            self.seen[client] = recent
        else:
            self.seen.pop(client, None)
        return recent

    def blocked(self, client: str, moment: dt.datetime) -> bool:
        with self.lock:
            return len(self._recent(client, moment)) >= self.limit

    def add(self, client: str, moment: dt.datetime) -> None:
        with self.lock:
            if len(self.seen) > 10_000:  # bounded: a flood from many addresses forgets the oldest
                self.seen.clear()
            self.seen[client] = [*self._recent(client, moment), moment]


def init_app(app: Flask) -> None:
    # A browser runs a module script (the page's timeline.mjs) only if it comes with a JavaScript type;
    # Python guesses .mjs from the system's mime.types where there is one, from its own table elsewhere,
    # so the type is pinned.
    mimetypes.add_type("text/javascript", ".mjs")
    app.config["DATABASE_URL"] = database_url(app)
    app.extensions["admin_failures"] = Failures()
    app.extensions["thread_streams"] = Streams(int(app.config.get("THREAD_STREAMS", 100)))
    app.extensions["kiosk_state"] = State(app.config["DATABASE_URL"])
    app.register_blueprint(bp)

    @app.errorhandler(StateUnavailable)
    def _state_unavailable(error: StateUnavailable) -> BaseResponse:
        app.logger.error("%s", error)  # one line, naming the file and the fix: no traceback
        # The answer is public: it says what is down, not where the file lives (the log has that).
        return _answer(ServiceUnavailable("the screens' live state is not available now: the log says why"))
