"""A notice in, a draft campaign out: the facts of ``notice_facts``, the organizers of the signature block
and of the annexes, and the activities of each annex item (``extract``), each guess noted for review.

Organizers keep the id they have in an earlier campaign (matched by name or short name, in either
script); a new one gets a readable ASCII id made from its name's pinyin (pypinyin). Activities are
undated: a date needs a public source, and the notice gives none. Pure: text in, data out; the files are
written by ``draft_files``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pypinyin import lazy_pinyin

from generators import extract
from generators.notice import Notice, item_lines, parse_notice
from generators.notice_facts import Heading, Line, NoticeError, alternation, both, read_heading
from generators.script import Script, to_hans

__all__ = ["Draft", "DraftActivity", "DraftOrganizer", "NoticeError", "Prior", "draft_campaign", "priors"]

#: The kinds of the 2022 campaign, reused by every draft (ids and Traditional labels).
ORGANIZER_KINDS = {"department": "聯合主辦單位", "association": "聯合會和協會", "enterprise": "企業",
                   "university": "高校"}  # fmt: skip
ACTIVITY_KINDS = {
    "ceremony": "儀式", "conference": "會議", "forum": "論壇", "contest": "競賽", "training": "培訓",
    "week": "主題周", "month": "主題月", "open-day": "開放日", "inspection": "監督檢查",
    "campaign": "專項行動", "publicity": "宣傳", "survey": "調查評價", "exchange": "交流",
    "release": "發布", "enforcement": "執法", "award": "評選",
}  # fmt: skip
#: An annex's organizers are of the kind its title names (checked in this order).
_ANNEX_KINDS = (
    ("department", both("聯合主辦單位", "部門")), ("university", both("高校", "大學", "院校")),
    ("association", both("聯合會", "協會", "學會", "商會")), ("enterprise", both("企業", "公司")),
)  # fmt: skip
_UNIVERSITY = re.compile(f"(?:{alternation('高校', '大學', '學院')})\\Z")
_LEGAL_FORM = re.compile(f"(?:{alternation('股份有限公司', '有限責任公司', '有限公司')})\\Z")
_MAX_ID = 48


@dataclass(frozen=True)
class Prior:
    """An organizer of an earlier campaign, as its file has it (in either script: names are compared
    in Simplified)."""

    id: str
    name: str
    short: str
    campaign: str


@dataclass
class DraftOrganizer:
    id: str
    name: str
    short: str
    kind: str
    line: Line
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftActivity:
    id: str
    title: str
    kind: str
    organizers: list[str]
    texts: list[str]
    sources: list[tuple[int, int]]
    lines: list[Line]
    notes: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The draft campaign: the notice's facts, its organizers and activities, and what is left over."""

    heading: Heading
    notice: Notice
    text: str
    organizers: list[DraftOrganizer]
    activities: list[DraftActivity]
    unplaced: list[tuple[Line, str]]
    issuers: list[str]

    @property
    def script(self) -> Script:
        return self.heading.script


def slug(text: str, taken: Iterable[str] = ()) -> str:
    """A kebab-case ASCII id from ``text``'s pinyin, at most ``_MAX_ID`` letters, not one of ``taken``."""
    words = [re.sub(r"[^a-z0-9]+", "-", w.lower()).strip("-") for w in lazy_pinyin(to_hans(text))]
    base = ""
    for word in (w for w in words if w):
        if base and len(base) + 1 + len(word) > _MAX_ID:
            break
        base = f"{base}-{word}" if base else word[:_MAX_ID]
    base = base or "item"
    taken = set(taken)
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def _key(text: str) -> str:
    return to_hans(text)


