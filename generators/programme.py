"""The programme maths: which slide a screen shows at any moment, the timeline a kiosk page plays, the
document it is published in, and the rules that follow from the fleet alone (when a screen counts as
online, where the day parts switch).

Screens work out the current slide from the clock and a published timeline, never from chained timers
or a leader screen: a programme's slides repeat in a cycle anchored at the start of the period in which
the programme plays (the day, a day part, a special day), so every screen on the same programme shows
the same slide at the same moment. Everything here is a pure function of the fleet, the campaign and
``now`` (timezone-aware); nothing reads the clock. The kiosk page's own copy of the last step (the slide
at a moment, from the published segments) is ``web/static/timeline.mjs``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from generators.fleet import MIN_SECONDS, Fleet, Screen
from generators.model import Campaign
from generators.wording import weekday_keys

#: Days of programme a page keeps, so that it goes on rotating that long without the server.
DAYS_AHEAD = 8
#: A screen that has not reported for this long is offline.
OFFLINE_AFTER = dt.timedelta(seconds=90)


@dataclass(frozen=True)
class Slide:
    """A slide as a screen shows it: a stable id (the ``data-current-slide`` of the kiosk page), the
    poster design it shows, and its duration."""

    id: str
    design: str
    seconds: int


@dataclass(frozen=True)
class Period:
    """A stretch of time in which one programme plays on a screen: [start, end), in UTC."""

    start: dt.datetime
    end: dt.datetime
    programme: str


@dataclass(frozen=True)
class Showing:
    slide: Slide
    start: dt.datetime
    end: dt.datetime


# --- the maths ------------------------------------------------------------------------------------


def _local(day: dt.date, time: dt.time | None, zone: ZoneInfo) -> dt.datetime:
    """The moment of a local wall time (``None`` is 24:00, the next midnight), in UTC. A wall time that a
    daylight-saving change skips or repeats is taken as its first reading (fold 0).

    All the maths runs in UTC: Python subtracts and compares two datetimes of the same zone by their
    wall clocks, which is wrong across a daylight-saving change."""
    if time is None:
        wall = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    else:
        wall = dt.datetime.combine(day, time, tzinfo=zone)
    return wall.astimezone(dt.UTC)


def periods(fleet: Fleet, screen: Screen, day: dt.date, zone: ZoneInfo) -> list[Period]:
    """The programme periods of a local day, from its midnight to the next, in order and without gaps.

    A special day plays its programme all day. Otherwise the screen's default programme plays, except in
    its day parts: a part that crosses midnight covers the evening of a listed day and the next morning."""
    midnight, next_midnight = _local(day, dt.time(), zone), _local(day, None, zone)
    if day in fleet.specials:
        return [Period(midnight, next_midnight, fleet.specials[day])]
    windows: list[tuple[dt.datetime, dt.datetime, str]] = []
    for part in screen.dayparts:
        for start_day in (day - dt.timedelta(days=1), day):
            if start_day.weekday() not in part.days:
                continue
            start = _local(start_day, part.start, zone)
            end_day = start_day + dt.timedelta(days=1) if part.crosses_midnight else start_day
            end = _local(end_day, part.end, zone)
            start, end = max(start, midnight), min(end, next_midnight)
            if start < end:
                windows.append((start, end, part.programme))
    windows.sort()
    found: list[Period] = []
    cursor = midnight
    for start, end, programme in windows:
        start = max(start, cursor)  # an earlier day part wins where two overlap
        if start >= end:
            continue
        if cursor < start:
            found.append(Period(cursor, start, screen.programme))
        found.append(Period(start, end, programme))
        cursor = end
    if cursor < next_midnight:
        found.append(Period(cursor, next_midnight, screen.programme))
    # Neighbouring periods of the same programme (a part that ends at midnight and one that starts
    # there) are one period, so the cycle does not restart at midnight.
    merged: list[Period] = []
    for period in found:
        if merged and merged[-1].programme == period.programme and merged[-1].end == period.start:
            merged[-1] = Period(merged[-1].start, period.end, period.programme)
        else:
            merged.append(period)
    return merged


def period_at(fleet: Fleet, screen: Screen, now: dt.datetime, zone: ZoneInfo) -> Period:
    """The period that ``now`` falls in. A programme that runs on past midnight keeps its anchor: the
    period reaches back into the day before and on into the day after."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(zone)
    instant = now.astimezone(dt.UTC)
    today = periods(fleet, screen, local.date(), zone)
    found = next(p for p in today if p.start <= instant < p.end)
    start, end = found.start, found.end
    if start == today[0].start:
        before = periods(fleet, screen, local.date() - dt.timedelta(days=1), zone)[-1]
        if before.programme == found.programme:
            start = before.start
    if end == today[-1].end:
        after = periods(fleet, screen, local.date() + dt.timedelta(days=1), zone)[0]
        if after.programme == found.programme:
            end = after.end
    return Period(start, end, found.programme)


def _countdown_target(campaign: Campaign, day: dt.date) -> str | None:
    for activity in sorted((a for a in campaign.activities if a.span.own), key=lambda a: a.span.days()[0]):
        if activity.span.days()[0] > day:
            return activity.id
    return None


