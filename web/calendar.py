"""The web calendar: month grid and list views, filtered or not, activity pages (and each dated
activity's ``.ics``), the subscribe page of each view's feed, in either script.

The blueprint is registered twice: at ``/`` for Traditional script and at ``/hans/`` for Simplified.
Views only turn a request into a selection of the campaign and the selection into a page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from flask import Blueprint, Flask, abort, redirect, render_template, request
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from generators.feeds import ActivityFeed, Feed, activity_url
from generators.model import CONFIDENCE_LABELS, Activity, Campaign
from generators.month_grid import dated_days, month_grid, months, spans_period
from generators.script import Script, in_script
from generators.selection import ALL, COMPLETE, KEY_DATES, Cut, Selection, cuts
from web.context import app_root, base_url, campaign, root, use_script, webcal
from web.feeds import ics_response

bp = Blueprint("calendar", __name__)


@dataclass(frozen=True)
class View:
    """What a page shows: a cut of the campaign in a script."""

    script: Script
    cut: Cut = ALL

    @property
    def feed(self) -> Feed:
        return Feed(self.cut, self.script)


def _script() -> Script:
    prefix = request.blueprint or ""
    return use_script("hans" if prefix.endswith("_hans") else "hant")


def _view(segment: str | None, key: str | None) -> View:
    script = _script()
    if segment is None or key is None:
        return View(script)
    cut = Cut.from_segment(segment, key)  # the route admits only the known folders
    if not cut.exists_in(campaign()):
        what = {"organizer": "organizer", "organizer-kind": "kind of organizer", "kind": "kind of activity"}
        abort(404, f"there is no {what[cut.group]} {key!r} in this campaign")
    return View(script, cut)


def subscribe_links(feed: Feed) -> dict[str, str]:
    """The subscribe panel's links for a feed: webcal, Outlook.com, Microsoft 365, Google, plain download."""
    url = base_url() + feed.path
    title = feed.title(campaign())
    add_from_web = "/calendar/0/addfromweb?url=" + quote(url, safe="") + "&name=" + quote(title, safe="")
    return {
        "https": url,
        "webcal": webcal(url),
        "google": "https://calendar.google.com/calendar/render?cid=" + quote(webcal(url), safe=""),
        "outlook": "https://outlook.live.com" + add_from_web,
        "office": "https://outlook.office.com" + add_from_web,
        "title": title,
    }


def subscribe_path(view: View) -> str:
    """The path of a view's subscribe page: ``/subscribe``, ``/hans/organizers/samr/subscribe``."""
    return root(view.script) + view.cut.segment + "subscribe"


@cache
def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    text = str(image.to_string(encoding="unicode"))
    # Inline in HTML: no XML declaration, and a role and a title so that screen readers name it.
    text = text[text.index("<svg") :]
    return text.replace("<svg ", '<svg role="img" aria-labelledby="qr-title" ', 1).replace(
        ">", '><title id="qr-title">QR</title>', 1
    )


def qr_code(data: str, label: str) -> Markup:
    """An inline SVG QR code of ``data`` (generated here, so safe to mark up), titled ``label``."""
    title = f'<title id="qr-title">{Markup.escape(label)}</title>'
    return Markup(_qr_svg(data).replace('<title id="qr-title">QR</title>', title, 1))


def _google_event_link(loaded: Campaign, activity: Activity, script: Script) -> str:
    span = activity.span
    if span.all_day:
        dates = f"{span.start:%Y%m%d}/{span.end:%Y%m%d}"
    else:
        assert isinstance(span.start, dt.datetime) and isinstance(span.end, dt.datetime)
        start, end = span.start.astimezone(dt.UTC), span.end.astimezone(dt.UTC)
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    details = activity.text_in(script) + "\n\n" + activity_url(base_url(), activity, script)
    query = {
        "action": "TEMPLATE",
        "text": activity.title_in(script),
        "dates": dates,
        "details": details,
        "ctz": loaded.timezone.key,
    }
    if activity.place:
        query["location"] = in_script(activity.place, script)
    return "https://calendar.google.com/calendar/render?" + "&".join(
        f"{k}={quote(v, safe='')}" for k, v in query.items()
    )


