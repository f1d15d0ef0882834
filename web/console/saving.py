"""Saving the console's edits (the fleet's latest document edited with tomlkit, checked, saved as the
next version), and the history of versions with their diffs and restore."""

from __future__ import annotations

from collections.abc import Callable
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

from generators.datafile import CampaignError, DataError
from web.console import DOWN, _route, check_csrf, current, here, staff_name, store
from web.context import campaign, now, script_of_path, use_script
from web.fleetstore import Version, VersionMoved, checked, diff
from web.live import live
from web.state import StateUnavailable

#: Blank rows a form offers for new slides or day parts.
BLANK_ROWS = 3


def base_version() -> int:
    try:
        return int(request.form.get("base", ""))
    except ValueError:
        abort(400, "表單缺少它所依據的版本（base）。")


def save(
    document: str, name: str, reason: str,
    on_error: Callable[[list[DataError], Version | None], Any], base: int | None = None,
) -> Any:  # fmt: skip
    """Check a fleet document and save it as the next version: the overview, or ``on_error`` with the
    loader's errors or the version that came first (a moved-on fleet)."""
    base = base_version() if base is None else base
    try:
        checked(document, campaign(), "the form")
    except CampaignError as exc:
        return on_error(list(exc.errors), None)
    given = request.form.get("reason", "").strip()
    try:
        saved = store().save(document, name, given or reason, base, now())
    except VersionMoved as exc:
        return on_error([], exc.latest)
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        abort(503, DOWN)
    watched = live(current_app)
    if watched is not None:
        watched.refresh(force=True)  # this process serves it at once; the others within a second
    return redirect(here(f"?saved={saved.number}"), 303)


def document_of(version: Version) -> tomlkit.TOMLDocument:
    return tomlkit.parse(version.document)


def tables_of(document: tomlkit.TOMLDocument, name: str) -> tomlkit.items.AoT:
    found = document.get(name)
    if not isinstance(found, tomlkit.items.AoT):
        found = tomlkit.aot()
        document[name] = found
    return found


def drop(document: tomlkit.TOMLDocument, name: str, matches: Callable[[tomlkit.items.Table], bool]) -> None:
    """Remove the ``[[name]]`` tables of a document that ``matches`` picks, keeping the rest as they are."""
    kept = tomlkit.aot()
    for table in tables_of(document, name):
        if not matches(table):
            kept.append(table)
    document[name] = kept


def find(tables: tomlkit.items.AoT, ident: str) -> tomlkit.items.Table | None:
    return next((t for t in tables if t.get("id") == ident), None)


def inline(values: dict[str, Any]) -> tomlkit.items.InlineTable:
    table = tomlkit.inline_table()
    table.update(values)
    return table


def form_rows(names: tuple[str, ...]) -> list[dict[str, str]]:
    """The numbered rows of a form (``show_0``, ``seconds_0``…), as typed, blank rows left out."""
    found = []
    for n in range(200):
        row = {k: request.form.get(f"{k}_{n}", "").strip() for k in names}
        if f"{names[0]}_{n}" not in request.form:
            break
        if any(row.values()):
            found.append(row)
    return found


def moved_diff(base: int, latest: Version | None) -> list[str]:
    if latest is None:
        return []
    before = store().get(base)
    return diff(before.document if before else "", latest.document,
                before.name if before else "(nothing)", latest.name)  # fmt: skip


# --- screens --------------------------------------------------------------------------------------


@_route("/history", methods=["GET"])
def history() -> str:
    use_script(script_of_path())
    staff_name()
    return render_template("console/history.html", versions=store().history(limit=200))


@_route("/history/<int:number>", methods=["GET"])
def version_page(number: int) -> str:
    use_script(script_of_path())
    staff_name()
    version = store().get(number)
    if version is None:
        abort(404, f"沒有第 {number} 版。")
    before = store().get(number - 1) if number > 1 else None
    lines = diff(before.document if before else "", version.document,
                 before.name if before else "(nothing)", version.name)  # fmt: skip
    return render_template("console/version.html", version=version, lines=lines, latest=current())


@_route("/history/<int:number>/restore", methods=["POST"])
def restore(number: int) -> Any:
    name = staff_name()
    check_csrf()
    version = store().get(number)
    if version is None:
        abort(404, f"沒有第 {number} 版。")
    return save(version.document, name, f"restored version {number}", on_error=lambda problems, moved: (
        render_template("console/version.html", version=version, latest=current(), problems=problems,
                        moved=moved, lines=[]), 409 if moved else 422))  # fmt: skip


# --- saving ---------------------------------------------------------------------------------------
