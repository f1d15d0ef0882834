"""The vector backend: a layout drawn as a print PDF, written with pikepdf.

The text is real text in embedded cuts of our fonts (``cidfont``: CID-keyed CFF, ``FontFile3``, with
a ToUnicode map), each glyph at the place the layout gave it, so that the PDF and the PNG show one
layout. The ornaments and the QR code are vector shapes. The page is the trim size in millimetres
with 3 mm bleed all round (the ground runs into it), crop marks outside the bleed, and a slug line
naming the format; ``TrimBox`` and ``BleedBox`` say where the trim and the bleed are. A PDF page may
be at most 14,400 units a side (5.08 m at 72 units an inch): a larger page, a banner, is drawn at a
scale and declares PDF's ``UserUnit`` so that its page measures the banner's true size, which
Acrobat, Ghostscript and the print shops' RIPs honour; the slug line states the scale too.

Why no PDF layout library: fpdf2 (which embeds CFF fonts, where ReportLab embeds TrueType outlines
only) subsets each font again with fontTools as it writes a PDF, four fifths of a poster's time,
with no way to hand it a cut already made. The layout places every glyph itself, so what is left to
write is a content stream of rectangles, lines and positioned glyphs; pikepdf (qpdf) writes the
objects, the streams and the file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable

import pikepdf
from PIL import ImageFont

from generators import fonts
from generators.posters import cidfont
from generators.posters.formats import BLEED_MM, Format
from generators.posters.layout import Layout, Run, Text
from generators.script import Script, in_script
from generators.typeset import MissingGlyph, font

#: Points a millimetre.
PT_MM = 72 / 25.4
#: The room outside the bleed for the crop marks and the slug line.
SLUG_MM = 12.0
#: Crop marks start this far outside the trim (clear of the bleed) and are this long.
MARK_OFFSET_MM, MARK_LENGTH_MM = BLEED_MM + 2.0, 6.0
#: The largest side of a PDF page in default units.
MAX_UNITS = 14400

#: Vertical presentation forms of the punctuation a column may hold (what the fonts' ``vert`` gives).
_VERTICAL = str.maketrans(
    "，、。：；！？「」『』（）《》〈〉【】…—", "︐︑︒︓︔︕︖﹁﹂﹃﹄︵︶︽︾︿﹀︻︼︙︱"
)


def user_unit(fmt: Format) -> int:
    """The scale of a format's page: 1, or the smallest whole ``UserUnit`` that fits PDF's limit."""
    width, height = page_mm(fmt)
    return max(1, math.ceil(max(width, height) * PT_MM / MAX_UNITS))


def page_mm(fmt: Format) -> tuple[float, float]:
    """The page's size in millimetres: the trim, the bleed and the slug room on every side."""
    assert fmt.trim_mm is not None, f"{fmt.id} is not a print format"
    extra = 2 * (BLEED_MM + SLUG_MM)
    return fmt.trim_mm[0] + extra, fmt.trim_mm[1] + extra


def render_pdf(layout: Layout) -> bytes:
    """The layout as a one-page print PDF. Identical layouts give identical bytes."""
    fmt = layout.fmt
    scale = user_unit(fmt)
    slug = _slug_words(fmt, scale, layout.script)
    needed: dict[fonts.Face, set[str]] = {}
    for text in layout.texts:
        chars = "".join(r.text for r in text.runs)
        needed.setdefault(text.face, set()).update(
            chars.translate(_VERTICAL) if text.direction == "ttb" else chars
        )
    needed.setdefault(_slug_face(layout.script), set()).update(slug)
    cuts: dict[fonts.Face, cidfont.Cut] = {}
    for face, wanted in needed.items():
        wanted.discard(" ")
        missing = fonts.missing_characters("".join(sorted(wanted)), [face])
        if missing:  # never a mark left out of the print file
            raise MissingGlyph("".join(sorted(wanted)), missing, face.family)
        cuts[face] = cidfont.source(face).cut(wanted)
    page = _Page(fmt, scale, cuts)
    page.ground(layout)
    for mark in layout.marks:
        page.mark(mark.kind, mark.xy, mark.color, mark.width)
    for text in layout.texts:
        page.text_block(text)
    if layout.code is not None:
        page.code(layout.code.modules, layout.code.left, layout.code.top, layout.code.module)
    page.crop_marks()
    page.slug(_slug_face(layout.script), slug)
    return page.pdf()


