"""Print: every style in every format (the PNG, and for a print format the vector PDF), the PDF read
back with pikepdf and poppler's tools (its text, its fonts, its boxes and UserUnit, its crop marks, its
bytes), the PDF and the PNG compared at a millimetre a pixel, a unit's lines refused when they cannot be
drawn, and a signature read back by OCR.

Needs poppler-utils (``pdftotext``, ``pdffonts``, ``pdftoppm``) and tesseract: ``tests/install-tools``.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from PIL import Image, ImageOps

from generators import fonts
from generators.loader import load_campaign
from generators.model import Campaign
from generators.posters import (
    FORMATS,
    STYLES,
    STYLES_BY_ID,
    Design,
    Format,
    Style,
    cidfont,
    designs,
    render,
    vector,
)
from generators.posters.encode import encode_png
from generators.posters.engine import render_pdf
from generators.posters.formats import BLEED_MM, FORMATS_BY_ID, box_pixels, layout
from generators.posters.layout import lay_out
from generators.posters.raster import palette
from generators.script import in_script
from generators.typeset import CannotFit, MissingGlyph
from tests.conftest import TINY

BASE = "https://quality-month.example/"
SCRIPT = "hant"
#: A unit's lines as it types them: in Simplified on a Traditional poster, drawn as typed.
SIGNATURE = "江苏省徐州市市场监督管理局"
NOTE = "二〇二二年九月　徐州"
PRINT_FORMATS = [f for f in FORMATS if f.print]
#: The formats whose page exceeds PDF's 14,400 units a side (over 5.08 m): drawn at a scale, UserUnit.
SCALED = {"banner-h", "banner-h-10m"}
PT_MM = 72 / 25.4

styles = pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
print_formats = pytest.mark.parametrize("fmt", PRINT_FORMATS, ids=lambda f: f.id)

Rect = tuple[float, float, float, float]


def need(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is needed (apt-get install poppler-utils tesseract-ocr, or tests/install-tools)"
    return found


@pytest.fixture(scope="module")
def slogan() -> Design:
    """``slogan-01`` of the tiny campaign (read in place: nothing here writes to it), signed."""
    design = next(d for d in designs(load_campaign(TINY)) if d.id == "slogan-01")
    return design.signed(SIGNATURE, NOTE)


@pytest.fixture(scope="module")
def pdf_of(slogan: Design) -> Callable[[Style, Format], bytes]:
    """Each style's and print format's PDF, made once for the module's tests."""

    @functools.cache
    def make(style: Style, fmt: Format) -> bytes:
        return render_pdf(slogan, fmt, SCRIPT, BASE, style)

    return make


