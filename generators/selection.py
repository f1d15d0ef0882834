"""Which activities a view or a feed shows: a ``Selection`` (filters, each ``None`` for everything) and a
``Cut``, the named ways the campaign is cut into feeds and views (the whole campaign, its key dates, the
complete list, one organizer, one kind of organizer, one kind of activity, one local edition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from generators.model import Activity, Campaign

Group = Literal["all", "key-dates", "complete", "organizer-kind", "organizer", "kind", "local"]
#: The cuts of the whole campaign, which name no organizer or kind.
_WHOLE = ("all", "key-dates", "complete")
#: The cuts that name one organizer or kind, and the folder of their views on the site.
_SEGMENTS: dict[Group, str] = {
    "organizer": "organizers",
    "organizer-kind": "organizer-kinds",
    "kind": "kinds",
    "local": "local",
}


@dataclass(frozen=True)
class Selection:
    """Which activities a view or feed shows: every field left ``None`` selects everything."""

    organizer: str | None = None
    organizer_kind: str | None = None
    kind: str | None = None
    day: dt.date | None = None
    #: A local edition: its own activities, whether or not the site is run for it.
    edition: str | None = None

    def problems(self, campaign: Campaign) -> list[str]:
        """What in this selection names nothing in ``campaign``: unknown ids, a day outside the period."""
        found = []
        if self.organizer is not None and self.organizer not in campaign.organizers:
            found.append(f"unknown organizer {self.organizer!r}")
        if self.organizer_kind is not None and self.organizer_kind not in campaign.organizer_kinds:
            found.append(f"unknown organizer kind {self.organizer_kind!r}")
        if self.kind is not None and self.kind not in campaign.activity_kinds:
            found.append(f"unknown activity kind {self.kind!r}")
        if self.edition is not None and self.edition not in campaign.editions:
            found.append(f"unknown local edition {self.edition!r}")
        if self.day is not None and not campaign.start <= self.day <= campaign.end:
            found.append(f"{self.day} is outside the campaign period {campaign.start} to {campaign.end}")
        return found

    def select(self, campaign: Campaign) -> list[Activity]:
        """The activities of ``campaign`` this selection takes, in the data's order."""
        if self.edition is not None:
            edition = campaign.editions.get(self.edition)
            pool = edition.activities if edition is not None else ()
        else:
            pool = campaign.activities
        return [a for a in pool if self._takes(campaign, a)]

    def _takes(self, campaign: Campaign, activity: Activity) -> bool:
        if self.organizer is not None and self.organizer not in activity.organizers:
            return False
        if self.organizer_kind is not None and not any(
            campaign.organizers[o].kind == self.organizer_kind for o in activity.organizers
        ):
            return False
        if self.kind is not None and activity.kind != self.kind:
            return False
        return self.day is None or self.day in activity.span.days()


@dataclass(frozen=True)
class Cut:
    """One way of cutting the campaign: ``group`` says by what, ``key`` which one (an organizer id, a
    kind) for the groups that name one."""

    group: Group = "all"
    key: str | None = None

    def __post_init__(self) -> None:
        if (self.key is None) != (self.group in _WHOLE):
            raise ValueError(f"a {self.group} cut {'takes no' if self.key else 'needs a'} key")

    @property
    def slug(self) -> str:
        """``all``, ``key-dates``, ``complete``, ``organizer-samr``: the cut's part of a feed's id and file
        name."""
        return self.group if self.key is None else f"{self.group}-{self.key}"

    @property
    def selection(self) -> Selection:
        if self.group == "organizer-kind":
            return Selection(organizer_kind=self.key)
        if self.group == "organizer":
            return Selection(organizer=self.key)
        if self.group == "kind":
            return Selection(kind=self.key)
        if self.group == "local":
            return Selection(edition=self.key)
        return Selection()

    def activities(self, campaign: Campaign) -> list[Activity]:
        """The cut's activities, in the data's order (the key dates: those with a date of their own)."""
        chosen = self.selection.select(campaign)
        return [a for a in chosen if a.span.own] if self.group == "key-dates" else chosen

    def label(self, campaign: Campaign, *, short: bool = False) -> str | None:
        """What the key names (the organizer's name, or ``short`` name; the kind's label); ``None`` for
        the whole campaign and its key dates."""
        if self.key is None:
            return None
        if self.group == "organizer":
            organizer = campaign.organizers[self.key]
            return organizer.short if short else organizer.name
        if self.group == "local":
            return campaign.editions[self.key].name
        kinds = campaign.organizer_kinds if self.group == "organizer-kind" else campaign.activity_kinds
        return kinds[self.key]

    def exists_in(self, campaign: Campaign) -> bool:
        """Whether the key names something of ``campaign``."""
        return not self.selection.problems(campaign)

    @property
    def segment(self) -> str:
        """The folder of the cut's views below a script's root: ``""``, ``organizers/samr/``."""
        return "" if self.key is None else f"{_SEGMENTS[self.group]}/{self.key}/"

    @staticmethod
    def from_segment(segment: str, key: str) -> Cut:
        """The cut of a view's folder (``organizers``, ``samr``); ``KeyError`` for an unknown folder."""
        group = {folder: group for group, folder in _SEGMENTS.items()}[segment]
        return Cut(group, key)

    @staticmethod
    def segments() -> tuple[str, ...]:
        return tuple(_SEGMENTS.values())


#: The whole campaign: as a feed, the default subscription (the activities with a date of their own,
#: and one event for the period that names the others).
ALL = Cut()
#: The activities with a date of their own, and nothing else.
KEY_DATES = Cut("key-dates")
#: Every activity as an event of its own, those without a date as events the length of the period.
COMPLETE = Cut("complete")


def cuts(campaign: Campaign) -> list[Cut]:
    """The campaign's cuts: the whole, the key dates, the complete list, one per organizer kind,
    organizer and activity kind in use (in the data's order), one per local edition."""
    used_organizers = {o for a in campaign.activities for o in a.organizers}
    used_kinds = {a.kind for a in campaign.activities}
    used_organizer_kinds = {campaign.organizers[o].kind for o in used_organizers}
    found = [ALL, KEY_DATES, COMPLETE]
    found += [Cut("organizer-kind", k) for k in campaign.organizer_kinds if k in used_organizer_kinds]
    found += [Cut("organizer", o) for o in campaign.organizers if o in used_organizers]
    found += [Cut("kind", k) for k in campaign.activity_kinds if k in used_kinds]
    found += [Cut("local", e) for e in campaign.editions]
    return found
