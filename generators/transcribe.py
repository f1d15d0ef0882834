"""A campaign of a Simplified notice (``script = "hans"``) as the model holds every campaign: its text
in Traditional, derived with ``script.from_hans``, which remembers each text's Simplified original so
that the Simplified pages, feeds and posters show the notice's own wording. Ids, dates and sources stay
as they are."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from generators.model import Activity, Campaign, Edition, Organizer, Slogan
from generators.script import from_hans


def _optional(text: str | None) -> str | None:
    return from_hans(text) if text is not None else None


def _organizer(organizer: Organizer) -> Organizer:
    return dataclasses.replace(organizer, name=from_hans(organizer.name), short=from_hans(organizer.short))


def _activity(activity: Activity) -> Activity:
    return dataclasses.replace(
        activity,
        title=from_hans(activity.title),
        text=from_hans(activity.text),
        place=_optional(activity.place),
        date_note=_optional(activity.date_note),
    )


def traditional(campaign: Campaign) -> Campaign:
    """``campaign`` (its text in Simplified, as its files have it) with every text in Traditional."""
    if campaign.script == "hant":
        return campaign
    return dataclasses.replace(
        campaign,
        name=from_hans(campaign.name),
        title=from_hans(campaign.title),
        document_number=from_hans(campaign.document_number),
        theme=from_hans(campaign.theme),
        slogans=tuple(Slogan(s.number, from_hans(s.text)) for s in campaign.slogans),
        organizer_kinds={k: from_hans(v) for k, v in campaign.organizer_kinds.items()},
        activity_kinds={k: from_hans(v) for k, v in campaign.activity_kinds.items()},
        organizers={k: _organizer(o) for k, o in campaign.organizers.items()},
        activities=tuple(_activity(a) for a in campaign.activities),
        notice=_optional(campaign.notice),
    )


def _edition(edition: Edition) -> Edition:
    activities = tuple(_activity(a) for a in edition.activities)
    return dataclasses.replace(edition, name=from_hans(edition.name), activities=activities)


def with_editions(
    campaign: Campaign, editions: Mapping[str, Edition], organizers: Mapping[str, Organizer]
) -> Campaign:
    """``campaign`` (its text in Traditional already) with its local editions and their organizers,
    their text in Traditional as the rest (a Simplified campaign's editions are written in Simplified)."""
    if campaign.script != "hant":
        organizers = {k: _organizer(o) for k, o in organizers.items()}
        editions = {
            k: dataclasses.replace(
                e, name=from_hans(e.name), activities=tuple(_activity(a) for a in e.activities)
            )
            for k, e in editions.items()
        }
    return dataclasses.replace(campaign, organizers={**campaign.organizers, **organizers}, editions=editions)
