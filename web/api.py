"""The JSON routes: ``/healthz`` and ``/activities.json``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Flask, abort, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from generators.documents import activities_document
from generators.selection import Selection
from web.context import campaign, json_response

bp = Blueprint("api", __name__)

_FILTERS = ("organizer", "organizer_kind", "kind", "date")


def selection_from_query() -> Selection:
    """The filters of the query string; 400 for a malformed or unknown one."""
    unknown = sorted(set(request.args) - set(_FILTERS))
    if unknown:
        abort(400, f"unknown query parameter {unknown[0]!r} (the filters are: {', '.join(_FILTERS)})")
    values: dict[str, Any] = {}
    for name in _FILTERS:
        given = request.args.getlist(name)
        if len(given) > 1:
            abort(400, f"{name!r} is given {len(given)} times; give it once")
        if given:
            values[name] = given[0]
    day = None
    if "date" in values:
        try:
            day = dt.date.fromisoformat(values["date"])
        except ValueError:
            abort(400, f"date {values['date']!r} is not a date (YYYY-MM-DD)")
    selection = Selection(values.get("organizer"), values.get("organizer_kind"), values.get("kind"), day)
    problems = selection.problems(campaign())
    if problems:
        abort(400, "; ".join(problems))
    return selection


@bp.get("/healthz")
def healthz() -> BaseResponse:
    loaded = campaign()
    document: dict[str, Any] = {"status": "ok", "campaign": loaded.id, "activities": len(loaded.activities)}
    errors = current_app.extensions.get("data_errors")
    if errors:
        # Still serving, on the data as it last loaded: a load balancer keeps it; a person fixes the data.
        document.update(status="degraded", serving="the last good data", data_errors=errors[:50])
    response = json_response(document, max_age=0)
    response.cache_control.no_store = True
    return response


@bp.get("/activities.json")
def activities() -> BaseResponse:
    loaded = campaign()
    selection = selection_from_query()
    return json_response(activities_document(loaded, selection.select(loaded)))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
