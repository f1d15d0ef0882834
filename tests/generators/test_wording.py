"""The words the project writes itself: Chinese dates and numerals, and full-width punctuation in every
string and template of the code (the notice's own text lives in data/ and is kept as it is)."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from generators import wording
from generators.notice import chinese_number
from tests.conftest import TESTS

ROOT = TESTS.parent
#: A Chinese character next to ASCII punctuation that Chinese text writes full-width (：，；（）？).
_MIXED = re.compile(r"[\u3400-\u9fff][:,;()?]|[:,;()?][\u3400-\u9fff]")


def test_dates() -> None:
    assert wording.date(dt.date(2022, 9, 21)) == "2022年9月21日"
    assert wording.weekday(dt.date(2022, 9, 21)) == "星期三"
    assert wording.weekday(dt.date(2022, 9, 25)) == "星期日"
    assert wording.days(dt.date(2022, 9, 1), dt.date(2022, 9, 30)) == "2022年9月1日至9月30日"
    assert wording.days(dt.date(2022, 12, 30), dt.date(2023, 1, 2)) == "2022年12月30日至2023年1月2日"
    assert wording.days(dt.date(2022, 9, 5), dt.date(2022, 9, 5)) == "2022年9月5日"
    assert wording.period_title(dt.date(2022, 9, 1), dt.date(2022, 9, 30)) == "2022年9月"
    assert wording.period_title(dt.date(2022, 9, 5), dt.date(2022, 9, 30)) == "2022年9月5日至9月30日"


def test_labels_are_full_width() -> None:
    assert wording.labelled("主辦", "市場監管總局") == "主辦：市場監管總局"
    assert wording.bracketed("國市監質發〔2022〕95號") == "（國市監質發〔2022〕95號）"
    assert wording.listed(["甲", "乙"]) == "甲、乙"


@pytest.mark.parametrize("value", range(100))
def test_numerals_read_back(value: int) -> None:
    written = wording.numeral(value)
    assert value == 0 or chinese_number(written) == value


def test_numerals_refuse_what_they_cannot_write() -> None:
    with pytest.raises(ValueError, match="100"):
        wording.numeral(100)


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module (f-strings' literal parts too), without docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_code_writes_full_width_punctuation() -> None:
    found = []
    for path in sorted([*(ROOT / "generators").rglob("*.py"), *(ROOT / "web").rglob("*.py")]):
        for line, text in _strings(path):
            if _MIXED.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    for path in sorted((ROOT / "web" / "templates").glob("*.html")):
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _MIXED.search(re.sub(r"{[{%].*?[%}]}", "", text)):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text.strip()}")
    assert not found, "ASCII punctuation in Chinese text:\n" + "\n".join(found)