def _slug_face(script: Script) -> fonts.Face:
    return fonts.face("sans", "regular", script)


def _slug_words(fmt: Format, scale: int, script: Script) -> str:
    """The slug line, in the poster's script: the format, its trim size, the bleed, the scale."""
    width, height = fmt.trim_mm  # type: ignore[misc]
    words = f"{fmt.label.replace('×', ' x ')}　成品尺寸：{width:g} x {height:g} mm　出血：{BLEED_MM:g} mm"
    words += f"　頁面按 UserUnit {scale} 放大為成品實際尺寸（1:1）" if scale > 1 else "　比例：1:1"
    return in_script(words, script)


def _n(value: float) -> str:
    """A number in a content stream: at most three decimals (a thousandth of a point), no trailing
    zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _rgb(color: tuple[int, int, int]) -> str:
    return " ".join(_n(c / 255) for c in color)


class _Page:
    """One page in points divided by the scale, with the canvas's pixels mapped onto it (the canvas's
    y runs down, the page's up), written as a content stream."""

    def __init__(self, fmt: Format, scale: int, cuts: dict[fonts.Face, cidfont.Cut]) -> None:
        width, height = page_mm(fmt)
        self.fmt, self.scale, self.cuts = fmt, scale, cuts
        self.width, self.height = width * PT_MM / scale, height * PT_MM / scale
        self.resource = {face: f"/F{n}" for n, face in enumerate(cuts, 1)}
        self.ops: list[str] = []

    # Canvas pixels (bleed included) to page units; ``top`` is a canvas y as the page's y.
    def u(self, pixels: float) -> float:
        return pixels * 72 / self.fmt.dpi / self.scale

    def at(self, pixels: float) -> float:
        return (SLUG_MM * PT_MM) / self.scale + self.u(pixels)

    def top(self, pixels: float) -> float:
        return self.height - self.at(pixels)

    def mm(self, millimetres: float) -> float:
        return millimetres * PT_MM / self.scale

    def point_mm(self, x: float, y: float) -> str:
        """A point millimetres from the page's top left, in the content stream's terms."""
        return f"{_n(self.mm(x))} {_n(self.height - self.mm(y))}"

    def fill(self, color: tuple[int, int, int], x: float, y: float, w: float, h: float) -> None:
        """A filled rectangle, in page units from the top left."""
        self.ops.append(f"{_rgb(color)} rg {_n(x)} {_n(self.height - y - h)} {_n(w)} {_n(h)} re f")

    def stroke(self, color: tuple[int, int, int], width: float, path: str) -> None:
        self.ops.append(f"{_rgb(color)} RG {_n(width)} w {path} S")

    def ground(self, layout: Layout) -> None:
        self.fill(
            layout.style.ground, self.at(0), self.at(0), self.u(self.fmt.width), self.u(self.fmt.height)
        )

    def mark(
        self, kind: str, xy: tuple[float, float, float, float], color: tuple[int, int, int], width: float
    ) -> None:
        x0, y0, x1, y1 = xy
        if kind == "line":
            path = f"{_n(self.at(x0))} {_n(self.top(y0))} m {_n(self.at(x1))} {_n(self.top(y1))} l"
            self.stroke(color, self.u(width), path)
        elif kind == "fill":
            self.fill(color, self.at(x0), self.at(y0), self.u(x1 - x0), self.u(y1 - y0))
        else:  # an outline of ``width`` pixels inside the rectangle, as Pillow draws it
            half = width / 2
            w, h = self.u(x1 - x0 - width), self.u(y1 - y0 - width)
            path = f"{_n(self.at(x0 + half))} {_n(self.top(y0 + half) - h)} {_n(w)} {_n(h)} re"
            self.stroke(color, self.u(width), path)

    def glyphs(
        self,
        face: fonts.Face,
        size: float,
        color: tuple[int, int, int],
        placed: Iterable[tuple[str, float, float]],
    ) -> None:
        """Text: each character's glyph with its baseline's left end at a page point (from the top
        left), ``size`` page units high."""
        cids = self.cuts[face].cids
        shown = [
            f"1 0 0 1 {_n(x)} {_n(self.height - y)} Tm <{cids[char]:04X}> Tj"
            for char, x, y in placed
            if not char.isspace()
        ]
        self.ops += ["BT", f"{self.resource[face]} {_n(size)} Tf {_rgb(color)} rg", *shown, "ET"]

    def text_block(self, text: Text) -> None:
        """Each glyph of each run at the place Pillow (the layout's measure) gives it."""
        face = font(text.face, text.size)
        placed = [
            (char, self.at(x), self.at(y)) for run in text.runs for char, x, y in _glyphs(run, face, text)
        ]
        self.glyphs(text.face, self.u(text.size), text.ink, placed)

    def code(self, modules: tuple[tuple[bool, ...], ...], left: int, top: int, module: int) -> None:
        """The QR code as squares: its white ground, then each row's runs of dark modules."""
        n = len(modules)
        self.fill((255, 255, 255), self.at(left), self.at(top), self.u(n * module), self.u(n * module))
        runs = []
        for row, cells in enumerate(modules):
            column = 0
            while column < n:
                if not cells[column]:
                    column += 1
                    continue
                end = column
                while end < n and cells[end]:
                    end += 1
                x, y, w, h = (
                    self.at(left + column * module),
                    self.at(top + row * module),
                    self.u((end - column) * module),
                    self.u(module),
                )
                runs.append(f"{_n(x)} {_n(self.height - y - h)} {_n(w)} {_n(h)} re")
                column = end
        self.ops.append("0 0 0 rg " + " ".join(runs) + " f")

    def crop_marks(self) -> None:
        """Two strokes at each corner on the trim lines' extensions, outside the bleed."""
        left, top = SLUG_MM + BLEED_MM, SLUG_MM + BLEED_MM
        right, bottom = left + self.fmt.trim_mm[0], top + self.fmt.trim_mm[1]  # type: ignore[index]
        near, far = MARK_OFFSET_MM, MARK_OFFSET_MM + MARK_LENGTH_MM
        segments = []
        for x, sx in ((left, -1), (right, 1)):
            for y, sy in ((top, -1), (bottom, 1)):
                segments.append(((x + sx * near, y), (x + sx * far, y)))
                segments.append(((x, y + sy * near), (x, y + sy * far)))
        path = " ".join(
            f"{self.point_mm(x0, y0)} m {self.point_mm(x1, y1)} l" for (x0, y0), (x1, y1) in segments
        )
        self.stroke((0, 0, 0), 0.25 / self.scale, path)

    def slug(self, face: fonts.Face, words: str) -> None:
        """The slug line above the crop marks, at 7 pt on the printed page, at the face's advances."""
        size = 7 / self.scale
        cut = self.cuts[face]
        x, placed = self.mm(SLUG_MM + BLEED_MM), []
        for char in words:
            placed.append((char, x, self.mm(SLUG_MM / 2 + 1)))
            advance = cut.widths[cut.cids[char]] if char in cut.cids else _SPACE
            x += advance * size / 1000
        self.glyphs(face, size, (0, 0, 0), placed)

    def pdf(self) -> bytes:
        """The page as a PDF: its boxes, its fonts, its content. No date, and an identifier made of
        the content: the same page gives the same bytes."""
        document = pikepdf.new()
        fonts_used = pikepdf.Dictionary(
            {self.resource[face]: _font(document, cut) for face, cut in self.cuts.items()}
        )
        height = page_mm(self.fmt)[1]
        trim_mm = self.fmt.trim_mm
        assert trim_mm is not None
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=pikepdf.Array([0, 0, round(self.width, 4), round(self.height, 4)]),
            TrimBox=pikepdf.Array(_box(SLUG_MM + BLEED_MM, trim_mm, height, self.scale)),
            BleedBox=pikepdf.Array(
                _box(SLUG_MM, (trim_mm[0] + 2 * BLEED_MM, trim_mm[1] + 2 * BLEED_MM), height, self.scale)
            ),
            Resources=pikepdf.Dictionary(Font=fonts_used),
            Contents=document.make_stream("\n".join(self.ops).encode()),
        )
        if self.scale > 1:
            page.UserUnit = self.scale
        document.pages.append(pikepdf.Page(page))
        document.docinfo = document.make_indirect(
            pikepdf.Dictionary(Title=pikepdf.String(self.fmt.label), Creator=pikepdf.String("quality-month"))
        )
        out = io.BytesIO()
        # UserUnit is PDF 1.6's.
        document.save(
            out, deterministic_id=True, compress_streams=True, min_version="1.6" if self.scale > 1 else "1.4"
        )
        return out.getvalue()


