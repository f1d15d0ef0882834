"""What a campaign notice states before its activities: the title, the document number, the period
(定于YYYY年M月), the issuing departments' signature block and its date, the theme, the annexes' titles
and the slogans. Notices come in Traditional or Simplified and with full- or half-width punctuation:
every pattern here accepts both. A notice without a part the campaign needs is a ``NoticeError`` that
names the part (and the line, where there is one).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from generators.script import Script, to_hans


class NoticeError(ValueError):
    """The notice lacks a part a campaign needs, or states it so that it cannot be read."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason, self.line = reason, line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


def both(*words: str) -> tuple[str, ...]:
    """Traditional words with their Simplified forms, for patterns that read either script."""
    return tuple(dict.fromkeys([*words, *(to_hans(w) for w in words)]))


def alternation(*words: str) -> str:
    """A regular expression matching any of the Traditional ``words`` in either script, longest first."""
    return "|".join(re.escape(w) for w in sorted(both(*words), key=len, reverse=True))


@dataclass(frozen=True)
class Line:
    """A line of the notice: its number (from 1) and its text, stripped."""

    number: int
    text: str


@dataclass(frozen=True)
class Heading:
    """The notice's facts, each with the line it was read from."""

    title: Line
    name: str
    number: str
    number_line: Line
    issued: dt.date
    issued_line: Line
    start: dt.date
    end: dt.date
    period_line: Line
    signature: tuple[tuple[str, Line], ...]
    theme: str
    theme_line: Line
    slogans: tuple[tuple[str, Line], ...]
    annex_titles: dict[int, Line] = field(default_factory=dict)
    script: Script = "hant"


_NUMBER = re.compile(r"([^\s()（）]*[〔［\[]\s*\d{4}\s*[〕］\]]\s*\d+\s*[號号])")
_PERIOD = re.compile(r"定[于於]\s*(\d{4})\s*年\s*(\d{1,2})\s*月")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\Z")
_ANNEX = re.compile(r"附件\s*(\d+)\s*\Z")
_ANNEX_LIST = re.compile(r"附件\s*[:：]|\d+\s*[.．、]")
_NAME = re.compile(r"(\d{4}\s*年.*?[“「][^”」]+[”」])")
_THEME_LABEL = re.compile(rf"(?:{alternation('主題')})\s*[:：]\s*(.*)\Z")
_THEME_HEADING = re.compile(rf"[一二三四五六七八九十]+、\s*(?:{alternation('活動主題')})\s*\Z")
_SLOGAN_LABEL = re.compile(rf"(?:{alternation('口號')})\s*[:：]?\s*\Z")
_SLOGAN = re.compile(r"(\d+)\s*[.．、]\s*(\S.*)\Z")
_SENTENCE_MARKS = re.compile(r"[。，,:：;；、“”\"()（）]")
#: A letter-spaced name in the signature block ends at one of these (科 技 部 公 安 部: two names).
_NAME_ENDS = both("部", "委", "局", "署")


def script_of(text: str) -> Script:
    """Which script ``text`` is in: the one that OpenCC's conversion to Simplified changes least."""
    changed = sum(1 for a, b in zip(text, to_hans(text), strict=True) if a != b)
    return "hant" if changed > len(text) / 200 else "hans"


