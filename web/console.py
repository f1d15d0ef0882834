"""The staff console, ``/console`` (and ``/hans/console``): run the screens live, without editing TOML
or restarting.

Behind sign-in: staff accounts in the state database (web/staff.py), a session cookie (HttpOnly,
SameSite=Strict, Secure over https, signed with ``SECRET_KEY`` or a key the state database keeps for
every machine of the site), a CSRF token in every form, and at most ten failed sign-ins a minute from
one address or for one name. Every page works without JavaScript.

Every change is an edit of the fleet's latest document (screens.toml's form, comments kept, with
tomlkit), checked by the fleet loader before anything is saved, and saved as the next version with who,
when and why (web/fleetstore.py). A form carries the version it was made from: if another save came
first, the form comes back with the other change's diff and nothing is lost. A saved version reaches
every process within a second or two (web/live.py) and so every kiosk page (its programme's version
changes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from typing import Any

import tomlkit
import tomlkit.items
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException, TooManyRequests
from werkzeug.wrappers import Response as BaseResponse

from generators.datafile import ID, CampaignError, DataError
from generators.fleet import KIOSK_FORMATS, MAX_SECONDS, MIN_SECONDS, SHOWS, Fleet, Screen
from generators.posters import designs
from generators.programme import online, periods, showing_at, slides
from generators.script import SCRIPTS
from generators.wording import WEEKDAY_KEYS
from web import screenkeys
from web import staff as accounts
from web.calendar import qr_code
from web.context import base_url, campaign, now, root, script_of_path, use_script
from web.errors import _answer
from web.fleetstore import FleetStore, Version, VersionMoved, checked, diff
from web.kiosk import Failures, state
from web.live import live
from web.posters import poster_urls
from web.state import State, StateUnavailable

bp = Blueprint("console", __name__)

#: How long a sign-in lasts.
SESSION_HOURS = 12
#: Blank rows a form offers for new slides or day parts.
BLANK_ROWS = 3
#: A screen's name and location, at most (the dashboard's and the kiosk page's).
NAME_CHARS, LOCATION_CHARS = 40, 60


class _Session(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or bool(app.config.get("SESSION_COOKIE_SECURE"))


def _store() -> FleetStore:
    return FleetStore(state())


def _route(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view at ``/console…`` and at ``/hans/console…``."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule("/console" + rule, view.__name__, view, **options)
        bp.add_url_rule("/hans/console" + rule, view.__name__ + "_hans", view, **options)
        return view

    return register


def here(path: str = "") -> str:
    """A console path in this page's script."""
    return root(script_of_path()) + "console" + path


# --- sign-in, sessions, CSRF ----------------------------------------------------------------------


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _check_csrf() -> None:
    given, expected = request.form.get("csrf", ""), session.get("csrf", "")
    if not given or not expected or not hmac.compare_digest(given, expected):
        abort(400, "這個表單的安全碼不對或已過期（CSRF）：請重新打開頁面再試。")


def signed_in() -> str | None:
    """The staff name of this session, if its account still exists."""
    name = session.get("staff")
    if not isinstance(name, str):
        return None
    try:
        if not accounts.exists(state(), name):
            session.clear()
            return None
    except StateUnavailable:
        return None
    return name


def _staff() -> str:
    """The signed-in name, for a change: the sign-in page otherwise (as 401)."""
    name = signed_in()
    if name is None:
        abort(401, "請先登入控制台。")
    return name


def _failures() -> Failures:
    found: Failures = current_app.extensions["console_failures"]
    return found


@_route("", methods=["GET"])
def index() -> Any:
    use_script(script_of_path())
    database = _database_problem()
    if signed_in() is None:
        return render_template("console/sign_in.html", problem=None, database=database)
    return render_template("console/index.html", **_overview(), database=database)


@_route("/sign-in", methods=["POST"])
def sign_in() -> Any:
    use_script(script_of_path())
    _check_csrf()
    name, password = request.form.get("name", ""), request.form.get("password", "")
    moment = now()
    client = request.remote_addr or "?"
    failures = _failures()
    if failures.blocked(client, moment) or failures.blocked("name:" + name, moment):
        error = TooManyRequests("登入失敗太多次：請一分鐘後再試。")
        response = current_app.make_response(
            (render_template("console/sign_in.html", problem=error.description, database=None), 429)
        )
        response.headers["Retry-After"] = "60"
        return response
    try:
        good = accounts.verify(state(), name, password)
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        return render_template("console/sign_in.html", problem=None, database=_DOWN), 503
    if not good:
        failures.add(client, moment)
        failures.add("name:" + name, moment)
        return render_template("console/sign_in.html", problem="名稱或密碼不對。", database=None), 401
    session.clear()  # a new session: nothing of the one before the sign-in is kept
    session.permanent = True
    session["staff"] = name
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect(here(), 303)


