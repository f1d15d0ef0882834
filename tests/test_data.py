"""The repository's own data: the 2022 campaign as the notice sets it out."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from generators.fleet import load_fleet
from generators.model import Campaign
from generators.programme import timeline
from tests.conftest import DATA


def test_campaign_facts(real: Campaign) -> None:
    assert real.document_number == "國市監質發〔2022〕76號"
    assert real.issued == dt.date(2022, 8, 19)
    assert (real.start, real.end) == (dt.date(2022, 9, 1), dt.date(2022, 9, 30))
    assert real.timezone.key == "Asia/Shanghai"
    assert len(real.issuers) == 21
    assert real.issuers[0] == "samr" and real.issuers[-1] == "acfic"
    assert len(real.slogans) == 15
    assert real.slogans[0].text == "深入實施質量提升行動 大力推進質量強國建設"
    assert real.slogans[14].text == "人人創造質量 人人享受質量"


def test_every_slogan_and_the_theme_stand_in_the_notice(real: Campaign) -> None:
    assert real.notice is not None
    for slogan in real.slogans:
        assert f"{slogan.number}. {slogan.text}" in real.notice
    assert real.theme in real.notice


def test_organizers(real: Campaign) -> None:
    kinds = Counter(o.kind for o in real.organizers.values())
    assert kinds["department"] == 21 and kinds["association"] == 11
    assert kinds["enterprise"] >= 20
    used = {o for a in real.every_activity for o in a.organizers}
    # Five issuers run nothing in the annexes; every other organizer runs something.
    assert set(real.organizers) - used == {"ndrc", "moe", "most", "chinacoop", "acftu"}


def test_shared_activities_are_one_record(real: Campaign) -> None:
    launch = real.activity("launch-ceremony")
    assert [(s.annex, s.item) for s in launch.sources] == [(1, 1), (1, 14)]
    week = [a for a in real.activities if a.title == "2022民營經濟標準創新周"]
    assert len(week) == 1 and set(week[0].organizers) == {"samr", "acfic"}


def test_dates_are_only_the_documented_ones(real: Campaign) -> None:
    dated = {a.title: (a.span.start, a.span.end) for a in real.activities if a.span.own}
    d = dt.date
    assert dated == {
        "2022年全國“質量月”活動啟動儀式暨中央企業質量提升標準創新大會": (d(2022, 9, 1), d(2022, 9, 2)),
        "2022民營經濟標準創新周": (d(2022, 9, 5), d(2022, 9, 6)),
        "有機產品認證宣傳周": (d(2022, 9, 19), d(2022, 9, 24)),
        "綠色產品認證與標識宣傳周": (d(2022, 9, 26), d(2022, 10, 1)),
        "全國檢驗檢測機構開放日": (d(2022, 9, 8), d(2022, 9, 9)),
        "“金融知識普及月 金融知識進萬家 爭做理性投資者 爭做金融好網民”主題活動": (
            d(2022, 9, 1),
            d(2022, 10, 1),
        ),
        "“9·21”質量日視頻會": (d(2022, 9, 21), d(2022, 9, 22)),
    }
    for activity in real.activities:
        if activity.span.own:
            assert activity.date_source is not None
            assert activity.date_source.url or activity.date_source.note
        else:
            assert activity.date_source is None


def test_activities_on_a_day(real: Campaign) -> None:
    on_21 = real.activities_on(dt.date(2022, 9, 21))
    assert on_21[0].title == "“9·21”質量日視頻會"
    own = {a.id for a in on_21 if a.span.own}
    assert own == {"casc-921-quality-day-video-conference", "financial-literacy-month",
                   "organic-product-certification-week"}  # fmt: skip
    assert len(on_21) == len(own) + sum(1 for a in real.activities if not a.span.own)
    assert all(a.span.own for a in on_21[: len(own)])


def test_the_fleet(real: Campaign) -> None:
    fleet = load_fleet(DATA / "screens.toml", real)
    assert {s.id for s in fleet.screens} == {"hq-lobby-east", "hq-lobby-west", "service-hall"}
    east = fleet.screen("hq-lobby-east")
    # On 2022-09-21 the screens lead with the 航天 quality day.
    start = dt.datetime(2022, 9, 21, tzinfo=real.timezone)
    first = next(timeline(fleet, real, east, start, start + dt.timedelta(minutes=1)))
    assert first.slide.design == "activity-casc-921-quality-day-video-conference"


def test_kinds_follow_the_notice(real: Campaign) -> None:
    # The two month-long theme activities are months, not weeks.
    assert real.activity_kinds["month"] == "主題月"
    for ident in ("financial-literacy-month", "department-store-service-quality-month"):
        assert real.activity(ident).kind == "month"
    # The painting activity and the first lesson name no contest.
    assert real.activity("children-quality-safety-painting").kind != "contest"
    # Every contest the annexes name among an item's activities is a record of its own (3.16 and 3.19 alike).
    assert real.activity("zte-first-time-right-contest").kind == "contest"
    assert {
        a.id for a in real.activities if a.sources[0] == real.activity("zte-first-time-right").sources[0]
    } == {
        "zte-first-time-right",
        "zte-first-time-right-contest",
    }
    for activity in real.activities:
        if activity.kind == "week":
            assert activity.title.endswith("周"), activity.id


def test_every_title_is_the_notices_own_phrase(real: Campaign) -> None:
    # A title is a short phrase taken from the notice: it stands in the activity's own text.
    for activity in real.activities:
        assert any(activity.title in line for line in activity.text.split("\n")), activity.id
    assert real.activity("natural-resources-proficiency-testing").title == "能力驗證工作"
    assert real.activity("agri-product-safety-law-publicity").title == "法律條款解讀與宣貫"
    assert real.activity("comparative-testing").title == "比較試驗工作"


def test_the_department_store_association_has_its_own_id(real: Campaign) -> None:
    # 中國百貨商業協會 is the China Department Store Association; the China General Chamber of Commerce
    # is another body (中國商業聯合會), which the notice does not name.
    store = real.organizers["china-department-store-association"]
    assert store.name == "中國百貨商業協會" and store.kind == "association"
    assert "china-general-chamber-of-commerce" not in real.organizers
    runs = {a.id for a in real.activities if store.id in a.organizers}
    assert runs == {"department-store-service-quality-month", "department-store-brand-quality-exchange"}


def test_short_names_follow_the_rule(real: Campaign) -> None:
    # The rule of docs/data.md: the issuing departments sign the notice with their short names; every
    # other organizer's short name is its full name without its legal form. (A local edition's
    # organizers are its own word, not the notice's: the rule is the notice's.)
    assert real.notice is not None
    block = real.notice.split("4. 2022年全國“質量月”活動口號\n", 1)[1].split("\n2022年8月19日", 1)[0]
    signed = "".join(block.split())
    assert "".join(real.organizers[i].short for i in real.issuers) == signed
    for organizer in real.organizers.values():
        if organizer.kind not in ("department", "local"):
            assert organizer.short == re.sub(r"(股份有限公司|有限責任公司|有限公司)\Z", "", organizer.name)
            assert organizer.short in real.notice, organizer.id
    assert real.organizers["commercial-aircraft"].short == "中國商用飛機"
    assert real.organizers["bosch-suzhou"].short == "博世汽車零部件(蘇州)"


def test_no_date_rests_on_a_spam_mirror_or_outside_september(real: Campaign) -> None:
    # The painting activity's only copy of its 2022 report is a spam mirror: it stays undated (the
    # campaign period), as does every programme that ran beyond September with no September day.
    painting = real.activity("children-quality-safety-painting")
    assert not painting.span.own and painting.date_source is None and painting.place is None
    for ident in ("huadian-green-energy-labour-contest", "three-products-national-tour",
                  "quality-benchmark-exchange-miit", "quality-benchmark-exchange-caq", "rural-consumption-survey"):  # fmt: skip
        activity = real.activity(ident)
        assert not activity.span.own and activity.date_note, ident
    urls = {a.date_source.url for a in real.activities if a.date_source and a.date_source.url}
    assert not any("265xx.com" in url for url in urls)
