"""A draft campaign's files as text: ``campaign.toml``, ``organizers.toml``, ``activities.toml`` (undated
activities, each with the notice's own sentence and its source) and ``REVIEW.md``, every guess a person
should confirm, line by line of the notice. The kinds' labels and the review's headings are the
project's Chinese, in the notice's script, with full-width punctuation."""

from __future__ import annotations

import json
from collections.abc import Iterable

from generators.importer import ACTIVITY_KINDS, ORGANIZER_KINDS, Draft
from generators.notice_facts import Line
from generators.script import in_script

NOTICE_FILE = "notice.txt"
REVIEW_FILE = "REVIEW.md"


def _s(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def files(draft: Draft) -> dict[str, str]:
    """Each file of the draft folder by name, as text (the notice as it was read)."""
    return {
        "campaign.toml": campaign_toml(draft),
        "organizers.toml": organizers_toml(draft),
        "activities.toml": activities_toml(draft),
        NOTICE_FILE: draft.text,  # as it was read, letter for letter
        REVIEW_FILE: review(draft),
    }


def campaign_toml(draft: Draft) -> str:
    h = draft.heading
    lines = [
        f"# A draft made by `quality-month import` from {h.number}: confirm what {REVIEW_FILE} lists.",
        "",
        "[campaign]",
        f"id = {_s(str(h.start.year))}",
        f"name = {_s(h.name)}",
        f"title = {_s(h.title.text)}",
        f"document_number = {_s(h.number)}",
        f"issued = {h.issued.isoformat()}",
        f"start = {h.start.isoformat()}",
        f"end = {h.end.isoformat()}",
        'timezone = "Asia/Shanghai"',
        f'notice = "{NOTICE_FILE}"',
        f"script = {_s(draft.script)}          # the notice's script: the text below is its own",
        f"theme = {_s(h.theme)}",
        f"issuers = {_list(draft.issuers)}",
        "slogans = [",
        *(f"  {_s(text)}," for text, _ in h.slogans),
        "]",
        "",
        "[organizer_kinds]",
        *(f"{k} = {_s(in_script(v, draft.script))}" for k, v in ORGANIZER_KINDS.items()),
        "",
        "[activity_kinds]",
        *(f"{k} = {_s(in_script(v, draft.script))}" for k, v in ACTIVITY_KINDS.items()),
    ]
    return "\n".join(lines) + "\n"


def organizers_toml(draft: Draft) -> str:
    number = draft.heading.number
    out = [f"# The organizers of {number}: the issuers in the notice's order, then the annexes'."]
    for o in draft.organizers:
        out += ["", "[[organizer]]", f"id = {_s(o.id)}", f"name = {_s(o.name)}", f"short = {_s(o.short)}",
                f"kind = {_s(o.kind)}"]  # fmt: skip
    return "\n".join(out) + "\n"


def activities_toml(draft: Draft) -> str:
    out = [f"# The activities of {draft.heading.number}'s annexes, undated: a date needs a public source."]
    for a in draft.activities:
        sources = ", ".join(f"{{ annex = {x}, item = {y} }}" for x, y in a.sources)
        out += ["", "[[activity]]", f"id = {_s(a.id)}", f"title = {_s(a.title)}", f"kind = {_s(a.kind)}",
                f"organizers = {_list(a.organizers)}", f"text = {_s(chr(10).join(a.texts))}",
                f"sources = [{sources}]"]  # fmt: skip
    return "\n".join(out) + "\n"


def _at(line: Line) -> str:
    return f"第{line.number}行：{line.text}"


def review(draft: Draft) -> str:
    """``REVIEW.md``: the facts read, then every guess grouped by the notice's line it was made on."""
    h = draft.heading

    def say(text: str) -> str:
        return in_script(text, draft.script)

    out = [say("# 待確認：") + h.name, ""]
    out += [say("每項都是猜測，請對照通知逐條確認，改好後執行 `quality-month check`。")]
    out += ["", say("## 通知的要素"), ""]
    facts = [("標題", h.title.text, h.title), ("文號", h.number, h.number_line),
             ("期間", f"{h.start}～{h.end}", h.period_line), ("印發日期", str(h.issued), h.issued_line),
             ("主題", h.theme, h.theme_line)]  # fmt: skip
    out += [f"- {say(label)}：{value}（{_at(line)}）" for label, value, line in facts]
    out += [f"- {say('口號')}{n}：{text}（{_at(line)}）" for n, (text, line) in enumerate(h.slogans, 1)]
    out += ["", say("## 主辦單位"), ""]
    for o in draft.organizers:
        out.append(f"- {o.short}（{o.id}，{o.kind}）：{'；'.join(say(n) for n in o.notes)}（{_at(o.line)}）")
    out += ["", say("## 活動"), ""]
    by_line: dict[int, tuple[Line, list[str]]] = {}
    for a in draft.activities:
        line = a.lines[0]
        notes = by_line.setdefault(line.number, (line, []))[1]
        notes += [say(n) for n in a.notes if say(n) not in notes]
        notes.append(f"{a.id}：“{a.title}”，{a.kind}，{say('主辦')} {'、'.join(a.organizers)}")
    for line, notes in by_line.values():
        out += [f"### {_at(line)}", "", *(f"- {n}" for n in notes), ""]
    out += [say("## 未能歸位"), ""]
    out += [f"- {say(reason)}（{_at(line)}）" for line, reason in draft.unplaced] or [say("- 無")]
    return "\n".join(out) + "\n"
