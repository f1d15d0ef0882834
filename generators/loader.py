"""The one loader: a campaign folder of TOML files in, an immutable ``Campaign`` out.

A campaign folder holds ``campaign.toml`` (the notice's facts, slogans and the kinds), ``organizers.toml``,
``activities.toml`` and, optionally, the notice's text. The loader checks everything it reads and
reports every problem at once, each naming the file, the line, the record and the field, so that a
maintainer can fix a whole folder in one pass. It never writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generators import fonts
from generators.model import (
    CONFIDENCES,
    Activity,
    Campaign,
    DateSource,
    Organizer,
    Slogan,
    Source,
    Span,
)
from generators.notice import Notice, parse_notice
from generators.revisions import RevisionsError, load_revisions, out_of_step, revisions_path
from generators.script import to_hans

CAMPAIGN_FILE = "campaign.toml"
ORGANIZERS_FILE = "organizers.toml"
ACTIVITIES_FILE = "activities.toml"

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_URL = re.compile(r"https?://[^\s/]+\S*\Z")
#: Control characters other than tab and line breaks.
#: The longest text of each field that the posters, screens and feeds can show (characters): a theme or
#: slogan is a poster's headline, set large even on a vertical banner; a title heads an activity's
#: poster and the day's list; longer text would be refused by the render, so `check` refuses it first.
LIMITS = {
    "theme": 40, "slogans": 40, "title": 120, "name": 80, "short": 30, "place": 60, "date_note": 200,
    "text": 3000,
}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The longest campaign period: each day has its own poster, so a typo in a year must not make thousands.
MAX_PERIOD_DAYS = 366
#: The years a campaign's dates may fall in: any other is a typo, and at the ends of Python's calendar
#: (years 1 and 9999) the day after a date or a change of zone has no value at all.
_YEARS = range(1900, 3000)


@dataclass(frozen=True)
class DataError:
    """One problem in a data file: where it is and what is wrong."""

    file: str
    reason: str
    line: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.record:
            parts.append(self.record)
        if self.field is not None:  # an empty key ("" = 1) is a field too
            parts.append(f"field '{self.field}'")
        return ": ".join([*parts, self.reason])


class CampaignError(Exception):
    """The data could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[DataError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def display_path(path: Path) -> str:
    """``path`` relative to the working folder where it lies below it, as a user would type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_campaigns(data_dir: Path) -> list[Path]:
    """The campaign folders in ``data_dir`` (or ``data_dir`` itself if it is one), oldest first."""
    if (data_dir / CAMPAIGN_FILE).is_file():
        return [data_dir]
    if not data_dir.is_dir():
        raise CampaignError([DataError(display_path(data_dir), "no such data folder")])
    found = sorted(p.parent for p in data_dir.glob(f"*/{CAMPAIGN_FILE}"))
    if not found:
        reason = f"no campaign folder here (a folder with a {CAMPAIGN_FILE})"
        raise CampaignError([DataError(display_path(data_dir), reason)])
    return found


def load_current(data_dir: Path) -> Campaign:
    """The campaign of ``data_dir`` that starts last: the one a server publishes."""
    campaigns = [load_campaign(folder) for folder in find_campaigns(data_dir)]
    return max(campaigns, key=lambda c: c.start)


class TomlFile:
    """A TOML file being read: its path for messages, its lines for locating records and fields."""

    def __init__(self, path: Path, errors: list[DataError]) -> None:
        self.path = path
        self.name = display_path(path)
        self.errors = errors
        self.data: dict[str, Any] | None = None
        self.lines: list[str] = []
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self.error("file is missing")
            return
        except OSError as exc:
            self.error(f"cannot be read: {exc.strerror}")
            return
        if raw.startswith(b"\xef\xbb\xbf"):
            self.error("starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without one", line=1)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error("is not valid UTF-8", line=raw[: exc.start].count(b"\n") + 1)
            return
        self.lines = text.splitlines()
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # Python 3.14 gives lineno and msg; before it the line is only in the message.
            where = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            lineno: int | None = getattr(exc, "lineno", None) or (int(where.group(1)) if where else None)
            message = getattr(exc, "msg", None) or re.sub(r" \(at line \d+, column \d+\)", "", str(exc))
            self.error(f"TOML syntax error: {message}", line=lineno)

    def error(
        self, reason: str, *, line: int | None = None, record: str | None = None, field: str | None = None
    ) -> None:
        self.errors.append(DataError(self.name, reason, line, record, field))

    def table_line(self, header: str, index: int = 0) -> int | None:
        """The line of the ``index``-th ``[header]`` or ``[[header]]`` of the file."""
        pattern = re.compile(rf"\s*\[\[?\s*{re.escape(header)}\s*\]\]?\s*(#.*)?\Z")
        hits = [n for n, text in enumerate(self.lines, 1) if pattern.match(text)]
        return hits[index] if index < len(hits) else None

    def field_line(self, header: str, index: int, field: str | None) -> int | None:
        """The line where ``field`` is set in the ``index``-th ``[header]`` table (else the table's line)."""
        start = self.table_line(header, index)
        if start is None or field is None:
            return start
        key = re.compile(rf"\s*{re.escape(field)}\s*=")
        for n in range(start, len(self.lines)):
            text = self.lines[n]
            if text.lstrip().startswith("["):
                break
            if key.match(text):
                return n + 1
        return start


class TomlRecord:
    """One table of a file (``[campaign]`` or the n-th ``[[activity]]``) with typed, checked access."""

    def __init__(self, file: TomlFile, header: str, index: int, table: Any, label: str) -> None:
        self.file = file
        self.header = header
        self.index = index
        self.table: dict[str, Any] = table if isinstance(table, dict) else {}
        self.label = label
        self.ok = True
        if not isinstance(table, dict):
            self.error(None, "must be a table")

    def error(self, field: str | None, reason: str) -> None:
        self.ok = False
        line = self.file.field_line(self.header, self.index, field)
        self.file.error(reason, line=line, record=self.label, field=field)

    def check_fields(self, known: Iterable[str]) -> None:
        known = tuple(known)
        for name in self.table:
            if name not in known:
                self.error(name, f"unknown field (the fields are: {', '.join(known)})")

    def _get(self, field: str, required: bool, kind: str, test: Callable[[Any], bool]) -> Any:
        if field not in self.table:
            if required:
                self.error(field, "missing")
            return None
        value = self.table[field]
        if not test(value):
            self.error(field, f"must be {kind}, not {_describe(value)}")
            return None
        return value

    def text(self, field: str, required: bool = True) -> str | None:
        value = self._get(field, required, "text", lambda v: isinstance(v, str))
        if not isinstance(value, str):
            return None
        if not value.strip():
            self.error(field, "is empty")
            return None
        if not self._short_enough(field, value):
            return None
        if not self._printable(field, value):
            return None
        return value

    def _printable(self, field: str, value: str) -> bool:
        """Text holds no control character but tab and line breaks (iCalendar forbids them in text, and
        no poster can draw one)."""
        found = _CONTROL.search(value)
        if found:
            self.error(
                field, f"holds the control character U+{ord(found.group()):04X} at {found.start() + 1}"
            )
            return False
        return True

    def ident(self, field: str = "id") -> str | None:
        value = self.text(field)
        if value is not None and not _ID.match(value):
            self.error(field, f"{value!r} is not an id (lower-case ASCII letters, digits and hyphens)")
            return None
        return value

    def texts(self, field: str, required: bool = True) -> list[str] | None:
        test = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
        value = self._get(field, required, "a list of text", test)
        if not isinstance(value, list):
            return None
        if not value:
            self.error(field, "is empty")
            return None
        if not all(self._printable(field, x) and self._short_enough(field, x) for x in value):
            return None
        return [str(x) for x in value]

    def _short_enough(self, field: str, value: str) -> bool:
        longest = LIMITS.get(field)
        if longest is not None and len(value) > longest:
            self.error(field, f"is {len(value)} characters long: posters and screens set at most {longest}")
            return False
        return True

    def tables(self, field: str) -> list[dict[str, Any]] | None:
        test = lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v)  # noqa: E731
        value = self._get(field, True, "a list of tables", test)
        return list(value) if isinstance(value, list) else None

    def date(self, field: str, required: bool = True) -> dt.date | None:
        """A TOML date or date-time, or the same written as an ISO 8601 string."""
        if field not in self.table:
            if required:
                self.error(field, "missing")
            return None
        value = self.table[field]
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            except ValueError:
                self.error(field, f"{value!r} is not a date (write YYYY-MM-DD)")
                return None
        if isinstance(value, dt.time) or not isinstance(value, dt.date):
            self.error(field, f"must be a date (YYYY-MM-DD), not {_describe(value)}")
            return None
        if value.year not in _YEARS:
            self.error(field, f"{value.isoformat()} is not in the years {_YEARS[0]} to {_YEARS[-1]}")
            return None
        return value


def _describe(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list"}
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return names.get(type(value), type(value).__name__)


def records_of(
    file: TomlFile, key: str, label: str, *, siblings: tuple[str, ...] = (), required: bool = True
) -> list[TomlRecord]:
    """The ``[[key]]`` tables of ``file`` as records labelled by their id. ``siblings`` are the other
    tables the file may hold; any other top-level name is reported."""
    if file.data is None:
        return []
    tables = file.data.get(key)
    if tables is None:
        if required:
            file.error(f"has no [[{key}]] tables")
        return []
    if not isinstance(tables, list):
        file.error(f"'{key}' must be written as [[{key}]] tables", line=file.table_line(key))
        return []
    known = (key, *siblings)
    for name in file.data:
        if name not in known and not siblings:
            file.error(f"unknown table or key '{name}' (this file holds [[{key}]] tables)")
    records = []
    for index, table in enumerate(tables):
        ident = table.get("id") if isinstance(table, dict) else None
        name = f"{label} {ident!r}" if isinstance(ident, str) else f"{label} #{index + 1}"
        records.append(TomlRecord(file, key, index, table, name))
    return records


def unique_ids(records: Iterable[TomlRecord], ids: Iterable[str | None]) -> dict[str, TomlRecord]:
    seen: dict[str, TomlRecord] = {}
    for record, ident in zip(records, ids, strict=True):
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident].file.field_line(seen[ident].header, seen[ident].index, "id")
            record.error("id", f"duplicate id {ident!r} (first used on line {first})")
            continue
        seen[ident] = record
    return seen


@dataclass
class _CampaignFacts:
    record: TomlRecord
    values: dict[str, Any]


_CAMPAIGN_FIELDS = (
    "id", "name", "title", "document_number", "issued", "start", "end", "timezone", "notice",
    "theme", "issuers", "slogans",
)  # fmt: skip
_ORGANIZER_FIELDS = ("id", "name", "short", "kind")
_ACTIVITY_FIELDS = (
    "id", "title", "kind", "organizers", "text", "sources", "start", "end", "place", "date_note",
    "date_source",
)  # fmt: skip


def _kinds(file: TomlFile, key: str) -> dict[str, str]:
    assert file.data is not None
    table = file.data.get(key)
    line = file.table_line(key)
    if not isinstance(table, dict) or not table:
        file.error(f'needs a [{key}] table of id = "label" lines', line=line)
        return {}
    kinds: dict[str, str] = {}
    for ident, label in table.items():
        if not _ID.match(ident):
            file.error(f"{ident!r} is not an id", line=line, record=f"[{key}]", field=ident)
        elif not isinstance(label, str) or not label.strip():
            file.error("the label must be text", line=line, record=f"[{key}]", field=ident)
        else:
            kinds[ident] = label
    return kinds


def _campaign_facts(file: TomlFile) -> tuple[TomlRecord | None, dict[str, Any]]:
    if file.data is None:
        return None, {}
    for name in file.data:
        if name not in ("campaign", "organizer_kinds", "activity_kinds"):
            file.error(f"unknown table '{name}' (the tables are: campaign, organizer_kinds, activity_kinds)")
    if not isinstance(file.data.get("campaign"), dict):
        file.error("needs a [campaign] table")
        return None, {}
    record = TomlRecord(file, "campaign", 0, file.data["campaign"], "[campaign]")
    record.check_fields(_CAMPAIGN_FIELDS)
    values: dict[str, Any] = {
        "id": record.ident(),
        "name": record.text("name"),
        "title": record.text("title"),
        "document_number": record.text("document_number"),
        "issued": record.date("issued"),
        "start": record.date("start"),
        "end": record.date("end"),
        "theme": record.text("theme"),
        "issuers": record.texts("issuers"),
        "slogans": record.texts("slogans"),
        "notice": record.text("notice", required=False),
    }
    if values["slogans"] and not all(s.strip() for s in values["slogans"]):
        record.error("slogans", "a slogan is empty")
        values["slogans"] = None
    for field in ("issued", "start", "end"):
        if isinstance(values[field], dt.datetime):
            record.error(field, "must be a date, without a time")
            values[field] = None
    if values["start"] and values["end"] and values["end"] < values["start"]:
        record.error("end", f"{values['end']} is before the start {values['start']}")
        values["end"] = None
    if values["start"] and values["end"] and (values["end"] - values["start"]).days >= MAX_PERIOD_DAYS:
        days = (values["end"] - values["start"]).days + 1
        record.error("end", f"a period of {days} days (at most {MAX_PERIOD_DAYS}: a day's poster each day)")
        values["end"] = None
    zone = record.text("timezone")
    values["timezone"] = None
    if zone is not None:
        try:
            values["timezone"] = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder of the zone database
            record.error("timezone", f"{zone!r} is not an IANA time zone (such as Asia/Shanghai)")
    values["organizer_kinds"] = _kinds(file, "organizer_kinds")
    values["activity_kinds"] = _kinds(file, "activity_kinds")
    return record, values


def _organizers(file: TomlFile, kinds: Mapping[str, str] | None) -> tuple[dict[str, Organizer], set[str]]:
    """The valid organizers, and every id declared (for reference checks that should not cascade)."""
    records = records_of(file, "organizer", "organizer")
    organizers: dict[str, Organizer] = {}
    ids = [r.ident() for r in records]
    declared = {i for i in ids if i is not None}
    for ident, record in unique_ids(records, ids).items():
        record.check_fields(_ORGANIZER_FIELDS)
        name, short, kind = record.text("name"), record.text("short"), record.text("kind")
        if kind is not None and kinds is not None and kind not in kinds:
            record.error("kind", f"unknown kind {kind!r} (the kinds are: {', '.join(kinds)})")
        if record.ok and name and short and kind:
            organizers[ident] = Organizer(ident, name, short, kind)
    return organizers, declared


def _span(record: TomlRecord, facts: dict[str, Any]) -> Span | None:
    """The activity's span, checked against the campaign period; ``None`` after an error."""
    start, end = record.date("start", required=False), record.date("end", required=False)
    if ("start" in record.table and start is None) or ("end" in record.table and end is None):
        return None  # already reported
    zone: ZoneInfo | None = facts.get("timezone")
    first, last = facts.get("start"), facts.get("end")
    if start is None:
        if end is not None:
            record.error("end", "an end needs a start")
            return None
        if first is None or last is None:
            return None
        return Span(first, last + dt.timedelta(days=1), all_day=True, own=False)
    timed = isinstance(start, dt.datetime)
    if end is not None and isinstance(end, dt.datetime) != timed:
        record.error("end", "start and end must both be dates or both be date-times")
        return None
    if timed:
        if end is None:
            record.error("end", "an activity with a start time needs an end time")
            return None
        if zone is None:
            return None
        start, end = (_aware(v, zone) for v in (start, end))
        if end <= start:
            record.error("end", f"{end.isoformat()} is not after the start {start.isoformat()}")
            return None
        span = Span(start, end, all_day=False, own=True)
    else:
        last_day = end if end is not None else start
        if last_day < start:
            record.error("end", f"{last_day} is before the start {start}")
            return None
        span = Span(start, last_day + dt.timedelta(days=1), all_day=True, own=True)
    if first is not None and last is not None:
        for field, day in (("start", span.days()[0]), ("end", span.days()[-1])):
            if not first <= day <= last:
                reason = f"{day} is outside the campaign period {first} to {last}"
                record.error(field if field in record.table else "start", reason)
                return None
    return span


def _aware(value: dt.date, zone: ZoneInfo) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def _date_source(record: TomlRecord, dated: bool) -> DateSource | None:
    if "date_source" not in record.table:
        if dated:
            record.error("date_source", 'a date needs its source: { url = "…", confidence = "high" }')
        return None
    table = record.table["date_source"]
    if not isinstance(table, dict):
        record.error("date_source", f"must be a table, not {_describe(table)}")
        return None
    if not dated:
        record.error("date_source", "is given but the activity has no start date")
        return None
    unknown = set(table) - {"url", "confidence", "note"}
    if unknown:
        record.error(
            "date_source", f"unknown key {sorted(unknown)[0]!r} (the keys are: url, confidence, note)"
        )
        return None
    url, confidence, note = table.get("url"), table.get("confidence"), table.get("note")
    if confidence not in CONFIDENCES:
        record.error("date_source", f"confidence must be one of {', '.join(CONFIDENCES)}, not {confidence!r}")
        return None
    if url is not None and (not isinstance(url, str) or not _URL.match(url)):
        record.error("date_source", f"url {url!r} is not an http(s) address")
        return None
    if note is not None and (not isinstance(note, str) or not note.strip()):
        record.error("date_source", "note must be text")
        return None
    if url is None and note is None:
        record.error("date_source", "needs a url, or a note saying where the date comes from")
        return None
    return DateSource(confidence=confidence, url=url, note=note)


def _sources(record: TomlRecord, notice: Notice | None) -> tuple[Source, ...] | None:
    tables = record.tables("sources")
    if tables is None:
        return None
    if not tables:
        record.error("sources", "is empty")
        return None
    sources = []
    for table in tables:
        annex, item = table.get("annex"), table.get("item")
        if set(table) != {"annex", "item"} or not (_count(annex) and _count(item)):
            record.error("sources", "each source is { annex = N, item = N } with whole numbers from 1")
            return None
        assert isinstance(annex, int) and isinstance(item, int)
        source = Source(annex, item)
        if source in sources:
            record.error("sources", f"annex {annex} item {item} is listed twice")
            return None
        if notice is not None and notice.item(annex, item) is None:
            record.error("sources", f"the notice has no annex {annex} item {item}")
            return None
        sources.append(source)
    return tuple(sources)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_text_in_notice(record: TomlRecord, text: str, sources: Sequence[Source], notice: Notice) -> None:
    """Every line of ``text`` must stand, letter for letter, in one of the activity's annex items."""
    items = [notice.item(s.annex, s.item) or "" for s in sources]
    where = ", ".join(f"annex {s.annex} item {s.item}" for s in sources)
    for number, line in enumerate(text.split("\n"), 1):
        if not any(line in item for item in items):
            shown = line if len(line) <= 24 else line[:24] + "…"
            record.error("text", f"line {number} ({shown}) is not the notice's wording in {where}")


def _activities(
    file: TomlFile,
    facts: dict[str, Any],
    organizers: set[str] | None,
    notice: Notice | None,
) -> list[Activity]:
    kinds: Mapping[str, str] | None = facts.get("activity_kinds")
    records = records_of(file, "activity", "activity")
    activities = []
    ids = [r.ident() for r in records]
    for ident, record in unique_ids(records, ids).items():
        record.check_fields(_ACTIVITY_FIELDS)
        title, kind, text = record.text("title"), record.text("kind"), record.text("text")
        place = record.text("place", required=False)
        date_note = record.text("date_note", required=False)
        if kind is not None and kinds and kind not in kinds:
            record.error("kind", f"unknown kind {kind!r} (the kinds are: {', '.join(kinds)})")
        who = record.texts("organizers")
        if who is not None:
            if len(set(who)) != len(who):
                record.error("organizers", "an organizer is listed twice")
            for organizer in who:
                if organizers is not None and organizer not in organizers:
                    record.error("organizers", f"unknown organizer {organizer!r} (not in {ORGANIZERS_FILE})")
        sources = _sources(record, notice)
        if text is not None and sources is not None and notice is not None:
            _check_text_in_notice(record, text, sources, notice)
        span = _span(record, facts)
        date_source = _date_source(record, dated="start" in record.table)
        if record.ok and title and kind and text and who and sources and span:
            activities.append(
                Activity(ident, title, kind, tuple(who), text, sources, span, place, date_note, date_source)
            )
    if notice is not None and records and len(activities) == len(records):
        covered = {s for a in activities for s in a.sources}
        for annex, item in notice.items():
            if Source(annex, item) not in covered:
                file.error(f"annex {annex} item {item} of the notice is the source of no activity")
    return activities


def _check_glyphs(campaign: Campaign, files: Mapping[str, TomlFile]) -> None:
    """Every text must draw in the fonts of its script: Traditional in TC faces, Simplified in SC."""
    missing_fonts = [f.filename for f in fonts.FACES if not f.path.is_file()]
    if missing_fonts:
        files["campaign"].error(f"the fonts are missing from assets/fonts: {', '.join(missing_fonts)}")
        return

    def check(file: TomlFile, header: str, index: int, label: str, field: str, text: str | None) -> None:
        if not text:
            return
        scripts: dict[str, list[str]] = {}
        for script, name in (("hant", "Traditional"), ("hans", "Simplified")):
            shown = text if script == "hant" else to_hans(text)
            faces = [f for f in fonts.FACES if f.script == script]
            for char in fonts.missing_characters(shown, faces):
                scripts.setdefault(char, []).append(name)
        if not scripts:
            return
        where = " and ".join(dict.fromkeys(n for names in scripts.values() for n in names))
        reason = (
            f"characters the fonts cannot draw: {' '.join(scripts)} (in {where} script, "
            "add them to the fonts: see assets/fonts/README.md)"
        )
        file.error(reason, line=file.field_line(header, index, field), record=label, field=field)

    campaign_file = files["campaign"]
    for field in ("name", "title", "document_number", "theme"):
        check(campaign_file, "campaign", 0, "[campaign]", field, getattr(campaign, field))
    for slogan in campaign.slogans:
        check(campaign_file, "campaign", 0, "[campaign]", "slogans", slogan.text)
    for kinds_field in ("organizer_kinds", "activity_kinds"):
        for ident, label in getattr(campaign, kinds_field).items():
            check(campaign_file, kinds_field, 0, f"[{kinds_field}]", ident, label)
    for index, organizer in enumerate(campaign.organizers.values()):
        for field in ("name", "short"):
            check(files["organizers"], "organizer", index, f"organizer {organizer.id!r}", field,
                  getattr(organizer, field))  # fmt: skip
    for index, activity in enumerate(campaign.activities):
        for field in ("title", "text", "place", "date_note"):
            check(files["activities"], "activity", index, f"activity {activity.id!r}", field,
                  getattr(activity, field))  # fmt: skip


def load_campaign(folder: Path, *, revisions: bool = True) -> Campaign:
    """Load and check one campaign folder; raise ``CampaignError`` listing every problem found.

    With ``revisions`` (the default) the revision history must be in step with the activities;
    ``quality-month revise`` loads without it, to bring it in step.
    """
    errors: list[DataError] = []
    campaign_file = TomlFile(folder / CAMPAIGN_FILE, errors)
    organizers_file = TomlFile(folder / ORGANIZERS_FILE, errors)
    activities_file = TomlFile(folder / ACTIVITIES_FILE, errors)
    record, facts = _campaign_facts(campaign_file)

    notice: Notice | None = None
    if facts.get("notice"):
        notice_path = folder / facts["notice"]
        try:
            notice = parse_notice(notice_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # not UTF-8, or a NUL in the name
            assert record is not None
            record.error("notice", f"{display_path(notice_path)} cannot be read: {exc}")

    organizers, declared = _organizers(organizers_file, facts.get("organizer_kinds") if record else None)
    # Unknown-organizer errors are only worth reporting against an organizers file that loaded.
    known = declared if organizers_file.data is not None else None
    activities = _activities(activities_file, facts, known, notice)

    if record is not None and facts.get("issuers") is not None:
        for issuer in facts["issuers"]:
            if organizers_file.data is not None and issuer not in declared:
                record.error("issuers", f"unknown organizer {issuer!r} (not in {ORGANIZERS_FILE})")
        if len(set(facts["issuers"])) != len(facts["issuers"]):
            record.error("issuers", "an organizer is listed twice")

    if errors:
        raise CampaignError(errors)
    assert record is not None
    campaign = Campaign(
        id=facts["id"],
        title=facts["title"],
        name=facts["name"],
        document_number=facts["document_number"],
        issued=facts["issued"],
        start=facts["start"],
        end=facts["end"],
        timezone=facts["timezone"],
        theme=facts["theme"],
        slogans=tuple(Slogan(n, text) for n, text in enumerate(facts["slogans"], 1)),
        issuers=tuple(facts["issuers"]),
        organizer_kinds=facts["organizer_kinds"],
        activity_kinds=facts["activity_kinds"],
        organizers=organizers,
        activities=tuple(activities),
        notice=notice.text if notice is not None else None,
    )
    files = {"campaign": campaign_file, "organizers": organizers_file, "activities": activities_file}
    _check_glyphs(campaign, files)
    if revisions and not errors:
        campaign = _with_revisions(campaign, folder, errors)
    if errors:
        raise CampaignError(errors)
    return campaign


def _with_revisions(campaign: Campaign, folder: Path, errors: list[DataError]) -> Campaign:
    path = revisions_path(folder)
    name = display_path(path)
    try:
        history = load_revisions(path)
    except RevisionsError as exc:
        errors.append(DataError(name, str(exc).split(": ", 1)[1]))
        return campaign
    for ident in out_of_step(campaign, history):
        reason = "changed since the last revision: run `quality-month revise` to record it"
        if ident not in history:
            reason = "has no revision yet: run `quality-month revise` to record it"
        errors.append(DataError(name, reason, record=f"activity {ident!r}"))
    return dataclasses.replace(campaign, revisions=history)
