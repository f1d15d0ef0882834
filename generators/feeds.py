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
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from generators import wording
from generators.model import CONFIDENCE_LABELS, Activity, Campaign
from generators.script import LANGUAGE_TAGS, SCRIPTS, Script, in_script
from generators.selection import ALL, COMPLETE, KEY_DATES, Cut, cuts

#: How often subscribers' clients should re-read a feed (REFRESH-INTERVAL and X-PUBLISHED-TTL).
REFRESH = dt.timedelta(hours=12)
PRODID = "-//quality-month//Campaign calendar//ZH"

#: The data's places that are no place to go to: a scope (the whole country) or a medium (a video
#: conference, online). An event held "in" one of them has no LOCATION, since calendar apps offer a map
#: and directions for a LOCATION; its DESCRIPTION names it instead. Compared with the data's Traditional
#: text, stripped and case-folded.
NOT_PLACES = frozenset({"全國", "線上", "網上", "在線", "網絡", "視頻會議", "online"})


@dataclass(frozen=True)
class Feed:
    """A feed: a cut of the campaign's activities in one script.

    A feed gives each activity with a date of its own as an event, and the others in the DESCRIPTION of
    one event that spans the campaign period (no public calendar people like shows a month of all-day
    bars); the complete feed gives every activity as an event, and the key dates feed the dated ones
    alone."""

    cut: Cut
    script: Script

    @property
    def group(self) -> str:
        return self.cut.group

    @property
    def key(self) -> str | None:
        return self.cut.key

    @property
    def id(self) -> str:
        return self.cut.slug if self.script == "hant" else f"{self.cut.slug}.hans"

    @property
    def path(self) -> str:
        """The feed's path below the site's root, the same on the server and in a static export."""
        suffix = "" if self.script == "hant" else ".hans"
        if self.cut == ALL:
            return f"calendar{suffix}.ics"
        return f"feeds/{self.cut.slug}{suffix}.ics"

    def selected(self, campaign: Campaign) -> list[Activity]:
        """Every activity the feed is about (as an event, or named by the period's event)."""
        return self.cut.activities(campaign)

    def activities(self, campaign: Campaign) -> list[Activity]:
        """The activities that are events of their own, in the data's order."""
        chosen = self.selected(campaign)
        return chosen if self.cut == COMPLETE else [a for a in chosen if a.span.own]

    @property
    def has_period_event(self) -> bool:
        return self.cut not in (COMPLETE, KEY_DATES) and self.cut.group != "local"

    def summarised(self, campaign: Campaign) -> list[Activity]:
        """The activities that the period's event names instead of giving them an event each."""
        if not self.has_period_event:
            return []
        return [a for a in self.selected(campaign) if not a.span.own]

    def events(self, campaign: Campaign) -> int:
        """How many events the feed holds."""
        return len(self.activities(campaign)) + (1 if self.has_period_event else 0)

    def dated(self, campaign: Campaign) -> int:
        """How many of the feed's activities have a date of their own."""
        return sum(1 for a in self.selected(campaign) if a.span.own)

    def title(self, campaign: Campaign) -> str:
        """The calendar's name as subscribers see it, in the feed's script."""
        name = wording.campaign_activities(campaign.name)
        if self.cut == KEY_DATES:
            name += " · 重點日期"
        elif self.cut == COMPLETE:
            name += " · 全部活動"
        elif self.cut.key is not None:
            name += f" · {self.cut.label(campaign, short=True)}"
        return in_script(name, self.script)

    def list_url(self, base_url: str) -> str:
        """The web list of the feed's activities, in its script."""
        prefix = "" if self.script == "hant" else "hans/"
        return f"{base_url}{prefix}{self.cut.segment}list"


def all_feeds(campaign: Campaign) -> list[Feed]:
    """Every feed of the campaign in both scripts: one per cut (``selection.cuts``)."""
    return [Feed(cut, script) for script in SCRIPTS for cut in cuts(campaign)]


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


def location(activity: Activity) -> str | None:
    """An activity's LOCATION in Traditional script: its place, unless that is none (``NOT_PLACES``)."""
    place = activity.place
    if place is None or place.strip().casefold() in NOT_PLACES:
        return None
    return place


def _source_line(campaign: Campaign, activity: Activity) -> str:
    if activity.edition is not None:  # its organiser's word, not the notice's: never mixed up
        edition = campaign.editions[activity.edition]
        return wording.labelled("來源", wording.local(edition.name))
    items = wording.listed(f"附件{s.annex}第{wording.numeral(s.item)}項" for s in activity.sources)
    return wording.labelled("來源", f"{campaign.title}{wording.bracketed(campaign.document_number)}{items}")


