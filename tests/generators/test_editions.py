"""Local editions (``local/*.toml``): the shipped example loads, is kept apart from the notice's own
activities, and a broken edition is refused by file, line, record and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generators.datafile import CampaignError, DataError
from generators.feeds import Feed, all_feeds, build_feed
from generators.loader import load_campaign, load_current
from generators.model import Campaign
from generators.posters.design import activity_design, today_design
from generators.selection import ALL, Cut
from tests.conftest import DATA

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXAMPLE = "example-city"


def test_the_example_edition_loads_apart_from_the_notice(real: Campaign) -> None:
    edition = real.editions[EXAMPLE]
    assert edition.example and edition.organizer in real.organizers
    assert [a.id for a in edition.activities] == ["example-city-integrity-publicity", "example-city-open-day"]
    first = edition.activities[0]
    assert first.edition == EXAMPLE and not first.span.all_day and first.sources == ()
    assert first.span.start == dt.datetime(2022, 9, 16, 9, 0, tzinfo=SHANGHAI)
    assert first.span.end == dt.datetime(2022, 9, 16, 11, 30, tzinfo=SHANGHAI)
    # The national view: the notice's activities alone (the default subscription never mixes them in).
    assert all(a.edition is None for a in real.activities)
    assert first.id not in {a.id for a in ALL.activities(real)}
    # A page or feed can still find it, and its own cut has it.
    assert real.activity(first.id) == first
    assert Cut("local", EXAMPLE).activities(real) == list(edition.activities)


def test_a_site_run_for_the_edition_has_its_activities_everywhere(real: Campaign) -> None:
    served = real.for_edition(EXAMPLE)
    assert served.served_edition == EXAMPLE
    ids = {a.id for a in ALL.activities(served)}
    assert {"example-city-integrity-publicity", "example-city-open-day"} <= ids
    assert {a.id for a in real.activities} <= ids
    on_day = [a.id for a in served.activities_on(dt.date(2022, 9, 16))]
    assert on_day[0] == "example-city-integrity-publicity"  # dated and short: first
    # The day's poster names it at its time, marked as local; its own poster says it is local.
    body = today_design(served, dt.date(2022, 9, 16)).roles["body"]
    assert "09:00至11:30 文明誠信主題宣傳活動（示例）（地方活動：示例市市場監管局（示例））" in body
    national_body = today_design(real, dt.date(2022, 9, 16)).roles["body"]
    assert "文明誠信" not in national_body
    design = activity_design(served, served.activity("example-city-open-day"))
    assert design.roles["kicker"].endswith("·地方活動") and "14:30至16:30" in design.roles["sub"]


def test_the_editions_feed_has_its_times_with_their_zone(real: Campaign) -> None:
    feed = next(f for f in all_feeds(real) if f.cut == Cut("local", EXAMPLE) and f.script == "hant")
    assert feed.path == "feeds/local-example-city.ics"
    text = build_feed(real, feed, "https://example.org/").decode()
    assert text.count("BEGIN:VEVENT") == 2  # its own two events, no period event
    assert "DTSTART;TZID=Asia/Shanghai:20220916T090000" in text
    assert "DTEND;TZID=Asia/Shanghai:20220922T163000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Shanghai" in text
    assert "CATEGORIES:宣傳,地方活動" in text
    assert "來源：地方活動：示例市2022年“質量月”活動（示例）" in text.replace("\r\n ", "")
    national = build_feed(real, Feed(ALL, "hant"), "https://example.org/").decode()
    assert "example-city" not in national


def test_an_edition_the_campaign_does_not_have_stops_the_site_with_its_name() -> None:
    with pytest.raises(CampaignError) as raised:
        load_current(DATA, "nowhere")
    assert "EDITION" in str(raised.value.errors[0]) and "example-city" in str(raised.value.errors[0])


GOOD = """[edition]
name = "某市活動"
organizer = "some-city"
{zone}
[[organizer]]
id = "some-city"
name = "某市市場監督管理局"
short = "某市市場監管局"
kind = "local"

[[activity]]
id = "{ident}"
title = "宣傳活動"
kind = "publicity"
organizers = ["{who}"]
text = "在廣場宣傳。"
start = {start}
end = 2022-09-16T11:00:00+08:00
"""


def _broken(tmp_path: Path, name: str = "some-city", **values: str) -> list[DataError]:
    folder = tmp_path / "2022"
    shutil.copytree(DATA / "2022", folder, ignore=shutil.ignore_patterns("local"))
    (folder / "local").mkdir()
    fields = {"zone": "", "ident": "square", "who": "some-city", "start": "2022-09-16T09:00:00+08:00"}
    (folder / "local" / f"{name}.toml").write_text(GOOD.format(**{**fields, **values}), encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign(folder, revisions=False)
    return list(raised.value.errors)


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"start": "2022-09-16T09:00:00"}, "start", "has no timezone"),
        ({"start": "2022-10-16T09:00:00+08:00"}, "end", "not after the start"),
        ({"start": "2022-08-16T09:00:00+08:00"}, "start", "outside the campaign period"),
        ({"who": "nobody"}, "organizers", "unknown organizer 'nobody'"),
        ({"ident": "launch-ceremony"}, "id", "activities.toml's activity id already"),
    ],
)
def test_a_broken_edition_is_named_by_file_line_record_and_field(
    tmp_path: Path, values: dict[str, str], field: str, reason: str
) -> None:
    errors = _broken(tmp_path, **values)
    assert len(errors) == 1, errors
    error = errors[0]
    assert error.file.endswith("local/some-city.toml") and error.line is not None
    assert error.field == field and reason in error.reason, error


def test_a_time_without_an_offset_takes_the_editions_timezone(tmp_path: Path) -> None:
    folder = tmp_path / "2022"
    shutil.copytree(DATA / "2022", folder, ignore=shutil.ignore_patterns("local"))
    (folder / "local").mkdir()
    text = GOOD.format(zone='timezone = "Asia/Shanghai"', ident="square", who="some-city",
                       start="2022-09-16T09:00:00")  # fmt: skip
    (folder / "local" / "some-city.toml").write_text(text, encoding="utf-8")
    campaign = load_campaign(folder, revisions=False)
    assert campaign.editions["some-city"].activities[0].span.start == dt.datetime(
        2022, 9, 16, 9, tzinfo=SHANGHAI
    )


def test_a_file_name_that_is_no_id_is_named(tmp_path: Path) -> None:
    errors = _broken(tmp_path, name="Some City")
    assert len(errors) == 1 and "Some City" in errors[0].reason and errors[0].file.endswith("Some City.toml")


def test_an_organizer_id_of_the_notice_is_not_taken_again(tmp_path: Path) -> None:
    folder = tmp_path / "2022"
    shutil.copytree(DATA / "2022", folder, ignore=shutil.ignore_patterns("local"))
    (folder / "local").mkdir()
    text = GOOD.format(zone="", ident="square", who="samr", start="2022-09-16T09:00:00+08:00")
    (folder / "local" / "x.toml").write_text(text.replace('"some-city"', '"samr"'), encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign(folder, revisions=False)
    assert [(e.record, e.field) for e in raised.value.errors] == [("organizer 'samr'", "id")]
