"""The kiosk fleet and its programme maths: which slide a screen shows at any moment.

Screens work out the current slide from the clock and a published timeline, never from chained timers
or a leader screen: a programme's slides repeat in a cycle anchored at the start of the period in which
the programme plays (the day, a day part, a special day), so every screen on the same programme shows
the same slide at the same moment. Everything here is a pure function of the fleet, the campaign and
``now`` (timezone-aware); nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generators.datafile import CampaignError, DataError, TomlFile, TomlRecord, records_of, unique_ids
from generators.model import Campaign
from generators.posters import FORMATS_BY_ID, designs
from generators.script import SCRIPTS, Script

SCREENS_FILE = "screens.toml"
#: Bounds on every slide's duration: a slide shorter than 3 s cannot be read, and a typo such as
#: 9999999999 must not freeze a screen (signage players have crashed on exactly that).
MIN_SECONDS, MAX_SECONDS = 3, 3600
KIOSK_FORMATS = ("kiosk-portrait", "kiosk-landscape", "4k")
SHOWS = ("theme", "slogans", "slogan", "today", "countdown", "poster")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01]\d|2[0-4]):([0-5]\d)\Z")


@dataclass(frozen=True)
class SlideSpec:
    """A slide as the data gives it: what to show and for how long."""

    show: str
    seconds: int
    design: str | None = None


@dataclass(frozen=True)
class Programme:
    id: str
    slides: tuple[SlideSpec, ...]


@dataclass(frozen=True)
class DayPart:
    """A window of local time on some weekdays (0 is Monday) in which a screen plays another programme.
    A window whose end is not after its start crosses midnight: it belongs to the day it starts on."""

    days: frozenset[int]
    start: dt.time
    end: dt.time | None  # None is 24:00
    programme: str

    @property
    def crosses_midnight(self) -> bool:
        return self.end is not None and self.end <= self.start


@dataclass(frozen=True)
class Screen:
    id: str
    name: str
    location: str
    format: str
    script: Script
    programme: str
    dayparts: tuple[DayPart, ...] = ()


@dataclass(frozen=True)
class Fleet:
    screens: tuple[Screen, ...]
    programmes: dict[str, Programme]
    specials: dict[dt.date, str]

    def screen(self, screen_id: str) -> Screen:
        """The screen with this id; ``KeyError`` if there is none."""
        for screen in self.screens:
            if screen.id == screen_id:
                return screen
        raise KeyError(screen_id)


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


# --- loading --------------------------------------------------------------------------------------


def _days(value: str) -> frozenset[int] | None:
    """``mon-fri``, ``sat,sun``, ``mon-sun`` or one day, as weekday numbers (Monday 0)."""
    found: set[int] = set()
    for part in value.lower().split(","):
        ends = part.strip().split("-")
        if not all(e in _DAYS for e in ends) or len(ends) > 2:
            return None
        first, last = _DAYS.index(ends[0]), _DAYS.index(ends[-1])
        found.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return frozenset(found)


def _time(value: object) -> tuple[dt.time | None, bool]:
    """A ``HH:MM`` time (``24:00`` is the end of the day, ``None``); the flag says whether it parsed."""
    if not isinstance(value, str) or not (match := _TIME.match(value)):
        return None, False
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24:
        return None, minutes == 0
    return dt.time(hours, minutes), True


def _slides(record: TomlRecord, known_designs: set[str]) -> tuple[SlideSpec, ...] | None:
    tables = record.tables("slides")
    if not tables:
        if tables == []:
            record.error("slides", "is empty")
        return None
    slides = []
    for number, table in enumerate(tables, 1):
        where = f"slide {number}: "
        show, seconds, design = table.get("show"), table.get("seconds"), table.get("design")
        unknown = set(table) - {"show", "seconds", "design"}
        if unknown:
            record.error(
                "slides", where + f"unknown key {sorted(unknown)[0]!r} (the keys are: show, seconds, design)"
            )
            return None
        if not isinstance(show, str) or not (show in SHOWS or re.fullmatch(r"slogan-\d\d", show)):
            record.error(
                "slides",
                where + f"show {show!r} is not one of theme, slogans, slogan-NN, today, countdown, poster",
            )
            return None
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int)
            or not MIN_SECONDS <= seconds <= MAX_SECONDS
        ):
            record.error(
                "slides",
                where
                + f"seconds must be a whole number from {MIN_SECONDS} to {MAX_SECONDS}, not {seconds!r}",
            )
            return None
        if show.startswith("slogan-") and show not in known_designs:
            record.error("slides", where + f"there is no {show} in this campaign")
            return None
        if show == "poster":
            if not isinstance(design, str) or design not in known_designs:
                record.error("slides", where + f"a poster slide needs the design of a poster, not {design!r}")
                return None
        elif design is not None:
            record.error("slides", where + "only a poster slide takes a design")
            return None
        slides.append(SlideSpec(show, seconds, design))
    return tuple(slides)


def _dayparts(record: TomlRecord, programmes: set[str]) -> tuple[DayPart, ...] | None:
    if "dayparts" not in record.table:
        return ()
    tables = record.tables("dayparts")
    if tables is None:
        return None
    parts = []
    for number, table in enumerate(tables, 1):
        where = f"day part {number}: "
        if set(table) != {"days", "from", "to", "programme"}:
            record.error(
                "dayparts",
                where + 'each is { days = "mon-fri", from = "HH:MM", to = "HH:MM", programme = "…" }',
            )
            return None
        days = _days(table["days"]) if isinstance(table["days"], str) else None
        start, start_ok = _time(table["from"])
        end, end_ok = _time(table["to"])
        if days is None:
            record.error(
                "dayparts", where + f"days {table['days']!r} is not like mon-fri, sat,sun or mon-sun"
            )
            return None
        if not start_ok or start is None or not end_ok:
            record.error("dayparts", where + "from and to are times HH:MM (to may be 24:00)")
            return None
        if start == end:
            record.error("dayparts", where + "from and to are the same time")
            return None
        if not isinstance(table["programme"], str) or table["programme"] not in programmes:
            record.error("dayparts", where + f"unknown programme {table['programme']!r}")
            return None
        parts.append(DayPart(days, start, end, table["programme"]))
    return tuple(parts)


def load_fleet(path: Path, campaign: Campaign) -> Fleet:
    """Load and check the fleet file against the campaign; ``CampaignError`` lists every problem."""
    errors: list[DataError] = []
    file = TomlFile(path, errors)
    known_designs = {d.id for d in designs(campaign)}
    if file.data is not None:
        for name in file.data:
            if name not in ("programme", "special", "screen"):
                file.error(f"unknown table '{name}' (the tables are: programme, special, screen)")
    programme_records = records_of(file, "programme", "programme", siblings=("special", "screen"))
    programmes: dict[str, Programme] = {}
    names = [r.ident() for r in programme_records]
    declared = {n for n in names if n is not None}
    for ident, record in unique_ids(programme_records, names).items():
        record.check_fields(("id", "slides"))
        slides = _slides(record, known_designs)
        if slides is not None:
            programmes[ident] = Programme(ident, slides)

    specials: dict[dt.date, str] = {}
    for index, record in enumerate(
        records_of(file, "special", "special day", siblings=("programme", "screen"), required=False)
    ):
        record.label = f"special day #{index + 1}"
        record.check_fields(("date", "programme"))
        day, programme = record.date("date"), record.text("programme")
        if isinstance(day, dt.datetime):
            record.error("date", "must be a date, without a time")
            day = None
        if day is not None and not campaign.start <= day <= campaign.end:
            record.error("date", f"{day} is outside the campaign period {campaign.start} to {campaign.end}")
        elif day is not None and day in specials:
            record.error("date", f"{day} is a special day twice")
        if programme is not None and programme not in declared:
            record.error("programme", f"unknown programme {programme!r}")
        if record.ok and day is not None and programme is not None:
            specials[day] = programme

    screens = []
    screen_records = records_of(file, "screen", "screen", siblings=("programme", "special"))
    ids = [r.ident() for r in screen_records]
    for ident, record in unique_ids(screen_records, ids).items():
        record.check_fields(("id", "name", "location", "format", "script", "programme", "dayparts"))
        label, location = record.text("name"), record.text("location")
        fmt, script, programme = record.text("format"), record.text("script"), record.text("programme")
        if fmt is not None and (fmt not in KIOSK_FORMATS or fmt not in FORMATS_BY_ID):
            record.error("format", f"{fmt!r} is not a screen format ({', '.join(KIOSK_FORMATS)})")
        if script is not None and script not in SCRIPTS:
            record.error("script", f"{script!r} is not a script (hant or hans)")
        if programme is not None and programme not in declared:
            record.error("programme", f"unknown programme {programme!r}")
        parts = _dayparts(record, declared)
        if record.ok and label and location and fmt and script and programme and parts is not None:
            screens.append(Screen(ident, label, location, fmt, script, programme, parts))  # type: ignore[arg-type]
    if errors:
        raise CampaignError(errors)
    return Fleet(tuple(screens), programmes, specials)


def fleet_path(data_dir: Path) -> Path:
    """Where the fleet file of a data folder is (``data/screens.toml``)."""
    return (data_dir.parent if (data_dir / "campaign.toml").is_file() else data_dir) / SCREENS_FILE


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


def load_fleet_for(data_dir: Path, campaign: Campaign) -> Fleet | None:
    """The fleet of a data folder, or ``None`` if it has no ``screens.toml``."""
    path = fleet_path(data_dir)
    if not path.exists():
        return None
    return load_fleet(path, campaign)


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
