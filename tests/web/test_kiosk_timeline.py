"""The kiosk page's timeline module (web/static/timeline.mjs, run under Node) picks the slide that the
Python timeline says, from the segments the Python side publishes: across a day-part switch, into and
out of a special day, a programme that runs on past midnight, and both daylight-saving changes of a
zone that has them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from generators.fleet import Fleet
from generators.loader import load_campaign
from generators.model import Campaign
from generators.programme import segments, showing_at, timeline
from tests.conftest import TESTS, node
from tests.generators.test_kiosk import FLEET, fleet_of

SLIDE_AT = TESTS / "js" / "slide_at.mjs"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: The Berlin night part: Saturday and Sunday 01:00 to 05:00, across each change of the clocks (02:00 to
#: 03:00 in spring, 03:00 back to 02:00 in autumn).
BERLIN_NIGHTS = 'days = "sat-sun", from = "01:00", to = "05:00"'


def millis(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def moments_of(fleet: Fleet, campaign: Campaign, published: list[dict[str, Any]], seed: int) -> list[int]:
    """Moments to compare at: each segment's first and last millisecond and its neighbours, every slide
    boundary of its first and last ten minutes with a millisecond either side, and random moments."""
    screen = fleet.screen("a")
    found: set[int] = set()
    for segment in published:
        start, end = segment["from"], segment["to"]
        found |= {start, start + 1, end - 1, end - 2}
        for begin, stop in ((start, start + 600_000), (end - 600_000, end)):
            edges = timeline(
                fleet, campaign, screen, EPOCH + dt.timedelta(milliseconds=max(begin, start)),
                EPOCH + dt.timedelta(milliseconds=min(stop, end)),
            )  # fmt: skip
            for showing in edges:
                edge = millis(showing.start)
                found |= {edge - 1, edge, edge + 1}
    first, last = published[0]["from"], published[-1]["to"]
    rng = random.Random(seed)
    found |= {rng.randrange(first, last) for _ in range(300)}
    return sorted(t for t in found if first <= t < last)


def expected(fleet: Fleet, campaign: Campaign, published: list[dict[str, Any]], t: int) -> dict[str, Any]:
    """What the page must pick at ``t``: the Python timeline's slide, and its end (cut at the end of the
    segment, where the page looks again)."""
    showing = showing_at(fleet, campaign, fleet.screen("a"), EPOCH + dt.timedelta(milliseconds=t))
    segment_end = next(s["to"] for s in published if s["from"] <= t < s["to"])
    return {"id": showing.slide.id, "ends": min(millis(showing.end), segment_end)}


def case_of(zone: str, first: dt.date, tiny: Path, tmp_path: Path) -> tuple[Fleet, Campaign]:
    """The tests' fleet on the tiny campaign; in Berlin, the campaign moved to the month of ``first``
    with its night part on weekend mornings (and its special day's poster the theme, a poster of
    every month)."""
    campaign = load_campaign(tiny)
    if zone == "Asia/Shanghai":
        return fleet_of(tmp_path, campaign), campaign
    last = first.replace(day=28) + dt.timedelta(days=5)
    campaign = dataclasses.replace(campaign, timezone=ZoneInfo(zone), start=first.replace(day=1), end=last)
    text = (
        FLEET.replace("2030-09-03", first.replace(day=3).isoformat())
        .replace('days = "mon-fri", from = "22:00", to = "06:00"', BERLIN_NIGHTS)
        .replace('show = "poster", design = "activity-quality-conference"', 'show = "theme"')
    )
    return fleet_of(tmp_path, campaign, text), campaign


CASES = {
    # Tuesday: the night part ends at 06:00 and starts again at 22:00.
    "day-part switch": ("Asia/Shanghai", dt.date(2030, 9, 10), 2),
    # Monday night, the special Tuesday 2030-09-03 all day, then Wednesday.
    "special day": ("Asia/Shanghai", dt.date(2030, 9, 2), 3),
    # Friday 22:00 to Saturday 06:00: one night, one anchor, across midnight.
    "midnight": ("Asia/Shanghai", dt.date(2030, 9, 6), 2),
    # Berlin's clocks go forward on Sunday 2030-03-31 and back on Sunday 2030-10-27.
    "spring forward": ("Europe/Berlin", dt.date(2030, 3, 30), 2),
    "fall back": ("Europe/Berlin", dt.date(2030, 10, 26), 2),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_page_picks_the_slide_the_timeline_says(case: str, tiny: Path, tmp_path: Path) -> None:
    command = node("the kiosk page's timeline module")
    zone, first, days = CASES[case]
    fleet, campaign = case_of(zone, first, tiny, tmp_path)
    start = dt.datetime.combine(first, dt.time(), campaign.timezone)
    published = segments(fleet, campaign, fleet.screen("a"), start, days)
    assert sum(s["to"] - s["from"] for s in published) == millis(
        dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), campaign.timezone)
    ) - millis(start)  # no gaps: every moment of the days is covered
    moments = moments_of(fleet, campaign, published, seed=len(case))
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps({"segments": published, "moments": moments}), encoding="utf-8")
    result = subprocess.run([command, str(SLIDE_AT), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    picked = json.loads(result.stdout)
    assert len(picked) == len(moments) > 300
    wrong = [
        (EPOCH + dt.timedelta(milliseconds=t), got, want)
        for t, got in zip(moments, picked, strict=True)
        if got != (want := expected(fleet, campaign, published, t))
    ]
    assert not wrong, wrong[:5]
