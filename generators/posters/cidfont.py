"""A face's glyphs cut out as the CID-keyed CFF font program a PDF embeds (``FontFile3``,
``CIDFontType0C``), without a second font subsetter.

Our faces are CID-keyed CFF OpenType. A PDF needs only the outlines of the glyphs it shows, so each
glyph's charstring is taken from the face once a process, its subroutine calls inlined (fontTools'
own ``desubroutinizeCharString``: the cut then needs neither the face's global nor its local
subroutines), and a cut is those charstrings written as a new CFF: glyph 0 is ``.notdef``, CID *n* is
glyph *n* (an identity charset), each glyph keeps its font dict (its default and nominal widths). A
cut of the same characters from the same face is the same bytes, whatever was cut before it.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from fontTools.cffLib.transforms import desubroutinizeCharString
from fontTools.misc.psCharStrings import T2CharString
from fontTools.ttLib import TTFont

from generators import fonts

#: CFF's standard strings: a font's own strings have SIDs from here on.
_STANDARD_STRINGS = 391


@dataclass(frozen=True)
class Cut:
    """A face's glyphs for some characters: the CFF program, each character's CID, and what the
    PDF's font dictionaries say of it."""

    name: str  # the PostScript name, with the subset tag: ``ABCDEF+QualityMonthSansTC-Bold``
    program: bytes
    cids: dict[str, int]
    widths: tuple[int, ...]  # advance of each CID, in thousandths of an em
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


class Source:
    """A face opened once: its character map, advances and font dicts read from the file's bytes as
    they are asked for (no table is decoded whole: a restart's first PDF waits for none of it), and
    each glyph's charstring with its subroutines inlined, as it is first asked for."""

    def __init__(self, face: fonts.Face) -> None:
        self.face = face
        data = face.path.read_bytes()  # whole: no file stays open
        font = TTFont(io.BytesIO(data), lazy=True)
        tables = font.reader.tables

        def table(tag: str) -> bytes:
            return data[tables[tag].offset : tables[tag].offset + tables[tag].length]

        self.units = font["head"].unitsPerEm
        hhea, os2 = font["hhea"], font["OS/2"]
        self._hmtx, self._long_metrics = table("hmtx"), hhea.numberOfHMetrics
        self._cmap = _Cmap(table("cmap"))
        self.ascent = round(hhea.ascent * 1000 / self.units)
        self.descent = round(hhea.descent * 1000 / self.units)
        self.cap_height = round(getattr(os2, "sCapHeight", hhea.ascent) * 1000 / self.units)
        cff = font["CFF "].cff
        top = cff.topDictIndex[0]
        self.postscript_name = cff.fontNames[0]
        x0, y0, x1, y1 = (round(v * 1000 / self.units) for v in top.FontBBox)
        self.bbox = (x0, y0, x1, y1)
        at = tables["CFF "].offset
        self._charstrings = _Index(data, at + top.rawDict["CharStrings"])
        self._fd_select = _fd_select(data, at + top.rawDict["FDSelect"], len(self._charstrings))
        self._global_subrs = cff.GlobalSubrs
        self._fd_array = top.FDArray
        self._privates = [
            (fd.Private.rawDict.get("defaultWidthX", 0), fd.Private.rawDict.get("nominalWidthX", 0))
            for fd in top.FDArray
        ]
        self._flat: dict[int, tuple[bytes, int]] = {}

    def glyph_id(self, char: str) -> int:
        gid = self._cmap.get(ord(char))
        if not gid:
            raise KeyError(f"{self.face.filename} has no glyph for {char!r}")
        return gid

    def advance(self, gid: int) -> int:
        """A glyph's advance in thousandths of an em."""
        units: int = struct.unpack_from(">H", self._hmtx, 4 * min(gid, self._long_metrics - 1))[0]
        return round(units * 1000 / int(self.units))

    def glyph(self, gid: int) -> tuple[bytes, int]:
        """A glyph's charstring with no subroutine call, and the index of its font dict."""
        found = self._flat.get(gid)
        if found is None:
            fd = self._fd_select[gid]
            charstring = T2CharString(
                bytecode=self._charstrings[gid],
                private=self._fd_array[fd].Private,
                globalSubrs=self._global_subrs,
            )
            desubroutinizeCharString(charstring)
            charstring.compile()
            found = self._flat[gid] = (bytes(charstring.bytecode), fd)
        return found

    def cut(self, chars: Iterable[str]) -> Cut:
        """The glyphs of ``chars`` (each of which the face maps) as a CID-keyed CFF."""
        wanted = sorted(set(chars))
        gids = [0, *dict.fromkeys(self.glyph_id(c) for c in wanted)]
        cid_of = {gid: n for n, gid in enumerate(gids)}
        name = f"{_tag(self.postscript_name, gids)}+{self.postscript_name}"
        return Cut(
            name,
            _cff(name, [self.glyph(gid) for gid in gids], self._privates, self.bbox),
            {c: cid_of[self.glyph_id(c)] for c in wanted},
            tuple(self.advance(gid) for gid in gids),
            self.bbox,
            self.ascent,
            self.descent,
            self.cap_height,
        )