def _lines(text: str) -> list[Line]:
    return [Line(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]


def _space(text: str) -> str:
    """Runs of spaces (full-width too) as one space: a slogan's phrases, as the data writes them."""
    return re.sub(r"\s+", " ", text).strip()


def read_heading(text: str) -> Heading:
    """The notice's facts; ``NoticeError`` naming the first part it lacks."""
    lines = [line for line in _lines(text) if line.text]
    if not lines:
        raise NoticeError("the notice is empty")
    first_annex = next((i for i, line in enumerate(lines) if _ANNEX.match(line.text)), len(lines))
    body = lines[:first_annex]
    title = lines[0]
    number_line = next((line for line in body[:6] if _NUMBER.search(line.text)), None)
    if number_line is None or number_line is title:
        raise NoticeError("no document number under the title, such as 國市監質發〔2022〕76號")
    number = re.sub(r"\s+", "", _NUMBER.search(number_line.text).group(1))  # type: ignore[union-attr]
    name_match = _NAME.search(title.text)
    name = name_match.group(1) if name_match else title.text
    start, end, period_line = _period(body)
    issued, issued_line, signature = _signature(body)
    titles = _annex_titles(lines)
    slogans = _slogans(lines, titles)
    theme, theme_line = _theme(lines, body)
    return Heading(
        title, name, number, number_line, issued, issued_line, start, end, period_line,
        signature, theme, theme_line, slogans, titles, script_of(text),
    )  # fmt: skip


def _period(body: list[Line]) -> tuple[dt.date, dt.date, Line]:
    for line in body:
        if match := _PERIOD.search(line.text):
            year, month = int(match.group(1)), int(match.group(2))
            if not (1 <= month <= 12 and 1900 <= year <= 2999):
                raise NoticeError(f"the period {match.group(0)} is not a month", line.number)
            last = calendar.monthrange(year, month)[1]
            return dt.date(year, month, 1), dt.date(year, month, last), line
    raise NoticeError("no period: the notice says nowhere 定于YYYY年M月 (or 定於…) before its annexes")


def _signature(body: list[Line]) -> tuple[dt.date, Line, tuple[tuple[str, Line], ...]]:
    """The issue date (the first line that is only a date) and the names signed above it."""
    at = next((i for i, line in enumerate(body) if _DATE.match(line.text)), None)
    if at is None:
        raise NoticeError("no issue date: no line before the annexes that is only a date, YYYY年M月D日")
    date_line = body[at]
    year, month, day = (int(g) for g in _DATE.match(date_line.text).groups())  # type: ignore[union-attr]
    try:
        issued = dt.date(year, month, day)
    except ValueError:
        raise NoticeError(f"{date_line.text} is not a date", date_line.number) from None
    block: list[Line] = []
    for line in reversed(body[:at]):
        if _SENTENCE_MARKS.search(line.text) or _ANNEX_LIST.match(line.text) or line.text.startswith("附件"):
            break
        block.insert(0, line)
    names = [(name, line) for line in block for name in _signed_names(line.text)]
    if not names:
        reason = "no signature block: no issuing departments' names above the date"
        raise NoticeError(reason, date_line.number)
    return issued, date_line, tuple(names)


def _signed_names(text: str) -> list[str]:
    """The names on a line of the signature block: words between spaces, a letter-spaced name's letters
    (教 育 部) joined."""
    names: list[str] = []
    spaced = ""
    for word in text.split():
        if len(word) > 1:
            names += [spaced] if spaced else []
            names.append(word)
            spaced = ""
            continue
        spaced += word
        if word in _NAME_ENDS:
            names.append(spaced)
            spaced = ""
    return [*names, spaced] if spaced else names


def _annex_titles(lines: list[Line]) -> dict[int, Line]:
    titles: dict[int, Line] = {}
    for i, line in enumerate(lines[:-1]):
        if match := _ANNEX.match(line.text):
            titles[int(match.group(1))] = lines[i + 1]
    return titles


def _slogans(lines: list[Line], titles: dict[int, Line]) -> tuple[tuple[str, Line], ...]:
    annex = next((a for a, t in titles.items() if re.search(alternation("口號"), t.text)), None)
    if annex is None:
        raise NoticeError("no slogans annex: no annex titled …口號 or …口号")
    start = titles[annex].number
    following = [line for line in lines if line.number > start]
    end = next((i for i, line in enumerate(following) if _ANNEX.match(line.text)), len(following))
    found: list[tuple[str, Line]] = []
    labelled = False
    for line in following[:end]:
        labelled = labelled or bool(_SLOGAN_LABEL.match(line.text))
        if labelled and (match := _SLOGAN.match(line.text)):
            found.append((_space(match.group(2)), line))
    if not found:
        raise NoticeError("the slogans annex has no numbered slogans under 口號 (1. …)", start)
    return tuple(found)


def _theme(lines: list[Line], body: list[Line]) -> tuple[str, Line]:
    """The theme: under 主題: in the slogans annex, else under the body's heading 活動主題."""
    for i, line in enumerate(lines):
        if match := _THEME_LABEL.match(line.text):
            if match.group(1).strip():
                return _space(match.group(1)), line
            if i + 1 < len(lines):
                return _space(lines[i + 1].text), lines[i + 1]
    for i, line in enumerate(body):
        if _THEME_HEADING.match(line.text):
            rest = [n for n in body[i + 1 :] if n.text.strip("…. ")]
            if rest:
                return _space(rest[0].text), rest[0]
    raise NoticeError("no theme: no line starting 主題 or 主题 and no heading 活動主題")
