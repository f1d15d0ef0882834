"""The web calendar's month grid: the weeks of a month (Monday first) and the activities of each day."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from generators.model import Activity, Campaign


@dataclass(frozen=True)
class Day:
    """One cell of a month grid: its date, whether it lies in the campaign, and its dated activities."""

    date: dt.date
    in_month: bool
    in_campaign: bool
    activities: tuple[Activity, ...]


def months(campaign: Campaign) -> list[tuple[int, int]]:
    """The (year, month) pairs the campaign period touches, in order."""
    found: list[tuple[int, int]] = []
    for day in campaign.days():
        if (day.year, day.month) not in found:
            found.append((day.year, day.month))
    return found


def month_grid(campaign: Campaign, activities: Iterable[Activity], year: int, month: int) -> list[list[Day]]:
    """The weeks (Monday first) of a month, each day with the activities of its own date that start,
    end or run through it. Activities that simply span the campaign are left out: they are on every day."""
    dated = [a for a in activities if a.span.own]
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            on_day = tuple(
                sorted((a for a in dated if day in a.span.days()), key=lambda a: len(a.span.days()))
            )
            row.append(Day(day, day.month == month, campaign.start <= day <= campaign.end, on_day))
        weeks.append(row)
    return weeks


def dated_days(activities: Iterable[Activity]) -> list[tuple[dt.date, list[Activity]]]:
    """Each day that has activities of their own date, in order, with those activities (shortest first)."""
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in activities:
        if activity.span.own:
            for day in activity.span.days():
                by_day.setdefault(day, []).append(activity)
    return [(day, sorted(by_day[day], key=lambda a: len(a.span.days()))) for day in sorted(by_day)]


def spans_period(campaign: Campaign, activity: Activity) -> bool:
    """Whether an activity runs through the whole campaign period (a grid would repeat it every day)."""
    days = activity.span.days()
    return days[0] <= campaign.start and days[-1] >= campaign.end