def rect(array: pikepdf.Object) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in array)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def page_boxes(pdf: bytes) -> tuple[Rect, Rect, Rect, float | None]:
    """The page's MediaBox, TrimBox and BleedBox as the page itself states them (not inherited or
    defaulted), and its UserUnit if it has one."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        page = document.pages[0].obj
        assert "/TrimBox" in page and "/BleedBox" in page
        unit = float(page.UserUnit) if "/UserUnit" in page else None
        return rect(page.MediaBox), rect(page.TrimBox), rect(page.BleedBox), unit


# The PNG of every style in every format.


@styles
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_every_style_renders_every_format(slogan: Design, style: Style, fmt: Format) -> None:
    rendered = render(slogan, fmt, SCRIPT, BASE, style)
    # A banner has the slogan alone besides the unit's lines; a poster its kicker and sub-line, and a QR code.
    roles = {"headline", "signature", "note"}
    if not fmt.shape.startswith("banner"):
        roles |= {"kicker", "sub"} | ({"qr"} if fmt.qr else set())
    assert {p.role for p in rendered.placed} == roles
    image = Image.open(io.BytesIO(encode_png(rendered.image, fmt)))
    assert image.format == "PNG" and image.mode == "P"
    assert image.size == (fmt.width, fmt.height)
    # (PNG states whole pixels a metre: 50 dpi is stored as 1969 a metre, 50.0126 dpi.)
    assert image.info["dpi"] == pytest.approx((fmt.dpi, fmt.dpi), abs=0.0254 / 2)
    if fmt.trim_mm is not None:
        assert fmt.bleed == round(BLEED_MM / 25.4 * fmt.dpi)
        for canvas, trim in zip(image.size, fmt.trim_mm, strict=True):
            assert canvas - 2 * fmt.bleed == round(trim / 25.4 * fmt.dpi)
    # The style's own colours: its ground the commonest; each role's ink, in full, inside that role's ink
    # box (where no ornament is: a frame or a rule of the same colour cannot stand in for it).
    counts = {index: n for n, index in image.getcolors(256)}  # type: ignore[union-attr]
    solid = palette(style)[1]
    assert max(counts, key=lambda index: counts[index]) == solid[style.ground]
    for text in rendered.layout.texts:
        inside = {index for _, index in image.crop(text.bbox).getcolors(256)}  # type: ignore[union-attr]
        assert solid[style.ink(text.role)] in inside, (text.role, style.ink(text.role))


# The PDF, read back.


@styles
@print_formats
def test_the_pdf_has_the_text(
    slogan: Design, pdf_of: Callable[[Style, Format], bytes], style: Style, fmt: Format
) -> None:
    """Real text: ``pdftotext`` gives the slogan back, and the unit's lines as they were typed. (``-raw``
    keeps the order in which the text is drawn: poppler's reading order runs across a vertical banner's
    columns.)"""
    result = subprocess.run(
        [need("pdftotext"), "-raw", "-enc", "UTF-8", "-", "-"],
        input=pdf_of(style, fmt), capture_output=True, check=True,
    )  # fmt: skip
    text = "".join(result.stdout.decode().split())
    for expected in (in_script(slogan.headline, SCRIPT), SIGNATURE, NOTE):
        assert "".join(expected.split()) in text, (expected, text)


@pytest.mark.parametrize("fmt", [FORMATS_BY_ID["a4"], FORMATS_BY_ID["banner-v"]], ids=lambda f: f.id)
def test_a_units_lines_are_drawn_as_typed(slogan: Design, fmt: Format) -> None:
    """On a Simplified poster, a unit that signs in Traditional keeps its Traditional name (converting
    it would change it), while the slogan is converted. (Conversion to Traditional changes nothing: the
    data is Traditional, so only this direction can show it.)"""
    signature, note = "香港品質保證局", "二〇二二年九月　香港"
    assert in_script(signature, "hans") != signature
    design = slogan.signed(signature, note)
    result = subprocess.run(
        [need("pdftotext"), "-raw", "-enc", "UTF-8", "-", "-"],
        input=render_pdf(design, fmt, "hans", BASE), capture_output=True, check=True,
    )  # fmt: skip
    text = "".join(result.stdout.decode().split())
    assert signature in text and "".join(note.split()) in text
    assert "".join(in_script(slogan.headline, "hans").split()) in text


def test_a_columns_punctuation_is_in_the_pdf(real: Campaign) -> None:
    """The real slogan-07 on the vertical banner: 提升產品、工程和服務質量 keeps its 、 in the print PDF,
    drawn in its vertical form and read back as the character it stands for."""
    design = next(d for d in designs(real) if d.id == "slogan-07")
    assert "、" in design.headline
    pdf = render_pdf(design, FORMATS_BY_ID["banner-v"], SCRIPT, BASE)
    result = subprocess.run(
        [need("pdftotext"), "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    text = "".join(result.stdout.decode().split())
    assert "提升產品、工程和服務質量" in text and "︑" not in text


@styles
@print_formats
def test_the_pdf_embeds_its_fonts(
    pdf_of: Callable[[Style, Format], bytes], style: Style, fmt: Format
) -> None:
    result = subprocess.run(
        [need("pdffonts"), "-"], input=pdf_of(style, fmt), capture_output=True, check=True
    )
    header, rule, *rows = result.stdout.decode().splitlines()
    # The columns are as wide as the dashes under their names (a font's type has spaces in it).
    spans = [m.span() for m in re.finditer(r"-+", rule)]
    names = [header[a:b].strip() for a, b in spans]
    fonts = [
        dict(zip(names, (row[a:b].strip() for a, b in spans), strict=True)) for row in rows if row.strip()
    ]
    assert len(fonts) >= 2  # the sans faces and the serif kicker (a banner: bold and regular sans)
    for font in fonts:
        assert (font["type"], font["emb"], font["sub"], font["uni"]) == (
            "CID Type 0C",
            "yes",
            "yes",
            "yes",
        ), font


@styles
@print_formats
def test_the_pdf_page_has_the_true_size(
    pdf_of: Callable[[Style, Format], bytes], style: Style, fmt: Format
) -> None:
    """TrimBox × UserUnit is the trim size, the BleedBox 3 mm larger all round, inside the MediaBox; a
    page beyond 14,400 units a side is drawn smaller and declares its UserUnit."""
    assert fmt.trim_mm is not None
    media, trim, bleed, unit = page_boxes(pdf_of(style, fmt))
    if fmt.id in SCALED:
        assert unit is not None and unit > 1
    else:
        assert unit is None
    scale = unit or 1.0
    assert (trim[2] - trim[0]) * scale == pytest.approx(fmt.trim_mm[0] * PT_MM, abs=0.01)
    assert (trim[3] - trim[1]) * scale == pytest.approx(fmt.trim_mm[1] * PT_MM, abs=0.01)
    outward = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    for side in outward:
        assert side * scale == pytest.approx(BLEED_MM * PT_MM, abs=0.01)
    assert media[0] <= bleed[0] and media[1] <= bleed[1] and bleed[2] <= media[2] and bleed[3] <= media[3]
    assert max(media[2] - media[0], media[3] - media[1]) <= 14400


def test_the_long_banners_need_their_user_unit() -> None:
    """At 1:1 their pages would exceed PDF's limit: that is why they are scaled (and the others not)."""
    for fmt in PRINT_FORMATS:
        assert fmt.trim_mm is not None
        widest = (max(fmt.trim_mm) + 2 * (BLEED_MM + vector.SLUG_MM)) * PT_MM
        assert (widest > 14400) == (fmt.id in SCALED), fmt.id


