"""The rendering engine: a design drawn in a format, script and style, by one layout and two backends.

``layout.lay_out`` works out every role's lines and places once; ``raster.draw`` draws them into the
PNG's palette image (Pillow), ``vector.render_pdf`` into the print PDF (pikepdf). Text that cannot be set
(a missing glyph, too long for its box) raises ``typeset.TypesetError`` before anything is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from generators.posters import raster, vector
from generators.posters.design import Design
from generators.posters.formats import Format
from generators.posters.layout import Layout, lay_out, ornaments
from generators.posters.styles import DEFAULT_STYLE, Style
from generators.script import Script
from generators.typeset import Setting

#: A line as drawn: x, y, Pillow anchor, text.
Line = tuple[int, int, str, str]


@dataclass(frozen=True)
class Placed:
    """What the engine drew for a role: the text set, the pixels its ink covers on the canvas, and each
    line as drawn (canvas x, y, Pillow anchor, text)."""

    role: str
    setting: Setting | None
    bbox: tuple[int, int, int, int]
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    placed: tuple[Placed, ...]
    layout: Layout


def render(
    design: Design, fmt: Format, script: Script, base_url: str, style: Style = DEFAULT_STYLE
) -> Rendered:
    """Draw a design in a format, script and style as a palette image."""
    laid = lay_out(design, fmt, script, style, base_url)
    return Rendered(raster.draw(laid), placed(laid), laid)


def render_pdf(
    design: Design, fmt: Format, script: Script, base_url: str, style: Style = DEFAULT_STYLE
) -> bytes:
    """A print format's vector PDF of a design."""
    return vector.render_pdf(lay_out(design, fmt, script, style, base_url))


def placed(laid: Layout) -> tuple[Placed, ...]:
    """What a layout places, role by role, in canvas pixels (the QR code last)."""
    found = [
        Placed(t.role, t.setting, t.bbox, tuple((round(r.x), round(r.y), r.anchor, r.text) for r in t.runs))
        for t in laid.texts
    ]
    if laid.code is not None:
        c = laid.code
        found.append(Placed("qr", None, (c.left, c.top, c.left + c.size, c.top + c.size)))
    return tuple(found)


def background(fmt: Format, style: Style = DEFAULT_STYLE, script: Script = "hant") -> Image.Image:
    """A format's empty canvas in a style: its ground and ornaments, no text."""
    return raster.draw(Layout(fmt, style, script, (), ornaments(fmt, style), None))
