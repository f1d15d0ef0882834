"""The notice importer: the 2022 notice read back into the data that data/2022 holds, measured against it;
the same structure from a Simplified, half-width copy; an unseen notice drafted; a broken one refused."""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generators import draft_files
from generators.importer import Draft, NoticeError, draft_campaign, priors
from generators.loader import load_campaign
from generators.notice import parse_notice
from generators.revisions import revise, revisions_path, write_revisions
from generators.script import to_hans
from tests.conftest import DATA

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = DATA / "2022"
NOTICE = (SEED / "notice.txt").read_text(encoding="utf-8")
CAMPAIGN = tomllib.loads((SEED / "campaign.toml").read_text(encoding="utf-8"))["campaign"]
ORGANIZERS = tomllib.loads((SEED / "organizers.toml").read_text(encoding="utf-8"))["organizer"]
ACTIVITIES = tomllib.loads((SEED / "activities.toml").read_text(encoding="utf-8"))["activity"]
HALF_WIDTH = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"})


def _simplified(text: str) -> str:
    return str(opencc.OpenCC("t2s").convert(text))


def _write(draft: Draft, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in draft_files.files(draft).items():
        (folder / name).write_text(text, encoding="utf-8")
    import datetime as dt

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    write_revisions(revisions_path(folder), revise(load_campaign(folder, revisions=False), {}, now))
    return folder


def _key(
    texts: list[str], sources: list[tuple[int, int]]
) -> tuple[frozenset[str], frozenset[tuple[int, int]]]:
    return frozenset(texts), frozenset(sources)


def split_recall(draft: Draft) -> tuple[float, float]:
    """An activity of data/2022 is recovered when an imported activity has the same text lines and the
    same sources, counted one to one (a sentence data/2022 splits in seven needs seven imported
    activities of that sentence); the second figure is the share of imported activities so matched."""
    expected = Counter(
        _key(a["text"].split("\n"), [(s["annex"], s["item"]) for s in a["sources"]]) for a in ACTIVITIES
    )
    got = Counter(_key(a.texts, a.sources) for a in draft.activities)
    matched = sum(min(n, got[k]) for k, n in expected.items())
    return matched / sum(expected.values()), matched / sum(got.values())


def organizer_recall(draft: Draft) -> float:
    """An organizer of data/2022 is recovered when an imported one has its kind and its name (for an
    issuer, whose full name the notice does not give, its short name: the signature block's)."""
    issuers = set(CAMPAIGN["issuers"])
    got = {(o.kind, o.short if o.id in draft.issuers else o.name) for o in draft.organizers}
    found = [o for o in ORGANIZERS if (o["kind"], o["short"] if o["id"] in issuers else o["name"]) in got]
    return len(found) / len(ORGANIZERS)


@pytest.fixture(scope="module")
def seed() -> Draft:
    return draft_campaign(NOTICE, priors([SEED]))


def test_the_2022_notice_gives_its_facts(seed: Draft) -> None:
    h = seed.heading
    assert (h.title.text, h.number, h.name) == (
        CAMPAIGN["title"],
        CAMPAIGN["document_number"],
        CAMPAIGN["name"],
    )
    assert (h.issued, h.start, h.end) == (CAMPAIGN["issued"], CAMPAIGN["start"], CAMPAIGN["end"])
    assert seed.issuers == CAMPAIGN["issuers"]
    assert h.theme == CAMPAIGN["theme"]
    assert [text for text, _ in h.slogans] == CAMPAIGN["slogans"]
    items = parse_notice(NOTICE).annex_items
    assert seed.notice.annex_items == items


def test_the_2022_notice_gives_its_organizers_and_activities_measured() -> None:
    cold = draft_campaign(NOTICE)  # no earlier campaign: nothing to borrow
    organizers = organizer_recall(cold)
    splits, precision = split_recall(cold)
    print(f"\norganizers recovered: {organizers:.1%} of {len(ORGANIZERS)}")
    print(
        f"activity splits recovered: {splits:.1%} of {len(ACTIVITIES)} ({precision:.1%} of the imported match)"
    )
    assert organizers >= 0.9
    assert splits >= 0.9


def test_earlier_campaigns_organizers_keep_their_ids(seed: Draft) -> None:
    by_name = {o["name"]: o["id"] for o in ORGANIZERS}
    kept = [o for o in seed.organizers if by_name.get(o.name) == o.id]
    print(f"\norganizers with data/2022's id and full name: {len(kept)} of {len(ORGANIZERS)}")
    assert len(kept) / len(ORGANIZERS) >= 0.9
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", o.id) for o in seed.organizers)


def test_the_draft_passes_the_loader(seed: Draft, tmp_path: Path) -> None:
    campaign = load_campaign(_write(seed, tmp_path / "2022"))
    assert len(campaign.activities) == len(seed.activities)
    assert not any(a.span.own for a in campaign.activities)  # no invented dates
    assert "REVIEW.md" in {p.name for p in (tmp_path / "2022").iterdir()}


@pytest.mark.parametrize("half", [False, True], ids=["simplified", "simplified-half-width"])
def test_a_simplified_notice_gives_the_same_structure(seed: Draft, half: bool, tmp_path: Path) -> None:
    text = _simplified(NOTICE)
    text = text.translate(HALF_WIDTH) if half else text
    draft = draft_campaign(text, priors([SEED]))
    assert draft.script == "hans"
    assert draft.issuers == seed.issuers
    assert [o.id for o in draft.organizers] == [o.id for o in seed.organizers]
    assert [(a.id, a.sources) for a in draft.activities] == [(a.id, a.sources) for a in seed.activities]
    assert [t for t, _ in draft.heading.slogans] == [
        _simplified(t).translate(HALF_WIDTH) if half else _simplified(t) for t, _ in seed.heading.slogans
    ]
    campaign = load_campaign(_write(draft, tmp_path / "2022"))
    first = draft.activities[0]
    assert to_hans(campaign.activity(first.id).text) == "\n".join(first.texts)  # the notice's own wording
    assert campaign.script == "hans"


UNSEEN = (FIXTURES / "notice-2031.txt").read_text(encoding="utf-8")


def test_an_unseen_notice_gives_a_draft(tmp_path: Path) -> None:
    draft = draft_campaign(UNSEEN, priors([SEED]))
    h = draft.heading
    assert (h.start.isoformat(), h.end.isoformat(), h.issued.isoformat()) == (
        "2031-09-01",
        "2031-09-30",
        "2031-08-20",
    )
    assert h.number == "国市监质发〔2031〕12号"
    assert draft.script == "hans"
    assert draft.issuers[:2] == ["samr", "sasac"]  # known from 2022, matched across scripts
    ids = {o.short: o.id for o in draft.organizers}
    assert ids["中国质量协会"] == "china-quality-association"
    assert ids["星河航运"] == "xing-he-hang-yun"  # new: from pinyin
    campaign = load_campaign(_write(draft, tmp_path / "2031"))
    assert campaign.id == "2031" and len(campaign.slogans) == 3
    # OpenCC alone would give 看著 back (s2t leaves 着, t2tw makes it 著, t2s keeps 著): the source's
    # own letters come back, whole and inside a longer text.
    (watch,) = [a for a in draft.activities if "看着" in a.title]
    derived = campaign.activity(watch.id)
    assert "看著" in derived.title and to_hans(derived.title) == watch.title
    assert to_hans(derived.text) == "开展“看着质量”宣传活动。"
    assert to_hans(f"{derived.text}（附件1）") == "开展“看着质量”宣传活动。（附件1）"
    review = (tmp_path / "2031" / "REVIEW.md").read_text(encoding="utf-8")
    assert "星河航运" in review and "第" in review


@pytest.mark.parametrize(
    ("drop", "says"),
    [("定于2031年9月", "定于YYYY年M月"), ("〔2031〕12号", "document number"), ("2031年8月20日", "issue date"),
     ("主题:", "theme"), ("口号", "slogans")],
)  # fmt: skip
def test_a_notice_missing_a_part_is_refused(drop: str, says: str) -> None:
    broken = "\n".join(line for line in UNSEEN.splitlines() if drop not in line)
    if drop == "主题:":
        broken = broken.replace("一、活动主题", "一、活动")
    with pytest.raises(NoticeError, match=re.escape(says)):
        draft_campaign(broken)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.integers(0, len(UNSEEN.splitlines()) - 1), max_size=12), st.booleans())
def test_any_lines_deleted_give_a_draft_or_a_clean_error(dropped: set[int], seed_notice: bool) -> None:
    source = NOTICE if seed_notice else UNSEEN
    lines = [line for n, line in enumerate(source.splitlines()) if n not in dropped]
    try:
        draft = draft_campaign("\n".join(lines))
    except NoticeError as exc:
        assert str(exc)
        return
    assert draft_files.files(draft)["activities.toml"]


def test_to_hans_forgets_what_it_cached_before_a_text_was_remembered() -> None:
    from generators.script import from_hans

    source = "随着第九届质量月的到来"
    traditional = str(opencc.OpenCC("t2tw").convert(opencc.OpenCC("s2t").convert(source)))
    assert to_hans(traditional) != source  # OpenCC alone: 随著…, now in to_hans's cache
    assert from_hans(source) == traditional
    assert to_hans(traditional) == source
