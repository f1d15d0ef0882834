"""The data's revision history: when each activity was created and last changed, and its SEQUENCE.

Feeds must be a pure function of the repository, yet subscribers' calendars only take an edit when
SEQUENCE rises and LAST-MODIFIED moves. So the history is data too: ``revisions.toml`` beside the
campaign, written by ``quality-month revise`` (the only place that reads the clock) and checked by a test
and by ``quality-month check`` to be in step with the activities.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import tomlkit
import tomlkit.exceptions
import tomlkit.items
from tomlkit.items import KeyType, SingleKey

from generators.feeds import event_text
from generators.files import write_atomic
from generators.model import Activity, Campaign, Revision

REVISIONS_FILE = "revisions.toml"
#: The largest SEQUENCE a feed can carry: RFC 5545's INTEGER is 32-bit.
_MAX_SEQUENCE = 2**31 - 1


def _digest(values: object) -> str:
    encoded = json.dumps(values, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


def digests(activity: Activity, campaign: Campaign) -> tuple[str, str]:
    """The (significant, content) digests of an activity as it is now.

    The significant digest covers everything a subscriber sees of the activity's event: its time, and
    its text as the feeds render it in both scripts (title, description, place, categories). So every
    input of that text counts, whoever holds it: an organizer's name, a kind's label, the campaign's
    title, a date note, the Simplified conversion; a change to any raises SEQUENCE. The content digest
    covers what the data holds beyond that (ids, sources, whether the date is the activity's own)."""
    span = activity.span
    significant = _digest(
        [span.start.isoformat(), span.end.isoformat(), span.all_day, event_text(campaign, activity)]
    )
    source = activity.date_source
    content = _digest(
        [activity.kind, activity.organizers, [(s.annex, s.item) for s in activity.sources], span.own,
         source and (source.url, source.confidence, source.note)]
    )  # fmt: skip
    return significant, content


class RevisionsError(Exception):
    """The revision file is missing, unreadable, or out of step with the data."""


def revisions_path(campaign_folder: Path) -> Path:
    return campaign_folder / REVISIONS_FILE


def load_revisions(path: Path) -> dict[str, Revision]:
    """Read a revision file; ``RevisionsError`` naming the file if it cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RevisionsError(f"{path.name}: file is missing (run `quality-month revise`)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RevisionsError(f"{path.name}: cannot be read: {exc}") from None
    entries = data.get("activity", {})
    if not isinstance(entries, dict):
        raise RevisionsError(f"{path.name}: 'activity' must be a table of [activity.\"id\"] tables")
    revisions: dict[str, Revision] = {}
    for ident, entry in entries.items():
        try:
            sequence = int(entry["sequence"])
            if not 0 <= sequence <= _MAX_SEQUENCE:
                raise ValueError(f"sequence {sequence} is not from 0 to {_MAX_SEQUENCE}")
            revisions[ident] = Revision(
                significant=str(entry["significant"]),
                content=str(entry["content"]),
                sequence=sequence,
                created=_utc(entry["created"]),
                modified=_utc(entry["modified"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:  # OverflowError: inf, year 9999
            raise RevisionsError(f"{path.name}: activity {ident!r}: bad entry ({exc})") from None
    return revisions


def _utc(value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError("times must be offset date-times such as 2022-08-19T00:00:00Z")
    return value.astimezone(dt.UTC)


def out_of_step(campaign: Campaign, revisions: Mapping[str, Revision]) -> list[str]:
    """The ids of activities whose revision entry is missing or does not match the data."""
    stale = []
    for activity in campaign.every_activity:
        entry = revisions.get(activity.id)
        if entry is None or (entry.significant, entry.content) != digests(activity, campaign):
            stale.append(activity.id)
    return stale


def revise(campaign: Campaign, revisions: Mapping[str, Revision], now: dt.datetime) -> dict[str, Revision]:
    """The history after recording the data as it is at ``now`` (timezone-aware).

    A new activity is created at ``now``; a significant change raises SEQUENCE and moves LAST-MODIFIED;
    any other change moves LAST-MODIFIED only. Entries of removed activities are kept, so that an id used
    again goes on from its old SEQUENCE.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    updated = dict(revisions)
    for activity in campaign.every_activity:
        significant, content = digests(activity, campaign)
        entry = revisions.get(activity.id)
        if entry is None:
            updated[activity.id] = Revision(significant, content, 0, now, now)
        elif entry.significant != significant:
            updated[activity.id] = Revision(significant, content, entry.sequence + 1, entry.created, now)
        elif entry.content != content:
            updated[activity.id] = replace(entry, content=content, modified=now)
    return updated


_HEADER = (
    "The revision history of the activities, for the feeds' SEQUENCE, CREATED and LAST-MODIFIED.",
    "Written by `quality-month revise`; do not edit by hand.",
)


def dump_revisions(revisions: Mapping[str, Revision], previous: str | None = None) -> str:
    """The revision file's text, sorted by id so that it diffs well. Given the ``previous`` text of the
    file, its comments and layout are kept and only the values that changed are rewritten."""
    document = _document(previous)
    entries = document.get("activity")
    if not isinstance(entries, tomlkit.items.Table):
        entries = tomlkit.table(is_super_table=True)
        document["activity"] = entries
    for ident in sorted(set(revisions) - set(entries)):
        entries.add(SingleKey(ident, t=KeyType.Basic), tomlkit.table())
    for ident in sorted(revisions):
        entry, table = revisions[ident], entries[ident]
        values = {
            "significant": tomlkit.item(entry.significant), "content": tomlkit.item(entry.content),
            "sequence": tomlkit.item(entry.sequence),
            # Parsed from TOML text, so that a time is written as 2022-08-19T00:00:00Z, not +00:00.
            "created": tomlkit.value(_stamp(entry.created)),
            "modified": tomlkit.value(_stamp(entry.modified)),
        }  # fmt: skip
        for name, item in values.items():
            if table.get(name) != item:
                table[name] = item
    return tomlkit.dumps(document)


def _document(previous: str | None) -> tomlkit.TOMLDocument:
    if previous is not None:
        try:
            return tomlkit.parse(previous)
        except tomlkit.exceptions.TOMLKitError:
            pass  # a file that does not parse is written afresh (load_revisions reports it first)
    document = tomlkit.document()
    for line in _HEADER:
        document.add(tomlkit.comment(line))
    return document


def write_revisions(path: Path, revisions: Mapping[str, Revision]) -> None:
    """Write the revision file in one step, keeping the comments and layout of the one it replaces."""
    try:
        previous: str | None = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        previous = None
    write_atomic(path, dump_revisions(revisions, previous))


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
