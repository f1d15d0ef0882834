"""The feed routes: ``/calendar.ics``, ``/feeds/<name>.ics`` (each also ``.hans.ics``) and ``/feeds.json``;
and the answer of one activity's ``.ics`` (its route is the calendar's, ``/activities/<id>.ics``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from generators.feeds import ActivityFeed, Feed, all_feeds, build_activity, build_feed, last_modified
from web.context import base_url, campaign, json_response, webcal

bp = Blueprint("feeds", __name__)

#: Built feeds by (path, base URL). Bounded, since the base URL follows the request's Host header.
_CACHE_SIZE = 1024


@dataclass(frozen=True)
class _Built:
    body: bytes
    etag: str
    last_modified: dt.datetime


def _built(feed: Feed, root: str) -> _Built:
    """A feed's bytes and validators, built once per (feed, public root) and kept. An ``ActivityFeed``
    is one activity's file (``build_activity``)."""
    cache: dict[tuple[str, str], _Built] = current_app.extensions.setdefault("feed_cache", {})
    lock: threading.Lock = current_app.extensions.setdefault("feed_lock", threading.Lock())
    key = (feed.path, root)
    found = cache.get(key)
    if found is None:
        loaded = campaign()
        if isinstance(feed, ActivityFeed):
            body = build_activity(loaded, loaded.activity(feed.activity_id), feed.script, root)
        else:
            body = build_feed(loaded, feed, root)
        etag = hashlib.sha256(body).hexdigest()[:32]
        found = _Built(body, etag, last_modified(loaded, feed.selected(loaded)))
        with lock:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[key] = found
    return found


def _feed_at(path: str) -> Feed | None:
    feeds: dict[str, Feed] | None = current_app.extensions.get("feeds_by_path")
    if feeds is None:
        feeds = {f.path: f for f in all_feeds(campaign())}
        current_app.extensions["feeds_by_path"] = feeds
    return feeds.get(path)


def ics_response(feed: Feed) -> BaseResponse:
    """A feed as subscribers' clients want it: ``text/calendar; charset=utf-8``, never compressed,
    with an ETag and Last-Modified, and 304 for a client that has it already. One activity's file
    (an ``ActivityFeed``) is the same, but saved as an attachment: it is opened once, not subscribed to."""
    built = _built(feed, base_url())
    response = Response(built.body, content_type="text/calendar; charset=utf-8")
    response.set_etag(built.etag)
    response.last_modified = built.last_modified
    # A cache in front (a CDN, a proxy) keeps a feed five minutes, then asks again with its ETag.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    response.cache_control.must_revalidate = True
    response.cache_control.no_transform = True  # Outlook breaks on compressed feeds
    disposition = "attachment" if isinstance(feed, ActivityFeed) else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{feed.path.rsplit("/", 1)[-1]}"'
    return response.make_conditional(request)


@bp.get("/calendar.ics")
@bp.get("/calendar.hans.ics")
def calendar_ics() -> BaseResponse:
    feed = _feed_at(request.path.lstrip("/"))
    assert feed is not None
    return ics_response(feed)


@bp.get("/feeds/<string:name>.ics")
def feed_ics(name: str) -> BaseResponse:
    feed = _feed_at(f"feeds/{name}.ics")
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
        "events": feed.events(campaign()),
        "dated": feed.dated(campaign()),
    }


@bp.get("/feeds.json")
def feeds_json() -> BaseResponse:
    root = base_url()
    return json_response({"feeds": [feed_document(f, root) for f in all_feeds(campaign())]})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