@_route("/sign-out", methods=["POST"])
def sign_out() -> BaseResponse:
    _check_csrf()
    session.clear()
    return redirect(here(), 303)


_DOWN = "狀態資料庫現在無法使用：控制台不能儲存修改；資訊屏照舊播放已取得的節目。"


def _database_problem() -> str | None:
    watched = live(current_app)
    if watched is not None and watched.database_error:
        return _DOWN
    try:
        state().run(lambda engine: engine.connect().close())
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        return _DOWN
    return None


# --- what the console shows -----------------------------------------------------------------------


def _fleet() -> Fleet:
    campaign()  # the data checked for changes
    found: Fleet | None = current_app.extensions.get("fleet")
    if found is None:
        abort(404, "這個網站沒有資訊屏（data/screens.toml）。")
    return found


def _current() -> Version:
    try:
        version = _store().latest()
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        abort(503, _DOWN)
    if version is None:
        abort(404, "狀態資料庫裏還沒有資訊屏的設定。")
    return version


def _overview() -> dict[str, Any]:
    fleet = _fleet()
    version = _current()
    moment = now()
    try:
        rows = state().rows()
        keys = screenkeys.made(state())
    except StateUnavailable:
        rows, keys = {}, {}
    screens = []
    for screen in fleet.screens:
        seen = rows.get(screen.id, {}).get("last_seen")
        last_seen = dt.datetime.fromtimestamp(seen, dt.UTC) if seen else None
        screens.append(
            {"screen": screen, "online": online(last_seen, moment), "key": keys.get(screen.id),
             "showing": rows.get(screen.id, {}).get("showing")}
        )  # fmt: skip
    watched = live(current_app)
    return {
        "fleet": fleet, "version": version, "screens": screens,
        "errors": watched.errors() if watched else [], "saved": request.args.get("saved"),
    }  # fmt: skip


@_route("/history", methods=["GET"])
def history() -> str:
    use_script(script_of_path())
    _staff()
    return render_template("console/history.html", versions=_store().history(limit=200))


@_route("/history/<int:number>", methods=["GET"])
def version_page(number: int) -> str:
    use_script(script_of_path())
    _staff()
    version = _store().get(number)
    if version is None:
        abort(404, f"沒有第 {number} 版。")
    before = _store().get(number - 1) if number > 1 else None
    lines = diff(before.document if before else "", version.document,
                 before.name if before else "(nothing)", version.name)  # fmt: skip
    return render_template("console/version.html", version=version, lines=lines, latest=_current())


@_route("/history/<int:number>/restore", methods=["POST"])
def restore(number: int) -> Any:
    name = _staff()
    _check_csrf()
    version = _store().get(number)
    if version is None:
        abort(404, f"沒有第 {number} 版。")
    return _save(version.document, name, f"restored version {number}", on_error=lambda problems, moved: (
        render_template("console/version.html", version=version, latest=_current(), problems=problems,
                        moved=moved, lines=[]), 409 if moved else 422))  # fmt: skip


# --- saving ---------------------------------------------------------------------------------------


def _base() -> int:
    try:
        return int(request.form.get("base", ""))
    except ValueError:
        abort(400, "表單缺少它所依據的版本（base）。")


def _save(
    document: str, name: str, reason: str,
    on_error: Callable[[list[DataError], Version | None], Any], base: int | None = None,
) -> Any:  # fmt: skip
    """Check a fleet document and save it as the next version: the overview, or ``on_error`` with the
    loader's errors or the version that came first (a moved-on fleet)."""
    base = _base() if base is None else base
    try:
        checked(document, campaign(), "the form")
    except CampaignError as exc:
        return on_error(list(exc.errors), None)
    given = request.form.get("reason", "").strip()
    try:
        saved = _store().save(document, name, given or reason, base, now())
    except VersionMoved as exc:
        return on_error([], exc.latest)
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        abort(503, _DOWN)
    watched = live(current_app)
    if watched is not None:
        watched.refresh(force=True)  # this process serves it at once; the others within a second
    return redirect(here(f"?saved={saved.number}"), 303)