Segment = tuple[tuple[float, float], tuple[float, float]]
Matrix = tuple[float, float, float, float, float, float]


def _times(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: ``cm`` prepends to the CTM)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)  # fmt: skip


def black_strokes(pdf: bytes) -> list[Segment]:
    """The straight segments the page strokes in black, in default user space: a small interpreter of
    the content stream, with the graphics state's stack (``q``/``Q``), its CTM (``cm``) and its stroking
    colour (which starts black, PDF's default)."""
    identity: Matrix = (1, 0, 0, 1, 0, 0)
    ctm, black = identity, True
    stack: list[tuple[Matrix, bool]] = []
    path: list[Segment] = []
    start = point = (0.0, 0.0)
    found: list[Segment] = []

    def place(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    with pikepdf.open(io.BytesIO(pdf)) as document:
        instructions = pikepdf.parse_content_stream(document.pages[0])
    for operands, operator in instructions:
        op = str(operator)
        if op in ("cm", "G", "RG", "K", "m", "l", "re"):
            values = [float(v) for v in operands]
        if op == "q":
            stack.append((ctm, black))
        elif op == "Q":
            ctm, black = stack.pop()
        elif op == "cm":
            ctm = _times(tuple(values), ctm)  # type: ignore[arg-type]
        elif op == "G":
            black = values == [0]
        elif op == "RG":
            black = values == [0, 0, 0]
        elif op == "K":
            black = values == [0, 0, 0, 1]
        elif op in ("CS", "SC", "SCN"):
            black = False  # no other colour space is expected: a stroke in one is not taken as black
        elif op == "m":
            start = point = place(*values)
        elif op == "l":
            nxt = place(*values)
            path.append((point, nxt))
            point = nxt
        elif op == "h":
            path.append((point, start))
            point = start
        elif op == "re":
            x, y, w, h = values
            corners = [place(x, y), place(x + w, y), place(x + w, y + h), place(x, y + h)]
            path += [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
        elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
            if op in ("S", "s", "B", "B*", "b", "b*") and black:
                found += path
            path = []
    return found


@styles
@print_formats
def test_the_crop_marks(pdf_of: Callable[[Style, Format], bytes], style: Style, fmt: Format) -> None:
    """Two black strokes at each corner, on the trim lines' extensions, wholly outside the bleed and on
    the page, each ``MARK_LENGTH_MM`` long and ``MARK_OFFSET_MM`` from the trim."""
    pdf = pdf_of(style, fmt)
    media, trim, bleed, unit = page_boxes(pdf)
    mm = PT_MM / (unit or 1.0)
    marks = black_strokes(pdf)
    corners: dict[tuple[float, float], list[str]] = {}
    for (x0, y0), (x1, y1) in marks:
        left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        assert right < bleed[0] or left > bleed[2] or top < bleed[1] or bottom > bleed[3], (x0, y0, x1, y1)
        assert media[0] <= left and right <= media[2] and media[1] <= bottom and top <= media[3]
        if abs(y0 - y1) < 0.01:  # across: on the extension of the trim's bottom or top edge
            (edge,) = [y for y in (trim[1], trim[3]) if abs(y0 - y) < 0.01]
            near = trim[0] if right < trim[0] else trim[2]
            length, gap = right - left, min(abs(left - near), abs(right - near))
            corners.setdefault((near, edge), []).append("across")
        else:  # down: on the extension of the trim's left or right edge
            assert abs(x0 - x1) < 0.01, "a crop mark is horizontal or vertical"
            (edge,) = [x for x in (trim[0], trim[2]) if abs(x0 - x) < 0.01]
            near = trim[1] if top < trim[1] else trim[3]
            length, gap = top - bottom, min(abs(bottom - near), abs(top - near))
            corners.setdefault((edge, near), []).append("down")
        assert length == pytest.approx(vector.MARK_LENGTH_MM * mm, abs=0.02)
        assert gap == pytest.approx(vector.MARK_OFFSET_MM * mm, abs=0.02)
    assert len(marks) == 8
    assert sorted(corners) == sorted((x, y) for x in (trim[0], trim[2]) for y in (trim[1], trim[3]))
    assert all(sorted(kinds) == ["across", "down"] for kinds in corners.values()), corners


@styles
@print_formats
def test_the_same_layout_gives_the_same_bytes(slogan: Design, style: Style, fmt: Format) -> None:
    laid = lay_out(slogan, fmt, SCRIPT, style, BASE)
    first = vector.render_pdf(laid)
    cidfont.source.cache_clear()  # the faces opened and their glyphs taken out again
    assert vector.render_pdf(laid) == first
    assert vector.render_pdf(lay_out(slogan, fmt, SCRIPT, style, BASE)) == first
    assert b"CreationDate" not in first and b"ModDate" not in first
    with pikepdf.open(io.BytesIO(first)) as document:
        assert "/CreationDate" not in document.docinfo and "/ModDate" not in document.docinfo
        assert "/Metadata" not in document.Root  # no XMP packet, with dates of its own


# The PDF and the PNG: one layout.

#: The comparison's scale and how far (in its pixels, millimetres) an edge of ink may move between the
#: two backends: anti-aliasing and rounding move it by one at most.
PX_MM = 1.0
TOLERANCE = 2


def ink_box(image: Image.Image, region: tuple[int, int, int, int], ground: tuple[int, ...], ink: tuple[int, ...]) -> tuple[int, int, int, int] | None:  # fmt: skip
    """Where a region has ink, in the image's pixels: the pixels nearer the ink than the ground (their
    projection on the line from the ground to the ink past its middle), so that an ornament or a lattice
    in some third colour is not taken for ink."""
    d = [i - g for i, g in zip(ink, ground, strict=True)]
    norm = sum(v * v for v in d)
    matrix = (*(255 * v / norm for v in d), -255 * sum(g * v for g, v in zip(ground, d, strict=True)) / norm)
    share = image.crop(region).convert("L", matrix)
    box = share.point(lambda v: 255 if v >= 128 else 0).getbbox()
    return None if box is None else (box[0] + region[0], box[1] + region[1], box[2] + region[0], box[3] + region[1])  # fmt: skip


def pdf_raster(pdf: bytes, size: tuple[int, int], folder: Path) -> Image.Image:
    """The PDF's bleed box drawn by poppler at about ``PX_MM``, then fitted to ``size`` (the PNG's canvas
    at that scale: a pixel at most off by rounding). Poppler draws a page in its default units, without
    its UserUnit: the pixels a unit are read off what it drew, not assumed."""
    media, _trim, bleed, unit = page_boxes(pdf)
    source, out = folder / "page.pdf", folder / "page"
    source.write_bytes(pdf)
    dpi = 25.4 * PX_MM * (unit or 1.0)
    subprocess.run(
        [need("pdftoppm"), "-r", f"{dpi:.4f}", "-singlefile", "-png", str(source), str(out)], check=True
    )
    with Image.open(out.with_suffix(".png")) as drawn:
        page = drawn.convert("RGB")
    # pdftoppm draws dpi / 72 pixels a default unit and rounds the page's size up to whole pixels: what
    # it drew is that size (not twice it, as UserUnit 2 would make it), and that is its scale.
    k = dpi / 72
    assert (
        0 <= page.width - (media[2] - media[0]) * k < 1 and 0 <= page.height - (media[3] - media[1]) * k < 1
    )
    crop = (
        (bleed[0] - media[0]) * k,
        (media[3] - bleed[3]) * k,
        (bleed[2] - media[0]) * k,
        (media[3] - bleed[1]) * k,
    )
    assert abs((crop[2] - crop[0]) - size[0]) < 2 and abs((crop[3] - crop[1]) - size[1]) < 2, (crop, size)
    return page.resize(size, Image.Resampling.BOX, box=crop)


@styles
@print_formats
def test_the_pdf_and_the_png_show_one_layout(
    slogan: Design, pdf_of: Callable[[Style, Format], bytes], style: Style, fmt: Format, tmp_path: Path
) -> None:
    """Both drawn at a millimetre a pixel: each role's ink (and the QR code's) within ``TOLERANCE`` of
    the same box in both. A text the vector backend put 5 mm off fails this."""
    rendered = render(slogan, fmt, SCRIPT, BASE, style)
    k = PX_MM * 25.4 / fmt.dpi  # the comparison's pixels a canvas pixel
    size = (round(fmt.width * k), round(fmt.height * k))
    png = rendered.image.convert("RGB").resize(size, Image.Resampling.BOX)
    pdf = pdf_raster(pdf_of(style, fmt), size, tmp_path)

    def scaled(box: tuple[int, int, int, int], inset: int = 0) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = (round(v * k) for v in box)
        return x0 + inset, y0 + inset, x1 - inset, y1 - inset

    boxes = layout(fmt.shape, frozenset(slogan.roles))
    regions = [
        (t.role, scaled(box_pixels(fmt, boxes[t.role])), style.ground, style.ink(t.role))
        for t in rendered.layout.texts
    ]
    if (code := rendered.layout.code) is not None:
        # Inside the code's own white square (its quiet zone), a pixel in from its edge.
        square = (code.left, code.top, code.left + code.size, code.top + code.size)
        regions.append(("qr", scaled(square, inset=1), (255, 255, 255), (0, 0, 0)))
    assert len(regions) >= 3
    for role, region, ground, ink in regions:
        in_png, in_pdf = ink_box(png, region, ground, ink), ink_box(pdf, region, ground, ink)
        assert in_png is not None and in_pdf is not None, (role, in_png, in_pdf)
        assert in_png[2] - in_png[0] >= 3 and in_png[3] - in_png[1] >= 2, (
            role,
            in_png,
        )  # a text, not a speck
        assert max(abs(a - b) for a, b in zip(in_png, in_pdf, strict=True)) <= TOLERANCE, (
            role,
            in_png,
            in_pdf,
        )


# A unit's lines that cannot be drawn are refused, before anything is drawn.


@pytest.mark.parametrize("missing", ["😀", "\U00020000"], ids=["emoji", "cjk-ext-b"])
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_a_signature_without_a_glyph_is_refused(slogan: Design, fmt: Format, missing: str) -> None:
    design = slogan.signed(f"江苏省{missing}市场监督管理局", NOTE)
    with pytest.raises(MissingGlyph, match=re.escape(missing)) as refused:
        render(design, fmt, SCRIPT, BASE)
    assert refused.value.missing == missing
    if fmt.print:
        with pytest.raises(MissingGlyph, match=re.escape(missing)):
            render_pdf(design, fmt, SCRIPT, BASE)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_an_overlong_signature_is_refused(slogan: Design, fmt: Format) -> None:
    design = slogan.signed((SIGNATURE * 16)[:200], NOTE)
    with pytest.raises(CannotFit, match=re.escape("（共200字）")):
        render(design, fmt, SCRIPT, BASE)
    if fmt.print:
        with pytest.raises(CannotFit):
            render_pdf(design, fmt, SCRIPT, BASE)


# The signature as a reader sees it.


def test_the_signature_reads_back(real: Campaign, tmp_path: Path) -> None:
    """On the real campaign's slogan-04 in A3, the official style, Simplified: tesseract (chi_sim) reads
    the signature's box (at about 48 px a character, the ink dark on white) back."""
    fmt, style = FORMATS_BY_ID["a3"], STYLES_BY_ID["official"]
    design = next(d for d in designs(real) if d.id == "slogan-04").signed(SIGNATURE, NOTE)
    rendered = render(design, fmt, "hans", BASE, style)
    (signature,) = [t for t in rendered.layout.texts if t.role == "signature"]
    box = box_pixels(fmt, layout(fmt.shape, frozenset(design.roles))["signature"])
    scale = 48 / signature.size
    image = rendered.image.convert("L").crop(box)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    # The ink (dark blue) is darker than the paper-white ground: dark on white as it is, thresholded.
    middle = (sum(style.ink("signature")) + sum(style.ground)) / 6
    ink = ImageOps.expand(image.point(lambda v: 0 if v < middle else 255), border=48, fill=255)
    path = tmp_path / "signature.png"
    ink.save(path)
    result = subprocess.run(
        [need("tesseract"), str(path), "-", "-l", "chi_sim", "--psm", "6"],
        capture_output=True, text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    assert SIGNATURE in "".join(result.stdout.split())


# The fonts' cuts.


def _outlines(font: TTFont | CFFFontSet, name: str) -> list[object]:
    pen = RecordingPen()
    glyphs = font.getGlyphSet() if isinstance(font, TTFont) else font.topDictIndex[0].CharStrings
    glyphs[name].draw(pen)
    return pen.value


@pytest.mark.parametrize("face", fonts.FACES, ids=lambda f: f.filename)
def test_a_cut_has_the_faces_outlines(face: fonts.Face) -> None:
    """Each character's CID in a cut draws the face's own outline, with no subroutine left to call
    (the cut has none), whatever was cut from the face before."""
    text = "提升產品、工程和服務質量江苏省邳州市市场监督管理局郯儋︑︒（1:1）Ab"
    text = "".join(c for c in text if not fonts.missing_characters(c, [face]))
    source = cidfont.Source(face)
    source.cut("質量月活動")  # an earlier cut leaves nothing behind in the next
    cut = source.cut(text)
    assert cut == cidfont.Source(face).cut(text)
    program = CFFFontSet()
    program.decompile(io.BytesIO(cut.program), None)
    top = program.topDictIndex[0]
    assert top.ROS == ("Adobe", "Identity", 0) and len(program.GlobalSubrs) == 0
    assert all(not hasattr(fd.Private, "Subrs") for fd in top.FDArray)
    assert list(top.charset) == [".notdef", *(f"cid{n:05d}" for n in range(1, len(top.charset)))]
    with TTFont(face.path) as whole:
        cmap = whole.getBestCmap()
        for char in text:
            cid = cut.cids[char]
            assert _outlines(program, top.charset[cid]) == _outlines(whole, cmap[ord(char)]), char
            assert cut.widths[cid] == round(
                whole["hmtx"][cmap[ord(char)]][0] * 1000 / whole["head"].unitsPerEm
            )


@pytest.mark.parametrize("form", [12, 4])
def test_a_faces_character_map_is_read_from_its_bytes(form: int) -> None:
    """Every character of a face finds the glyph fontTools finds, from a character map of either form
    (our faces have format 4, a face beyond the BMP would have format 12); a character the face lacks
    finds none."""
    face = fonts.face("sans", "regular", "hans")
    with TTFont(face.path) as whole:
        names = whole.getBestCmap()
        subtable = CmapSubtable.newSubtable(form)
        subtable.platformID, subtable.platEncID, subtable.language = 3, (10 if form == 12 else 1), 0
        subtable.cmap = names
        table = newTable("cmap")
        table.tableVersion, table.tables = 0, [subtable]
        raw = table.compile(whole)
        expected = {code: whole.getGlyphID(name) for code, name in names.items()}
    cmap = cidfont._Cmap(raw)
    assert cmap.format == form
    assert {code: cmap.get(code) for code in expected} == expected
    assert cmap.get(ord("\U0001f600")) == 0 and cmap.get(0xE000) == 0 and cmap.get(0) == 0