#: A space's advance in the slug line (no glyph is drawn for it), in thousandths of an em.
_SPACE = 250

#: The characters a column's vertical forms stand for, for the text a PDF reader copies out.
_HORIZONTAL = {v: k for k, v in ((chr(a), chr(b)) for a, b in _VERTICAL.items())}


def _font(document: pikepdf.Pdf, cut: cidfont.Cut) -> pikepdf.Object:
    """A cut as a Type 0 font (Identity-H: a code is a CID) over a CIDFontType0 of its CFF program,
    with its advances and a ToUnicode map."""
    name = pikepdf.Name("/" + cut.name)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=name,
        Flags=4,
        FontBBox=pikepdf.Array(list(cut.bbox)),
        ItalicAngle=0,
        Ascent=cut.ascent,
        Descent=cut.descent,
        CapHeight=cut.cap_height,
        StemV=80,
        FontFile3=document.make_stream(cut.program, Subtype=pikepdf.Name.CIDFontType0C),
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType0,
        BaseFont=name,
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=document.make_indirect(descriptor),
        DW=1000,
        W=pikepdf.Array([0, pikepdf.Array(list(cut.widths))]),
    )
    return document.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=name,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([document.make_indirect(descendant)]),
            ToUnicode=document.make_stream(_to_unicode(cut)),
        )
    )


