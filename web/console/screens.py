"""The console's screens: add, edit, remove, their keys, reloads and a preview of what each shows."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import tomlkit
import tomlkit.items
from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
)
from werkzeug.wrappers import Response as BaseResponse

from generators.datafile import ID, DataError
from generators.fleet import KIOSK_FORMATS, Screen, days_text
from generators.programme import periods, showing_at, slides
from generators.script import SCRIPTS
from web import screenkeys
from web.calendar import qr_code
from web.console import _route, check_csrf, current, here, served_fleet, staff_name
from web.console.saving import (
    BLANK_ROWS,
    base_version,
    document_of,
    drop,
    find,
    form_rows,
    inline,
    moved_diff,
    save,
    tables_of,
)
from web.context import base_url, campaign, now, script_of_path, use_script
from web.fleetstore import Version
from web.kiosk import state
from web.posters import poster_urls
from web.state import StateUnavailable

#: A screen's name and location, at most (the dashboard's and the kiosk page's).
NAME_CHARS, LOCATION_CHARS = 40, 60


def _screen_form(screen: Screen | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    fleet = served_fleet()
    if values is None:
        values = {"id": "", "name": "", "location": "", "format": KIOSK_FORMATS[0], "script": "hant",
                  "programme": next(iter(fleet.programmes), ""), "dayparts": []}  # fmt: skip
        if screen is not None:
            values = {
                "id": screen.id, "name": screen.name, "location": screen.location, "format": screen.format,
                "script": screen.script, "programme": screen.programme,
                "dayparts": [
                    {"days": days_text(p.days), "from": p.start.strftime("%H:%M"),
                     "to": p.end.strftime("%H:%M") if p.end else "24:00", "programme": p.programme}
                    for p in screen.dayparts
                ],
            }  # fmt: skip
    return {"screen": screen, "values": values, "formats": KIOSK_FORMATS, "scripts": SCRIPTS,
            "programmes": list(fleet.programmes), "blank": BLANK_ROWS}  # fmt: skip


def _screen_or_404(screen_id: str) -> Screen:
    try:
        return served_fleet().screen(screen_id)
    except KeyError:
        abort(404, f"沒有資訊屏 {screen_id!r}。")


@_route("/screens/new", methods=["GET"])
def new_screen() -> str:
    use_script(script_of_path())
    staff_name()
    return render_template("console/screen.html", **_screen_form(None), version=current(), problems=[])


@_route("/screens/<screen_id>", methods=["GET"])
def edit_screen(screen_id: str) -> str:
    use_script(script_of_path())
    staff_name()
    return render_template(
        "console/screen.html", **_screen_form(_screen_or_404(screen_id)), version=current(), problems=[]
    )


@_route("/screens/new", methods=["POST"])
def add_screen() -> Any:
    return _save_screen(None)


@_route("/screens/<screen_id>", methods=["POST"])
def save_screen(screen_id: str) -> Any:
    return _save_screen(_screen_or_404(screen_id))


def _save_screen(screen: Screen | None) -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    form = request.form
    values: dict[str, Any] = {
        k: form.get(k, "").strip() for k in ("id", "name", "location", "format", "script", "programme")
    }
    values["dayparts"] = form_rows(("days", "from", "to", "programme_part"))
    for part in values["dayparts"]:
        part["programme"] = part.pop("programme_part")
    if screen is not None:
        values["id"] = screen.id
    problems = _screen_problems(values, creating=screen is None)
    base = base_version()
    latest = current()
    document = document_of(latest)
    tables = tables_of(document, "screen")
    table = find(tables, values["id"])
    if screen is None and table is not None:
        problems.append(DataError("the form", f"there is a screen {values['id']!r} already", field="id"))
    if screen is not None and table is None:
        problems.append(DataError("the form", "this screen was removed meanwhile", field="id"))
    if problems:
        return _screen_refused(screen, values, problems, None, base)
    if table is None:
        table = tomlkit.table()
        table["id"] = values["id"]
        tables.append(table)
    for key in ("name", "location", "format", "script", "programme"):
        table[key] = values[key]
    if values["dayparts"]:
        parts = tomlkit.array()
        parts.multiline(True)
        for part in values["dayparts"]:
            parts.append(inline(part))
        table["dayparts"] = parts
    elif "dayparts" in table:
        del table["dayparts"]
    reason = f"{'added' if screen is None else 'edited'} screen {values['id']}"

    def refused(found: list[DataError], moved: Version | None) -> Any:
        return _screen_refused(screen, values, found, moved, base)

    return save(tomlkit.dumps(document), name, reason, base=base, on_error=refused)


def _screen_problems(values: dict[str, Any], *, creating: bool) -> list[DataError]:
    """What the loader would not say in the form's own words: the bounds of the typed text."""
    found = []
    if creating and not ID.match(values["id"] or "-"):
        found.append(
            DataError(
                "the form",
                "an id is lower-case ASCII letters and digits in words joined by hyphens (lobby-3f)",
                field="id",
            )
        )
    if not values["name"] or len(values["name"]) > NAME_CHARS:
        found.append(DataError("the form", f"a name has 1 to {NAME_CHARS} characters", field="name"))
    if not values["location"] or len(values["location"]) > LOCATION_CHARS:
        found.append(
            DataError("the form", f"a location has 1 to {LOCATION_CHARS} characters", field="location")
        )
    return found


