"""The loader: the tiny campaign loads, and each kind of data error is named by file, line and field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generators.loader import CampaignError, DataError, find_campaigns, load_campaign, load_current
from tests.conftest import Edit, revised


def errors_of(folder: Path) -> list[DataError]:
    with pytest.raises(CampaignError) as caught:
        load_campaign(folder)
    return list(caught.value.errors)


def only_error(folder: Path) -> DataError:
    errors = errors_of(folder)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_tiny_campaign_loads(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    assert campaign.id == "2030"
    assert [a.id for a in campaign.activities] == ["quality-conference", "quality-week", "benchmark-exchange"]
    assert campaign.timezone.key == "Asia/Shanghai"
    assert [s.design for s in campaign.slogans] == ["slogan-01", "slogan-02"]
    week = campaign.activity("quality-week")
    assert week.span.all_day and week.span.own
    assert (week.span.start, week.span.end) == (dt.date(2030, 9, 10), dt.date(2030, 9, 15))
    undated = campaign.activity("benchmark-exchange")
    assert not undated.span.own
    assert (undated.span.start, undated.span.end) == (dt.date(2030, 9, 1), dt.date(2030, 10, 1))
    assert undated.organizers == ("miit", "samr")


def test_model_is_immutable(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    with pytest.raises(AttributeError):
        campaign.theme = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        campaign.organizers["x"] = campaign.organizers["samr"]  # type: ignore[index]


def test_timed_activity_gets_the_campaign_zone(edit: Edit) -> None:
    folder = edit(
        "activities.toml",
        "start = 2030-09-03\n",
        "start = 2030-09-03T14:00:00\nend = 2030-09-03T17:30:00\n",
    )
    span = load_campaign(revised(folder)).activity("quality-conference").span
    assert not span.all_day
    assert isinstance(span.start, dt.datetime)
    assert span.start.isoformat() == "2030-09-03T14:00:00+08:00"
    assert span.days() == [dt.date(2030, 9, 3)]


def test_toml_syntax_error_names_file_and_line(edit: Edit) -> None:
    folder = edit("activities.toml", 'kind = "week"', 'kind = "week')
    error = only_error(folder)
    assert error.file.endswith("activities.toml")
    assert error.line == 15
    assert error.reason.startswith("TOML syntax error: ")
    assert "at line" not in error.reason


def test_impossible_month_is_a_syntax_error_with_its_line(edit: Edit) -> None:
    folder = edit("activities.toml", "start = 2030-09-10", "start = 2030-19-10")
    error = only_error(folder)
    assert error.file.endswith("activities.toml") and error.line == 19


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "record", "field", "reason"),
    [
        ("activities.toml", 'organizers = ["samr"]\ntext = "開展', 'organizers = ["nobody"]\ntext = "開展',
         16, "activity 'quality-week'", "organizers", "unknown organizer 'nobody'"),
        ("activities.toml", 'start = 2030-09-10', 'start = "2030-09-xx"',
         19, "activity 'quality-week'", "start", "is not a date"),
        ("activities.toml", "end = 2030-09-14", "end = 2030-10-02",
         20, "activity 'quality-week'", "end", "outside the campaign period 2030-09-01 to 2030-09-30"),
        ("activities.toml", "end = 2030-09-14", "end = 2030-09-08",
         20, "activity 'quality-week'", "end", "is before the start"),
        ("activities.toml", 'id = "benchmark-exchange"', 'id = "quality-week"',
         24, "activity 'quality-week'", "id", "duplicate id 'quality-week' (first used on line 13)"),
        ("activities.toml", 'title = "質量標桿交流"\n', "",
         23, "activity 'benchmark-exchange'", "title", "missing"),
        ("activities.toml", 'kind = "exchange"', 'kind = "party"',
         26, "activity 'benchmark-exchange'", "kind", "unknown kind 'party'"),
        ("activities.toml", 'kind = "exchange"', 'kind = 3',
         26, "activity 'benchmark-exchange'", "kind", "must be text, not a number"),
        ("activities.toml", 'place = "北京"', 'plaec = "北京"',
         9, "activity 'quality-conference'", "plaec", "unknown field"),
        ("activities.toml", 'id = "quality-week"', 'id = "Quality Week"',
         13, "activity 'Quality Week'", "id", "is not an id"),
        ("activities.toml", 'date_source = { url = "https://example.org/week", confidence = "medium" }\n', "",
         12, "activity 'quality-week'", "date_source", "a date needs its source"),
        ("activities.toml", 'confidence = "medium"', 'confidence = "sure"',
         21, "activity 'quality-week'", "date_source", "confidence must be one of"),
        ("activities.toml", '"https://example.org/week"', '"example.org/week"',
         21, "activity 'quality-week'", "date_source", "is not an http(s) address"),
        ("activities.toml", "{ annex = 1, item = 2 }", "{ annex = 1, item = 9 }",
         29, "activity 'benchmark-exchange'", "sources", "the notice has no annex 1 item 9"),
        ("activities.toml", "工業和信息化部開展質量標桿交流。", "工業和信息化部開展質量標桿交流推廣。",
         28, "activity 'benchmark-exchange'", "text", "is not the notice's wording in annex 1 item 2"),
        ("organizers.toml", 'kind = "department"\n\n', 'kind = "ministry"\n\n',
         5, "organizer 'samr'", "kind", "unknown kind 'ministry'"),
        ("campaign.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Asia/Peking"',
         9, "[campaign]", "timezone", "is not an IANA time zone"),
        ("campaign.toml", 'issuers = ["samr", "miit"]', 'issuers = ["samr", "mitt"]',
         12, "[campaign]", "issuers", "unknown organizer 'mitt'"),
        ("campaign.toml", "end = 2030-09-30", "end = 2030-08-30",
         8, "[campaign]", "end", "is before the start"),
        ("campaign.toml", 'theme = "推動質量變革創新 促進質量強國建設"', 'theme = "推動質量變革創新 😀"',
         11, "[campaign]", "theme", "characters the fonts cannot draw: 😀 (in Traditional and Simplified"),
    ],
    ids=[
        "unknown-organizer", "bad-date", "date-outside-period", "end-before-start", "duplicate-id",
        "missing-field", "unknown-kind", "wrong-type", "unknown-field", "bad-id", "date-without-source",
        "bad-confidence", "bad-url", "unknown-source", "text-not-in-notice", "unknown-organizer-kind",
        "bad-timezone", "unknown-issuer", "campaign-ends-before-start", "missing-glyph",
    ],
)  # fmt: skip
def test_each_error_names_file_line_record_and_field(
    edit: Edit, file: str, old: str, new: str, line: int, record: str, field: str, reason: str
) -> None:
    error = only_error(edit(file, old, new))
    assert error.file.endswith(file)
    assert (error.line, error.record, error.field) == (line, record, field)
    assert reason in error.reason
    assert str(error).startswith(f"{error.file}:{line}: {record}: field '{field}': ")


def test_uncovered_annex_item_is_an_error(edit: Edit) -> None:
    folder = edit(
        "notice.txt", "二、工業和信息化部", "二、工業和信息化部開展質量標桿交流。\n三、工業和信息化部"
    )
    error = only_error(folder)
    assert error.reason == "annex 1 item 3 of the notice is the source of no activity"


def test_glyph_missing_in_one_script_only_is_named_for_it(edit: Edit) -> None:
    # 欐 is in Big5 level 1, so the TC faces draw it, but OpenCC turns it into 𪲔, which no face has.
    error = only_error(edit("activities.toml", 'place = "北京"', 'place = "北京欐"'))
    assert error.field == "place" and error.line == 9
    assert error.reason.startswith("characters the fonts cannot draw: 𪲔 (in Simplified script,")


def test_every_error_is_reported_at_once(edit: Edit) -> None:
    edit("activities.toml", 'kind = "exchange"', "kind = 3")
    edit("organizers.toml", 'short = "市場監管總局"', 'short = ""')
    folder = edit("campaign.toml", "start = 2030-09-01", "start = 2030-09-31")
    errors = errors_of(folder)
    files = sorted({Path(e.file).name for e in errors})
    # campaign.toml's bad date stops its own parse; the other two files are still checked.
    assert files == ["activities.toml", "campaign.toml", "organizers.toml"]


def test_missing_file_is_named(tiny: Path) -> None:
    (tiny / "organizers.toml").unlink()
    errors = errors_of(tiny)
    assert errors[0].file.endswith("organizers.toml") and errors[0].reason == "file is missing"


def test_find_campaigns(tmp_path: Path, tiny: Path) -> None:
    assert find_campaigns(tiny) == [tiny]
    assert find_campaigns(tiny.parent) == [tiny]
    with pytest.raises(CampaignError, match="no such data folder"):
        find_campaigns(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CampaignError, match="no campaign folder here"):
        find_campaigns(tmp_path / "empty")


def test_load_current_takes_the_latest_campaign(tiny: Path) -> None:
    older = tiny.parent / "older"
    shutil.copytree(tiny, older)
    for name, old, new in [
        ("campaign.toml", 'id = "2030"', 'id = "2029"'),
        ("campaign.toml", "start = 2030-09-01", "start = 2029-10-01"),
    ]:
        path = older / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    revised(older)
    assert load_current(tiny.parent).id == "2030"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("campaign.toml", "end = 2030-09-30", "end = 2230-09-30",
         "campaign.toml:8: [campaign]: field 'end': a period of 73078 days (at most 366"),
        ("campaign.toml", 'theme = "', 'theme = "\\u0007', "field 'theme': holds the control character U+0007 at 1"),
        ("activities.toml", 'title = "質量大會"', 'title = "\\u001b[31m質量大會"', "field 'title': holds the control character U+001B"),
    ],
)  # fmt: skip
def test_refuses_a_period_too_long_and_control_characters(
    edit: Edit, file: str, old: str, new: str, message: str
) -> None:
    folder = edit(file, old, new)
    with pytest.raises(CampaignError) as caught:
        load_campaign(folder, revisions=False)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "reason"),
    [
        (
            "activities.toml",
            'title = "質量標桿交流"',
            f'title = "{"質量" * 10000}"',
            "title",
            "is 20000 characters long: posters and screens set at most 120",
        ),
        (
            "campaign.toml",
            '"質量發展 利民惠民"',
            f'"{"利民" * 6000}"',
            "slogans",
            "is 12000 characters long: posters and screens set at most 40",
        ),
        (
            "campaign.toml",
            'theme = "推動質量變革創新 促進質量強國建設"',
            f'theme = "{"質" * 41}"',
            "theme",
            "at most 40",
        ),
    ],
    ids=["title", "slogan", "theme"],
)
def test_text_longer_than_posters_can_set_is_refused_by_field(
    edit: Edit, file: str, old: str, new: str, field: str, reason: str
) -> None:
    with pytest.raises(CampaignError) as caught:
        load_campaign(edit(file, old, new), revisions=False)
    found = [e for e in caught.value.errors if e.field == field]
    assert found and reason in found[0].reason and found[0].file.endswith(file)
    assert all(len(str(e)) < 300 for e in caught.value.errors)  # one short line each, not the text


def test_a_byte_order_mark_is_named(tiny: Path) -> None:
    path = tiny / "activities.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(CampaignError) as caught:
        load_campaign(tiny)
    (error,) = caught.value.errors
    assert error.file.endswith("activities.toml") and error.line == 1
    assert "byte-order mark" in error.reason and "without" in error.reason


def test_a_refusal_quotes_only_the_start_of_long_text() -> None:
    from generators import fonts
    from generators.typeset import CannotFit, fit

    with pytest.raises(CannotFit) as caught:
        fit(
            "質量" * 3000,
            fonts.face("sans", "bold", "hant"),
            (300, 100),
            min_size=40,
            max_size=200,
            script="hant",
        )
    assert len(str(caught.value)) < 200 and "共6000字" in str(caught.value)


@pytest.mark.parametrize(
    ("renamed", "field", "reason"),
    [
        ('state-admin = "nobody"', "state-admin", "'nobody' is not an organizer's id"),
        ('miit = "samr"', "miit", "'miit' is an organizer's id now"),
        ('"State Admin" = "samr"', "State Admin", "is not an id"),
    ],
    ids=["to-an-unknown-id", "from-an-id-in-use", "not-an-id"],
)
def test_a_bad_renamed_table_is_named(edit: Edit, renamed: str, field: str, reason: str) -> None:
    error = only_error(
        edit(
            "organizers.toml",
            '[[organizer]]\nid = "samr"',
            f'[renamed]\n{renamed}\n\n[[organizer]]\nid = "samr"',
        )
    )
    assert error.file.endswith("organizers.toml")
    assert (error.line, error.record, error.field) == (2, "[renamed]", field)  # the key's own line
    assert reason in error.reason


def test_an_unknown_table_of_the_organizers_file_is_named(edit: Edit) -> None:
    error = only_error(
        edit(
            "organizers.toml",
            '[[organizer]]\nid = "samr"',
            '[moved]\na = "samr"\n\n[[organizer]]\nid = "samr"',
        )
    )
    assert "unknown table or key 'moved'" in error.reason
