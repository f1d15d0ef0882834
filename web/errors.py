"""Errors as answers: a clear 4xx for a bad request, JSON for the JSON routes, a helpful page for the
rest, never a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from generators.script import in_script
from web.context import script_of_path, use_script

#: Paths answered in plain words: the studio's files (an image URL has no page to show a refusal on).
_PLAIN = frozenset({"/studio/poster.png", "/studio/poster.pdf"})


def _wants_json() -> bool:
    return request.path.endswith((".json", ".ics")) or request.path == "/healthz"


def _answer(error: HTTPException) -> Response:
    code = error.code or 500
    response = _body(error, code)
    # What the client must know beyond the body: the methods allowed (405), when to try again (429).
    for name, value in error.get_headers():
        if name.lower() in ("allow", "retry-after") and code in (405, 429, 503):
            response.headers[name] = value
    return response


def _body(error: HTTPException, code: int) -> Response:
    if request.path in _PLAIN:
        return Response(f"{code} {error.name}: {error.description}\n", status=code, mimetype="text/plain")
    if _wants_json():
        answer: Response = jsonify(error={"code": code, "name": error.name, "message": error.description})
        answer.status_code = code
        return answer
    script = use_script(script_of_path())
    home = "回到活動日曆" if code < 500 else "稍後再試，或回到活動日曆"
    body = render_template(
        "error.html", code=code, name=error.name, message=error.description, home=in_script(home, script)
    )
    return Response(body, status=code, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _answer)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error on %s", request.path)
        return _answer(InternalServerError())
