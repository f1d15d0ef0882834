"""The vector backend: a layout drawn as a print PDF, with fpdf2.

The text is real text in the embedded subsets of our fonts (fpdf2 embeds CFF-based OpenType as CID
fonts, FontFile3, and subsets them; ReportLab embeds TrueType outlines only), each glyph at the place
the layout gave it, so that the PDF and the PNG show one layout. The ornaments and the QR code are
vector shapes. The page is the trim size in millimetres with 3 mm bleed all round (the ground runs into
it), crop marks outside the bleed, and a slug line naming the format; ``TrimBox`` and ``BleedBox`` say
where the trim and the bleed are. A PDF page may be at most 14,400 units a side (5.08 m at 72 units an
inch): a larger page, a banner, is drawn at a scale and declares PDF's ``UserUnit`` so that its page
measures the banner's true size, which Acrobat, Ghostscript and the print shops' RIPs honour; the slug
line states the scale too.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import math
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
from PIL import ImageFont

from generators import fonts
from generators.posters.formats import BLEED_MM, Format
from generators.posters.layout import Layout, Run, Text
from generators.script import SCRIPTS, Script, in_script
from generators.typeset import MissingGlyph, font

#: fontTools reports every table it subsets at INFO, a dozen lines a font, three fonts a PDF: a log
#: of its own work, not of ours (the scheduler's log would be all of it).
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

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
    with tempfile.TemporaryDirectory(prefix="quality-month-pdf-") as scratch:
        pdf = _Page(fmt, scale)
        for face, wanted in needed.items():
            missing = fonts.missing_characters("".join(sorted(wanted)), [face])
            if missing:  # never a mark left out of the print file
                raise MissingGlyph("".join(sorted(wanted)), missing, face.family)
            path = Path(scratch) / face.filename
            pooled = _POOLS.get(face)
            if pooled and wanted <= pooled[0]:
                data = pooled[1]
            else:
                data = embedded_font(face, "".join(sorted(wanted)))
            path.write_bytes(data)
            pdf.add_font(face.filename, "", str(path))
            # fpdf2 subsets the font again and writes it: without the bounding boxes worked out again
            # (each glyph drawn), as above.
            added = pdf.fonts[face.filename.lower()]
            assert isinstance(added, TTFFont)
            added.ttfont.close()
            added.ttfont = TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
        _draw(pdf, layout, slug)
        return _boxes(bytes(pdf.output()), fmt, scale)


def _draw(pdf: _Page, layout: Layout, slug: str) -> None:
    pdf.ground(layout)
    for mark in layout.marks:
        pdf.mark(mark.kind, mark.xy, mark.color, mark.width)
    for text in layout.texts:
        pdf.text_block(text)
    if layout.code is not None:
        pdf.code(layout.code.modules, layout.code.left, layout.code.top, layout.code.module)
    pdf.crop_marks()
    pdf.slug(_slug_face(layout.script), slug)


def _slug_face(script: Script) -> fonts.Face:
    return fonts.face("sans", "regular", script)


def _slug_words(fmt: Format, scale: int, script: Script) -> str:
    """The slug line, in the poster's script: the format, its trim size, the bleed, the scale."""
    width, height = fmt.trim_mm  # type: ignore[misc]
    words = f"{fmt.label.replace('×', ' x ')}　成品尺寸：{width:g} x {height:g} mm　出血：{BLEED_MM:g} mm"
    words += f"　頁面按 UserUnit {scale} 放大為成品實際尺寸（1:1）" if scale > 1 else "　比例：1:1"
    return in_script(words, script)


#: Each face cut once down to the characters of many PDFs to come (``pool``).
_POOLS: dict[fonts.Face, tuple[frozenset[str], bytes]] = {}


def pool(texts: Iterable[str]) -> None:
    """Cut every face once down to the characters of ``texts`` (a campaign's every text, as drawn):
    a PDF whose characters are all among them embeds that cut, which fpdf2 subsets again to the PDF's
    own glyphs, instead of a cut of the whole face made for it (a fifth of the time of a PDF). A
    column's vertical forms are added."""
    chars = frozenset("".join(texts))
    chars |= frozenset("".join(chars).translate(_VERTICAL))
    for face in fonts.FACES:
        drawable = frozenset(c for c in chars if not fonts.missing_characters(c, [face]))
        _POOLS[face] = (drawable, embedded_font(face, "".join(sorted(drawable))))


def slug_texts(formats: Iterable[Format]) -> list[str]:
    """The slug lines of print formats, for ``pool``."""
    return [_slug_words(f, user_unit(f), script) for f in formats if f.print for script in SCRIPTS]


@functools.lru_cache(maxsize=64)
def embedded_font(face: fonts.Face, chars: str) -> bytes:
    """A face cut down to ``chars`` for fpdf2 to embed (fpdf2 subsets again, but parsing the whole face
    for each PDF would cost most of its time): no layout tables (each glyph is placed by the layout, and
    a column's punctuation is in its vertical form already) and no subroutines."""
    # The whole face's bounding box stays (a larger FontBBox is harmless): working out the subset's
    # would draw every glyph, a third of the cost.
    with TTFont(face.path, lazy=True, recalcBBoxes=False) as font:
        return _cut(font, chars)


def _cut(font: TTFont, chars: str) -> bytes:
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vmtx", "vhea"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


