"""The rendering engine: a design drawn in a format's layout.

The engine lays out each role of the design (kicker, headline, sub-line, body, QR code) in the box that
the format's layout gives it, with ``typeset.fit``, and draws it in the campaign's official register:
red and gold, bold type, generous margins, no flag or emblem. Each role is drawn into a coverage mask of
its own box only (a print canvas is 18 Mpx), then laid onto the palette image as its ink's levels.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw

from generators import fonts
from generators.posters.design import Design
from generators.posters.formats import (
    GOLD,
    LAYOUTS,
    LEVELS,
    PALETTE,
    QR_BLACK,
    QR_WHITE,
    Box,
    Format,
    box_pixels,
    ink,
)
from generators.script import LANGUAGE_TAGS, Script, in_script
from generators.typeset import CannotFit, Setting, fit, font

#: A line as drawn: x, y, Pillow anchor, text.
Line = tuple[int, int, str, str]
BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Placed:
    """What the engine drew for a role: the text set, the pixels it covers on the canvas, and each
    line as drawn (canvas x, y, Pillow anchor, text)."""

    role: str
    setting: Setting | None
    bbox: tuple[int, int, int, int]
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    placed: tuple[Placed, ...]


@dataclass
class _Drawn:
    """A role set and drawn into a coverage mask of its own box, ``pad`` pixels wider on every side."""

    setting: Setting
    mask: Image.Image
    pad: int
    boxes: list[BBox]
    lines: list[Line]


#: How many times a role is set again, each time smaller, before text whose ink overhangs is refused.
_REFITS = 8


def render(design: Design, fmt: Format, script: Script, base_url: str) -> Rendered:
    """Draw a design in a format and script. Raises ``typeset.TypesetError`` (missing glyph, text
    that cannot fit) before anything is drawn."""
    layout = LAYOUTS[fmt.shape]
    roles = [
        (role, box, _set_role(design, role, box, fmt, script))
        for role, box in layout.items()
        if role != "qr" and role in design.roles
    ]
    image = background(fmt)
    placed = [_lay(image, role, box, drawn, fmt) for role, box, drawn in roles]
    if fmt.qr and "qr" in layout:
        placed.append(_lay_qr(image, layout["qr"], fmt, base_url + design.qr_path))
    return Rendered(image, tuple(placed))


def _set_role(design: Design, role: str, box: Box, fmt: Format, script: Script) -> _Drawn:
    """A role's text set and drawn in its box; a list body is tried whole, then shorter, until one fits."""
    texts = design.body_texts() if role == "body" else [design.roles[role]]
    for number, text in enumerate(texts, 1):
        try:
            return _set_text(text, box, fmt, script)
        except CannotFit:
            if number == len(texts):
                raise
    raise AssertionError("a role has at least one text")


def _set_text(text: str, box: Box, fmt: Format, script: Script) -> _Drawn:
    """Set a text in its box and draw it. A guard of 2% keeps ink that overhangs its advance (a negative
    side bearing) inside; where the ink still crosses the box, it is set again smaller by what spilt."""
    x0, y0, x1, y1 = box_pixels(fmt, box)
    size = (x1 - x0, y1 - y0)
    typeface = fonts.face(box.style, box.weight, script)
    room = (int(size[0] * 0.98), int(size[1] * 0.98))
    for _ in range(_REFITS):
        setting = fit(
            in_script(text, script), typeface, room,
            min_size=max(12, round(box.min_size * fmt.short_side)),
            max_size=max(12, round(box.max_size * fmt.short_side)),
            script=script, direction=box.direction,
        )  # fmt: skip
        drawn = _draw_role(setting, box, size, script)
        across, down = _overhang(drawn, size)
        if not across and not down:
            return drawn
        room = (room[0] - across, room[1] - down)
    raise CannotFit(
        f"{text!r}: its glyphs reach outside its {size[0]}×{size[1]} px box at every "
        f"size tried: shorten it or leave out the characters that overhang"
    )


def _lay(image: Image.Image, role: str, box: Box, drawn: _Drawn, fmt: Format) -> Placed:
    """Lay a drawn role onto the canvas in its box; what was placed, in canvas pixels."""
    x0, y0, _, _ = box_pixels(fmt, box)
    origin = (x0 - drawn.pad, y0 - drawn.pad)
    _apply_ink(image, drawn.mask, box.color, origin)
    left = min(b[0] for b in drawn.boxes) + origin[0]
    upper = min(b[1] for b in drawn.boxes) + origin[1]
    right = max(b[2] for b in drawn.boxes) + origin[0]
    lower = max(b[3] for b in drawn.boxes) + origin[1]
    bbox = (math.floor(left), math.floor(upper), math.ceil(right), math.ceil(lower))
    lines = tuple((x + origin[0], y + origin[1], anchor, text) for x, y, anchor, text in drawn.lines)
    return Placed(role, drawn.setting, bbox, lines)


def _lay_qr(image: Image.Image, box: Box, fmt: Format, url: str) -> Placed:
    """The QR code of ``url``, as large as its box allows, in the box's bottom right corner."""
    x0, y0, x1, y1 = box_pixels(fmt, box)
    code = _qr_image(url, min(x1 - x0, y1 - y0))
    left, top = x1 - code.width, y1 - code.height
    image.paste(code, (left, top))
    return Placed("qr", None, (left, top, left + code.width, top + code.height))


