"""Security headers on every response.

The pages load scripts, styles, images and data only from the site itself, and hold no inline script or
style (the QR code is inline SVG, which is markup, not style), so the Content-Security-Policy can be
strict. ``FRAME_ANCESTORS`` (default ``'none'``) names who may show the pages in a frame: a signage
player that shows kiosk pages in a frame needs its own origin there.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response


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
        # Werkzeug's conditional answers add a Date; the HTTP server (gunicorn, Werkzeug's own) sends
        # one too, and an answer must carry one only.
        headers.pop("Date", None)
        return response
