"""The words the project writes itself, in one place: Chinese dates, weekdays, the campaign period and
the labels that stand before a value (主辦：…).

The notice's own text is kept as it is written; what is built here follows Chinese typesetting, with
full-width punctuation (：，（）；、). Everything is written in Traditional script, the data's own: a
caller shows it in Simplified with ``in_script``. Templates reach these through the ``zh_date``,
``zh_weekday`` and ``zh_days`` filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

#: The weekdays as Chinese calendars print them, Monday first (``date.weekday()`` indexes it).
WEEKDAYS = "一二三四五六日"
#: The weekday names of schedules (``mon-fri``) and APScheduler's ``day_of_week``, Monday first.
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMERALS = "〇一二三四五六七八九"
#: Between the two ends of a stretch of days: 9月1日至9月30日.
TO = "至"
#: Between the items of a list of names: 市場監管總局、工業和信息化部.
LIST = "、"


def date(day: dt.date) -> str:
    """2022年9月21日"""
    return f"{day.year}年{day.month}月{day.day}日"


def hours(start: dt.datetime, end: dt.datetime) -> str:
    """09:00至11:30 (the clock of the times given; an end on another day is dated: 9月17日01:00)"""
    last = (
        end.strftime("%H:%M") if end.date() == start.date() else month_day(end.date()) + end.strftime("%H:%M")
    )
    return f"{start:%H:%M}至{last}"


def month_day(day: dt.date) -> str:
    """9月21日"""
    return f"{day.month}月{day.day}日"


def month(year: int, number: int) -> str:
    """2022年9月"""
    return f"{year}年{number}月"


def weekday(day: dt.date) -> str:
    """星期三"""
    return "星期" + WEEKDAYS[day.weekday()]


def days(first: dt.date, last: dt.date) -> str:
    """A stretch of days, the year and month said once where they repeat: 2022年9月1日至30日 is not how
    notices write it; they write 2022年9月1日至9月30日, and 2022年12月31日至2023年1月2日 across a year."""
    if first == last:
        return date(first)
    if first.year == last.year:
        return f"{date(first)}{TO}{month_day(last)}"
    return f"{date(first)}{TO}{date(last)}"


def period_title(first: dt.date, last: dt.date) -> str:
    """A campaign period as a poster's line: the month alone when it is one whole month (2022年9月)."""
    whole_month = first.day == 1 and (last + dt.timedelta(days=1)).day == 1
    if whole_month and (first.year, first.month) == (last.year, last.month):
        return month(first.year, first.month)
    return days(first, last)


def campaign_activities(name: str) -> str:
    """2022年全國“質量月”活動: the campaign's activities, as the posters' kicker and the feeds' name."""
    return f"{name}活動"


def running(count: int, *, others: bool = True) -> str:
    """另有12項活動在活動期間進行 (or 今日有…, when a day has nothing of its own): the activities that
    run through the period without a day of their own."""
    return f"{'另有' if others else '今日有'}{count}項活動在活動期間進行"


#: What marks a local edition's activity (``local/*.toml``) wherever it is shown beside the notice's.
LOCAL = "地方活動"


def local(edition_name: str) -> str:
    """地方活動：示例市2022年“質量月”活動"""
    return labelled(LOCAL, edition_name)


def labelled(label: str, value: str) -> str:
    """主辦：市場監管總局"""
    return f"{label}：{value}"


def listed(names: Iterable[str]) -> str:
    """市場監管總局、工業和信息化部"""
    return LIST.join(names)


def bracketed(text: str) -> str:
    """（全國）"""
    return f"（{text}）"


def weekday_keys(numbers: Sequence[int] | Iterable[int]) -> str:
    """Weekday numbers (Monday 0) as ``mon,tue``."""
    return ",".join(WEEKDAY_KEYS[n] for n in sorted(numbers))


def numeral(value: int) -> str:
    """A whole number from 0 to 99 in Chinese numerals, as notices number their items: 三, 十二, 二十."""
    if not 0 <= value < 100:
        raise ValueError(f"{value} is not from 0 to 99")
    if value < 10:
        return _NUMERALS[value]
    tens, units = divmod(value, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + ("" if units == 0 else _NUMERALS[units])