def _date_line(campaign: Campaign, activity: Activity) -> str:
    if not activity.span.own:
        period = wording.bracketed(wording.days(campaign.start, campaign.end))
        return wording.labelled("日期", f"通知未列明具體日期，於活動期間{period}開展")
    parts = []
    if activity.date_note:
        parts.append(activity.date_note)
    source = activity.date_source
    if source is not None:
        where = source.url or source.note or ""
        confidence = wording.bracketed(wording.labelled("可信度", CONFIDENCE_LABELS[source.confidence]))
        parts.append(wording.labelled("日期來源", where) + confidence)
    return wording.labelled("日期", "；".join(parts))


def description(campaign: Campaign, activity: Activity) -> str:
    """An event's DESCRIPTION, in Traditional script: the notice's sentence, organizers, the place when it
    is not the event's LOCATION (``NOT_PLACES``), sources, date."""
    organizers = wording.listed(campaign.organizers[o].name for o in activity.organizers)
    lines = [activity.text, "", wording.labelled("主辦", organizers)]
    if activity.place and location(activity) is None:
        lines.append(wording.labelled("地點", activity.place))
    lines.append(_source_line(campaign, activity))
    if activity.edition is None or activity.date_note:
        lines.append(_date_line(campaign, activity))
    return "\n".join(lines)


def _texts(campaign: Campaign, activity: Activity, script: Script) -> dict[str, Any]:
    """The texts an activity's event shows in a script: what ``build_feed`` writes and what its revision
    follows (not its URL, which follows the site's address)."""
    place = location(activity)
    return {
        "summary": activity.title_in(script),
        "description": in_script(description(campaign, activity), script),
        "location": in_script(place, script) if place is not None else None,
        "categories": _categories(campaign, activity, script),
    }


def event_text(campaign: Campaign, activity: Activity) -> list[str]:
    """Everything a subscriber reads of an activity's event, in both scripts: what its revision must
    follow."""
    found: list[str] = []
    for script in SCRIPTS:
        texts = _texts(campaign, activity, script)
        found += [texts["summary"], texts["description"], texts["location"] or "", *texts["categories"]]
    return found


def _categories(campaign: Campaign, activity: Activity, script: Script) -> list[str]:
    labels = [campaign.activity_kinds[activity.kind]]
    if activity.edition is not None:
        labels.append(wording.LOCAL)
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


def period_description(campaign: Campaign, feed: Feed, base_url: str) -> str:
    """The DESCRIPTION of the period's event, in Traditional script: the period, how many activities run
    through it without a day of their own, their titles, and the web list."""
    others = feed.summarised(campaign)
    lines = [wording.labelled(campaign.name, wording.days(campaign.start, campaign.end))]
    if others:
        lines.append(f"{wording.running(len(others))}，通知未列具體日期：")
        lines += [f"・{a.title}" for a in others]
    lines.append(wording.labelled("活動列表", feed.list_url(base_url)))
    return "\n".join(lines)


def _period_event(campaign: Campaign, feed: Feed, base_url: str) -> icalendar.Event:
    """One all-day, transparent event for the campaign period, named after the campaign. Its revision
    follows the feed's activities: it changes when one of them does (one that gets a date leaves it)."""
    selected = feed.selected(campaign)
    revisions = [campaign.revision(a.id) for a in selected]
    modified = last_modified(campaign, selected)
    event = icalendar.Event()
    uid = "period" if feed.cut == ALL else f"period-{feed.cut.slug}"
    event.add("uid", f"{uid}@{campaign.id}.quality-month")
    event.add("dtstamp", modified)
    event.add("created", min((r.created for r in revisions), default=modified))
    event.add("last-modified", modified)
    event.add("sequence", max((r.sequence for r in revisions), default=0))
    period = campaign.period()
    event.add("dtstart", period.start)
    event.add("dtend", period.end)
    event.add("summary", _Text(campaign.name_in(feed.script)))
    description = in_script(period_description(campaign, feed, base_url), feed.script)
    event.add("description", _Text(description))
    event.add("url", feed.list_url(base_url))  # URI is URL's default: no VALUE
    event.add("status", "CONFIRMED")
    event.add("class", "PUBLIC")
    event.add("transp", "TRANSPARENT")
    return event


