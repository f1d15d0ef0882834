"""The campaign as an immutable model: what the loader builds and every generator reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from zoneinfo import ZoneInfo

from generators.script import Script, in_script

#: How sure a public report makes us of a date found outside the notice, with the label readers see.
CONFIDENCE_LABELS = {"high": "高", "medium-high": "中高", "medium": "中", "low": "低"}
CONFIDENCES = tuple(CONFIDENCE_LABELS)


@dataclass(frozen=True)
class Organizer:
    """A department, association, enterprise or group that runs activities."""

    id: str
    name: str
    short: str
    kind: str


@dataclass(frozen=True)
class Source:
    """Where the notice describes an activity: an annex and a numbered item in it."""

    annex: int
    item: int


@dataclass(frozen=True)
class DateSource:
    """Where an activity's date comes from, when the notice itself does not give it."""

    confidence: str
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Span:
    """When an activity happens: ``end`` is exclusive, as in iCalendar.

    All-day spans hold dates; others hold timezone-aware date-times. ``own`` says whether the activity
    has a date of its own or simply spans the campaign period.
    """

    start: dt.date
    end: dt.date
    all_day: bool
    own: bool

    def days(self) -> list[dt.date]:
        """Every calendar day the span touches, in order."""
        first = self.start if self.all_day else _as_datetime(self.start).date()
        if self.all_day:
            last = self.end - dt.timedelta(days=1)
        else:
            end = _as_datetime(self.end)
            last = (end - dt.timedelta(microseconds=1)).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _as_datetime(value: dt.date) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value


@dataclass(frozen=True)
class Activity:
    """One activity of the notice's annexes."""

    id: str
    title: str
    kind: str
    organizers: tuple[str, ...]
    text: str
    sources: tuple[Source, ...]
    span: Span
    place: str | None = None
    date_note: str | None = None
    date_source: DateSource | None = None
    #: The local edition it belongs to (``local/<id>.toml``); ``None`` for the notice's own activities.
    edition: str | None = None

    def title_in(self, script: Script) -> str:
        return in_script(self.title, script)

    def text_in(self, script: Script) -> str:
        return in_script(self.text, script)


@dataclass(frozen=True)
class Revision:
    """One activity's history. ``significant`` digests what calendars must re-read (time, title, place,
    text): a change to it raises ``sequence``. ``content`` digests everything else that a feed shows."""

    significant: str
    content: str
    sequence: int
    created: dt.datetime
    modified: dt.datetime


@dataclass(frozen=True)
class Slogan:
    """One of the campaign's slogans, numbered from 1 in the notice's order."""

    number: int
    text: str

    @property
    def design(self) -> str:
        return f"slogan-{self.number:02d}"

    def text_in(self, script: Script) -> str:
        return in_script(self.text, script)


@dataclass(frozen=True)
class Edition:
    """A local edition of the campaign (``local/<id>.toml``): a bureau's or a city's own activities in
    it, each dated, timed and placed by its organiser rather than by the notice. ``example`` marks the
    edition that ships to show the form (its activities are no real events)."""

    id: str
    name: str
    organizer: str
    activities: tuple[Activity, ...]
    example: bool = False

    def name_in(self, script: Script) -> str:
        return in_script(self.name, script)


@dataclass(frozen=True)
class Campaign:
    """A campaign as its notice sets it out, with every activity of its annexes.

    ``end`` is the last day of the campaign (inclusive); ``timezone`` is the one place that knows the
    campaign's clock.
    """

    id: str
    title: str
    name: str
    document_number: str
    issued: dt.date
    start: dt.date
    end: dt.date
    timezone: ZoneInfo
    theme: str
    slogans: tuple[Slogan, ...]
    issuers: tuple[str, ...]
    organizer_kinds: Mapping[str, str]
    activity_kinds: Mapping[str, str]
    organizers: Mapping[str, Organizer]
    activities: tuple[Activity, ...]
    notice: str | None = field(default=None, repr=False)
    revisions: Mapping[str, Revision] = field(default_factory=dict, repr=False)
    #: Organizer ids that were corrected, old to new: the old id's pages and feeds move permanently.
    renamed_organizers: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: The local editions, by id. Their organizers are among ``organizers``; their activities are in
    #: ``activities`` only in the view of a site run for one of them (:meth:`for_edition`).
    editions: Mapping[str, Edition] = field(default_factory=dict, repr=False)
    #: The edition this view of the campaign is for (``for_edition``), else ``None``: the notice's alone.
    served_edition: str | None = None
    #: The script of the notice and of the data files: the text here is Traditional either way; for a
    #: Simplified source ("hans") it was derived from the files' text, which ``to_hans`` gives back.
    script: Script = "hant"

    def __post_init__(self) -> None:
        names = (
            "organizer_kinds",
            "activity_kinds",
            "organizers",
            "revisions",
            "renamed_organizers",
            "editions",
        )
        for name in names:
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))

    @cached_property
    def _activities_by_id(self) -> Mapping[str, Activity]:
        return MappingProxyType({a.id: a for a in self.every_activity})

    @cached_property
    def every_activity(self) -> tuple[Activity, ...]:
        """The notice's activities and every local edition's, each once (for pages, revisions, checks)."""
        found = {a.id: a for a in self.activities}
        for edition in self.editions.values():
            found.update((a.id, a) for a in edition.activities)
        return tuple(found.values())

    def activity(self, activity_id: str) -> Activity:
        """The activity with this id, the notice's or a local edition's; ``KeyError`` if there is none."""
        return self._activities_by_id[activity_id]

    def for_edition(self, edition: str | None) -> Campaign:
        """The campaign as a site run for a local edition shows it: the notice's activities and the
        edition's (``None``: the notice's alone); ``KeyError`` for an edition it does not have."""
        national = tuple(a for a in self.activities if a.edition is None)
        if edition is None:
            return replace(self, activities=national, served_edition=None)
        own = self.editions[edition].activities
        return replace(self, activities=national + own, served_edition=edition)

    def revision(self, activity_id: str) -> Revision:
        """The revision history of an activity; ``KeyError`` if the data has none."""
        return self.revisions[activity_id]

    def days(self) -> list[dt.date]:
        """Every day of the campaign period, in order."""
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def period(self) -> Span:
        """The whole campaign period as an all-day span."""
        return Span(self.start, self.end + dt.timedelta(days=1), all_day=True, own=False)

    def activities_on(self, day: dt.date) -> list[Activity]:
        """The activities that take place on ``day``: those with a date of their own first, the
        shortest first (a one-day event before a week), then those that span the campaign."""
        found = [a for a in self.activities if day in a.span.days()]
        return sorted(found, key=lambda a: (not a.span.own, len(a.span.days())))

    def name_in(self, script: Script) -> str:
        return in_script(self.name, script)

    def theme_in(self, script: Script) -> str:
        return in_script(self.theme, script)
