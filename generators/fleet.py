"""The kiosk fleet: its screens, their programmes and day parts, the special days, and the loader that
checks ``screens.toml`` against the campaign.

A screen plays its default programme, another in each of its day parts (a window of local time on some
weekdays), and a special day's programme all day. What a screen shows at a moment follows from this model
and the clock (:mod:`generators.programme`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from generators.datafile import CampaignError, DataError, TomlFile, TomlRecord, records_of, unique_ids
from generators.model import Campaign
from generators.posters import FORMATS_BY_ID, designs
from generators.script import SCRIPTS, Script
from generators.wording import WEEKDAY_KEYS

SCREENS_FILE = "screens.toml"
#: Bounds on every slide's duration: a slide shorter than 3 s cannot be read, and a typo such as
#: 9999999999 must not freeze a screen (signage players have crashed on exactly that).
MIN_SECONDS, MAX_SECONDS = 3, 3600
KIOSK_FORMATS = ("kiosk-portrait", "kiosk-landscape", "4k")
SHOWS = ("theme", "slogans", "slogan", "today", "countdown", "poster")
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


# --- loading --------------------------------------------------------------------------------------


def _days(value: str) -> frozenset[int] | None:
    """``mon-fri``, ``sat,sun``, ``mon-sun`` or one day, as weekday numbers (Monday 0)."""
    found: set[int] = set()
    for part in value.lower().split(","):
        ends = part.strip().split("-")
        if not all(e in WEEKDAY_KEYS for e in ends) or len(ends) > 2:
            return None
        first, last = WEEKDAY_KEYS.index(ends[0]), WEEKDAY_KEYS.index(ends[-1])
        found.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return frozenset(found)


def days_text(days: frozenset[int]) -> str:
    """Weekdays as the fleet file writes them (``mon-fri``, ``sat,sun``): what ``_days`` reads back."""
    ordered = sorted(days)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAY_KEYS[ordered[0]]}-{WEEKDAY_KEYS[ordered[-1]]}"
    return ",".join(WEEKDAY_KEYS[d] for d in ordered)


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
    return _load(path, campaign, None, None)


def load_fleet_text(text: str | bytes, campaign: Campaign, name: str = SCREENS_FILE) -> Fleet:
    """Load and check a fleet document (``screens.toml``'s form) given as text, called ``name`` in the
    errors: what the console saves, what ``fleet import`` reads and the state database keeps are
    checked by the loader that checks the file."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return _load(Path(name), campaign, raw, name)


def _load(path: Path, campaign: Campaign, raw: bytes | None, name: str | None) -> Fleet:
    errors: list[DataError] = []
    file = TomlFile(path, errors, raw=raw, name=name)
    known_designs = {d.id for d in designs(campaign)}
    file.check_tables("programme", "special", "screen")
    programme_records = records_of(file, "programme", "programme")
    programmes: dict[str, Programme] = {}
    names = [r.ident() for r in programme_records]
    declared = {n for n in names if n is not None}
    for ident, record in unique_ids(programme_records, names).items():
        record.check_fields(("id", "slides"))
        slides = _slides(record, known_designs)
        if slides is not None:
            programmes[ident] = Programme(ident, slides)

    specials: dict[dt.date, str] = {}
    for index, record in enumerate(records_of(file, "special", "special day", required=False)):
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
    screen_records = records_of(file, "screen", "screen")
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


def load_fleet_for(data_dir: Path, campaign: Campaign) -> Fleet | None:
    """The fleet of a data folder, or ``None`` if it has no ``screens.toml``."""
    path = fleet_path(data_dir)
    if not path.exists():
        return None
    return load_fleet(path, campaign)