class _Index:
    """A CFF INDEX in a font's bytes: its items sliced out as they are asked for."""

    def __init__(self, data: bytes, at: int) -> None:
        (self.count,) = struct.unpack_from(">H", data, at)
        self.size = data[at + 2] if self.count else 1
        self.data, self.offsets = data, at + 3
        self.base = self.offsets + (self.count + 1) * self.size - 1

    def __len__(self) -> int:
        count: int = self.count
        return count

    def _offset(self, n: int) -> int:
        at = self.offsets + n * self.size
        return int.from_bytes(self.data[at : at + self.size], "big")

    def __getitem__(self, n: int) -> bytes:
        if not 0 <= n < self.count:
            raise IndexError(n)
        return self.data[self.base + self._offset(n) : self.base + self._offset(n + 1)]


def _fd_select(data: bytes, at: int, glyphs: int) -> list[int]:
    """Each glyph's font dict (FDSelect format 0 or 3)."""
    if data[at] == 0:
        return list(data[at + 1 : at + 1 + glyphs])
    if data[at] != 3:
        raise ValueError(f"FDSelect format {data[at]} is not CFF's")
    (ranges,) = struct.unpack_from(">H", data, at + 1)
    chosen = [0] * glyphs
    for n in range(ranges):
        first, fd = struct.unpack_from(">HB", data, at + 3 + 3 * n)
        (end,) = struct.unpack_from(">H", data, at + 3 + 3 * (n + 1))
        chosen[first:end] = [fd] * (end - first)
    return chosen


class _Cmap:
    """A font's Unicode character map (format 12, else format 4), looked up in its bytes."""

    def __init__(self, table: bytes) -> None:
        (count,) = struct.unpack_from(">H", table, 2)
        found: dict[tuple[int, int], int] = {}
        for n in range(count):
            platform, encoding, offset = struct.unpack_from(">HHL", table, 4 + 8 * n)
            found[(platform, encoding)] = offset
        self.table = table
        if (3, 10) in found:
            at = found[(3, 10)]
            (groups,) = struct.unpack_from(">L", table, at + 12)
            self.groups = [struct.unpack_from(">LLL", table, at + 16 + 12 * n) for n in range(groups)]
            self.starts = [g[0] for g in self.groups]
            self.format = 12
        elif (3, 1) in found:
            self.at, self.format = found[(3, 1)], 4
            (doubled,) = struct.unpack_from(">H", table, self.at + 6)
            self.segments = doubled // 2
            self.ends = list(struct.unpack_from(f">{self.segments}H", table, self.at + 14))
        else:
            raise ValueError("the font has no Unicode character map")

    def get(self, code: int) -> int:
        """The glyph of a code point, 0 (``.notdef``) if the font has none."""
        if self.format == 12:
            n = bisect.bisect_right(self.starts, code) - 1
            if n < 0:
                return 0
            first, last, gid = self.groups[n]
            return gid + code - first if code <= last else 0
        n = bisect.bisect_left(self.ends, code)
        if n >= self.segments or code > 0xFFFF:
            return 0
        seg = self.segments
        starts = self.at + 14 + 2 * seg + 2  # the start codes follow the end codes and a pad
        start: int = struct.unpack_from(">H", self.table, starts + 2 * n)[0]
        delta: int = struct.unpack_from(">h", self.table, starts + 2 * seg + 2 * n)[0]
        range_at = starts + 4 * seg + 2 * n
        range_offset: int = struct.unpack_from(">H", self.table, range_at)[0]
        if code < start:
            return 0
        if range_offset == 0:
            return (code + delta) & 0xFFFF
        found: int = struct.unpack_from(">H", self.table, range_at + range_offset + 2 * (code - start))[0]
        return (found + delta) & 0xFFFF if found else 0


@functools.cache
def source(face: fonts.Face) -> Source:
    """The face's ``Source``, one a process."""
    return Source(face)


