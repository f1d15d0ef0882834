"""The campaign's JSON documents (``/activities.json``), built as plain data from the model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generators.model import Activity, Campaign, Span
from generators.script import to_hans


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