def _screen_refused(
    screen: Screen | None, values: dict[str, Any], problems: list[DataError], moved: Version | None, base: int
) -> Any:
    context = _screen_form(screen, values)
    latest = moved or current()
    page = render_template(
        "console/screen.html", **context, version=latest, problems=problems, moved=moved,
        moved_lines=moved_diff(base, moved),
    )  # fmt: skip
    return page, 409 if moved else 422


@_route("/screens/<screen_id>/remove", methods=["POST"])
def remove_screen(screen_id: str) -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    screen = _screen_or_404(screen_id)
    document = document_of(current())
    drop(document, "screen", lambda table: table.get("id") == screen.id)

    def refused(problems: list[DataError], moved: Version | None) -> Any:
        page = render_template(
            "console/screen.html", **_screen_form(screen), version=moved or current(), problems=problems,
            moved=moved, moved_lines=moved_diff(base_version(), moved),
        )  # fmt: skip
        return page, 409 if moved else 422

    answer = save(tomlkit.dumps(document), name, f"removed screen {screen.id}", on_error=refused)
    if getattr(answer, "status_code", 0) == 303:
        with contextlib.suppress(StateUnavailable):
            screenkeys.forget(state(), screen.id)
    return answer


@_route("/screens/<screen_id>/key", methods=["POST"])
def renew_key(screen_id: str) -> Any:
    """A new key for a screen, shown this once, with its kiosk URL and the URL's QR code."""
    use_script(script_of_path())
    staff_name()
    check_csrf()
    screen = _screen_or_404(screen_id)
    key = screenkeys.new_key(state(), screen.id, now())
    url = f"{base_url()}kiosk/{screen.id}#key={key}"
    page = render_template("console/key.html", screen=screen, url=url, qr=qr_code(url, screen.name))
    response = current_app.make_response(page)
    response.cache_control.no_store = True
    return response


@_route("/screens/<screen_id>/reload", methods=["POST"])
def reload_screen(screen_id: str) -> BaseResponse:
    staff_name()
    check_csrf()
    state().reload(_screen_or_404(screen_id).id)
    return redirect(here(f"?reloaded={screen_id}"), 303)


@_route("/reload", methods=["POST"])
def reload_all() -> BaseResponse:
    staff_name()
    check_csrf()
    state().reload_all([screen.id for screen in served_fleet().screens])
    return redirect(here("?reloaded=all"), 303)


@_route("/screens/<screen_id>/preview", methods=["GET"])
def preview(screen_id: str) -> str:
    """What a screen shows now, and its programmes over the next 24 hours with each one's slides."""
    use_script(script_of_path())
    staff_name()
    screen = _screen_or_404(screen_id)
    fleet, loaded, moment = served_fleet(), campaign(), now()
    zone = loaded.timezone
    local = moment.astimezone(zone)
    blocks = []
    for day in (local.date(), local.date() + dt.timedelta(days=1)):
        for period in periods(fleet, screen, day, zone):
            if period.end <= moment or period.start >= moment + dt.timedelta(hours=24):
                continue
            start, end = max(period.start, moment), min(period.end, moment + dt.timedelta(hours=24))
            blocks.append({
                "start": start.astimezone(zone), "end": end.astimezone(zone), "programme": period.programme,
                "slides": slides(fleet, loaded, period.programme, day),
            })  # fmt: skip
    merged: list[dict[str, Any]] = []
    for block in blocks:
        if merged and merged[-1]["programme"] == block["programme"] and merged[-1]["end"] == block["start"]:
            merged[-1]["end"] = block["end"]
        else:
            merged.append(block)
    return render_template(
        "console/preview.html", screen=screen, now=showing_at(fleet, loaded, screen, moment), local=local,
        blocks=merged, images=dict(poster_urls(screen.format, screen.script)),
    )  # fmt: skip


# --- programmes and special days -----------------------------------------------------------------
