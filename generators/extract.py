"""The activities of an annex item, read from its sentences: who leads the item, which named activities
each sentence holds, and a guess at each one's kind.

A sentence holds a named activity where the text makes it plain: after a verb of holding (開展, 舉辦,
召開, 組織, 實施…), a name that ends in an activity's noun (…活動, …行動, …大會, …論壇, …競賽, …培訓,
…周…), one per name listed with 、 or joined with 和/及/與 (when each part is such a name), each quoted
name of a run “A”“B”等活動, a clause that is itself an award (評選…), and a quoted award (“…獎”). A
sentence with none is one activity. Patterns read either script and either width of punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from generators.notice_facts import alternation, both

_OPEN, _CLOSE = "“‘「『《", "”’」』》"
_SENTENCE_END = "。;；!！?？"
_CLAUSE_END = ",，"
_VERB_WORDS = ("開展", "舉辦", "召開", "組織", "實施", "推動", "推進", "部署", "發布", "參與", "抓好", "打造")
_VERBS = re.compile(alternation(*_VERB_WORDS))
_FILLERS = ("持續", "深入", "積極", "集中", "廣泛", "共同", "聯合", "開展", "組織", "舉辦", "召開", "實施")
_LEADING = re.compile(rf"\A(?:{alternation(*_FILLERS)})+")
_NOUNS = both(
    "活動", "行動", "儀式", "會", "會議", "論壇", "講堂", "沙龍", "競賽", "大賽", "比賽", "賽", "比武",
    "培訓", "培訓班", "周", "月", "開放日", "檢查", "抽查", "監測", "評價", "調查", "調研", "自查",
    "試驗", "交流", "推廣", "宣貫", "宣傳", "教育", "宣講", "嘉年華", "評優", "工作", "報告", "計劃",
)  # fmt: skip
_JOINERS = re.compile(alternation("和", "及", "與"))
_AWARD_CLAUSE = re.compile(rf"\A(?:{alternation('評選')})")
_QUOTED_AWARD = re.compile(rf"“([^“”]*(?:{alternation('獎')}))”")
_QUOTE_RUN = re.compile(rf"((?:“[^“”]+”){{2,}})(?:{alternation('等')})")

#: The lead of an item ends where its first verb or link word begins.
_LEAD_END = re.compile(
    rf"{alternation('與', '配合', '會同', '共同', '以', '面向', '圍繞', '指導', '部署')}|{_VERBS.pattern}"
    rf"|(?:{alternation('聯合')})(?!{alternation('會')})|[,，]"
)
_ORG_ENDS = both("公司", "集團", "會", "部", "局", "委", "署", "社", "院", "行", "聯", "校", "所", "中心")

#: Kinds by keyword: an activity whose title has one of a kind's words is of that kind; of several,
#: the word that ends last (Chinese names end in what they are), then the longer; a ceremony first.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "ceremony": both("儀式"),
    "conference": both("大會", "會議", "現場會", "視頻會", "總結會", "啟動會"),
    "forum": both("論壇", "研討會", "講堂", "沙龍"),
    "contest": both("競賽", "大賽", "比賽", "發表賽", "比武", "征文"),
    "training": both("培訓", "培訓班"),
    "week": both("周"),
    "month": both("月"),
    "open-day": both("開放日"),
    "inspection": both("抽查", "檢查", "監測"),
    "campaign": both("行動", "計劃", "創建"),
    "publicity": both("宣傳", "宣貫", "宣講", "教育", "海報", "訪談", "故事"),
    "survey": both("調查", "評價", "調研", "自查", "試驗"),
    "exchange": both("交流", "推廣"),
    "release": both("發布", "報告"),
    "enforcement": both("打擊", "執法", "偵破"),
    "award": both("評選", "評優", "獎"),
}
DEFAULT_KIND = "campaign"


@dataclass(frozen=True)
class Mention:
    """A named activity in a sentence: its name as the notice writes it, and how it was found."""

    title: str
    how: str


def depth_split(text: str, marks: str) -> list[str]:
    """``text`` cut after each of ``marks`` that stands outside quotes and book-title marks (the mark
    stays with the piece before it)."""
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        elif char in marks and depth == 0:
            pieces.append(text[start : i + 1])
            start = i + 1
    return [p for p in [*pieces, text[start:]] if p.strip()]


def _outside_quotes(text: str) -> str:
    """``text`` with what stands in quotes blanked out (same length: positions stay)."""
    out, depth = [], 0
    for char in text:
        if char in _OPEN:
            depth += 1
            out.append(char)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
            out.append(char)
        else:
            out.append(" " if depth else char)
    return "".join(out)


def sentences(line: str) -> list[str]:
    """The sentences of a line of the notice, each with its closing mark."""
    return [s.strip() for s in depth_split(line, _SENTENCE_END) if s.strip(" " + _SENTENCE_END)]


def _ends_in_noun(piece: str) -> bool:
    bare = piece.rstrip(_CLOSE + _SENTENCE_END + _CLAUSE_END + "、 ")
    return any(bare.endswith(noun) for noun in _NOUNS)


def _clean(piece: str) -> str:
    title = _LEADING.sub("", piece.strip().rstrip(_SENTENCE_END + _CLAUSE_END + "、 ")).strip()
    if title.startswith("“") and title.endswith("”") and title.count("“") == 1:
        title = title[1:-1]
    return title


def _joined(piece: str) -> list[str]:
    """A piece split at 和/及/與 outside quotes, if every part is an activity's name."""
    blanked = _outside_quotes(piece)
    cuts = [m.start() for m in _JOINERS.finditer(blanked)]
    if not cuts:
        return [piece]
    parts, last = [], 0
    for cut in cuts:
        parts.append(piece[last:cut])
        last = cut + 1
    parts.append(piece[last:])
    return parts if all(p.strip() and _ends_in_noun(p) for p in parts) else [piece]


