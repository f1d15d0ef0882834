"""The campaign's JSON documents (``/activities.json``), built as plain data from the model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generators.model import Activity, Campaign, Span
from generators.script import to_hans


@dataclass(frozen=True)
class Selection:
    """Which activities a view or feed shows: every field left ``None`` selects everything."""

    organizer: str | None = None
    organizer_kind: str | None = None
    kind: str | None = None
    day: dt.date | None = None

    def problems(self, campaign: Campaign) -> list[str]:
        """What in this selection names nothing in ``campaign``: unknown ids, a day outside the period."""
        found = []
        if self.organizer is not None and self.organizer not in campaign.organizers:
            found.append(f"unknown organizer {self.organizer!r}")
        if self.organizer_kind is not None and self.organizer_kind not in campaign.organizer_kinds:
            found.append(f"unknown organizer kind {self.organizer_kind!r}")
        if self.kind is not None and self.kind not in campaign.activity_kinds:
            found.append(f"unknown activity kind {self.kind!r}")
        if self.day is not None and not campaign.start <= self.day <= campaign.end:
            found.append(f"{self.day} is outside the campaign period {campaign.start} to {campaign.end}")
        return found

    def select(self, campaign: Campaign) -> list[Activity]:
        """The activities of ``campaign`` this selection takes, in the data's order."""
        return [a for a in campaign.activities if self._takes(campaign, a)]

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


def span_document(span: Span) -> dict[str, Any]:
    """A span as JSON: dates as ``YYYY-MM-DD`` with an exclusive end, date-times with their offset."""
    return {"start": span.start.isoformat(), "end": span.end.isoformat(), "all_day": span.all_day}


def activity_document(activity: Activity) -> dict[str, Any]:
    """One activity as ``/activities.json`` gives it (DESIGN.md)."""
    sources = [{"annex": s.annex, "item": s.item} for s in activity.sources]
    date_source = None
    if activity.date_source is not None:
        ds = activity.date_source
        date_source = {"url": ds.url, "confidence": ds.confidence, "note": ds.note}
    return {
        "id": activity.id,
        "title": activity.title,
        "title_hans": to_hans(activity.title),
        "organizers": list(activity.organizers),
        "kind": activity.kind,
        **span_document(activity.span),
        "dated": activity.span.own,
        "text": activity.text,
        "text_hans": to_hans(activity.text),
        "source": sources[0] if len(sources) == 1 else sources,
        "date_source": date_source,
        "place": activity.place,
        "date_note": activity.date_note,
    }


def campaign_document(campaign: Campaign) -> dict[str, Any]:
    """The campaign's own facts: the notice, the period, the theme and slogans, the vocabularies."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "name_hans": to_hans(campaign.name),
        "title": campaign.title,
        "title_hans": to_hans(campaign.title),
        "document_number": campaign.document_number,
        "issued": campaign.issued.isoformat(),
        "start": campaign.start.isoformat(),
        "end": campaign.end.isoformat(),
        "timezone": campaign.timezone.key,
        "theme": campaign.theme,
        "theme_hans": to_hans(campaign.theme),
        "slogans": [
            {"number": s.number, "text": s.text, "text_hans": s.text_in("hans")} for s in campaign.slogans
        ],
        "issuers": list(campaign.issuers),
        "organizer_kinds": dict(campaign.organizer_kinds),
        "activity_kinds": dict(campaign.activity_kinds),
    }


def organizer_documents(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        {
            "id": o.id,
            "name": o.name,
            "name_hans": to_hans(o.name),
            "short": o.short,
            "short_hans": to_hans(o.short),
            "kind": o.kind,
        }
        for o in campaign.organizers.values()
    ]


def activities_document(campaign: Campaign, activities: Iterable[Activity] | None = None) -> dict[str, Any]:
    """``/activities.json``: the campaign, its organizers and its activities (all, or those given)."""
    chosen = campaign.activities if activities is None else activities
    return {
        "campaign": campaign_document(campaign),
        "organizers": organizer_documents(campaign),
        "activities": [activity_document(a) for a in chosen],
    }