def _tag(name: str, glyphs: list[int]) -> str:
    """The six capitals that name a subset (PDF 32000 9.6.4), from its glyphs: the same cut, the same
    name."""
    digest = hashlib.sha256(" ".join([name, *map(str, glyphs)]).encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


# CFF writing (Adobe Technical Note 5176).


def _index(items: list[bytes]) -> bytes:
    if not items:
        return b"\0\0"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    size = next(n for n in (1, 2, 3, 4) if offsets[-1] < 1 << (8 * n))
    packed = b"".join(o.to_bytes(size, "big") for o in offsets)
    return struct.pack(">HB", len(items), size) + packed + b"".join(items)


def _number(value: float) -> bytes:
    if value != int(value):
        return _real(value)
    v = int(value)
    if -107 <= v <= 107:
        return bytes([v + 139])
    if 108 <= v <= 1131:
        v -= 108
        return bytes([(v >> 8) + 247, v & 0xFF])
    if -1131 <= v <= -108:
        v = -v - 108
        return bytes([(v >> 8) + 251, v & 0xFF])
    if -32768 <= v <= 32767:
        return b"\x1c" + struct.pack(">h", v)
    return _fixed(v)


def _fixed(v: int) -> bytes:
    """An integer in five bytes, whatever its value: an offset can be written before it is known."""
    return b"\x1d" + struct.pack(">i", v)


def _real(value: float) -> bytes:
    codes = {".": 0xA, "e": 0xB, "m": 0xC, "-": 0xE}
    text = repr(float(value)).replace("e-", "m").replace("e+", "e")
    nibbles = [codes[ch] if ch in codes else int(ch) for ch in text]
    nibbles.append(0xF)
    if len(nibbles) % 2:
        nibbles.append(0xF)
    return b"\x1e" + bytes(nibbles[i] << 4 | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def _op(code: int) -> bytes:
    return bytes([12, code - 1200]) if code >= 1200 else bytes([code])


def _dict(entries: list[tuple[int, list[bytes]]]) -> bytes:
    return b"".join(b"".join(operands) + _op(code) for code, operands in entries)


def _font_dicts(used: list[int], privates: list[tuple[float, float]], at: int) -> tuple[bytes, bytes]:
    """The FDArray INDEX of the font dicts ``used`` (each its FontName and its Private's size and
    offset) starting at offset ``at``, and their Private dicts, which follow it."""
    private_dicts = [
        _dict([(20, [_number(privates[fd][0])]), (21, [_number(privates[fd][1])])]) for fd in used
    ]

    def font_dict(n: int, size: int, offset: int) -> bytes:
        return _dict([(1238, [_number(_STANDARD_STRINGS + 2 + n)]), (18, [_fixed(size), _fixed(offset)])])

    at_private = at + len(_index([font_dict(n, 0, 0) for n in range(len(used))]))
    placed = []
    for n, private in enumerate(private_dicts):
        placed.append(font_dict(n, len(private), at_private))
        at_private += len(private)
    return _index(placed), b"".join(private_dicts)


def _cff(
    name: str,
    glyphs: list[tuple[bytes, int]],
    privates: list[tuple[float, float]],
    bbox: tuple[int, ...],
) -> bytes:
    """A CID-keyed CFF of ``glyphs`` (charstring, font dict index), CID n = glyph n."""
    used = sorted({fd for _, fd in glyphs})
    fd_of = {fd: n for n, fd in enumerate(used)}
    strings = [b"Adobe", b"Identity", *(f"{name}-{n}".encode() for n in range(len(used)))]

    def top_dict(charset: int, fd_select: int, charstrings: int, fd_array: int) -> bytes:
        return _dict([
            (1230, [_number(_STANDARD_STRINGS), _number(_STANDARD_STRINGS + 1), _number(0)]),  # ROS
            (5, [_number(v) for v in bbox]),  # FontBBox
            (1234, [_number(len(glyphs))]),  # CIDCount
            (15, [_fixed(charset)]),
            (1237, [_fixed(fd_select)]),
            (17, [_fixed(charstrings)]),
            (1236, [_fixed(fd_array)]),
        ])  # fmt: skip

    head = [bytes([1, 0, 4, 4]), _index([name.encode()])]  # the header, the Name INDEX
    after_top = [_index(strings), _index([])]  # the String INDEX, an empty Global Subr INDEX
    charset = b"\x02" + (struct.pack(">HH", 1, len(glyphs) - 2) if len(glyphs) > 1 else b"")
    fd_select = b"\x00" + bytes(fd_of[fd] for _, fd in glyphs)
    charstrings = _index([g for g, _ in glyphs])
    # Offsets are written in five bytes whatever their value, so the Top DICT's size is known first.
    at_charset = sum(map(len, head)) + len(_index([top_dict(0, 0, 0, 0)])) + sum(map(len, after_top))
    at_fd_select = at_charset + len(charset)
    at_charstrings = at_fd_select + len(fd_select)
    at_fd_array = at_charstrings + len(charstrings)
    fd_array, private_dicts = _font_dicts(used, privates, at_fd_array)
    top = _index([top_dict(at_charset, at_fd_select, at_charstrings, at_fd_array)])
    return b"".join([*head, top, *after_top, charset, fd_select, charstrings, fd_array, private_dicts])
