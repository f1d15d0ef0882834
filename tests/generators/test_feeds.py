"""The iCalendar feeds: the bytes, the strict reviewer's checklist, SEQUENCE on change, three parsers,
and a golden file."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
import vobject

from generators.feeds import (
    NOT_PLACES,
    Feed,
    activity_url,
    all_feeds,
    build_feed,
    description,
    find_feed,
    location,
    period_description,
)
from generators.loader import CampaignError, load_campaign
from generators.model import Campaign
from generators.script import in_script
from generators.selection import ALL, COMPLETE, KEY_DATES, Cut
from tests.conftest import TESTS, Edit, node, revised

BASE = "https://quality-month.example/"
GOLDEN = TESTS / "golden" / "tiny-calendar.ics"
ICALJS = TESTS / "js" / "parse_feeds.mjs"
NODE_ICAL = TESTS / "js" / "node_ical_feeds.mjs"


def whole(campaign: Campaign, script: str = "hant") -> bytes:
    """The default subscription: the activities with a date of their own, and the period's event."""
    return build_feed(campaign, Feed(ALL, script), BASE)  # type: ignore[arg-type]


def complete(campaign: Campaign) -> bytes:
    """The complete feed: every activity as an event."""
    return build_feed(campaign, Feed(COMPLETE, "hant"), BASE)


def check_bytes(body: bytes) -> None:
    """RFC 5545 §3.1 as strict clients read it: CRLF only, at most 75 octets a line, folds that never
    split a UTF-8 character, no BOM."""
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "bare CR"
    for number, line in enumerate(body.split(b"\r\n")[:-1], 1):
        assert len(line) <= 75, (number, len(line))
        line.decode("utf-8")  # a fold inside a character leaves a broken sequence at a line's end or start
        assert line, f"empty line {number}"


def unfolded(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def test_tiny_feed_bytes_and_checklist(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    body = whole(campaign)
    check_bytes(body)
    lines = unfolded(body)
    head = lines[: lines.index("BEGIN:VTIMEZONE")]
    for required in (
        "VERSION:2.0", "CALSCALE:GREGORIAN", "NAME;LANGUAGE=zh-Hant:2030年全國“質量月”活動",
        "X-WR-CALNAME:2030年全國“質量月”活動", "X-WR-TIMEZONE:Asia/Shanghai", "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
        f"SOURCE;VALUE=URI:{BASE}calendar.ics", f"URL:{BASE}",
    ):  # fmt: skip
        assert required in head, required
    assert any(line.startswith("PRODID:") for line in head)
    assert any(line.startswith("DESCRIPTION:") for line in head)
    assert any(line.startswith("X-WR-CALDESC:") for line in head)
    assert not any(line.startswith("METHOD") for line in lines), "a subscription feed has no METHOD"
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [
        "quality-conference@2030.quality-month", "quality-week@2030.quality-month", "period@2030.quality-month",
    ]  # fmt: skip
    for event in events:
        for name in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
            value = event[name].dt
            assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0), name
        assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt == dt.datetime(2030, 8, 20, 1, tzinfo=dt.UTC)
        assert int(event["SEQUENCE"]) == 0
        assert "DURATION" not in event
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is dt.date and type(end) is dt.date and end > start
        assert str(event["STATUS"]) == "CONFIRMED" and str(event["CLASS"]) == "PUBLIC"
        assert str(event["TRANSP"]) == "TRANSPARENT", "a public calendar never marks a subscriber busy"
        # No parameter on the texts an app shows: node-ical would read each as an object, not a string.
        for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "URL"):
            assert name not in event or not event[name].params, name
    for event in events[:2]:
        assert str(event["URL"]).startswith(f"{BASE}activities/")
        assert "通知" in str(event["DESCRIPTION"]) and "附件1" in str(event["DESCRIPTION"])
    week = events[1]
    assert (week["DTSTART"].dt, week["DTEND"].dt) == (dt.date(2030, 9, 10), dt.date(2030, 9, 15))
    assert str(events[0]["LOCATION"]) == "北京"
    # The activity without a date of its own is named by the period's event, not a bar of its own.
    period = events[2]
    assert (period["DTSTART"].dt, period["DTEND"].dt) == (dt.date(2030, 9, 1), dt.date(2030, 10, 1))
    assert str(period["TRANSP"]) == "TRANSPARENT" and str(period["SUMMARY"]) == "2030年全國“質量月”"
    assert "另有1項活動在活動期間進行" in str(period["DESCRIPTION"])
    assert "・質量標桿交流" in str(period["DESCRIPTION"]) and f"{BASE}list" in str(period["DESCRIPTION"])
    assert str(period["URL"]) == f"{BASE}list"
    raw = body.decode("utf-8")
    assert "DTSTART;VALUE=DATE:20300910\r\n" in raw
    # The complete feed has it as an event the length of the period.
    undated = events_by_uid(complete(campaign))["benchmark-exchange@2030.quality-month"]
    assert (undated["DTSTART"].dt, undated["DTEND"].dt) == (dt.date(2030, 9, 1), dt.date(2030, 10, 1))
    assert "未列明具體日期" in str(undated["DESCRIPTION"])
    assert [str(c) for c in undated["CATEGORIES"].cats] == ["交流", "聯合主辦單位"]
    assert "CATEGORIES:交流,聯合主辦單位\r\n" in complete(campaign).decode("utf-8")


