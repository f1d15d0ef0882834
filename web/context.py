"""What every blueprint reads from the app (the campaign, the clock, the site's public root) and how it
answers JSON; and the context every page's template gets, from one context processor: the campaign,
the page's script with its language tag and root, the link to the page in the other script, and no
subscription unless the view gives one; with the filters of Chinese dates (``zh_date``, ``zh_days``,
``zh_weekday``…) from ``generators.wording``.

A view says which script its page is in with ``use_script``; a page that exists in one script only
(the dashboard) says so with ``one_script``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from werkzeug.wrappers import Response as BaseResponse

from generators import wording
from generators.model import Campaign
from generators.script import LANGUAGE_TAGS, Script, in_script

#: The site's public root when none is configured (``PUBLIC_URL``): where ``quality-month serve`` listens.
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000/"
#: The WSGI environ's keys that web/campaigns.py sets: the campaign id a request came below
#: (``/<id>/…``; absent at the site's own root), and the site's own ``SCRIPT_NAME`` before it.
MOUNT = "quality_month.mount"
SITE = "quality_month.site"


def with_slash(url: str) -> str:
    """A site root ends with a slash: paths are joined onto it (``base + "activities/…"``)."""
    return url if url.endswith("/") else url + "/"


def public_url(app: Flask) -> str:
    """The public root an app publishes under outside a request (posters' QR codes, the scheduler's
    renders): ``PUBLIC_URL``, else ``DEFAULT_PUBLIC_URL``, ending with a slash; a past campaign's app
    (``MOUNT``) adds its ``<id>/``."""
    configured: str | None = app.config.get("PUBLIC_URL")
    mounted = app.config.get("MOUNT")
    return with_slash(configured or DEFAULT_PUBLIC_URL) + (f"{mounted}/" if mounted else "")


def mount() -> str | None:
    """The campaign id this request came below (``/<id>/…``), ``None`` at the site's own root."""
    found: str | None = request.environ.get(MOUNT)
    return found


def campaign() -> Campaign:
    """The campaign the app serves now (web/live.py takes a change of the data folder that checks)."""
    watched = current_app.extensions.get("live")
    if watched is not None:
        watched.refresh()
    loaded: Campaign = current_app.extensions["campaign"]
    return loaded


def now() -> dt.datetime:
    """The wall clock: read here, in web/, and handed to the domain as an argument. Tests may set
    ``CLOCK`` to a function that returns an aware datetime."""
    clock = current_app.config.get("CLOCK")
    found: dt.datetime = clock() if clock is not None else dt.datetime.now(dt.UTC)
    return found


def base_url() -> str:
    """The public root of the pages this request is among, ending with a slash: ``PUBLIC_URL`` if
    configured, else this host's; below a campaign's id (``/<id>/…``) with that ``<id>/`` added."""
    configured: str | None = current_app.config.get("PUBLIC_URL")
    if not configured:
        return request.url_root  # the host and the whole SCRIPT_NAME, the mount's too
    mounted = mount()
    return with_slash(configured) + (f"{mounted}/" if mounted else "")


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def json_response(document: Any, max_age: int = 300) -> BaseResponse:
    """A JSON document with a strong ETag, answered 304 when the client already has it."""
    body = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    return response.make_conditional(request)


# --- the pages' context ---------------------------------------------------------------------------


def app_root(script: Script) -> str:
    """The root of a script's pages inside the app: ``/`` or ``/hans/``."""
    return "/" if script == "hant" else "/hans/"


def root(script: Script) -> str:
    """The root of a script's pages as a link: ``/`` or ``/hans/``, below the mount of the request
    (``/2022/``, ``/2022/hans/``)."""
    return request.script_root + app_root(script)


def other(script: Script) -> Script:
    return "hans" if script == "hant" else "hant"


def use_script(script: Script) -> Script:
    """Say that this request's page is in ``script`` (the context processor reads it)."""
    g.script = script
    return script


def one_script() -> None:
    """Say that this request's page exists in its script only: its script link points to itself."""
    g.one_script = True


def script_of_path() -> Script:
    """The script a path asks for: Simplified below ``/hans/``, else Traditional."""
    return "hans" if request.path.startswith("/hans/") or request.path == "/hans" else "hant"


def switch_path(script: Script) -> str:
    """The same page in the other script: the path with its ``/hans`` prefix added or taken away, and
    the query but for a ``script`` choice."""
    if g.get("one_script"):
        return request.script_root + request.full_path.rstrip("?")
    plain = request.path.removeprefix("/hans") if request.path.startswith("/hans/") else request.path
    path = root(other(script)).rstrip("/") + plain
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "script"]
    return path + ("?" + urlencode(query) if query else "")


def page_context() -> dict[str, Any]:
    script: Script = g.get("script") or script_of_path()
    shown = script if g.get("one_script") else other(script)
    return {
        "campaign": campaign(),
        "script": script,
        "lang": LANGUAGE_TAGS[script],
        "root": root(script),
        "switch_path": switch_path(script),
        "switch_lang": LANGUAGE_TAGS[shown],
        "subscribe": None,
        "campaigns": switcher(script),
        "site_tools": not current_app.config.get("EXPORT") and mount() is None,
    }


def switcher(script: Script) -> list[dict[str, Any]]:
    """The header's list of the data folder's campaigns (none when it has one): each one's name in
    ``script``, its root (the current one's is the site's), and whether it is the one shown."""
    dispatcher = current_app.extensions.get("campaigns")
    if dispatcher is None:
        return []
    listing = dispatcher.listing()
    if len(listing) < 2:
        return []
    site = request.environ.get(SITE, request.script_root)
    shown = campaign().id
    return [
        {
            "name": in_script(entry.name, script),
            "href": site + ("" if is_current else f"/{entry.id}") + app_root(script),
            "shown": entry.id == shown,
        }
        for entry, is_current in listing
    ]


def init_app(app: Flask) -> None:
    app.context_processor(page_context)
    # The Chinese dates of the pages, written as everywhere else (generators/wording.py).
    app.add_template_filter(wording.date, "zh_date")
    app.add_template_filter(wording.month_day, "zh_month_day")
    app.add_template_filter(wording.weekday, "zh_weekday")
    app.add_template_filter(lambda days: wording.days(days[0], days[-1]), "zh_days")
    app.add_template_filter(
        lambda span: "" if span.all_day else wording.hours(span.start, span.end), "zh_hours"
    )
    app.jinja_env.globals["weekdays"] = wording.WEEKDAYS
    app.add_template_global(wording.month, "zh_month")