def _to_unicode(cut: cidfont.Cut) -> bytes:
    """The CMap from each CID to its text (a column's vertical form to the character it stands for)."""
    pairs = sorted((cid, _HORIZONTAL.get(char, char)) for char, cid in cut.cids.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        lines = "\n".join(f"<{cid:04X}> <{text.encode('utf-16-be').hex().upper()}>" for cid, text in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{lines}\nendbfchar")
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
        *blocks,
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]).encode()  # fmt: skip


def _glyphs(run: Run, face: ImageFont.FreeTypeFont, text: Text) -> list[tuple[str, float, float]]:
    """Each character of a run and the canvas point of its baseline's left end."""
    if text.direction == "ttb":
        return _column(run, face, text)
    length = face.getlength(run.text, language=text.language)
    start = {"m": run.x - length / 2, "l": run.x, "r": run.x - length}[run.anchor[0]]
    return [
        (char, start + face.getlength(run.text[:n], language=text.language), run.y)
        for n, char in enumerate(run.text)
    ]


def _column(run: Run, face: ImageFont.FreeTypeFont, text: Text) -> list[tuple[str, float, float]]:
    """A column's characters top to bottom, each centred on the column, in its vertical form."""
    rise = fonts.em_top(text.face) * text.size  # the vertical origin lies an em-top above the baseline
    placed = []
    for n, char in enumerate(run.text):
        down = (
            face.getlength(run.text[:n], direction="ttb", features=["vert"], language=text.language)
            if n
            else 0
        )
        shown = char.translate(_VERTICAL)
        placed.append((shown, run.x - face.getlength(shown) / 2, run.y + down + rise))
    return placed


def _box(inset_mm: float, size_mm: tuple[float, float], page_height_mm: float, scale: int) -> list[float]:
    """A box ``inset_mm`` from the page's top left, in PDF's units (from the bottom left)."""
    k = PT_MM / scale
    left, top = inset_mm, inset_mm
    bottom = page_height_mm - top - size_mm[1]
    return [
        round(left * k, 4),
        round(bottom * k, 4),
        round((left + size_mm[0]) * k, 4),
        round((bottom + size_mm[1]) * k, 4),
    ]
