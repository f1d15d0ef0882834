"""The iCalendar feeds: which feeds there are, and one pure builder from a campaign to a feed's bytes.

Every feed is a pure function of the repository (the data and its revision history) and of the public
base URL: identical data gives byte-identical feeds, so ETags stay stable and subscribers' calendars
only re-read what really changed. What the builder emits follows RFC 5545 and RFC 7986 as the stricter
clients read them (DESIGN.md): stable UIDs, DTSTAMP/CREATED/LAST-MODIFIED from the revision history,
SEQUENCE, all-day DATE values with an exclusive DTEND, a VTIMEZONE for the campaign's zone, no METHOD.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

from generators.catalog import Selection
from generators.model import CONFIDENCE_LABELS, Activity, Campaign
from generators.script import LANGUAGE_TAGS, Script, in_script

#: How often subscribers' clients should re-read a feed (REFRESH-INTERVAL and X-PUBLISHED-TTL).
REFRESH = dt.timedelta(hours=12)
PRODID = "-//quality-month//Campaign calendar//ZH"

_NUMERALS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Feed:
    """A feed: a selection of the campaign's activities in one script.

    ``group`` says what the feed is cut by (``all``, ``key-dates``, ``organizer-kind``, ``organizer``,
    ``kind``) and ``key`` which one (an organizer id, a kind); ``id`` joins them.
    """

    group: str
    key: str | None
    script: Script

    @property
    def id(self) -> str:
        base = self.group if self.key is None else f"{self.group}-{self.key}"
        return base if self.script == "hant" else f"{base}.hans"

    @property
    def path(self) -> str:
        """The feed's path below the site's root, the same on the server and in a static export."""
        suffix = "" if self.script == "hant" else ".hans"
        if self.group == "all":
            return f"calendar{suffix}.ics"
        base = self.group if self.key is None else f"{self.group}-{self.key}"
        return f"feeds/{base}{suffix}.ics"

    @property
    def selection(self) -> Selection:
        if self.group == "organizer-kind":
            return Selection(organizer_kind=self.key)
        if self.group == "organizer":
            return Selection(organizer=self.key)
        if self.group == "kind":
            return Selection(kind=self.key)
        return Selection()

    def activities(self, campaign: Campaign) -> list[Activity]:
        """The feed's activities, in the data's order."""
        chosen = self.selection.select(campaign)
        if self.group == "key-dates":
            chosen = [a for a in chosen if a.span.own]
        return chosen

    def title(self, campaign: Campaign) -> str:
        """The calendar's name as subscribers see it, in the feed's script."""
        name = f"{campaign.name}活動"
        if self.group == "key-dates":
            name += " · 重點日期"
        elif self.group == "organizer-kind" and self.key is not None:
            name += f" · {campaign.organizer_kinds[self.key]}"
        elif self.group == "organizer" and self.key is not None:
            name += f" · {campaign.organizers[self.key].short}"
        elif self.group == "kind" and self.key is not None:
            name += f" · {campaign.activity_kinds[self.key]}"
        return in_script(name, self.script)


def all_feeds(campaign: Campaign) -> list[Feed]:
    """Every feed of the campaign in both scripts: the whole campaign, the key dates, one per organizer
    kind, one per organizer that runs an activity, one per activity kind in use."""
    used_organizers = {o for a in campaign.activities for o in a.organizers}
    used_kinds = {a.kind for a in campaign.activities}
    used_organizer_kinds = {campaign.organizers[o].kind for o in used_organizers}
    cuts: list[tuple[str, str | None]] = [("all", None), ("key-dates", None)]
    cuts += [("organizer-kind", k) for k in campaign.organizer_kinds if k in used_organizer_kinds]
    cuts += [("organizer", o) for o in campaign.organizers if o in used_organizers]
    cuts += [("kind", k) for k in campaign.activity_kinds if k in used_kinds]
    return [Feed(group, key, script) for script in ("hant", "hans") for group, key in cuts]


def find_feed(campaign: Campaign, path: str) -> Feed | None:
    """The feed served at ``path`` (such as ``feeds/organizer-samr.hans.ics``), or ``None``."""
    for feed in all_feeds(campaign):
        if feed.path == path:
            return feed
    return None


def activity_url(base_url: str, activity: Activity, script: Script) -> str:
    """The public page of an activity in a script; ``base_url`` ends with a slash."""
    prefix = "" if script == "hant" else "hans/"
    return f"{base_url}{prefix}activities/{activity.id}"


def last_modified(campaign: Campaign, activities: Iterable[Activity]) -> dt.datetime:
    """The latest LAST-MODIFIED of ``activities`` (the campaign's issue date if there are none)."""
    stamps = [campaign.revision(a.id).modified for a in activities]
    fallback = dt.datetime.combine(campaign.issued, dt.time(), tzinfo=dt.UTC)
    return max(stamps, default=fallback)


def _chinese_number(value: int) -> str:
    if value < 10:
        return _NUMERALS[value]
    tens, units = divmod(value, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + ("" if units == 0 else _NUMERALS[units])


def _source_line(campaign: Campaign, activity: Activity) -> str:
    items = "、".join(f"附件{s.annex}第{_chinese_number(s.item)}項" for s in activity.sources)
    return f"來源:{campaign.title}({campaign.document_number}){items}"


def _date_line(campaign: Campaign, activity: Activity) -> str:
    if not activity.span.own:
        start, end = campaign.start, campaign.end
        period = f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
        return f"日期:通知未列明具體日期,於活動期間({period})開展"
    parts = []
    if activity.date_note:
        parts.append(activity.date_note)
    source = activity.date_source
    if source is not None:
        where = source.url or source.note or ""
        parts.append(f"日期來源:{where}(可信度:{CONFIDENCE_LABELS[source.confidence]})")
    return "日期:" + ";".join(parts)


def description(campaign: Campaign, activity: Activity) -> str:
    """An event's DESCRIPTION, in Traditional script: the notice's sentence, organizers, sources, date."""
    organizers = "、".join(campaign.organizers[o].name for o in activity.organizers)
    lines = [activity.text, "", f"主辦:{organizers}", _source_line(campaign, activity)]
    lines.append(_date_line(campaign, activity))
    return "\n".join(lines)


def _categories(campaign: Campaign, activity: Activity, script: Script) -> list[str]:
    labels = [campaign.activity_kinds[activity.kind]]
    for organizer in activity.organizers:
        label = campaign.organizer_kinds[campaign.organizers[organizer].kind]
        if label not in labels:
            labels.append(label)
    # Outlook breaks on escaped commas inside CATEGORIES: keep the values free of them.
    return [in_script(label, script).replace(",", " ") for label in labels]


class _Text(icalendar.vText):
    """A TEXT value escaped as RFC 5545 §3.3.11 says, and only so: icalendar's vText also takes a
    backslash and an N in the text for a line break (``C:\\New`` would be read as ``C:`` and ``ew``)."""

    def to_ical(self) -> bytes:
        escaped = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return re.sub(r"\r\n|\r|\n", r"\\n", escaped).encode("utf-8")


def _category(labels: list[str]) -> icalendar.vCategory:
    """A CATEGORIES value of ``labels``, each escaped as ``_Text`` (vCategory makes each a vText)."""
    value = icalendar.vCategory([])
    value.cats = [_Text(label) for label in labels]
    return value


@functools.lru_cache(maxsize=16)
def _timezone(zone: ZoneInfo, first_year: int, last_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for ``zone`` covering the years given, without the COMMENT that icalendar adds
    (RFC 5545's grammar has no place for it in VTIMEZONE). Cached: it takes tens of milliseconds and
    is never changed once built."""
    first = dt.datetime(first_year, 1, 1)
    last = dt.datetime(last_year, 12, 31, 23, 59)
    component = icalendar.Timezone.from_tzinfo(zone, tzid=zone.key, first_date=first, last_date=last)
    for sub in [component, *component.subcomponents]:
        sub.pop("COMMENT", None)
    return component


def build_feed(campaign: Campaign, feed: Feed, base_url: str) -> bytes:
    """The feed's bytes: a VCALENDAR with one VEVENT per activity. ``base_url`` ends with a slash."""
    activities = feed.activities(campaign)
    script = feed.script
    calendar = icalendar.Calendar()
    title = feed.title(campaign)
    summary = in_script(f"{campaign.title}({campaign.document_number})所列活動", script)
    feed_url = f"{base_url}{feed.path}"
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # Every TEXT value goes out as _Text. NAME (RFC 7986) and the X-WR- names are TEXT too, which
    # icalendar does not know: from a plain string it would write their ``;``, ``,`` and ``\`` as they
    # are, and fail on a line break.
    calendar.add("name", _Text(title))
    calendar.add("x-wr-calname", _Text(title))
    calendar.add("description", _Text(summary))
    calendar.add("x-wr-caldesc", _Text(summary))
    calendar.add("x-wr-timezone", campaign.timezone.key)
    calendar.add("url", base_url if script == "hant" else f"{base_url}hans/")
    calendar.add("source", feed_url, parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    calendar.add("last-modified", last_modified(campaign, activities))
    calendar.add_component(_timezone(campaign.timezone, campaign.start.year, campaign.end.year))
    language = LANGUAGE_TAGS[script]
    for activity in activities:
        revision = campaign.revision(activity.id)
        event = icalendar.Event()
        event.add("uid", f"{activity.id}@{campaign.id}.quality-month")
        event.add("dtstamp", revision.modified)
        event.add("created", revision.created)
        event.add("last-modified", revision.modified)
        event.add("sequence", revision.sequence)
        span = activity.span
        # Dates give all-day VALUE=DATE events (exclusive DTEND); aware date-times carry their TZID.
        event.add("dtstart", span.start)
        event.add("dtend", span.end)
        event.add("summary", _Text(activity.title_in(script)), parameters={"LANGUAGE": language})
        event.add("description", _Text(in_script(description(campaign, activity), script)))
        if activity.place:
            event.add("location", _Text(in_script(activity.place, script)))
        event.add("categories", _category(_categories(campaign, activity, script)))
        event.add("url", activity_url(base_url, activity, script), parameters={"VALUE": "URI"})
        event.add("status", "CONFIRMED")
        event.add("class", "PUBLIC")
        # Campaign-long activities must not mark a whole month busy in anyone's calendar.
        event.add("transp", "OPAQUE" if span.own and len(span.days()) == 1 else "TRANSPARENT")
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
