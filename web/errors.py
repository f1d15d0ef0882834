"""Errors as answers: a clear 4xx for a bad request, JSON for the JSON routes, never a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.path == "/healthz"


def _answer(error: HTTPException) -> Response:
    code = error.code or 500
    if _wants_json():
        response = jsonify(error={"code": code, "name": error.name, "message": error.description})
        response.status_code = code
        return response
    return error.get_response()


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _answer)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error on %s", request.path)
        return _answer(InternalServerError())
