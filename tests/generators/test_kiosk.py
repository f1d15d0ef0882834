"""The kiosk fleet: its file is checked with bounded values, and the programme maths is a pure function
of ``now``: day parts across midnight, special days, a zone with daylight saving time, screens in step."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generators.fleet import Fleet, load_fleet
from generators.loader import CampaignError, load_campaign
from generators.model import Campaign
from generators.programme import (
    OFFLINE_AFTER,
    online,
    period_at,
    periods,
    programme_document,
    showing_at,
    slides,
    timeline,
)

FLEET = """
[[programme]]
id = "day"
slides = [{ show = "theme", seconds = 20 }, { show = "slogans", seconds = 10 }, { show = "today", seconds = 30 }]

[[programme]]
id = "night"
slides = [{ show = "theme", seconds = 60 }]

[[programme]]
id = "special"
slides = [{ show = "poster", design = "activity-quality-conference", seconds = 15 }, { show = "countdown", seconds = 5 }]

[[special]]
date = 2030-09-03
programme = "special"

[[screen]]
id = "a"
name = "甲"
location = "大堂"
format = "kiosk-portrait"
script = "hant"
programme = "day"
dayparts = [{ days = "mon-fri", from = "22:00", to = "06:00", programme = "night" }]

[[screen]]
id = "b"
name = "乙"
location = "大堂"
format = "4k"
script = "hans"
programme = "day"
dayparts = [{ days = "mon-fri", from = "22:00", to = "06:00", programme = "night" }]
"""


def fleet_of(tmp_path: Path, campaign: Campaign, text: str = FLEET) -> Fleet:
    path = tmp_path / "screens.toml"
    path.write_text(text, encoding="utf-8")
    return load_fleet(path, campaign)


def at(campaign: Campaign, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=campaign.timezone)


def test_the_fixture_fleet_loads(tiny_fleet: Path) -> None:
    campaign = load_campaign(tiny_fleet)
    fleet = load_fleet(tiny_fleet.parent / "screens.toml", campaign)
    assert {s.id for s in fleet.screens} == {"hq-lobby-east", "hq-lobby-west", "service-hall"}
    east = fleet.screen("hq-lobby-east")
    # On 2030-09-03, the special day, the screens lead with the quality conference.
    first = next(
        timeline(fleet, campaign, east, at(campaign, 2030, 9, 3, 0, 0), at(campaign, 2030, 9, 3, 0, 1))
    )
    assert first.slide.design == "activity-quality-conference"


def test_day_part_across_midnight(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    screen = fleet.screen("a")
    zone = campaign.timezone
    # 2030-09-06 is a Friday: its night part runs on into Saturday 06:00, though Saturday has none.
    friday = periods(fleet, screen, dt.date(2030, 9, 6), zone)
    local = [(p.start.astimezone(zone), p.end.astimezone(zone), p.programme) for p in friday]
    assert [(a.hour, b.hour if b.day == 6 else 24, programme) for a, b, programme in local] == [
        (0, 6, "night"), (6, 22, "day"), (22, 24, "night"),
    ]  # fmt: skip
    saturday = periods(fleet, screen, dt.date(2030, 9, 7), zone)
    assert [(p.start.astimezone(zone).hour, p.programme) for p in saturday] == [(0, "night"), (6, "day")]
    sunday = periods(fleet, screen, dt.date(2030, 9, 8), zone)
    assert [p.programme for p in sunday] == ["day"]
    # The night keeps one anchor across midnight: from Friday 22:00 to Saturday 06:00.
    night = period_at(fleet, screen, at(campaign, 2030, 9, 7, 1, 0), zone)
    assert (night.start, night.end) == (at(campaign, 2030, 9, 6, 22, 0), at(campaign, 2030, 9, 7, 6, 0))


def test_special_day_overrides(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    showing = showing_at(fleet, campaign, fleet.screen("a"), at(campaign, 2030, 9, 3, 23, 0, 0))
    assert showing.slide.design == "activity-quality-conference"
    # The countdown points to the next activity with a date of its own.
    shown = [
        s.slide.id
        for s in timeline(
            fleet, campaign, fleet.screen("a"), at(campaign, 2030, 9, 3, 9), at(campaign, 2030, 9, 3, 9, 1)
        )
    ]
    assert "countdown-quality-week" in shown


def test_timeline_order_and_durations(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    start = at(campaign, 2030, 9, 10, 6, 0)  # a Tuesday: the day programme starts at 06:00
    shown = list(timeline(fleet, campaign, fleet.screen("a"), start, start + dt.timedelta(seconds=140)))
    assert [s.slide.id for s in shown] == ["theme", "slogan-01", "slogan-02", "today-2030-09-10"] * 2
    assert [int((s.end - s.start).total_seconds()) for s in shown] == [20, 10, 10, 30] * 2
    assert all(a.end == b.start for a, b in itertools.pairwise(shown))
    assert (
        slides(fleet, campaign, "day", dt.date(2031, 1, 1))[-1].id == "slogan-02"
    )  # no today outside the campaign


def test_screens_on_one_programme_are_in_step(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    moment = at(campaign, 2030, 9, 10, 13, 37, 11)
    for step in range(0, 3600, 7):
        now = moment + dt.timedelta(seconds=step)
        a, b = (showing_at(fleet, campaign, fleet.screen(s), now) for s in ("a", "b"))
        assert (a.slide.id, a.start, a.end) == (b.slide.id, b.start, b.end)


def test_daylight_saving_time_does_not_shift_the_cycle(tiny: Path, tmp_path: Path) -> None:
    # Nothing assumes +08:00: in Europe/Berlin, 2030-10-27 has 25 hours (clocks go back at 03:00).
    campaign = dataclasses.replace(
        load_campaign(tiny),
        timezone=ZoneInfo("Europe/Berlin"),
        start=dt.date(2030, 10, 1),
        end=dt.date(2030, 10, 31),
    )
    text = FLEET.replace("2030-09-03", "2030-10-03").replace(
        'days = "mon-fri", from = "22:00", to = "06:00"', 'days = "sat-sun", from = "01:00", to = "05:00"'
    )
    fleet = fleet_of(
        tmp_path,
        campaign,
        text.replace("activity-quality-conference", "theme").replace(
            'show = "poster", design = "theme"', 'show = "theme"'
        ),
    )
    screen = fleet.screen("a")
    sunday = periods(fleet, screen, dt.date(2030, 10, 27), campaign.timezone)
    night = next(p for p in sunday if p.programme == "night")
    assert (night.end - night.start) == dt.timedelta(hours=5)  # 01:00 to 05:00 wall time is 5 real hours
    assert sum(((p.end - p.start) for p in sunday), dt.timedelta()) == dt.timedelta(hours=25)
    # The night programme's 60 s slides stay on whole minutes of real time from its anchor across the change.
    shown = list(timeline(fleet, campaign, screen, night.start, night.end))
    assert len(shown) == 5 * 60 and all((s.end - s.start) == dt.timedelta(seconds=60) for s in shown)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '{ show = "theme", seconds = 60 }',
            '{ show = "theme", seconds = 9999999999 }',
            "seconds must be a whole number from 3 to 3600",
        ),
        (
            '{ show = "theme", seconds = 60 }',
            '{ show = "theme", seconds = 2 }',
            "seconds must be a whole number from 3 to 3600",
        ),
        (
            '{ show = "theme", seconds = 60 }',
            '{ show = "video", seconds = 60 }',
            "show 'video' is not one of",
        ),
        (
            'design = "activity-quality-conference"',
            'design = "activity-nothing"',
            "a poster slide needs the design of a poster",
        ),
        ('format = "4k"', 'format = "a4"', "'a4' is not a screen format"),
        (
            'script = "hans"\nprogramme = "day"',
            'script = "hans"\nprogramme = "dawn"',
            "unknown programme 'dawn'",
        ),
        ('script = "hans"', 'script = "latin"', "'latin' is not a script"),
        (
            'from = "22:00", to = "06:00", programme = "night" }]\n\n[[screen]]',
            'from = "25:00", to = "06:00", programme = "night" }]\n\n[[screen]]',
            "from and to are times HH:MM",
        ),
        (
            'days = "mon-fri", from = "22:00", to = "06:00", programme = "night" }]\n\n[[screen]]',
            'days = "weekdays", from = "22:00", to = "06:00", programme = "night" }]\n\n[[screen]]',
            "days 'weekdays' is not like",
        ),
        ("date = 2030-09-03", "date = 2030-12-03", "outside the campaign period"),
        ('id = "b"', 'id = "a"', "duplicate id 'a'"),
    ],
)
def test_bad_values_are_errors_naming_the_screen_or_programme(
    tiny: Path, tmp_path: Path, old: str, new: str, message: str
) -> None:
    campaign = load_campaign(tiny)
    assert FLEET.count(old) == 1, old
    with pytest.raises(CampaignError) as caught:
        fleet_of(tmp_path, campaign, FLEET.replace(old, new))
    (error,) = caught.value.errors
    assert message in error.reason
    assert error.file.endswith("screens.toml") and error.line is not None
    assert error.record and error.record.split()[0] in ("screen", "programme", "special")


def test_now_must_be_aware(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    with pytest.raises(ValueError, match="timezone-aware"):
        period_at(fleet, fleet.screen("a"), dt.datetime(2030, 9, 10, 12), campaign.timezone)


def test_a_screen_is_online_for_ninety_seconds_after_it_reports() -> None:
    seen = dt.datetime(2030, 9, 10, 12, 0, tzinfo=dt.UTC)
    assert dt.timedelta(seconds=90) == OFFLINE_AFTER
    assert online(seen, seen) and online(seen, seen + OFFLINE_AFTER)
    assert not online(seen, seen + OFFLINE_AFTER + dt.timedelta(microseconds=1))
    assert not online(None, seen)


def test_the_programme_document_follows_from_its_inputs(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    fleet = fleet_of(tmp_path, campaign)
    screen, day = fleet.screen("a"), dt.date(2030, 9, 10)
    images = {"theme": "/posters/0123456789abcdef/theme.png", "activity-nothing": "/posters/x.png"}
    document = programme_document(fleet, campaign, screen, day, images, 0, days=2)
    assert document == programme_document(fleet, campaign, screen, day, dict(images), 0, days=2)
    assert document["images"] == {"theme": images["theme"]}  # only what the programme shows
    assert len(document["version"]) == 16
    others = [
        programme_document(fleet, campaign, screen, day, images, 1, days=2),
        programme_document(fleet, campaign, screen, day + dt.timedelta(days=1), images, 0, days=2),
        programme_document(fleet, campaign, screen, day, {}, 0, days=2),
    ]
    assert len({document["version"], *(o["version"] for o in others)}) == 4