def _event(campaign: Campaign, activity: Activity, script: Script, base_url: str) -> icalendar.Event:
    """An activity's VEVENT: the same in every feed and in the activity's own ``.ics``."""
    revision = campaign.revision(activity.id)
    texts = _texts(campaign, activity, script)
    event = icalendar.Event()
    event.add("uid", f"{activity.id}@{campaign.id}.quality-month")
    event.add("dtstamp", revision.modified)
    event.add("created", revision.created)
    event.add("last-modified", revision.modified)
    event.add("sequence", revision.sequence)
    # Dates give all-day VALUE=DATE events (exclusive DTEND); aware date-times carry their TZID.
    event.add("dtstart", activity.span.start)
    event.add("dtend", activity.span.end)
    # No parameter on a text an app shows (SUMMARY, DESCRIPTION, LOCATION, URL): node-ical reads a
    # property with one as an object (see NAME in build_feed).
    event.add("summary", _Text(texts["summary"]))
    event.add("description", _Text(texts["description"]))
    if texts["location"] is not None:
        event.add("location", _Text(texts["location"]))
    event.add("categories", _category(texts["categories"]))
    event.add("url", activity_url(base_url, activity, script))  # URI is URL's default: no VALUE
    event.add("status", "CONFIRMED")
    event.add("class", "PUBLIC")
    # A public campaign calendar never marks its subscribers busy, not even for a one-day event.
    event.add("transp", "TRANSPARENT")
    return event


def build_feed(campaign: Campaign, feed: Feed, base_url: str) -> bytes:
    """The feed's bytes: a VCALENDAR with one VEVENT per activity. ``base_url`` ends with a slash."""
    activities = feed.activities(campaign)
    script = feed.script
    calendar = icalendar.Calendar()
    title = feed.title(campaign)
    summary = in_script(f"{campaign.title}{wording.bracketed(campaign.document_number)}所列活動", script)
    feed_url = f"{base_url}{feed.path}"
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # Every TEXT value goes out as _Text. NAME (RFC 7986) and the X-WR- names are TEXT too, which
    # icalendar does not know: from a plain string it would write their ``;``, ``,`` and ``\`` as they
    # are, and fail on a line break.
    # The feed's script is said once, on NAME (RFC 7986 §5.1 allows LANGUAGE there), not on each
    # event's SUMMARY: node-ical (MagicMirror's, Home Assistant add-ons') reads any property that has a
    # parameter as an object, and shows a blank title. The X-WR- names stay plain for the same reason.
    calendar.add("name", _Text(title), parameters={"LANGUAGE": LANGUAGE_TAGS[script]})
    calendar.add("x-wr-calname", _Text(title))
    calendar.add("description", _Text(summary))
    calendar.add("x-wr-caldesc", _Text(summary))
    calendar.add("x-wr-timezone", campaign.timezone.key)
    calendar.add("url", base_url if script == "hant" else f"{base_url}hans/")
    calendar.add("source", feed_url, parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    calendar.add("last-modified", last_modified(campaign, feed.selected(campaign)))
    calendar.add_component(_timezone(campaign.timezone, campaign.start.year, campaign.end.year))
    for activity in activities:
        calendar.add_component(_event(campaign, activity, script, base_url))
    if feed.has_period_event:
        calendar.add_component(_period_event(campaign, feed, base_url))
    body: bytes = calendar.to_ical()
    return body


@dataclass(frozen=True)
class ActivityFeed(Feed):
    """One activity as a file of its own (``activities/<id>.ics``), for adding it to a calendar once."""

    activity_id: str = ""

    @property
    def path(self) -> str:
        prefix = "" if self.script == "hant" else "hans/"
        return f"{prefix}activities/{self.activity_id}.ics"

    def selected(self, campaign: Campaign) -> list[Activity]:
        return [campaign.activity(self.activity_id)]

    def activities(self, campaign: Campaign) -> list[Activity]:
        return self.selected(campaign)

    @property
    def has_period_event(self) -> bool:
        return False


def build_activity(campaign: Campaign, activity: Activity, script: Script, base_url: str) -> bytes:
    """One activity's ``.ics``: a VCALENDAR holding its VEVENT, the very event of the feeds (the same UID,
    SEQUENCE and properties), and the VTIMEZONE, but no calendar name (NAME, X-WR-CALNAME): with one,
    Outlook opens the file as a calendar to subscribe to, not as an appointment. ``ValueError`` for an
    activity without a date of its own."""
    if not activity.span.own:
        raise ValueError(f"activity {activity.id!r} has no date of its own")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(_timezone(campaign.timezone, campaign.start.year, campaign.end.year))
    calendar.add_component(_event(campaign, activity, script, base_url))
    body: bytes = calendar.to_ical()
    return body