class _Organizers:
    """The draft's organizers as they are found, with their ids."""

    def __init__(self, prior: Sequence[Prior], script: Script) -> None:
        self.prior = {_key(name): p for p in prior for name in (p.name, p.short)}
        self.script = script
        self.found: list[DraftOrganizer] = []
        self.by_name: dict[str, DraftOrganizer] = {}

    def add(self, name: str, short: str, kind: str, line: Line, full: str | None = None) -> DraftOrganizer:
        known = self.by_name.get(_key(name)) or self.by_name.get(_key(short))
        if known is not None:
            return known
        earlier = self.prior.get(_key(name)) or self.prior.get(_key(short))
        taken = {o.id for o in self.found}
        if earlier is not None and earlier.id not in taken:
            ident = earlier.id
            full = full or (earlier.name if self.script == "hant" else to_hans(earlier.name))
            note = f"沿用{earlier.campaign}年的編號 {ident}（按名稱匹配）"
        else:
            ident = slug(short, taken | {p.id for p in self.prior.values()})
            note = f"新主辦單位，編號 {ident} 由拼音生成"
        organizer = DraftOrganizer(ident, full or name, short, kind, line, [note])
        if full is None and earlier is None and kind == "department":
            organizer.notes.append("全稱未知：暫以署名代之，請補上全稱")
        self.found.append(organizer)
        for text in (name, short, organizer.name):
            self.by_name.setdefault(_key(text), organizer)
        return organizer

    def lookup(self, name: str) -> DraftOrganizer | None:
        """The organizer of this name; else the one whose short name ends with it (衛生健康委)."""
        if found := self.by_name.get(_key(name)):
            return found
        return next((o for o in self.found if _key(o.short).endswith(_key(name)) and len(name) > 1), None)

    def named_in(self, sentence: str) -> list[DraftOrganizer]:
        names = sorted(self.by_name, key=len, reverse=True)
        seen: list[DraftOrganizer] = []
        text = _key(sentence)
        for name in names:
            if len(name) > 1 and name in text and self.by_name[name] not in seen:
                seen.append(self.by_name[name])
                text = text.replace(name, "\0")
        return seen


def draft_campaign(text: str, prior: Sequence[Prior] = ()) -> Draft:
    """The draft of a notice's campaign; ``NoticeError`` if it lacks a part a campaign needs."""
    heading = read_heading(text)
    notice = parse_notice(text)
    if not notice.annex_items:
        raise NoticeError("no annex of activities: no line 附件N followed by items 一、二、…")
    organizers = _Organizers(prior, heading.script)
    issuers = [organizers.add(name, name, "department", line).id for name, line in heading.signature]
    activities: list[DraftActivity] = []
    unplaced: list[tuple[Line, str]] = []
    starts = item_lines(text)
    all_lines = text.splitlines()
    for annex, item in notice.items():
        number = starts.get((annex, item), 0)
        line = Line(number, all_lines[number - 1].strip() if number else "")
        kind = _annex_kind(heading, annex)
        leads = _leads(organizers, notice.item(annex, item) or "", kind, line, unplaced)
        _activities_of(notice.item(annex, item) or "", (annex, item), line, leads, organizers, activities)
    _unplaced_lines(text, notice, starts, heading, unplaced)
    return Draft(heading, notice, text, organizers.found, activities, unplaced, list(dict.fromkeys(issuers)))


def _annex_kind(heading: Heading, annex: int) -> str:
    title = heading.annex_titles.get(annex)
    for kind, words in _ANNEX_KINDS:
        if title is not None and any(w in title.text for w in words):
            return kind
    return "enterprise"


