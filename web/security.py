"""Security headers on every response, and a ``Host`` that the app can use or a 400 before it runs.

The pages load scripts, styles, images and data only from the site itself, and hold no inline script or
style (the QR code is inline SVG, which is markup, not style), so the Content-Security-Policy can be
strict. ``FRAME_ANCESTORS`` (default ``'none'``) names who may show the pages in a frame: a signage
player that shows kiosk pages in a frame needs its own origin there.

A request whose ``Host`` is not a host name (a label over 63 octets or an empty one, characters no name
has, a port that is not one) or, with ``TRUSTED_HOSTS`` configured, not one of those, is answered 400
before the app sees it: links built from it could be nothing but wrong.

The public, read-only data (the feeds, and the JSON documents in ``PUBLIC_DATA``) may be read by a page
of any other site, such as a calendar widget: ``Access-Control-Allow-Origin: *``. None of those answers
reads a cookie (only the staff console and the dashboard read its session), so a wildcard gives another
site's script nothing that any client could not fetch itself. The kiosk's own plumbing (its programme,
clock, events, heartbeat), the admin's reload and the console are not in it: they are for this site's
pages and people only. The console's cookie is SameSite=Strict and every form of it carries a CSRF
token (web/console).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, has_request_context, request
from werkzeug.wrappers import Response

_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)
_PORT = re.compile(r"[0-9]{1,5}")

#: The endpoints of the public, read-only data that other sites' pages may read (CORS), each answer of
#: theirs (200, 304, a 4xx that says why) to a GET or HEAD (or the OPTIONS of a preflight).
PUBLIC_DATA = frozenset(
    {
        "feeds.calendar_ics",  # /calendar.ics, /calendar.hans.ics
        "feeds.feed_ics",  # /feeds/<name>.ics
        "feeds.feeds_json",  # /feeds.json
        "api.activities",  # /activities.json
        "api.healthz",  # /healthz
        "posters.posters_json",  # /posters.json
        "kiosk.screens_json",  # /screens.json
    }
)
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_problem(value: str, trusted: Iterable[str] | None = None) -> str | None:
    """Why a ``Host`` header cannot be used, or ``None``: a DNS name (IDNA), an IPv4 or bracketed IPv6
    address, with an optional port; one of ``trusted`` when given (a leading dot allows subdomains)."""
    host, port = value, ""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return "an IPv6 address without its closing bracket"
        host, port = value[1:end], value[end + 1 :].removeprefix(":")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return "not an IPv6 address"
    else:
        if value.count(":") == 1:
            host, port = value.split(":")
        elif ":" in value:
            return "more than one colon"
        name = host[:-1] if host.endswith(".") else host
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return "a label that is empty, longer than 63 octets, or not a name"
        if (
            not ascii_name
            or len(ascii_name) > 253
            or not all(_LABEL.fullmatch(x) for x in ascii_name.split("."))
        ):
            return "not a host name"
    if port and (not _PORT.fullmatch(port) or not 0 < int(port) < 65536):
        return "not a port"
    if trusted is not None:
        bare = host.lower().rstrip(".")
        if not any(bare == t.lower() or (t.startswith(".") and bare.endswith(t.lower())) for t in trusted):
            return "not one of this site's hosts (TRUSTED_HOSTS)"
    return None


def policy(frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def _guard_host(app: Flask, secure: Callable[[Response], Response]) -> None:
    inner = app.wsgi_app
    trusted = app.config.get("TRUSTED_HOSTS") or None

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        host = environ.get("HTTP_HOST")
        problem = host_problem(host, trusted) if host is not None else None
        if problem is None:
            return inner(environ, start_response)
        answer = secure(
            Response(f"400 Bad Request: the Host header is {problem}.\n", 400, mimetype="text/plain")
        )
        return answer(environ, start_response)

    app.wsgi_app = guarded  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    ancestors = str(app.config.get("FRAME_ANCESTORS") or "'none'")
    csp = policy(ancestors)
    frame_options = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(ancestors)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if frame_options:
            headers.setdefault("X-Frame-Options", frame_options)
        # (A bad Host is answered here outside any request: no CORS on that.)
        if has_request_context() and request.endpoint in PUBLIC_DATA and request.method in _READS:
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Access-Control-Expose-Headers"] = "ETag"  # for a widget's own If-None-Match
        # Werkzeug's conditional answers add a Date; the HTTP server (gunicorn, Werkzeug's own) sends
        # one too, and an answer must carry one only.
        headers.pop("Date", None)
        return response

    _guard_host(app, _headers)