@functools.lru_cache(maxsize=64)
def _qr_image(url: str, size: int) -> Image.Image:
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    modules = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    scale = max(1, size // modules.width)
    big = modules.resize((modules.width * scale, modules.height * scale), Image.Resampling.NEAREST)
    indexed: Image.Image = big.point([QR_BLACK if v < 128 else QR_WHITE for v in range(256)]).convert("P")
    indexed.putpalette(PALETTE)
    return indexed


def background(fmt: Format) -> Image.Image:
    """The empty canvas: red, with a gold frame inside the trim (the campaign's register), away from the
    bleed."""
    image = Image.new("P", (fmt.width, fmt.height), 0)
    image.putpalette(PALETTE)
    inset = fmt.bleed + max(4, fmt.margin // 3)
    line = max(2, fmt.short_side // 180)
    gold = ink(GOLD) + LEVELS - 1
    ImageDraw.Draw(image).rectangle(
        (inset, inset, fmt.width - inset, fmt.height - inset), outline=gold, width=line
    )
    return image


@functools.cache
def _levels(color: tuple[int, int, int]) -> list[int]:
    base = ink(color)
    return [0] + [base + v * (LEVELS - 1) // 255 for v in range(1, 256)]


def _apply_ink(
    image: Image.Image, mask: Image.Image, color: tuple[int, int, int], at: tuple[int, int]
) -> None:
    """Lay an anti-aliased coverage mask onto the palette image at ``at``, as the ink's levels.

    Only the glyphs' bounding box is laid, and there the background is plain red (index 0), which is
    also what no coverage maps to: no compositing is needed."""
    bbox = mask.getbbox()
    if bbox is None:
        return
    levels = mask.crop(bbox).point(_levels(color))
    image.paste(levels, (at[0] + bbox[0], at[1] + bbox[1]))


def _draw_role(setting: Setting, box: Box, size: tuple[int, int], script: Script) -> _Drawn:
    """Draw a setting into a mask the size of its box (``size``) with room for glyphs that overhang."""
    width, height = size
    pad = setting.size  # room for glyphs that overhang their advance
    mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    drawn = _Drawn(setting, mask, pad, [], [])
    if setting.direction == "ttb":
        _draw_columns(draw, drawn, box, size, script)
    else:
        _draw_lines(draw, drawn, box, size, script)
    return drawn


def _draw_columns(
    draw: ImageDraw.ImageDraw, drawn: _Drawn, box: Box, size: tuple[int, int], script: Script
) -> None:
    """Columns read top to bottom, the first on the right, the block centred in its box."""
    setting, pad = drawn.setting, drawn.pad
    face = font(fonts.face(box.style, box.weight, script), setting.size)
    right = (size[0] + setting.width) // 2 + pad
    top = (size[1] - setting.height) // 2 + pad
    language = LANGUAGE_TAGS[script]
    for n, column in enumerate(setting.lines):
        xy = (right - setting.size // 2 - n * setting.line_height, top)
        draw.text(xy, column, fill=255, font=face, anchor="mt", direction="ttb", features=["vert"],
                  language=language)  # fmt: skip
        drawn.lines.append((xy[0], xy[1], "mt", column))
        drawn.boxes.append(draw.textbbox(xy, column, font=face, anchor="mt", direction="ttb",
                                         features=["vert"], language=language))  # fmt: skip


def _draw_lines(
    draw: ImageDraw.ImageDraw, drawn: _Drawn, box: Box, size: tuple[int, int], script: Script
) -> None:
    """Lines read left to right, centred or from a guard at the left, the block centred in its box."""
    setting, pad = drawn.setting, drawn.pad
    typeface = fonts.face(box.style, box.weight, script)
    face = font(typeface, setting.size)
    language = LANGUAGE_TAGS[script]
    top = (size[1] - setting.height) // 2 + pad
    rise = round(fonts.em_top(typeface) * setting.size)  # from a line's top to its baseline
    guard = size[0] // 100
    for n, line in enumerate(setting.lines):
        y = top + n * setting.line_height + rise
        xy, anchor = ((pad + guard, y), "ls") if box.align == "left" else ((size[0] // 2 + pad, y), "ms")
        draw.text(xy, line, fill=255, font=face, anchor=anchor, language=language)
        drawn.lines.append((xy[0], xy[1], anchor, line))
        drawn.boxes.append(draw.textbbox(xy, line, font=face, anchor=anchor, language=language))


def _overhang(drawn: _Drawn, size: tuple[int, int]) -> tuple[int, int]:
    """How much narrower and lower the text must be set for its ink to stay inside its box: glyphs
    may overhang their advance and the em box (a Latin descender, a tone mark), more than the guard
    allows. (0, 0) when the ink is inside."""
    ink_box = drawn.mask.getbbox()
    if ink_box is None:
        return 0, 0
    left, top, right, bottom = (v - drawn.pad for v in ink_box)
    across = max(0, -left, right - size[0])
    down = max(0, -top, bottom - size[1])
    # The block is centred (or starts at a fixed guard): what spills on one side is taken off both.
    return 2 * across, 2 * down
