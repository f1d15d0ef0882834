"""The notice's own text, split into its annexes and their numbered items.

The loader uses it to prove that every activity's text is the notice's wording and that every annex
item is the source of at least one activity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")}
_ANNEX = re.compile(r"附件\s*(\d+)\s*\Z")
_ITEM = re.compile(r"([一二三四五六七八九十〇]+)、(.*)\Z")


def chinese_number(numeral: str) -> int:
    """The value of a Chinese numeral up to 99 (一 1, 十 10, 十四 14, 二十 20, 二十一 21)."""
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        value = (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
        return value
    value = 0
    for char in numeral:
        value = value * 10 + _DIGITS[char]
    return value


@dataclass(frozen=True)
class Notice:
    """The notice's text and the text of each numbered item of each annex."""

    text: str
    annex_items: dict[int, dict[int, str]] = field(default_factory=dict)

    def item(self, annex: int, item: int) -> str | None:
        """The text of ``item`` of ``annex``, or ``None`` if the notice has no such item."""
        return self.annex_items.get(annex, {}).get(item)

    def items(self) -> Iterator[tuple[int, int]]:
        """Every (annex, item) pair, in the notice's order."""
        for annex, items in sorted(self.annex_items.items()):
            for item in sorted(items):
                yield annex, item


def parse_notice(text: str) -> Notice:
    """Split a notice into annexes (a line ``附件N``) and their items (lines ``一、…``).

    An item runs until the next item or annex; lines before the first annex belong to the body.
    """
    annexes: dict[int, dict[int, str]] = {}
    annex: int | None = None
    item: int | None = None
    for line in text.splitlines():
        line = line.strip()
        if match := _ANNEX.match(line):
            annex, item = int(match.group(1)), None
            annexes.setdefault(annex, {})
        elif annex is not None and (match := _ITEM.match(line)):
            item = chinese_number(match.group(1))
            annexes[annex][item] = match.group(2)
        elif annex is not None and item is not None and line:
            annexes[annex][item] += "\n" + line
    return Notice(text, {a: items for a, items in annexes.items() if items})


def item_lines(text: str) -> dict[tuple[int, int], int]:
    """The line (from 1) on which each numbered item of each annex begins, as ``parse_notice`` reads it."""
    found: dict[tuple[int, int], int] = {}
    annex: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if match := _ANNEX.match(line):
            annex = int(match.group(1))
        elif annex is not None and (match := _ITEM.match(line)):
            found[annex, chinese_number(match.group(1))] = number
    return found