def _leads(
    organizers: _Organizers, item: str, kind: str, line: Line, unplaced: list[tuple[Line, str]]
) -> list[DraftOrganizer]:
    leads = []
    for name in extract.item_leads(item):
        found = organizers.lookup(name)
        if found is not None and _key(found.short) != _key(name) and _key(found.name) != _key(name):
            note = f"第{line.number}行的“{name}”當作{found.short}（{found.id}）"
            found.notes.append(note)
        if found is None:
            guessed = "university" if _UNIVERSITY.search(name) else kind
            short = _LEGAL_FORM.sub("", name) or name
            found = organizers.add(name, short, guessed, line, full=name)
            if guessed != kind:
                found.notes.append(f"類型 {guessed}（由名稱猜測；所在附件的類型為 {kind}）")
            else:
                found.notes.append(f"類型 {kind}（由所在附件猜測）")
        leads.append(found)
    if not leads:
        unplaced.append((line, "找不到本項的主辦單位：請補上 organizers"))
    return leads


def _activities_of(
    item: str,
    source: tuple[int, int],
    line: Line,
    leads: list[DraftOrganizer],
    organizers: _Organizers,
    activities: list[DraftActivity],
) -> None:
    lead_text = next((n for n in extract.item_leads(item)[:1]), "")
    for number, sentence in enumerate((s for row in item.splitlines() for s in extract.sentences(row)), 1):
        named = extract.mentions(sentence)
        who = [o.id for o in [*leads, *organizers.named_in(sentence)]]
        who = list(dict.fromkeys(who))
        if named:
            split = f"第{number}句拆為{len(named)}項：" + "；".join(f"“{m.title}”（{m.how}）" for m in named)
            titles = [m.title for m in named]
        else:
            split = f"第{number}句未見具名的活動：整句作一項"
            titles = [extract.whole_title(sentence, lead_text)]
        for title in titles:
            _add_activity(activities, title, who, sentence, source, line, split)


def _add_activity(
    activities: list[DraftActivity],
    title: str,
    who: list[str],
    sentence: str,
    source: tuple[int, int],
    line: Line,
    split: str,
) -> None:
    same = next((a for a in activities if _key(a.title) == _key(title) and source not in a.sources), None)
    if same is not None:
        same.notes.append(f"與附件{source[0]}第{source[1]}項（第{line.number}行）的同名活動合為一項")
        same.texts.append(sentence)
        same.sources.append(source)
        same.lines.append(line)
        same.organizers += [o for o in who if o not in same.organizers]
        return
    kind, word = extract.guess_kind(title)
    why = f"關鍵詞“{word}”" if word else "未見關鍵詞，暫定"
    ident = slug(title, {a.id for a in activities})
    notes = [split, f"類型 {kind}（{why}）"]
    activities.append(DraftActivity(ident, title, kind, who, [sentence], [source], [line], notes))


def _unplaced_lines(
    text: str,
    notice: Notice,
    starts: dict[tuple[int, int], int],
    heading: Heading,
    out: list[tuple[Line, str]],
) -> None:
    """Lines of an annex of activities between its title and its first item: no item holds them."""
    titles = {t.number for t in heading.annex_titles.values()}
    first_items: dict[int, int] = {}
    for (annex, _), number in starts.items():
        first_items[annex] = min(number, first_items.get(annex, number))
    current: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if match := re.match(r"\s*附件\s*(\d+)\s*\Z", raw):
            current = int(match.group(1))
            continue
        inside = current in notice.annex_items and number < first_items.get(current or 0, 0)
        if inside and raw.strip() and number not in titles:
            out.append((Line(number, raw.strip()), "附件的標題與第一項之間的行：未作活動"))


def priors(folders: Iterable[Path]) -> list[Prior]:
    """The organizers of earlier campaign folders (newest first, so a newer campaign's id wins), read
    leniently: a folder whose organizers cannot be read adds none."""
    found: list[Prior] = []
    for folder in sorted(folders, reverse=True):
        try:
            data = tomllib.loads((folder / "organizers.toml").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        records = data.get("organizer")
        for record in records if isinstance(records, list) else []:
            values = [record.get(k) if isinstance(record, dict) else None for k in ("id", "name", "short")]
            if all(isinstance(v, str) for v in values):
                ident, name, short = (str(v) for v in values)
                found.append(Prior(ident, name, short, folder.name))
    return found
