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

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from typing import Any

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

from generators.fleet import Fleet
from generators.programme import online
from web import screenkeys
from web import staff as accounts
from web.context import campaign, now, root, script_of_path, use_script
from web.errors import _answer
from web.fleetstore import FleetStore, Version
from web.kiosk import Failures, state
from web.live import live
from web.state import State, StateUnavailable

bp = Blueprint("console", __name__)

#: How long a sign-in lasts.
SESSION_HOURS = 12


class _Session(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or bool(app.config.get("SESSION_COOKIE_SECURE"))


def store() -> FleetStore:
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


def check_csrf() -> None:
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


def staff_name() -> str:
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
    check_csrf()
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
        return render_template("console/sign_in.html", problem=None, database=DOWN), 503
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
    check_csrf()
    session.clear()
    return redirect(here(), 303)


DOWN = "狀態資料庫現在無法使用：控制台不能儲存修改；資訊屏照舊播放已取得的節目。"


def _database_problem() -> str | None:
    watched = live(current_app)
    if watched is not None and watched.database_error:
        return DOWN
    try:
        state().run(lambda engine: engine.connect().close())
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        return DOWN
    return None


# --- what the console shows -----------------------------------------------------------------------


def served_fleet() -> Fleet:
    campaign()  # the data checked for changes
    found: Fleet | None = current_app.extensions.get("fleet")
    if found is None:
        abort(404, "這個網站沒有資訊屏（data/screens.toml）。")
    return found


def current() -> Version:
    try:
        version = store().latest()
    except StateUnavailable as exc:
        current_app.logger.error("%s", exc)
        abort(503, DOWN)
    if version is None:
        abort(404, "狀態資料庫裏還沒有資訊屏的設定。")
    return version


def _overview() -> dict[str, Any]:
    fleet = served_fleet()
    version = current()
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


# The views of the console's pages register on ``bp`` as they are imported.
from web.console import programmes, saving, screens  # noqa: E402

__all__ = ["bp", "init_app", "programmes", "saving", "screens"]