@pytest.mark.parametrize("place", ["全國", "視頻會議", "線上", "Online"])
def test_no_location_for_a_scope_or_a_medium(edit: Edit, place: str) -> None:
    """A place that is only a scope or a medium (NOT_PLACES) is no LOCATION, which calendar apps turn
    into a map; the DESCRIPTION still names it. A real place stays a LOCATION and out of the DESCRIPTION."""
    assert place.strip().casefold() in NOT_PLACES
    campaign = load_campaign(revised(edit("activities.toml", 'place = "北京"', f'place = "{place}"')))
    for script, label in (("hant", "地點"), ("hans", "地点")):
        conference = events_by_uid(whole(campaign, script))["quality-conference@2030.quality-month"]
        assert "LOCATION" not in conference
        organizers = in_script("主辦：國家市場監督管理總局", script)
        assert f"\n{organizers}\n{label}：{in_script(place, script)}\n" in str(conference["DESCRIPTION"])


def test_a_real_place_is_a_location(tiny: Path) -> None:
    conference = events_by_uid(whole(load_campaign(tiny)))["quality-conference@2030.quality-month"]
    assert str(conference["LOCATION"]) == "北京" and "北京" not in str(conference["DESCRIPTION"])


def test_every_tzid_has_a_vtimezone(edit: Edit) -> None:
    folder = edit(
        "activities.toml", "start = 2030-09-03\n", "start = 2030-09-03T14:00:00\nend = 2030-09-03T17:00:00\n"
    )
    body = whole(load_campaign(revised(folder)))
    check_bytes(body)
    text = body.decode("utf-8")
    assert "DTSTART;TZID=Asia/Shanghai:20300903T140000\r\n" in text
    used = set(re.findall(r";TZID=([^:;]+)", text))
    defined = set(re.findall(r"\r\nTZID:([^\r]+)", text))
    assert used and used <= defined
    zone = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")[0]
    assert "COMMENT" not in zone and all("COMMENT" not in sub for sub in zone.subcomponents)
    assert zone.subcomponents[0]["TZOFFSETTO"].td == dt.timedelta(hours=8)


