"""Chinese scripts: a campaign's text is stored once, in the script of its notice; the other is derived.

The model holds Traditional text. For a Traditional notice (the default) Simplified is derived with
OpenCC's ``t2s``; where that is wrong for a word of the campaign's text, ``CORRECTIONS`` says so, word by
word, and is applied after it; a test pins each entry so that a newer OpenCC that gets the word right (or
a data change that no longer uses it) is noticed.

For a Simplified notice (``script = "hans"``) the loader derives the Traditional with ``from_hans``:
OpenCC's ``s2t``, then its ``t2tw`` table of character forms only (爲 → 為, 羣 → 群: the forms the
fonts draw; no words are changed, unlike ``s2twp``, which would rewrite a mainland text's vocabulary
into Taiwan usage). ``from_hans`` remembers each text's Simplified original, so that ``to_hans`` gives
back the notice's own Simplified wording letter for letter: exactly for a whole text, and inside a longer
text (a title and its document number, say) for every remembered text of at least
``MIN_REMEMBERED`` characters it contains; the rest goes through ``t2s``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Literal

import opencc

Script = Literal["hant", "hans"]
SCRIPTS: tuple[Script, ...] = ("hant", "hans")

#: BCP 47 language tags for HTML ``lang`` attributes and iCalendar LANGUAGE parameters.
LANGUAGE_TAGS: dict[Script, str] = {"hant": "zh-Hant", "hans": "zh-Hans"}

#: Words OpenCC ``t2s`` converts wrongly in this project's text: OpenCC's output -> the right Simplified.
CORRECTIONS: dict[str, str] = {}

#: Traditional text derived from a Simplified source -> that source, letter for letter.
_ORIGINALS: dict[str, str] = {}
#: The shortest remembered text that is put back inside a longer one (shorter ones, a kind's label of
#: two letters, would cut OpenCC's phrases apart).
MIN_REMEMBERED = 4


@functools.cache
def _converter(config: str = "t2s") -> object:
    return opencc.OpenCC(config)


def _convert(config: str, text: str) -> str:
    converted: str = _converter(config).convert(text)  # type: ignore[attr-defined]
    return converted


@functools.cache
def _corrections_pattern() -> re.Pattern[str] | None:
    if not CORRECTIONS:
        return None
    return re.compile("|".join(re.escape(word) for word in sorted(CORRECTIONS, key=len, reverse=True)))


@functools.cache
def _originals_pattern() -> re.Pattern[str] | None:
    words = sorted((w for w in _ORIGINALS if len(w) >= MIN_REMEMBERED), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)) if words else None


def _t2s(text: str) -> str:
    converted = _convert("t2s", text)
    pattern = _corrections_pattern()
    if pattern is not None:
        converted = pattern.sub(lambda m: CORRECTIONS[m.group(0)], converted)
    return converted


@functools.lru_cache(maxsize=4096)
def to_hans(text: str) -> str:
    """The Simplified form of Traditional ``text``: the Simplified original it was derived from, if it
    was (``from_hans``); else OpenCC ``t2s`` then ``CORRECTIONS``, remembered originals kept inside."""
    if text in _ORIGINALS:
        return _ORIGINALS[text]
    pattern = _originals_pattern()
    if pattern is None:
        return _t2s(text)
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [_t2s(text[last : match.start()]), _ORIGINALS[match.group(0)]]
        last = match.end()
    return "".join([*parts, _t2s(text[last:])])


def in_script(text: str, script: Script) -> str:
    """``text`` (Traditional) as it reads in ``script``."""
    return text if script == "hant" else to_hans(text)


def from_hans(text: str) -> str:
    """The Traditional form of Simplified ``text`` (OpenCC ``s2t``, then ``t2tw``'s character forms),
    remembered so that ``to_hans`` of it is ``text`` again."""
    converted = _convert("t2tw", _convert("s2t", text))
    remember({converted: text})
    return converted


def remember(originals: Mapping[str, str]) -> None:
    """Remember Simplified originals of derived Traditional texts (a worker process is handed its
    parent's, ``originals()``); a later original of the same Traditional text replaces the earlier."""
    new = {k: v for k, v in originals.items() if _ORIGINALS.get(k) != v}
    if new:
        _ORIGINALS.update(new)
        to_hans.cache_clear()
        _originals_pattern.cache_clear()


def originals() -> dict[str, str]:
    """The Simplified originals remembered so far: derived Traditional text -> its source."""
    return dict(_ORIGINALS)