def _document(version: Version) -> tomlkit.TOMLDocument:
    return tomlkit.parse(version.document)


def _tables(document: tomlkit.TOMLDocument, name: str) -> tomlkit.items.AoT:
    found = document.get(name)
    if not isinstance(found, tomlkit.items.AoT):
        found = tomlkit.aot()
        document[name] = found
    return found


def _find(tables: tomlkit.items.AoT, ident: str) -> tomlkit.items.Table | None:
    return next((t for t in tables if t.get("id") == ident), None)


def _inline(values: dict[str, Any]) -> tomlkit.items.InlineTable:
    table = tomlkit.inline_table()
    table.update(values)
    return table


def _rows(names: tuple[str, ...]) -> list[dict[str, str]]:
    """The numbered rows of a form (``show_0``, ``seconds_0``…), as typed, blank rows left out."""
    found = []
    for n in range(200):
        row = {k: request.form.get(f"{k}_{n}", "").strip() for k in names}
        if f"{names[0]}_{n}" not in request.form:
            break
        if any(row.values()):
            found.append(row)
    return found


def _moved_diff(base: int, latest: Version | None) -> list[str]:
    if latest is None:
        return []
    before = _store().get(base)
    return diff(before.document if before else "", latest.document,
                before.name if before else "(nothing)", latest.name)  # fmt: skip


# --- screens --------------------------------------------------------------------------------------