def test_identical_data_gives_identical_bytes(tiny: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    shutil.copytree(tiny, other)
    assert whole(load_campaign(tiny)) == whole(load_campaign(other))


def events_by_uid(body: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_sequence_rises_on_a_significant_change(tiny: Path, edit: Edit) -> None:
    first_body = complete(load_campaign(tiny))
    first = events_by_uid(first_body)
    edit("activities.toml", 'title = "質量宣傳周"', 'title = "質量宣傳週"')
    edit("activities.toml", 'organizers = ["miit", "samr"]', 'organizers = ["miit"]')
    later = dt.datetime(2030, 8, 30, 8, 0, tzinfo=dt.UTC)
    second = events_by_uid(complete(load_campaign(revised(tiny, later))))
    week, exchange = "quality-week@2030.quality-month", "benchmark-exchange@2030.quality-month"
    # The same UID: it comes from the id, never from the title or the date.
    assert set(second) == set(first)
    assert int(second[week]["SEQUENCE"]) == 1
    assert second[week]["LAST-MODIFIED"].dt == second[week]["DTSTAMP"].dt == later
    assert second[week]["CREATED"].dt == first[week]["CREATED"].dt
    # A change of organizers changes what subscribers read (主辦：…): SEQUENCE rises too.
    assert int(second[exchange]["SEQUENCE"]) == 1 and second[exchange]["LAST-MODIFIED"].dt == later
    unchanged = "quality-conference@2030.quality-month"
    assert second[unchanged].to_ical() == first[unchanged].to_ical()


def test_feed_list(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    feeds = all_feeds(campaign)
    paths = [f.path for f in feeds]
    assert len(paths) == len(set(paths))
    assert {"calendar.ics", "calendar.hans.ics", "feeds/key-dates.ics", "feeds/complete.ics", "feeds/organizer-samr.hans.ics",
            "feeds/organizer-kind-department.ics", "feeds/kind-week.ics"} <= set(paths)  # fmt: skip
    organizers = {o for a in campaign.activities for o in a.organizers}
    assert {f.key for f in feeds if f.group == "organizer"} == organizers
    assert all(f.events(campaign) for f in feeds), "no feed is empty"
    assert len(Feed(COMPLETE, "hant").activities(campaign)) == len(campaign.activities)
    assert Feed(ALL, "hant").activities(campaign) == [a for a in campaign.activities if a.span.own]
    assert Feed(ALL, "hant").summarised(campaign) == [a for a in campaign.activities if not a.span.own]
    key_dates = Feed(KEY_DATES, "hant").activities(campaign)
    assert key_dates and all(a.span.own for a in key_dates)
    assert find_feed(campaign, "feeds/organizer-samr.hans.ics") == Feed(Cut("organizer", "samr"), "hans")
    assert find_feed(campaign, "feeds/organizer-nobody.ics") is None


def test_simplified_feed(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    body = whole(campaign, "hans")
    check_bytes(body)
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "2030年全国“质量月”活动"
    week = events_by_uid(body)["quality-week@2030.quality-month"]
    assert str(week["SUMMARY"]) == "质量宣传周"
    assert calendar["NAME"].params["LANGUAGE"] == "zh-Hans" and not week["SUMMARY"].params
    assert str(week["URL"]) == f"{BASE}hans/activities/quality-week"


def test_every_feed_in_three_parsers(tiny: Path, tmp_path: Path) -> None:
    """icalendar, vobject and ical.js (Thunderbird's parser) read every feed alike; the bytes pass the
    rules that lenient parsers do not check."""
    campaign = load_campaign(tiny)
    node = shutil.which("node")
    assert node, "node is needed to run ical.js (Thunderbird's parser)"
    assert (ICALJS.parent / "node_modules" / "ical.js").is_dir(), "run: npm ci --prefix tests/js"
    files = []
    expected: dict[str, list[tuple[str, str, str, str]]] = {}
    for feed in all_feeds(campaign):
        body = build_feed(campaign, feed, BASE)
        check_bytes(body)
        path = tmp_path / feed.path.replace("/", "_")
        path.write_bytes(body)
        files.append(str(path))
        rows = []
        for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
            start, end = event["DTSTART"].dt, event["DTEND"].dt
            rows.append((str(event["UID"]), str(event["SUMMARY"]), start.isoformat(), end.isoformat()))
        assert len(rows) == feed.events(campaign), feed.path
        expected[str(path)] = rows
        parsed = vobject.readOne(body.decode("utf-8"))
        seen = [(str(v.uid.value), str(v.summary.value), v.dtstart.value.isoformat(), v.dtend.value.isoformat())
                for v in parsed.vevent_list]  # fmt: skip
        assert seen == rows, feed.path
    result = subprocess.run([node, str(ICALJS), *files], capture_output=True, text=True, check=False)
    read = json.loads(result.stdout)
    assert result.returncode == 0, [r for r in read if "error" in r]
    assert len(read) == len(files)
    for calendar in read:
        rows = [(e["uid"], e["summary"], e["start"], e["end"]) for e in calendar["events"]]
        assert rows == expected[calendar["file"]], calendar["file"]
        assert calendar["timezones"] == ["Asia/Shanghai"]
        assert all(e["allDay"] for e in calendar["events"])


def test_every_feed_in_node_ical(tiny: Path, tmp_path: Path) -> None:
    """node-ical (MagicMirror's parser, and many Home Assistant add-ons') reads each event's summary,
    description, location and URL as plain strings: it turns any of them that has a parameter
    (``SUMMARY;LANGUAGE=…``, ``URL;VALUE=URI``) into an object, which those apps show as a blank."""
    campaign = load_campaign(tiny)
    executable = node("node-ical")
    assert (NODE_ICAL.parent / "node_modules" / "node-ical").is_dir(), "run: tests/install-tools"
    feeds = {}
    for feed in all_feeds(campaign):
        path = tmp_path / feed.path.replace("/", "_")
        path.write_bytes(build_feed(campaign, feed, BASE))
        feeds[str(path)] = feed
    result = subprocess.run([executable, str(NODE_ICAL), *feeds], capture_output=True, text=True, check=False)
    read = json.loads(result.stdout)
    assert result.returncode == 0, [r for r in read if "error" in r]
    assert [r["file"] for r in read] == list(feeds)
    for calendar in read:
        feed = feeds[calendar["file"]]
        script = feed.script
        # node-ical keeps a calendar's string properties in ``vcalendar``, X- ones without their "X-".
        assert calendar["calendar"]["WR-CALNAME"] == feed.title(campaign), feed.path
        expected = [
            {
                "uid": f"{activity.id}@{campaign.id}.quality-month",
                "summary": activity.title_in(script),
                "description": in_script(description(campaign, activity), script),
                "location": in_script(place, script) if (place := location(activity)) else None,
                "url": activity_url(BASE, activity, script),
            }
            for activity in feed.activities(campaign)
        ]
        if feed.has_period_event:
            expected.append({
                "uid": ("period" if feed.cut == ALL else f"period-{feed.cut.slug}") + f"@{campaign.id}.quality-month",
                "summary": campaign.name_in(script),
                "description": in_script(period_description(campaign, feed, BASE), script),
                "location": None,
                "url": feed.list_url(BASE),
            })  # fmt: skip
        for event in calendar["events"]:
            for name, value in event.items():
                assert value is None or isinstance(value, str), (feed.path, event["uid"], name, value)
        assert calendar["events"] == expected, feed.path


def test_golden_feed(tiny: Path, request: pytest.FixtureRequest) -> None:
    """The tiny campaign's feed against tests/golden/tiny-calendar.ics, compared line by line after
    unfolding (folding may move; nothing else may). Regenerate: pytest --regenerate-golden."""
    body = whole(load_campaign(tiny))
    if request.config.getoption("--regenerate-golden"):
        GOLDEN.write_bytes(body)
        pytest.fail(f"regenerated {GOLDEN.name}: review the diff and commit it", pytrace=False)
    assert unfolded(body) == unfolded(GOLDEN.read_bytes())


def test_the_default_subscription_of_the_real_campaign(real: Campaign) -> None:
    """Tried as a subscriber would: every activity with a date of its own is an event, the others are
    named by one event of the period, and no day of the period shows more than 4 events at once."""
    for script in ("hant", "hans"):
        events = list(icalendar.Calendar.from_ical(whole(real, script)).walk("VEVENT"))
        uids = [str(e["UID"]) for e in events]
        dated = [a for a in real.activities if a.span.own]
        assert uids == [f"{a.id}@{real.id}.quality-month" for a in dated] + [
            f"period@{real.id}.quality-month"
        ]
        for day in real.days():
            on_day = [e for e in events if _date(e["DTSTART"].dt) <= day < _date(e["DTEND"].dt)]
            assert len(on_day) <= 4, (day, [str(e["SUMMARY"]) for e in on_day])
        period = str(events[-1]["DESCRIPTION"])
        undated = [a for a in real.activities if not a.span.own]
        assert in_script(f"另有{len(undated)}項活動", script) in period
        assert all(f"・{a.title_in(script)}" in period for a in undated)


def _date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("organizers.toml", 'name = "工業和信息化部"', 'name = "中華人民共和國工業和信息化部"'),  # in 主辦：
        ("campaign.toml", 'exchange = "交流"', 'exchange = "經驗交流"'),  # a kind's label, in CATEGORIES
        ("campaign.toml", 'department = "聯合主辦單位"', 'department = "主辦部門"'),  # an organizer kind's
    ],
    ids=["organizer-name", "kind-label", "organizer-kind-label"],
)
def test_every_input_of_an_events_text_raises_its_sequence(
    tiny: Path, edit: Edit, file: str, old: str, new: str
) -> None:
    """Renaming an organizer (or a label) changes the events that show it: `check` fails until `revise`
    records it, and then their SEQUENCE rises and the others stay as they were."""
    first = events_by_uid(complete(load_campaign(tiny)))
    folder = edit(file, old, new)
    with pytest.raises(CampaignError, match="changed since the last revision"):
        load_campaign(folder)
    later = dt.datetime(2030, 8, 30, 8, 0, tzinfo=dt.UTC)
    second = events_by_uid(complete(load_campaign(revised(folder, later))))
    exchange = "benchmark-exchange@2030.quality-month"
    assert int(second[exchange]["SEQUENCE"]) == int(first[exchange]["SEQUENCE"]) + 1
    assert second[exchange]["LAST-MODIFIED"].dt == second[exchange]["DTSTAMP"].dt == later
    conference = "quality-conference@2030.quality-month"  # neither run by the ministry nor an exchange
    if file == "campaign.toml" and "department" in old:
        return  # samr is a department too: the conference changes with the label
    assert second[conference].to_ical() == first[conference].to_ical()


def test_an_activity_that_gets_a_date_moves_to_an_event_of_its_own(tiny: Path, edit: Edit) -> None:
    """It leaves the period's event for an event of its own in the default subscription: the UID it had
    in the complete feed, SEQUENCE raised; the period's event no longer names it."""
    before = events_by_uid(complete(load_campaign(tiny)))
    exchange = "benchmark-exchange@2030.quality-month"
    assert exchange not in events_by_uid(whole(load_campaign(tiny)))
    edit(
        "activities.toml", "sources = [{ annex = 1, item = 2 }]",
        'sources = [{ annex = 1, item = 2 }]\nstart = 2030-09-18\ndate_source = { url = "https://example.org/x", confidence = "high" }',
    )  # fmt: skip
    later = dt.datetime(2030, 9, 1, 2, 0, tzinfo=dt.UTC)
    campaign = load_campaign(revised(tiny, later))
    after = events_by_uid(whole(campaign))
    assert int(after[exchange]["SEQUENCE"]) == int(before[exchange]["SEQUENCE"]) + 1
    assert after[exchange]["DTSTART"].dt == dt.date(2030, 9, 18)
    period = after["period@2030.quality-month"]
    assert "質量標桿交流" not in str(period["DESCRIPTION"]) and "另有" not in str(period["DESCRIPTION"])
    assert period["LAST-MODIFIED"].dt == later
