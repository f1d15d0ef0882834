"""The notice splits into annexes and numbered items."""

from __future__ import annotations

import pytest

from generators.notice import chinese_number, parse_notice
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十四", 14), ("二十", 20), ("二十一", 21), ("九十九", 99)],
)
def test_chinese_numbers(numeral: str, value: int) -> None:
    assert chinese_number(numeral) == value


def test_real_notice_items() -> None:
    notice = parse_notice((DATA / "2022" / "notice.txt").read_text(encoding="utf-8"))
    assert {annex: len(items) for annex, items in notice.annex_items.items()} == {1: 16, 2: 11, 3: 20}
    assert notice.item(3, 1) is not None and notice.item(3, 1).startswith(
        "中國航天科技集團有限公司召開“9·21”"
    )
    assert notice.item(1, 17) is None
    # The body's own numbered headings (一、活動主題) come before any annex and are not items.
    assert all("活動主題" not in text for _, items in notice.annex_items.items() for text in items.values())


def test_item_continues_on_following_lines() -> None:
    notice = parse_notice("附件1\n一、第一句。\n第二句。\n二、另一項。\n附件2\n口號\n")
    assert notice.item(1, 1) == "第一句。\n第二句。"
    assert list(notice.items()) == [(1, 1), (1, 2)]
