"""Chinese typesetting for posters: where a line may break, and the one routine that fits text to a box.

Breaks follow what a Chinese reader expects (W3C "Requirements for Chinese Text Layout"): a slogan breaks
at its phrase space first; inside a phrase, between words and never inside one; no closing punctuation
starts a line and no opening punctuation ends one. Text is fitted by a binary search on the font size;
text that cannot fit at the box's legible minimum, or that has characters the font lacks, is refused
with the reason, never drawn clipped or as boxes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import ImageFont

from generators import fonts
from generators.script import LANGUAGE_TAGS, Script, to_hans

#: Characters that may not start a line (closing punctuation, marks that follow what they close).
NO_LINE_START = frozenset("。,、;:?!)]}〉》」』】〕〗〙〛”’…‥·ー々〻,.;:?!%)]}」』")
#: Characters that may not end a line (opening punctuation).
NO_LINE_END = frozenset("([{〈《「『【〔〖〘〚“‘([{")

Direction = Literal["ltr", "ttb"]


class TypesetError(ValueError):
    """Text that cannot be set: the message says why, for the person who wrote the text."""


def quoted(text: str, longest: int = 24) -> str:
    """The text quoted for a message, its start only when it is long (a refusal stays one short line)."""
    return repr(text if len(text) <= longest else text[:longest] + f"…（共{len(text)}字）")


def control_characters(text: str) -> str:
    """The characters of a line that are not text to set: controls, formats, private use, surrogates,
    and every separator and white space but the plain space."""
    return "".join(
        c
        for c in text
        if unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") or (c.isspace() and c != " ")
    )


class MissingGlyph(TypesetError):
    """The font has no glyph for some characters of the text."""

    def __init__(self, text: str, missing: str, font: str) -> None:
        self.missing = missing
        super().__init__(f"{font} cannot draw {' '.join(missing)} in {quoted(text)}")


class CannotFit(TypesetError):
    """The text does not fit its box at the smallest legible size."""


@functools.lru_cache(maxsize=512)
def font(face: fonts.Face, size: int) -> ImageFont.FreeTypeFont:
    """A face at a size, with the layout engine pinned to Raqm (it applies ``vert`` and ``locl``)."""
    return ImageFont.truetype(str(face.path), size, layout_engine=ImageFont.Layout.RAQM)


def _words(phrase: str) -> list[str]:
    """A phrase cut into words (rjieba), with clreq's rules folded in: closing punctuation joins the word
    before it, opening punctuation the word after it, so no break can put either at the wrong end."""
    import rjieba  # noqa: PLC0415 - 0.2 s to import (its dictionary): layout needs it, the site's start not

    simplified = to_hans(phrase)
    # Cut the Simplified form (the segmenter's dictionary is Simplified) and map back by position;
    # t2s keeps the length of this text, and where it would not, cut the original.
    source = simplified if len(simplified) == len(phrase) else phrase
    pieces: list[str] = []
    position = 0
    for word in rjieba.cut(source):
        pieces.append(phrase[position : position + len(word)])
        position += len(word)
    words: list[str] = []
    for piece in pieces:
        if words and (piece[0] in NO_LINE_START or words[-1][-1] in NO_LINE_END):
            words[-1] += piece
        else:
            words.append(piece)
    return words


#: White space inside a list's item that is set as an ordinary space: a tab, a no-break space and the
#: like have no glyph of their own (a tab is drawn as a box), the ideographic space has one.
_INNER_SPACE = re.compile(r"[^\S\u3000]")


def _is_list(text: str) -> bool:
    """Whether the text has line breaks: LF, CR LF, CR or any other that ``str.splitlines`` knows."""
    return "".join(text.splitlines()) != text


def break_points(text: str) -> list[list[str]]:
    """The text as phrases of unbreakable words. Phrases are the text's lines when it has several (a
    list, whose items keep their inner spaces), else its parts between spaces (a slogan's phrases)."""
    phrases = [_INNER_SPACE.sub(" ", line) for line in text.splitlines()] if _is_list(text) else text.split()
    return [_words(phrase) for phrase in phrases if phrase.strip()]


@dataclass(frozen=True)
class Setting:
    """Text set in a box: its lines (or columns, for vertical text), size, and the space it takes."""

    lines: tuple[str, ...]
    size: int
    width: int
    height: int
    line_height: int
    direction: Direction


#: Text is measured once at this size and scaled: the fonts carry no hinting, so advances are linear
#: in the size, and a search over sizes needs no font loaded at each size.
_REFERENCE = 1000


def _measure(face: fonts.Face, size: int, text: str, direction: Direction, script: Script) -> int:
    """The advance of ``text`` along its direction at ``size``, in whole pixels (rounded up)."""
    return -(-_advance(face, text, direction, LANGUAGE_TAGS[script]) * size // _REFERENCE)


@functools.lru_cache(maxsize=65536)
def _advance(face: fonts.Face, text: str, direction: Direction, language: str) -> int:
    loaded = font(face, _REFERENCE)
    features = ["vert"] if direction == "ttb" else None
    return int(loaded.getlength(text, direction=direction, features=features, language=language) + 0.999)


def _greedy(words: Sequence[str], limit: int, measure: Callable[[str], int], joiner: str = "") -> list[str]:
    """Fill lines with whole words up to ``limit`` (every word fits alone), ``joiner`` between words."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = current + joiner + word if current else word
        if current and measure(candidate) > limit:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def _lines(
    words: Sequence[str], limit: int, measure: Callable[[str], int], joiner: str = ""
) -> list[str] | None:
    """The fewest lines of whole words within ``limit``, balanced so that the longest is as short as
    it can be (``推動質量|變革創新``, not ``推動質量變革|創新``); ``None`` if a word alone is too long.

    Greedy filling gives the fewest lines for a width; a binary search finds the narrowest width that
    still needs no more lines than that."""
    if any(measure(word) > limit for word in words):
        return None
    fewest = len(_greedy(words, limit, measure, joiner))
    low, high = max(measure(word) for word in words), limit
    while low < high:
        middle = (low + high) // 2
        if len(_greedy(words, middle, measure, joiner)) <= fewest:
            high = middle
        else:
            low = middle + 1
    return _greedy(words, low, measure, joiner)


Mode = Literal["whole", "break", "flow"]


def _layouts(
    phrases: list[list[str]], limit: int, measure: Callable[[str], int], mode: Mode, *, joinable: bool = True
) -> list[list[str]]:
    """The ways to set the phrases within ``limit``: all on one line (phrases kept apart by a full-width
    space), whole phrases packed into balanced lines, and each phrase on a line of its own. In ``break``
    mode a phrase too long for a line is broken between words; in ``flow`` mode, the last resort, words
    flow from one phrase into the next. A list (``joinable`` false) puts each item on lines of its own.
    """
    if not joinable and mode == "flow":
        return []
    if mode == "flow":
        tokens = [
            ("\u3000" if i and n == 0 else "") + w for i, ws in enumerate(phrases) for n, w in enumerate(ws)
        ]
        flowed = _lines(tokens, limit, measure)
        return [] if flowed is None else [[line.lstrip("\u3000") for line in flowed]]
    found = []
    whole = ["".join(words) for words in phrases]
    one_line = "\u3000".join(whole)
    if not joinable:
        pass  # a list: each item starts a line of its own
    elif measure(one_line) <= limit:
        found.append([one_line])
    elif len(whole) > 2:
        packed = _lines(whole, limit, measure, joiner="\u3000")
        if packed is not None and len(packed) < len(whole):
            found.append(packed)
    per_phrase: list[str] = []
    for words in phrases:
        lines = _lines(words, limit, measure) if mode == "break" else ["".join(words)]
        if lines is None or (mode == "whole" and measure(lines[0]) > limit):
            return found
        per_phrase += lines
    if per_phrase != [one_line] or not joinable:  # a list of one item is only ever set this way
        found.append(per_phrase)
    return found


@dataclass(frozen=True)
class _Job:
    """One text to set in one box: what every size tried shares."""

    text: str
    phrases: list[list[str]]
    face: fonts.Face
    along: int  # the room along a line (a column's height, for vertical text)
    across: int  # the room for the lines side by side
    script: Script
    direction: Direction
    line_spacing: float
    max_lines: int | None

    def attempt(self, size: int, mode: Mode) -> Setting | None:
        """The setting at ``size`` with the fewest lines, or ``None`` if none fits."""
        measure = functools.partial(_measure, self.face, size, direction=self.direction, script=self.script)
        pitch = int(size * self.line_spacing)
        best: Setting | None = None
        for lines in _layouts(self.phrases, self.along, measure, mode, joinable=not _is_list(self.text)):
            if self.max_lines is not None and len(lines) > self.max_lines:
                continue
            extent = pitch * (len(lines) - 1) + size
            if extent > self.across:
                continue
            longest = max(measure(line) for line in lines)
            w, h = (longest, extent) if self.direction == "ltr" else (extent, longest)
            setting = Setting(tuple(lines), size, w, h, pitch, self.direction)
            if best is None or len(setting.lines) < len(best.lines):
                best = setting
        return best

    def largest(self, mode: Mode, min_size: int, max_size: int) -> Setting | None:
        """The largest setting from ``min_size`` to ``max_size``, by binary search on the size."""
        found = self.attempt(min_size, mode)
        low, high = min_size, max_size
        while found is not None and low < high:
            middle = (low + high + 1) // 2
            candidate = self.attempt(middle, mode)
            if candidate is None:
                high = middle - 1
            else:
                low, found = middle, candidate
        return found


def fit(
    text: str,
    face: fonts.Face,
    box: tuple[int, int],
    *,
    min_size: int,
    max_size: int,
    script: Script,
    direction: Direction = "ltr",
    line_spacing: float = 1.3,
    max_lines: int | None = None,
) -> Setting:
    """The largest setting of ``text`` in a box of ``(width, height)`` pixels, by binary search on the
    size between ``min_size`` and ``max_size``; phrases are kept whole unless breaking them between
    words gains more than a fifth of the size. Horizontal text is set in lines; vertical text
    (``ttb``) in columns, read top to bottom, the first column rightmost.

    Raises ``MissingGlyph`` if the face lacks a character, ``CannotFit`` if even ``min_size`` is too big.
    """
    missing = fonts.missing_characters(text, [face])
    if missing:
        raise MissingGlyph(text, missing, face.family)
    phrases = break_points(text)
    if not phrases:
        raise CannotFit("there is no text to set")
    width, height = box
    along, across = (width, height) if direction == "ltr" else (height, width)
    job = _Job(text, phrases, face, along, across, script, direction, line_spacing, max_lines)
    # Phrases whole if that costs less than a fifth of the size; broken between words otherwise; words
    # flowing across phrases only when nothing else fits.
    whole, broken = job.largest("whole", min_size, max_size), job.largest("break", min_size, max_size)
    if whole is not None and (broken is None or whole.size >= 0.8 * broken.size):
        return whole
    if broken is not None:
        return broken
    flowed = job.largest("flow", min_size, max_size)
    if flowed is None:
        raise CannotFit(
            f"{quoted(text)} does not fit {width}×{height} px even at {min_size} px "
            f"(the smallest legible size for this place): shorten it"
        )
    return flowed
