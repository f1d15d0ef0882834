"""Chinese scripts: the data is Traditional; Simplified is derived from it, never typed twice.

OpenCC's ``t2s`` does the conversion. Where it is wrong for a word of the campaign's text, ``CORRECTIONS``
says so, word by word, and is applied after it; a test pins each entry so that a newer OpenCC that gets
the word right (or a data change that no longer uses it) is noticed.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

import opencc

Script = Literal["hant", "hans"]
SCRIPTS: tuple[Script, ...] = ("hant", "hans")

#: BCP 47 language tags for HTML ``lang`` attributes and iCalendar LANGUAGE parameters.
LANGUAGE_TAGS: dict[Script, str] = {"hant": "zh-Hant", "hans": "zh-Hans"}

#: Words OpenCC ``t2s`` converts wrongly in this project's text: OpenCC's output -> the right Simplified.
CORRECTIONS: dict[str, str] = {}


@functools.cache
def _converter() -> object:
    return opencc.OpenCC("t2s")


@functools.cache
def _corrections_pattern() -> re.Pattern[str] | None:
    if not CORRECTIONS:
        return None
    return re.compile("|".join(re.escape(word) for word in sorted(CORRECTIONS, key=len, reverse=True)))


@functools.lru_cache(maxsize=4096)
def to_hans(text: str) -> str:
    """The Simplified form of Traditional ``text``: OpenCC ``t2s``, then ``CORRECTIONS``."""
    converted: str = _converter().convert(text)  # type: ignore[attr-defined]
    pattern = _corrections_pattern()
    if pattern is not None:
        converted = pattern.sub(lambda m: CORRECTIONS[m.group(0)], converted)
    return converted


def in_script(text: str, script: Script) -> str:
    """``text`` (Traditional) as it reads in ``script``."""
    return text if script == "hant" else to_hans(text)
