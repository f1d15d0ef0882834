"""The designs: what each poster says, role by role (kicker, headline, sub-line, body), and the page its
QR code points to. The campaign's designs are its theme, each slogan, each day's activities and each
dated activity; the words the project adds (labels, dates, lists) come from ``generators.wording``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from generators import wording
from generators.model import Activity, Campaign


@dataclass(frozen=True)
class Design:
    """A design: its id and the text of each role in Traditional script (converted when drawn)."""

    id: str
    roles: dict[str, str] = field(hash=False)
    qr_path: str = ""  # the page the QR code points to, below the public base URL
    #: A body that is a list: the engine shows as many items as fit (at least one), then ``more``
    #: (with ``{n}``, the number left out), then ``tail``.
    items: tuple[str, ...] = ()
    more: str = ""
    tail: str = ""
    #: Roles drawn as typed, in either script (a unit's own signature and note), not converted.
    verbatim: frozenset[str] = frozenset()

    def body_texts(self) -> list[str]:
        """The body's text, longest first: the whole list, then shorter ones, for the engine to try."""
        if not self.items:
            return [self.roles["body"]] if "body" in self.roles else []
        texts = []
        for shown in range(len(self.items), 0, -1):
            lines = list(self.items[:shown])
            if shown < len(self.items):
                lines.append(self.more.format(n=len(self.items) - shown))
            texts.append("\n".join([*lines, self.tail] if self.tail else lines))
        return texts

    @property
    def headline(self) -> str:
        return self.roles["headline"]

    def signed(self, signature: str = "", note: str = "") -> Design:
        """The design with a unit's lines added: its name (落款) and a line of its own, drawn as typed."""
        extra = {role: text for role, text in (("signature", signature), ("note", note)) if text}
        if not extra:
            return self
        return replace(self, roles={**self.roles, **extra}, verbatim=self.verbatim | frozenset(extra))


def _kicker(campaign: Campaign) -> str:
    return wording.campaign_activities(campaign.name)


def _organizers(campaign: Campaign, ids: Iterable[str]) -> str:
    """The organizers' short names as a list: 市場監管總局、工業和信息化部."""
    return wording.listed(campaign.organizers[o].short for o in ids)


def designs(campaign: Campaign) -> list[Design]:
    """Every design of the campaign: the theme, each slogan, each day's activities, each dated activity."""
    found = [theme_design(campaign)]
    found += [slogan_design(campaign, s.design, s.text) for s in campaign.slogans]
    found += [today_design(campaign, day) for day in campaign.days()]
    found += [activity_design(campaign, a) for a in campaign.activities if a.span.own]
    return found


def theme_design(campaign: Campaign) -> Design:
    roles = {
        "kicker": _kicker(campaign),
        "headline": campaign.theme,
        "sub": wording.period_title(campaign.start, campaign.end),
        "body": wording.labelled("主辦", _organizers(campaign, campaign.issuers)),
    }
    return Design("theme", roles)


def slogan_design(campaign: Campaign, id: str, text: str) -> Design:
    roles = {"kicker": _kicker(campaign), "headline": text, "sub": wording.labelled("主題", campaign.theme)}
    return Design(id, roles)


def today_design(campaign: Campaign, day: dt.date) -> Design:
    on_day = campaign.activities_on(day)
    dated = [a for a in on_day if a.span.own]
    running = len(on_day) - len(dated)
    items = tuple(_day_item(campaign, a) for a in dated)
    tail = wording.running(running, others=bool(items))
    roles = {
        "kicker": f"{_kicker(campaign)}·今日活動",
        "headline": f"{wording.month_day(day)} {wording.weekday(day)}",
        "sub": campaign.theme,
        "body": "\n".join([*items, tail]),
    }
    design_id, qr_path = f"today-{day.isoformat()}", f"list?date={day.isoformat()}"
    if not items:
        return Design(design_id, roles, qr_path)
    return Design(design_id, roles, qr_path, items, "等另{n}項", tail)


def _day_item(campaign: Campaign, activity: Activity) -> str:
    """A line of a day's poster: 09:00至11:30 title（organizers）, a local edition's marked as local."""
    who = _organizers(campaign, activity.organizers)
    line = activity.title + wording.bracketed(wording.local(who) if activity.edition else who)
    span = activity.span
    return line if span.all_day else f"{wording.hours(span.start, span.end)} {line}"  # type: ignore[arg-type]


def activity_design(campaign: Campaign, activity: Activity) -> Design:
    days = activity.span.days()
    when = wording.days(days[0], days[-1])
    if not activity.span.all_day:
        when += " " + wording.hours(activity.span.start, activity.span.end)  # type: ignore[arg-type]
    if activity.place:
        when += f" · {activity.place}"
    roles = {
        "kicker": _kicker(campaign),
        "headline": activity.title,
        "sub": when,
        "body": wording.labelled("主辦", _organizers(campaign, activity.organizers)),
    }
    if activity.edition:
        roles["kicker"] = f"{_kicker(campaign)}·{wording.LOCAL}"
    return Design(f"activity-{activity.id}", roles, f"activities/{activity.id}")
