"""Local editions: ``local/<id>.toml`` in a campaign folder, a bureau's or a city's own activities in
the campaign, checked like the rest of the data.

A local edition is its organiser's word, not the notice's: its activities have no source in the notice
and need no ``date_source`` (the edition is where the date comes from), but each has a date, and a time
of day names its zone (an offset such as ``+08:00``, or the edition's ``timezone``): a screen or a
subscriber in another zone must not guess. Ids are the campaign's: an edition's organizers and
activities must not take an id that the notice's data (or another edition) uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generators.activity_records import Bounds, organizers, span_of
from generators.datafile import ID, DataError, TomlFile, TomlRecord, records_of, unique_ids
from generators.glyphs import check_text
from generators.model import Activity, Edition, Organizer

LOCAL_FOLDER = "local"
_EDITION_FIELDS = ("name", "organizer", "example", "timezone")
_ACTIVITY_FIELDS = ("id", "title", "kind", "organizers", "text", "start", "end", "place", "date_note")


def edition_files(folder: Path) -> list[Path]:
    """A campaign folder's local edition files, by name."""
    return sorted((folder / LOCAL_FOLDER).glob("*.toml"))


@dataclasses.dataclass
class Taken:
    """The ids the campaign has given out so far, and to whom (for the messages)."""

    organizers: dict[str, str]
    activities: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Context:
    """What the campaign's own files set for its editions: the period, zone and activity kinds, the
    organizer kinds, and its organizers."""

    bounds: Bounds
    organizer_kinds: Mapping[str, str] | None
    known: Mapping[str, Organizer]


def editions(
    folder: Path, context: Context, taken: Taken, errors: list[DataError]
) -> tuple[dict[str, Edition], dict[str, Organizer]]:
    """Every local edition of a campaign folder that checks, and their organizers; the problems go to
    ``errors`` (by file, line, record and field)."""
    found: dict[str, Edition] = {}
    local: dict[str, Organizer] = {}
    for path in edition_files(folder):
        file = TomlFile(path, errors)
        if not ID.match(path.stem):
            file.error(
                f"the file's name {path.stem!r} is the edition's id: lower-case letters, digits, hyphens"
            )
            continue
        if file.data is None:
            continue
        loaded = _edition(
            path.stem, file, dataclasses.replace(context, known={**context.known, **local}), taken
        )
        if loaded is not None:
            edition, own = loaded
            found[edition.id] = edition
            local.update(own)
    return found, local


def _edition(
    ident: str, file: TomlFile, context: Context, taken: Taken
) -> tuple[Edition, dict[str, Organizer]] | None:
    bounds = context.bounds
    file.check_tables("edition", "organizer", "activity")
    if not isinstance(file.data, dict) or not isinstance(file.data.get("edition"), dict):
        file.error("needs an [edition] table (name, organizer)")
        return None
    record = TomlRecord(file, "edition", 0, file.data["edition"], "[edition]")
    record.check_fields(_EDITION_FIELDS)
    name, organizer = record.text("name"), record.text("organizer")
    example = record.table.get("example", False)
    if not isinstance(example, bool):
        record.error("example", "must be true or false")
    zone = _zone(record)
    own: dict[str, Organizer] = {}
    if "organizer" in file.data:
        own, _ = organizers(file, context.organizer_kinds, tables=None)
    for oid in list(own):
        if oid in taken.organizers:
            _id_error(file, "organizer", oid, f"is {taken.organizers[oid]}'s id already")
            del own[oid]
    everyone = {**context.known, **own}
    if organizer is not None and organizer not in everyone:
        record.error(
            "organizer", f"unknown organizer {organizer!r} (not in this file's [[organizer]] tables)"
        )
    check_text(file, "edition", 0, "[edition]", "name", name)
    for index, (oid, found) in enumerate(own.items()):
        for field in ("name", "short"):
            check_text(file, "organizer", index, f"organizer {oid!r}", field, getattr(found, field))
    local_bounds = dataclasses.replace(bounds, timezone=zone, timezone_for_offsets=bounds.timezone)
    activities = _activities(file, ident, local_bounds, set(everyone), taken)
    if not (record.ok and name and organizer) or any(e.file == file.name for e in file.errors):
        # (an edition with an error is left out whole: half an edition would look complete)
        return None
    taken.organizers.update((oid, f"edition {ident!r}") for oid in own)
    taken.activities.update((a.id, f"edition {ident!r}") for a in activities)
    return Edition(ident, name, organizer, tuple(activities), example), own


def _zone(record: TomlRecord) -> ZoneInfo | None:
    name = record.text("timezone", required=False)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        record.error("timezone", f"unknown timezone {name!r} (an IANA name such as 'Asia/Shanghai')")
        return None


def _id_error(file: TomlFile, header: str, ident: str, reason: str) -> None:
    index = next(
        (n for n, t in enumerate(file.data.get(header, []) if file.data else []) if t.get("id") == ident), 0
    )
    line = file.field_line(header, index, "id")
    file.error(f"id {ident!r} {reason}", line=line, record=f"{header} {ident!r}", field="id")


def _activities(
    file: TomlFile, edition: str, bounds: Bounds, known: set[str], taken: Taken
) -> list[Activity]:
    records = records_of(file, "activity", "activity")
    ids = [r.ident() for r in records]
    found = []
    for ident, record in unique_ids(records, ids).items():
        if ident in taken.activities:
            record.error("id", f"is {taken.activities[ident]}'s activity id already")
            continue
        activity = _activity(record, edition, bounds, known)
        if activity is not None:
            found.append(activity)
    return found


def _activity(record: TomlRecord, edition: str, bounds: Bounds, known: set[str]) -> Activity | None:
    record.check_fields(_ACTIVITY_FIELDS)
    title, kind, text = record.text("title"), record.text("kind"), record.text("text")
    place = record.text("place", required=False)
    date_note = record.text("date_note", required=False)
    if kind is not None and bounds.kinds and kind not in bounds.kinds:
        record.error("kind", f"unknown kind {kind!r} (the kinds are: {', '.join(bounds.kinds)})")
    who = record.texts("organizers")
    for organizer in who or []:
        if organizer not in known:
            record.error(
                "organizers", f"unknown organizer {organizer!r} (not in this file or organizers.toml)"
            )
    if "start" not in record.table:
        record.error("start", "a local activity needs its date (and its time, where it has one)")
        return None
    span = span_of(record, bounds, zoned=True)
    for field, value in (("title", title), ("text", text), ("place", place), ("date_note", date_note)):
        check_text(record.file, "activity", record.index, record.label, field, value)
    if not (record.ok and title and kind and text and who and span):
        return None
    ident = record.table["id"]
    return Activity(ident, title, kind, tuple(who), text, (), span, place, date_note, None, edition=edition)