def _named(objects: str) -> Iterator[Mention]:
    """The names in the object of a verb: 、-listed, grouped so that each group ends in a noun."""
    group: list[str] = []
    for piece in depth_split(objects, "、"):
        group.append(piece.rstrip("、"))
        if not _ends_in_noun(piece):
            continue
        whole = "、".join(group)
        group = []
        if run := _QUOTE_RUN.search(whole):
            for name in re.findall(r"“([^“”]+)”", run.group(1)):
                yield Mention(name, "一組引號中的名稱")
            continue
        for part in _joined(whole):
            yield Mention(_clean(part), "動詞後的活動名稱")


def mentions(sentence: str) -> list[Mention]:
    """The named activities of a sentence (empty: the sentence is one activity)."""
    found: list[Mention] = []
    for clause in depth_split(sentence, _CLAUSE_END):
        clause = clause.strip().rstrip(_SENTENCE_END + _CLAUSE_END)
        if _AWARD_CLAUSE.match(clause):
            found.append(Mention(clause, "評選"))
            continue
        verbs = list(_VERBS.finditer(_outside_quotes(clause)))
        if verbs:
            named = list(_named(clause[verbs[-1].end() :]))
            found += named
            if named:
                continue
        found += [Mention(m.group(1), "引號中的獎項") for m in _QUOTED_AWARD.finditer(clause)]
    return [m for m in found if m.title]


def whole_title(sentence: str, lead: str) -> str:
    """The title of a sentence that is one activity: its first clause, without the lead and verbs."""
    first = depth_split(sentence.removeprefix(lead), _CLAUSE_END)
    title = _clean(first[0]) if first else ""
    return (title or sentence.strip(_SENTENCE_END))[:60]


def guess_kind(title: str) -> tuple[str, str | None]:
    """The kind an activity's title suggests, and the word that suggests it (``None``: no word did)."""
    if any(w in title for w in KIND_WORDS["ceremony"]):
        return "ceremony", next(w for w in KIND_WORDS["ceremony"] if w in title)
    best: tuple[int, int, str, str] | None = None
    for kind, words in KIND_WORDS.items():
        for word in words:
            at = title.rfind(word)
            if at >= 0 and (best is None or (at + len(word), len(word)) > best[:2]):
                best = (at + len(word), len(word), kind, word)
    return (best[2], best[3]) if best else (DEFAULT_KIND, None)


def item_leads(text: str) -> list[str]:
    """The names that lead an item: what stands before its first verb or link word, split at 、 and at
    和 where the name before it is whole (…公司和有關高校; not 工業和信息化部)."""
    match = _LEAD_END.search(text)
    lead = text[: match.start()] if match else ""
    names: list[str] = []
    for piece in lead.split("、"):
        parts = re.split(f"({alternation('和')})", piece)
        current = parts[0]
        for joiner, part in zip(parts[1::2], parts[2::2], strict=True):
            if current.endswith(_ORG_ENDS):
                names.append(current)
                current = part
            else:
                current += joiner + part
        names.append(current)
    return [n.strip() for n in names if n.strip()]
