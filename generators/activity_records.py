"""The records of ``organizers.toml`` and ``activities.toml``, checked: each organizer's kind, each
activity's organizers, its sources in the notice (its text must be the notice's own wording), its span
within the campaign period and, for a date from outside the notice, where the date comes from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from generators.datafile import ID, TomlFile, TomlRecord, describe, records_of, unique_ids
from generators.model import CONFIDENCES, Activity, DateSource, Organizer, Source, Span
from generators.notice import Notice

ORGANIZERS_FILE = "organizers.toml"
_URL = re.compile(r"https?://[^\s/]+\S*\Z")
_ORGANIZER_FIELDS = ("id", "name", "short", "kind")
_ACTIVITY_FIELDS = (
    "id", "title", "kind", "organizers", "text", "sources", "start", "end", "place", "date_note",
    "date_source",
)  # fmt: skip


@dataclass(frozen=True)
class Bounds:
    """What the campaign file sets for its activities, each ``None`` where it did not load: the
    campaign's zone and period, and the kinds of activity (empty: not checked)."""

    timezone: ZoneInfo | None
    start: dt.date | None
    end: dt.date | None
    kinds: Mapping[str, str] = field(default_factory=dict)
    #: The zone times with an offset are shown in when ``timezone`` is not set (a local edition's).
    timezone_for_offsets: ZoneInfo | None = None


def organizers(
    file: TomlFile,
    kinds: Mapping[str, str] | None,
    *,
    tables: tuple[str, ...] | None = ("organizer", "renamed"),
) -> tuple[dict[str, Organizer], set[str]]:
    """The valid organizers, and every id declared (for reference checks that should not cascade);
    ``tables``: what the file may hold (``None``: the caller checks that)."""
    if tables is not None:
        file.check_tables(*tables)
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


def renamed(file: TomlFile, declared: set[str]) -> dict[str, str]:
    """The optional ``[renamed]`` table: ``old-id = "new-id"`` for each organizer id that was corrected,
    so that the old id's pages and feeds can move permanently to the new one."""
    if file.data is None or "renamed" not in file.data:
        return {}
    table, line = file.data["renamed"], file.table_line("renamed")
    if not isinstance(table, dict):
        file.error("'renamed' must be a [renamed] table of old-id = \"new-id\" lines", line=line)
        return {}
    found: dict[str, str] = {}
    for old, new in table.items():
        reason = None
        if not ID.match(old):
            reason = f"{old!r} is not an id"
        elif old in declared:
            reason = f"{old!r} is an organizer's id now: only an id no longer used can move"
        elif not isinstance(new, str) or new not in declared:
            reason = f"{new!r} is not an organizer's id (the id it moved to)"
        if reason is None:
            found[old] = new
        else:
            file.error(reason, line=file.field_line("renamed", 0, old), record="[renamed]", field=old)
    return found


def span_of(record: TomlRecord, bounds: Bounds, *, zoned: bool = False) -> Span | None:
    """The activity's span, checked against the campaign period; ``None`` after an error. A time
    without an offset is in the campaign's zone, unless ``zoned`` (a local edition's: its times name
    their zone, by offset or by the edition's ``timezone``)."""
    start, end = record.date("start", required=False), record.date("end", required=False)
    if ("start" in record.table and start is None) or ("end" in record.table and end is None):
        return None  # already reported
    zone, first, last = bounds.timezone, bounds.start, bounds.end
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
        if zoned and zone is None:
            for field, value in (("start", start), ("end", end)):
                if isinstance(value, dt.datetime) and value.tzinfo is None:
                    record.error(field, f"{value.isoformat()} has no timezone: write its offset "
                                 "(such as +08:00), or give the edition a timezone")  # fmt: skip
                    return None
            zone = bounds.timezone_for_offsets
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
        record.error("date_source", f"must be a table, not {describe(table)}")
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


def activities(
    file: TomlFile, bounds: Bounds, organizers: set[str] | None, notice: Notice | None
) -> list[Activity]:
    """The valid activities; ``organizers`` are the declared ids (``None``: not known, not checked)."""
    file.check_tables("activity")
    records = records_of(file, "activity", "activity")
    ids = [r.ident() for r in records]
    activities = [
        activity
        for record in unique_ids(records, ids).values()
        if (activity := _activity(record, bounds, organizers, notice)) is not None
    ]
    if notice is not None and records and len(activities) == len(records):
        covered = {s for a in activities for s in a.sources}
        for annex, item in notice.items():
            if Source(annex, item) not in covered:
                file.error(f"annex {annex} item {item} of the notice is the source of no activity")
    return activities


def _activity(
    record: TomlRecord, bounds: Bounds, organizers: set[str] | None, notice: Notice | None
) -> Activity | None:
    record.check_fields(_ACTIVITY_FIELDS)
    title, kind, text = record.text("title"), record.text("kind"), record.text("text")
    place = record.text("place", required=False)
    date_note = record.text("date_note", required=False)
    kinds = bounds.kinds
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
    span = span_of(record, bounds)
    date_source = _date_source(record, dated="start" in record.table)
    if not (record.ok and title and kind and text and who and sources and span):
        return None
    ident = record.table["id"]
    return Activity(ident, title, kind, tuple(who), text, sources, span, place, date_note, date_source)