def _page(template: str, view: View, *, with_qr: bool = True, **context: Any) -> str:
    """A page of a view, with the subscribe panel of its feed; its QR code (unless ``with_qr`` is
    false) opens the view's subscribe page, where a phone can choose how to subscribe."""
    loaded = campaign()
    script = use_script(view.script)
    links = subscribe_links(view.feed)
    page_url = base_url() + (app_root(view.script) + view.cut.segment + "subscribe").lstrip("/")
    return render_template(
        template,
        view=view,
        subscribe=links,
        subscribe_page=subscribe_path(view),
        key_dates=subscribe_links(Feed(KEY_DATES, script)) if view.cut == ALL else None,
        complete=subscribe_links(Feed(COMPLETE, script)) if view.cut == ALL else None,
        holds=_holds(loaded, view.feed),
        qr=qr_code(page_url, in_script("以手機掃描訂閱", script)) if with_qr else None,
        view_label=view.cut.label(loaded),
        filter_options=_filter_options(loaded, script),
        **context,
    )


def _holds(loaded: Campaign, feed: Feed) -> dict[str, int]:
    """What a feed holds, for its panel to say before anyone subscribes: its activities with a date of
    their own (an event each) and those that only run through the period (named by one event)."""
    return {"dated": feed.dated(loaded), "undated": len(feed.summarised(loaded))}


#: The filter's groups of cuts, in the order the form shows them.
_FILTER_GROUPS = {"organizer-kind": "主辦單位類型", "kind": "活動類型", "organizer": "主辦單位"}


def _filter_options(loaded: Campaign, script: Script) -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter's choices: the campaign's cuts (``selection.cuts``, so only what some activity has),
    grouped, each as its view's folder and its label."""
    chosen = [c for c in cuts(loaded) if c.group in _FILTER_GROUPS]
    return [
        (heading, [(c.segment, c.label(loaded, short=True) or "") for c in chosen if c.group == group])
        for group, heading in _FILTER_GROUPS.items()
    ]


def _day_query() -> dt.date | None:
    value = request.args.get("date")
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(400, f"date {value!r} is not a date (write YYYY-MM-DD)")
    problems = Selection(day=day).problems(campaign())
    if problems:
        abort(400, problems[0])
    return day


@bp.get("/", defaults={"group": None, "key": None})
@bp.get("/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/")
def month(group: str | None, key: str | None) -> str:
    view = _view(group, key)
    loaded = campaign()
    chosen = view.cut.selection.select(loaded)
    whole = [a for a in chosen if a.span.own and spans_period(loaded, a)]
    in_grid = [a for a in chosen if a not in whole]
    grids = [((y, m), month_grid(loaded, in_grid, y, m)) for y, m in months(loaded)]
    return _page(
        "month.html",
        view,
        grids=grids,
        whole=whole,
        undated=[a for a in chosen if not a.span.own],
        count=len(chosen),
    )


@bp.get("/list", defaults={"group": None, "key": None})
@bp.get("/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/list")
def day_list(group: str | None, key: str | None) -> str:
    view = _view(group, key)
    loaded = campaign()
    day = _day_query()
    chosen = dataclasses.replace(view.cut.selection, day=day).select(loaded)
    # As in the grid: an activity dated for the whole period is listed once, not under every day.
    whole = [a for a in chosen if a.span.own and spans_period(loaded, a)]
    by_day = dated_days(a for a in chosen if a not in whole)
    return _page(
        "list.html",
        view,
        whole=whole,
        days=[(d, items) for d, items in by_day if day is None or d == day],
        undated=[a for a in chosen if not a.span.own],
        day=day,
        count=len(chosen),
    )


