"""The console's programmes (their slides) and special days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import tomlkit
import tomlkit.items
from flask import (
    abort,
    render_template,
    request,
)

from generators.datafile import ID, DataError
from generators.fleet import MAX_SECONDS, MIN_SECONDS, SHOWS
from generators.posters import designs
from web.console import _route, check_csrf, current, served_fleet, staff_name
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
from web.context import campaign, script_of_path, use_script
from web.fleetstore import Version


def _programme_form(programme_id: str | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    fleet = served_fleet()
    if values is None:
        values = {"id": programme_id or "", "slides": []}
        if programme_id is not None:
            values["slides"] = [
                {"show": s.show, "seconds": str(s.seconds), "design": s.design or "", "order": str(n + 1)}
                for n, s in enumerate(fleet.programmes[programme_id].slides)
            ]
    loaded = campaign()
    shows = [*SHOWS, *(s.design for s in loaded.slogans)]
    return {"programme_id": programme_id, "values": values, "shows": shows, "blank": BLANK_ROWS,
            "designs": [d.id for d in designs(loaded)], "min_seconds": MIN_SECONDS,
            "max_seconds": MAX_SECONDS,
            "specials": sorted(fleet.specials.items()), "programmes": list(fleet.programmes)}  # fmt: skip


@_route("/programmes", methods=["GET"])
def programmes() -> str:
    use_script(script_of_path())
    staff_name()
    return render_template("console/programmes.html", **_programme_form(None), fleet=served_fleet(),
                           version=current(), problems=[])  # fmt: skip


@_route("/programmes/new", methods=["GET"])
def new_programme() -> str:
    use_script(script_of_path())
    staff_name()
    return render_template("console/programme.html", **_programme_form(None), version=current(), problems=[])


@_route("/programmes/<programme_id>", methods=["GET"])
def edit_programme(programme_id: str) -> str:
    use_script(script_of_path())
    staff_name()
    if programme_id not in served_fleet().programmes:
        abort(404, f"沒有節目 {programme_id!r}。")
    return render_template(
        "console/programme.html", **_programme_form(programme_id), version=current(), problems=[]
    )


@_route("/programmes/new", methods=["POST"])
def add_programme() -> Any:
    return _save_programme(None)


@_route("/programmes/<programme_id>", methods=["POST"])
def save_programme(programme_id: str) -> Any:
    if programme_id not in served_fleet().programmes:
        abort(404, f"沒有節目 {programme_id!r}。")
    return _save_programme(programme_id)


def _slides(rows: list[dict[str, str]], problems: list[DataError]) -> list[dict[str, Any]]:
    """The form's slide rows as the document's slides, in the order their "order" numbers give (a row
    without one keeps its place); a number of seconds that is not one is a problem."""
    found = []
    for n, row in enumerate(rows, 1):
        try:
            seconds = int(row["seconds"])
        except ValueError:
            reason = f"slide {n}: seconds {row['seconds']!r} is not a whole number"
            problems.append(DataError("the form", reason, field="slides"))
            continue
        try:
            order = float(row["order"]) if row["order"] else float(n)
        except ValueError:
            order = float(n)
        slide: dict[str, Any] = {"show": row["show"]}
        if row["design"]:
            slide["design"] = row["design"]
        slide["seconds"] = seconds
        found.append((order, n, slide))
    return [slide for _, _, slide in sorted(found, key=lambda s: (s[0], s[1]))]


def _save_programme(programme_id: str | None) -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    ident = programme_id or request.form.get("id", "").strip()
    rows = form_rows(("show", "seconds", "design", "order"))
    values = {"id": ident, "slides": rows}
    problems = []
    if programme_id is None and not ID.match(ident or "-"):
        problems.append(
            DataError(
                "the form",
                "an id is lower-case ASCII letters and digits in words joined by hyphens",
                field="id",
            )
        )
    slides_out = _slides(rows, problems)
    base = base_version()
    document = document_of(current())
    tables = tables_of(document, "programme")
    table = find(tables, ident)
    if programme_id is None and table is not None:
        problems.append(DataError("the form", f"there is a programme {ident!r} already", field="id"))

    def refused(found: list[DataError], moved: Version | None) -> Any:
        page = render_template("console/programme.html", **_programme_form(programme_id, values),
                               version=moved or current(), problems=found, moved=moved,
                               moved_lines=moved_diff(base, moved))  # fmt: skip
        return page, 409 if moved else 422

    if problems:
        return refused(problems, None)
    if table is None:
        table = tomlkit.table()
        table["id"] = ident
        tables.append(table)
    array = tomlkit.array()
    array.multiline(True)
    for slide in slides_out:
        array.append(inline(slide))
    table["slides"] = array
    reason = f"{'added' if programme_id is None else 'edited'} programme {ident}"
    return save(tomlkit.dumps(document), name, reason, on_error=refused, base=base)


@_route("/programmes/<programme_id>/remove", methods=["POST"])
def remove_programme(programme_id: str) -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    document = document_of(current())
    drop(document, "programme", lambda table: table.get("id") == programme_id)
    return save(
        tomlkit.dumps(document), name, f"removed programme {programme_id}", on_error=_programmes_refused
    )


def _programmes_refused(problems: list[DataError], moved: Version | None) -> Any:
    page = render_template("console/programmes.html", **_programme_form(None), fleet=served_fleet(),
                           version=moved or current(), problems=problems, moved=moved,
                           moved_lines=moved_diff(base_version(), moved))  # fmt: skip
    return page, 409 if moved else 422


@_route("/specials", methods=["POST"])
def add_special() -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    day_text, programme = request.form.get("date", "").strip(), request.form.get("programme", "").strip()
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return _programmes_refused(
            [DataError("the form", f"date {day_text!r} is not a date (YYYY-MM-DD)", field="date")], None
        )
    document = document_of(current())
    table = tomlkit.table()
    table["date"] = day
    table["programme"] = programme
    tables_of(document, "special").append(table)
    return save(
        tomlkit.dumps(document), name, f"special day {day}: {programme}", on_error=_programmes_refused
    )


@_route("/specials/<day>/remove", methods=["POST"])
def remove_special(day: str) -> Any:
    use_script(script_of_path())
    name = staff_name()
    check_csrf()
    document = document_of(current())
    drop(document, "special", lambda table: str(table.get("date")) == day)
    return save(tomlkit.dumps(document), name, f"removed special day {day}", on_error=_programmes_refused)


# --- the app --------------------------------------------------------------------------------------
