"""The feed routes: ``/calendar.ics``, ``/feeds/<name>.ics`` (each also ``.hans.ics``) and ``/feeds.json``."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from generators.feeds import Feed, all_feeds, build_feed, find_feed, last_modified
from web.api import campaign, json_response

bp = Blueprint("feeds", __name__)

#: Built feeds by (path, base URL). Bounded, since the base URL follows the request's Host header.
_CACHE_SIZE = 1024


def base_url() -> str:
    """The public root of the site, ending with a slash: ``PUBLIC_URL`` if configured, else this host."""
    configured: str | None = current_app.config.get("PUBLIC_URL")
    root = configured or request.url_root
    return root if root.endswith("/") else root + "/"


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def _cached(key: tuple[str, str], build: Callable[[], bytes]) -> bytes:
    cache: dict[tuple[str, str], bytes] = current_app.extensions.setdefault("feed_cache", {})
    lock: threading.Lock = current_app.extensions.setdefault("feed_lock", threading.Lock())
    found = cache.get(key)
    if found is None:
        found = build()
        with lock:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[key] = found
    return found


def feed_bytes(feed: Feed, root: str) -> bytes:
    return _cached((feed.path, root), lambda: build_feed(campaign(), feed, root))


def ics_response(feed: Feed) -> BaseResponse:
    """A feed as subscribers' clients want it: ``text/calendar; charset=utf-8``, never compressed,
    with an ETag and Last-Modified, and 304 for a client that has it already."""
    body = feed_bytes(feed, base_url())
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = last_modified(campaign(), feed.activities(campaign()))
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.cache_control.no_transform = True  # Outlook breaks on compressed feeds
    response.headers["Content-Disposition"] = f'inline; filename="{feed.path.rsplit("/", 1)[-1]}"'
    return response.make_conditional(request)


@bp.get("/calendar.ics")
@bp.get("/calendar.hans.ics")
def calendar_ics() -> BaseResponse:
    feed = find_feed(campaign(), request.path.lstrip("/"))
    assert feed is not None
    return ics_response(feed)


@bp.get("/feeds/<string:name>.ics")
def feed_ics(name: str) -> BaseResponse:
    feed = find_feed(campaign(), f"feeds/{name}.ics")
    if feed is None:
        abort(404, f"there is no feed feeds/{name}.ics: /feeds.json lists them all")
    return ics_response(feed)


def feed_document(feed: Feed, root: str) -> dict[str, object]:
    url = root + feed.path
    return {
        "id": feed.id,
        "title": feed.title(campaign()),
        "group": feed.group,
        "key": feed.key,
        "script": feed.script,
        "url": url,
        "webcal": webcal(url),
        "events": len(feed.activities(campaign())),
    }


@bp.get("/feeds.json")
def feeds_json() -> BaseResponse:
    root = base_url()
    return json_response({"feeds": [feed_document(f, root) for f in all_feeds(campaign())]})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