@bp.get("/subscribe", defaults={"group": None, "key": None})
@bp.get("/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/subscribe")
def subscribe(group: str | None, key: str | None) -> str:
    """A view's subscribe page: what its QR code opens on a phone (the bare feed URL would make iOS
    import a copy instead of subscribing)."""
    return _page("subscribe.html", _view(group, key), with_qr=False)


def _activity(activity_id: str) -> Activity:
    try:
        return campaign().activity(activity_id)
    except KeyError:
        abort(404, f"there is no activity {activity_id!r} in this campaign")


@bp.get("/activities/<activity_id>")
def activity(activity_id: str) -> str:
    loaded = campaign()
    found = _activity(activity_id)
    view = View(_script())
    return _page(
        "activity.html",
        view,
        activity=found,
        confidence=CONFIDENCE_LABELS,
        google_event=_google_event_link(loaded, found, view.script) if found.span.own else None,
        event_ics=f"{root(view.script)}activities/{found.id}.ics" if found.span.own else None,
    )


@bp.get("/activities/<activity_id>.ics")
def activity_ics(activity_id: str) -> BaseResponse:
    """One dated activity as an ``.ics`` to open once (an appointment, not a subscription)."""
    found = _activity(activity_id)
    if not found.span.own:
        period = f"{campaign().start} to {campaign().end}"
        abort(
            404,
            f"activity {activity_id!r} has no .ics: the notice gives it no date of its own, it runs "
            f"through the campaign period ({period}); subscribe to a feed instead",
        )
    return ics_response(ActivityFeed(ALL, _script(), found.id))


@bp.get("/filter")
def filter_redirect() -> BaseResponse:
    """The filter form's target (it works without JavaScript): redirect to the chosen view's page."""
    target = request.args.get("to", "")
    parts = target.strip("/").split("/")
    if target == "":
        return redirect(root(_script()), 303)
    if len(parts) != 2 or parts[0] not in Cut.segments():
        abort(400, f"{target!r} is not a filter")
    view = _view(parts[0], parts[1])
    return redirect(root(view.script) + view.cut.segment, 303)


@cache
def _moved(renamed: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The old paths of the organizers whose ids were corrected (``[renamed]`` of organizers.toml), and
    the new ones: their pages in both scripts and their feeds."""
    pages = {
        f"{prefix}organizers/{old}/{page}": f"{prefix}organizers/{new}/{page}"
        for old, new in renamed
        for prefix in ("/", "/hans/")
        for page in ("", "list", "subscribe")
    }
    feeds = {
        f"/feeds/organizer-{old}{suffix}": f"/feeds/organizer-{new}{suffix}"
        for old, new in renamed
        for suffix in (".ics", ".hans.ics")
    }
    return pages | feeds


def _moved_permanently() -> BaseResponse | None:
    """A renamed organizer's old page or feed: 301 to the new one, with the query kept."""
    target = _moved(tuple(sorted(campaign().renamed_organizers.items()))).get(request.path)
    if target is None:
        return None
    query = request.query_string.decode("ascii", "replace")
    return redirect(request.script_root + target + (f"?{query}" if query else ""), 301)


@bp.after_request
def _cacheable(response: BaseResponse) -> BaseResponse:
    """Pages follow from the data alone: a cache keeps them five minutes, then revalidates by ETag."""
    if response.status_code == 200 and response.mimetype == "text/html":
        response.cache_control.public = True
        response.cache_control.max_age = 300
        response.add_etag()
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, name="calendar_hant")
    app.register_blueprint(bp, name="calendar_hans", url_prefix="/hans")
    app.before_request(_moved_permanently)

    # pass_context keeps Jinja from folding {{ "字"|s }} into a constant when it compiles a template,
    # which would freeze the first request's script into every later page.
    @app.template_filter("s")
    @pass_context
    def _in_script(context: Any, text: str) -> str:
        script: Script = context.get("script", "hant")
        return in_script(text, script)