def _screen_form(screen: Screen | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    fleet = _fleet()
    if values is None:
        values = {"id": "", "name": "", "location": "", "format": KIOSK_FORMATS[0], "script": "hant",
                  "programme": next(iter(fleet.programmes), ""), "dayparts": []}  # fmt: skip
        if screen is not None:
            values = {
                "id": screen.id, "name": screen.name, "location": screen.location, "format": screen.format,
                "script": screen.script, "programme": screen.programme,
                "dayparts": [
                    {"days": _days_text(p.days), "from": p.start.strftime("%H:%M"),
                     "to": p.end.strftime("%H:%M") if p.end else "24:00", "programme": p.programme}
                    for p in screen.dayparts
                ],
            }  # fmt: skip
    return {"screen": screen, "values": values, "formats": KIOSK_FORMATS, "scripts": SCRIPTS,
            "programmes": list(fleet.programmes), "blank": BLANK_ROWS}  # fmt: skip


def _days_text(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"{WEEKDAY_KEYS[ordered[0]]}-{WEEKDAY_KEYS[ordered[-1]]}"
    return ",".join(WEEKDAY_KEYS[d] for d in ordered)


def _screen_or_404(screen_id: str) -> Screen:
    try:
        return _fleet().screen(screen_id)
    except KeyError:
        abort(404, f"沒有資訊屏 {screen_id!r}。")


@_route("/screens/new", methods=["GET"])
def new_screen() -> str:
    use_script(script_of_path())
    _staff()
    return render_template("console/screen.html", **_screen_form(None), version=_current(), problems=[])


@_route("/screens/<screen_id>", methods=["GET"])
def edit_screen(screen_id: str) -> str:
    use_script(script_of_path())
    _staff()
    return render_template(
        "console/screen.html", **_screen_form(_screen_or_404(screen_id)), version=_current(), problems=[]
    )


@_route("/screens/new", methods=["POST"])
def add_screen() -> Any:
    return _save_screen(None)


@_route("/screens/<screen_id>", methods=["POST"])
def save_screen(screen_id: str) -> Any:
    return _save_screen(_screen_or_404(screen_id))


def _save_screen(screen: Screen | None) -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    form = request.form
    values: dict[str, Any] = {
        k: form.get(k, "").strip() for k in ("id", "name", "location", "format", "script", "programme")
    }
    values["dayparts"] = _rows(("days", "from", "to", "programme_part"))
    for part in values["dayparts"]:
        part["programme"] = part.pop("programme_part")
    if screen is not None:
        values["id"] = screen.id
    problems = _screen_problems(values, creating=screen is None)
    base = _base()
    latest = _current()
    document = _document(latest)
    tables = _tables(document, "screen")
    table = _find(tables, values["id"])
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
            parts.append(_inline(part))
        table["dayparts"] = parts
    elif "dayparts" in table:
        del table["dayparts"]
    reason = f"{'added' if screen is None else 'edited'} screen {values['id']}"

    def refused(found: list[DataError], moved: Version | None) -> Any:
        return _screen_refused(screen, values, found, moved, base)

    return _save(tomlkit.dumps(document), name, reason, base=base, on_error=refused)


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
    latest = moved or _current()
    page = render_template(
        "console/screen.html", **context, version=latest, problems=problems, moved=moved,
        moved_lines=_moved_diff(base, moved),
    )  # fmt: skip
    return page, 409 if moved else 422


@_route("/screens/<screen_id>/remove", methods=["POST"])
def remove_screen(screen_id: str) -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    screen = _screen_or_404(screen_id)
    document = _document(_current())
    tables = _tables(document, "screen")
    kept = tomlkit.aot()
    for table in tables:
        if table.get("id") != screen.id:
            kept.append(table)
    document["screen"] = kept

    def refused(problems: list[DataError], moved: Version | None) -> Any:
        page = render_template(
            "console/screen.html", **_screen_form(screen), version=moved or _current(), problems=problems,
            moved=moved, moved_lines=_moved_diff(_base(), moved),
        )  # fmt: skip
        return page, 409 if moved else 422

    answer = _save(tomlkit.dumps(document), name, f"removed screen {screen.id}", on_error=refused)
    if getattr(answer, "status_code", 0) == 303:
        with contextlib.suppress(StateUnavailable):
            screenkeys.forget(state(), screen.id)
    return answer


@_route("/screens/<screen_id>/key", methods=["POST"])
def renew_key(screen_id: str) -> Any:
    """A new key for a screen, shown this once, with its kiosk URL and the URL's QR code."""
    use_script(script_of_path())
    _staff()
    _check_csrf()
    screen = _screen_or_404(screen_id)
    key = screenkeys.new_key(state(), screen.id, now())
    url = f"{base_url()}kiosk/{screen.id}#key={key}"
    page = render_template("console/key.html", screen=screen, url=url, qr=qr_code(url, screen.name))
    response = current_app.make_response(page)
    response.cache_control.no_store = True
    return response


@_route("/screens/<screen_id>/reload", methods=["POST"])
def reload_screen(screen_id: str) -> BaseResponse:
    _staff()
    _check_csrf()
    state().reload(_screen_or_404(screen_id).id)
    return redirect(here(f"?reloaded={screen_id}"), 303)


@_route("/reload", methods=["POST"])
def reload_all() -> BaseResponse:
    _staff()
    _check_csrf()
    for screen in _fleet().screens:
        state().reload(screen.id)
    return redirect(here("?reloaded=all"), 303)


@_route("/screens/<screen_id>/preview", methods=["GET"])
def preview(screen_id: str) -> str:
    """What a screen shows now, and its programmes over the next 24 hours with each one's slides."""
    use_script(script_of_path())
    _staff()
    screen = _screen_or_404(screen_id)
    fleet, loaded, moment = _fleet(), campaign(), now()
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


def _programme_form(programme_id: str | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    fleet = _fleet()
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
    _staff()
    return render_template("console/programmes.html", **_programme_form(None), fleet=_fleet(),
                           version=_current(), problems=[])  # fmt: skip


@_route("/programmes/new", methods=["GET"])
def new_programme() -> str:
    use_script(script_of_path())
    _staff()
    return render_template("console/programme.html", **_programme_form(None), version=_current(), problems=[])


@_route("/programmes/<programme_id>", methods=["GET"])
def edit_programme(programme_id: str) -> str:
    use_script(script_of_path())
    _staff()
    if programme_id not in _fleet().programmes:
        abort(404, f"沒有節目 {programme_id!r}。")
    return render_template(
        "console/programme.html", **_programme_form(programme_id), version=_current(), problems=[]
    )


@_route("/programmes/new", methods=["POST"])
def add_programme() -> Any:
    return _save_programme(None)


@_route("/programmes/<programme_id>", methods=["POST"])
def save_programme(programme_id: str) -> Any:
    if programme_id not in _fleet().programmes:
        abort(404, f"沒有節目 {programme_id!r}。")
    return _save_programme(programme_id)


def _save_programme(programme_id: str | None) -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    ident = programme_id or request.form.get("id", "").strip()
    rows = _rows(("show", "seconds", "design", "order"))
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
    slides_out = []
    for n, row in enumerate(rows, 1):
        try:
            seconds = int(row["seconds"])
        except ValueError:
            problems.append(
                DataError(
                    "the form", f"slide {n}: seconds {row['seconds']!r} is not a whole number", field="slides"
                )
            )
            continue
        try:
            order = float(row["order"]) if row["order"] else float(n)
        except ValueError:
            order = float(n)
        slide: dict[str, Any] = {"show": row["show"]}
        if row["design"]:
            slide["design"] = row["design"]
        slide["seconds"] = seconds
        slides_out.append((order, n, slide))
    base = _base()
    document = _document(_current())
    tables = _tables(document, "programme")
    table = _find(tables, ident)
    if programme_id is None and table is not None:
        problems.append(DataError("the form", f"there is a programme {ident!r} already", field="id"))

    def refused(found: list[DataError], moved: Version | None) -> Any:
        page = render_template("console/programme.html", **_programme_form(programme_id, values),
                               version=moved or _current(), problems=found, moved=moved,
                               moved_lines=_moved_diff(base, moved))  # fmt: skip
        return page, 409 if moved else 422

    if problems:
        return refused(problems, None)
    if table is None:
        table = tomlkit.table()
        table["id"] = ident
        tables.append(table)
    array = tomlkit.array()
    array.multiline(True)
    for _, _, slide in sorted(slides_out, key=lambda s: (s[0], s[1])):
        array.append(_inline(slide))
    table["slides"] = array
    reason = f"{'added' if programme_id is None else 'edited'} programme {ident}"
    return _save(tomlkit.dumps(document), name, reason, on_error=refused, base=base)


@_route("/programmes/<programme_id>/remove", methods=["POST"])
def remove_programme(programme_id: str) -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    document = _document(_current())
    kept = tomlkit.aot()
    for table in _tables(document, "programme"):
        if table.get("id") != programme_id:
            kept.append(table)
    document["programme"] = kept
    return _save(
        tomlkit.dumps(document), name, f"removed programme {programme_id}", on_error=_programmes_refused
    )


def _programmes_refused(problems: list[DataError], moved: Version | None) -> Any:
    page = render_template("console/programmes.html", **_programme_form(None), fleet=_fleet(),
                           version=moved or _current(), problems=problems, moved=moved,
                           moved_lines=_moved_diff(_base(), moved))  # fmt: skip
    return page, 409 if moved else 422


@_route("/specials", methods=["POST"])
def add_special() -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    day_text, programme = request.form.get("date", "").strip(), request.form.get("programme", "").strip()
    try:
        day = dt.date.fromisoformat(day_text)
    except ValueError:
        return _programmes_refused(
            [DataError("the form", f"date {day_text!r} is not a date (YYYY-MM-DD)", field="date")], None
        )
    document = _document(_current())
    table = tomlkit.table()
    table["date"] = day
    table["programme"] = programme
    _tables(document, "special").append(table)
    return _save(
        tomlkit.dumps(document), name, f"special day {day}: {programme}", on_error=_programmes_refused
    )


@_route("/specials/<day>/remove", methods=["POST"])
def remove_special(day: str) -> Any:
    use_script(script_of_path())
    name = _staff()
    _check_csrf()
    document = _document(_current())
    kept = tomlkit.aot()
    for table in _tables(document, "special"):
        if str(table.get("date")) != day:
            kept.append(table)
    document["special"] = kept
    return _save(tomlkit.dumps(document), name, f"removed special day {day}", on_error=_programmes_refused)


# --- the app --------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    app.session_interface = _Session()
    if app.config.get("SESSION_COOKIE_NAME") in (None, "session"):  # Flask's default: name it
        app.config["SESSION_COOKIE_NAME"] = "quality_month_console"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=SESSION_HOURS)
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = screenkeys.site_secret(State(app.config["DATABASE_URL"]), "session")
        except StateUnavailable as exc:  # this process alone signs its sessions until the database is back
            app.logger.error("%s: console sessions are signed by this process's own key", exc)
            app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.extensions["console_failures"] = Failures()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["console_path"] = here
    app.jinja_env.globals["signed_in"] = signed_in
    app.register_blueprint(bp)

    @app.errorhandler(401)
    def _sign_in_first(error: HTTPException) -> Any:
        if request.blueprint == "console":
            use_script(script_of_path())
            return render_template("console/sign_in.html", problem=error.description, database=None), 401
        return _answer(error)