def slides(fleet: Fleet, campaign: Campaign, programme_id: str, day: dt.date) -> list[Slide]:
    """A programme's slides on a local day, expanded: every slogan for ``slogans``, the day's poster for
    ``today`` (if the day is in the campaign), the next dated activity for ``countdown`` (if any)."""
    found: list[Slide] = []
    for spec in fleet.programmes[programme_id].slides:
        if spec.show == "slogans":
            found += [Slide(s.design, s.design, spec.seconds) for s in campaign.slogans]
        elif spec.show == "today":
            if campaign.start <= day <= campaign.end:
                found.append(Slide(f"today-{day.isoformat()}", f"today-{day.isoformat()}", spec.seconds))
        elif spec.show == "countdown":
            target = _countdown_target(campaign, day)
            if target is not None:
                found.append(Slide(f"countdown-{target}", f"activity-{target}", spec.seconds))
        elif spec.show == "poster":
            assert spec.design is not None
            found.append(Slide(spec.design, spec.design, spec.seconds))
        else:
            found.append(Slide(spec.show, spec.show, spec.seconds))
    return found or [Slide("theme", "theme", MIN_SECONDS)]


def timeline(
    fleet: Fleet, campaign: Campaign, screen: Screen, start: dt.datetime, end: dt.datetime
) -> Iterator[Showing]:
    """Every slide a screen shows from ``start`` to ``end`` (aware), in order, in UTC: the published
    timeline.

    In each period the programme's cycle starts at the period's start, and a slide that the period's end
    cuts short ends there."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    zone = campaign.timezone
    moment, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    while moment < end:
        period = period_at(fleet, screen, moment, zone)
        cycle = slides(fleet, campaign, period.programme, moment.astimezone(zone).date())
        length = sum(s.seconds for s in cycle)
        elapsed = (moment - period.start).total_seconds()
        offset = elapsed % length
        begin = moment - dt.timedelta(seconds=offset)
        index = 0
        while moment < min(end, period.end):
            slide = cycle[index % len(cycle)]
            stop = begin + dt.timedelta(seconds=slide.seconds)
            if stop > moment:
                yield Showing(slide, max(begin, period.start), min(stop, period.end))
                moment = min(stop, period.end)
            begin = stop
            index += 1


def showing_at(fleet: Fleet, campaign: Campaign, screen: Screen, now: dt.datetime) -> Showing:
    """The slide a screen shows at ``now`` (aware)."""
    return next(timeline(fleet, campaign, screen, now, now + dt.timedelta(microseconds=1)))


def segments(
    fleet: Fleet, campaign: Campaign, screen: Screen, start: dt.datetime, days: int
) -> list[dict[str, Any]]:
    """The published timeline of a screen from the local day of ``start`` for ``days`` days, as the
    kiosk page reads it: segments of one programme within one local day, each with the anchor its cycle
    counts from and its slides. A page finds the slide for any moment from these alone (the position in
    the cycle is the time since the anchor, modulo the cycle's length), offline too."""
    zone = campaign.timezone
    first = start.astimezone(zone).date()
    found: list[dict[str, Any]] = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        for period in periods(fleet, screen, day, zone):
            anchor = period_at(fleet, screen, period.start, zone).start
            cycle = slides(fleet, campaign, period.programme, day)
            found.append(
                {
                    "from": _millis(period.start),
                    "to": _millis(period.end),
                    "anchor": _millis(anchor),
                    "programme": period.programme,
                    "slides": [{"id": s.id, "design": s.design, "ms": s.seconds * 1000} for s in cycle],
                }
            )
    return found


def _millis(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


# --- what is published, and the rules that follow from the fleet ---------------------------------------


def programme_document(
    fleet: Fleet,
    campaign: Campaign,
    screen: Screen,
    day: dt.date,
    images: dict[str, str],
    reloads: int,
    days: int = DAYS_AHEAD,
) -> dict[str, Any]:
    """Everything a screen shows for ``days`` days from the local ``day``, and one version hash that
    covers all of it: the kiosk page's ``programme.json``. ``images`` is the poster URL of each design
    for the screen's format and script (those the programme shows are published); ``reloads`` is the
    screen's reload count, so that asking a screen to reload changes its version."""
    start = _local(day, dt.time(), campaign.timezone)
    published = segments(fleet, campaign, screen, start, days)
    designs = {s["design"] for seg in published for s in seg["slides"]}
    shown = {d: url for d, url in images.items() if d in designs}
    return {
        "screen": screen.id,
        "name": screen.name,
        "format": screen.format,
        "script": screen.script,
        "version": version(published, shown, reloads),
        "segments": published,
        "images": shown,
    }


def version(published: list[dict[str, Any]], images: dict[str, str], reloads: int) -> str:
    """The version of a programme: a hash of its segments, the images it shows and its reload count."""
    content = json.dumps([published, images, reloads], sort_keys=True).encode()
    return hashlib.sha256(content).hexdigest()[:16]


def online(last_seen: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a screen last seen at ``last_seen`` (``None``: never) is online at ``now``: it reported
    within ``OFFLINE_AFTER``. The scheduler's ``mark_offline`` applies the same rule to the stored
    timestamps in one statement."""
    return last_seen is not None and now - last_seen <= OFFLINE_AFTER


def daypart_times(fleet: Fleet) -> set[tuple[str, str]]:
    """The fleet's day-part boundaries as (HH:MM, APScheduler ``day_of_week``) pairs."""
    found = set()
    for screen in fleet.screens:
        for part in screen.dayparts:
            found.add((part.start.strftime("%H:%M"), weekday_keys(part.days)))
            # A part that ends at 24:00 or crosses midnight ends on the next days.
            next_days = part.end is None or part.crosses_midnight
            shifted = [(d + 1) % 7 for d in part.days] if next_days else part.days
            end = "00:00" if part.end is None else part.end.strftime("%H:%M")
            found.add((end, weekday_keys(shifted)))
    return found