class _Page(FPDF):
    """One page in points divided by the scale, with the canvas's pixels mapped onto it."""

    def __init__(self, fmt: Format, scale: int) -> None:
        width, height = page_mm(fmt)
        super().__init__(unit="pt", format=(width * PT_MM / scale, height * PT_MM / scale))
        self.fmt, self.scale = fmt, scale
        # A fixed date, removed again when the boxes are set: the same layout gives the same bytes.
        self.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.add_page()
        self.set_title(fmt.label)
        self.set_creator("quality-month")

    # Canvas pixels (bleed included) to page units.
    def u(self, pixels: float) -> float:
        return pixels * 72 / self.fmt.dpi / self.scale

    def at(self, pixels: float) -> float:
        return (SLUG_MM * PT_MM) / self.scale + self.u(pixels)

    def mm(self, millimetres: float) -> float:
        return millimetres * PT_MM / self.scale

    def ground(self, layout: Layout) -> None:
        self.set_fill_color(*layout.style.ground)
        self.rect(self.at(0), self.at(0), self.u(self.fmt.width), self.u(self.fmt.height), style="F")

    def mark(
        self, kind: str, xy: tuple[float, float, float, float], color: tuple[int, int, int], width: float
    ) -> None:
        x0, y0, x1, y1 = xy
        if kind == "line":
            self.set_draw_color(*color)
            self.set_line_width(self.u(width))
            self.line(self.at(x0), self.at(y0), self.at(x1), self.at(y1))
            return
        if kind == "fill":
            self.set_fill_color(*color)
            self.rect(self.at(x0), self.at(y0), self.u(x1 - x0), self.u(y1 - y0), style="F")
            return
        # An outline of ``width`` pixels inside the rectangle, as Pillow draws it.
        half = width / 2
        self.set_draw_color(*color)
        self.set_line_width(self.u(width))
        self.rect(self.at(x0 + half), self.at(y0 + half), self.u(x1 - x0 - width), self.u(y1 - y0 - width))

    def use(self, face: fonts.Face, size: int) -> None:
        self.set_font(face.filename, size=self.u(size))

    def text_block(self, text: Text) -> None:
        """Each glyph of each run at the place Pillow (the layout's measure) gives it."""
        self.use(text.face, text.size)
        self.set_text_color(*text.ink)
        face = font(text.face, text.size)
        for run in text.runs:
            for char, x, y in _glyphs(run, face, text):
                if not char.isspace():
                    self.text(self.at(x), self.at(y), char)

    def code(self, modules: tuple[tuple[bool, ...], ...], left: int, top: int, module: int) -> None:
        """The QR code as squares: its white ground, then each row's runs of dark modules."""
        n = len(modules)
        self.set_fill_color(255, 255, 255)
        self.rect(self.at(left), self.at(top), self.u(n * module), self.u(n * module), style="F")
        self.set_fill_color(0, 0, 0)
        for row, cells in enumerate(modules):
            column = 0
            while column < n:
                if not cells[column]:
                    column += 1
                    continue
                end = column
                while end < n and cells[end]:
                    end += 1
                x, y = left + column * module, top + row * module
                self.rect(self.at(x), self.at(y), self.u((end - column) * module), self.u(module), style="F")
                column = end

    def crop_marks(self) -> None:
        """Two strokes at each corner on the trim lines' extensions, outside the bleed."""
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.25 / self.scale)
        left, top = SLUG_MM + BLEED_MM, SLUG_MM + BLEED_MM
        right, bottom = left + self.fmt.trim_mm[0], top + self.fmt.trim_mm[1]  # type: ignore[index]
        near, far = MARK_OFFSET_MM, MARK_OFFSET_MM + MARK_LENGTH_MM
        for x, sx in ((left, -1), (right, 1)):
            for y, sy in ((top, -1), (bottom, 1)):
                self.line(self.mm(x + sx * near), self.mm(y), self.mm(x + sx * far), self.mm(y))
                self.line(self.mm(x), self.mm(y + sy * near), self.mm(x), self.mm(y + sy * far))

    def slug(self, face: fonts.Face, words: str) -> None:
        """The slug line above the crop marks, at 7 pt on the printed page."""
        self.set_font(face.filename, size=7 / self.scale)
        self.set_text_color(0, 0, 0)
        self.text(self.mm(SLUG_MM + BLEED_MM), self.mm(SLUG_MM / 2 + 1), words)


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


def _boxes(data: bytes, fmt: Format, scale: int) -> bytes:
    """Set the page's TrimBox and BleedBox (and its UserUnit) and write it again, deterministically."""
    height = page_mm(fmt)[1]
    with pikepdf.open(io.BytesIO(data)) as document:
        page = document.pages[0]
        trim = _box(SLUG_MM + BLEED_MM, fmt.trim_mm, height, scale)  # type: ignore[arg-type]
        bleed = _box(SLUG_MM, (fmt.trim_mm[0] + 2 * BLEED_MM, fmt.trim_mm[1] + 2 * BLEED_MM), height, scale)  # type: ignore[index]
        page.obj.TrimBox = pikepdf.Array(trim)
        page.obj.BleedBox = pikepdf.Array(bleed)
        if scale > 1:
            page.obj.UserUnit = scale
        for key in ("/CreationDate", "/ModDate"):
            if key in document.docinfo:
                del document.docinfo[key]
        out = io.BytesIO()
        document.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()


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
