"""The raster backend: a layout drawn by Pillow into a palette image, for the PNG.

The palette is the style's: index 0 the ground; each ink ``LEVELS`` entries from the ground to the ink
(anti-aliasing); the QR code's black and white; the ornaments' colours. Posters are drawn straight into
it, no quantising afterwards. Each text is drawn into a coverage mask of its own ink box only (a print
canvas is 18 Mpx), then laid onto the image as its ink's levels, over whatever ornament lies there.
"""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw

from generators.posters.layout import Code, Layout, Mark, Text
from generators.posters.styles import RGB, Style
from generators.typeset import font

#: Anti-aliasing levels between the ground and each ink: 64 are more than the eye separates.
LEVELS = 64


@functools.cache
def palette(style: Style) -> tuple[list[int], dict[RGB, int]]:
    """The style's palette (768 channel values) and the index of each solid colour in it."""
    entries: list[RGB] = [style.ground]
    solid: dict[RGB, int] = {style.ground: 0}
    for ink in style.ink_colors:
        for level in range(LEVELS):
            t = level / (LEVELS - 1)
            entries.append(tuple(round(c + (i - c) * t) for c, i in zip(style.ground, ink, strict=True)))  # type: ignore[arg-type]
        solid.setdefault(ink, len(entries) - 1)
    for color in ((0, 0, 0), (255, 255, 255), *(o.color for o in style.ornaments)):
        if color not in solid:
            solid[color] = len(entries)
            entries.append(color)
    assert len(entries) <= 256, f"style {style.id} needs {len(entries)} colours"
    entries += [style.ground] * (256 - len(entries))
    return [channel for entry in entries for channel in entry], solid


def draw(layout: Layout) -> Image.Image:
    """The layout as a palette image, its canvas the format's, bleed included."""
    fmt, style = layout.fmt, layout.style
    channels, solid = palette(style)
    image = Image.new("P", (fmt.width, fmt.height), 0)
    image.putpalette(channels)
    canvas = ImageDraw.Draw(image)
    for mark in layout.marks:
        _mark(canvas, mark, solid[mark.color])
    for text in layout.texts:
        _text(image, text, style)
    if layout.code is not None:
        _code(image, layout.code, solid)
    return image


def _mark(canvas: ImageDraw.ImageDraw, mark: Mark, index: int) -> None:
    if mark.kind == "line":
        canvas.line(mark.xy, fill=index, width=round(mark.width))
    elif mark.kind == "fill":
        canvas.rectangle(mark.xy, fill=index)
    else:
        canvas.rectangle(mark.xy, outline=index, width=round(mark.width))


def _text(image: Image.Image, text: Text, style: Style) -> None:
    """Draw a text's runs into a mask of its ink box (one pixel wider each side), then lay its levels on
    the image where the mask has ink: the ground (or an ornament) stays elsewhere."""
    left, top, right, bottom = text.bbox
    left, top = left - 1, top - 1
    mask = Image.new("L", (right + 1 - left, bottom + 1 - top), 0)
    pen = ImageDraw.Draw(mask)
    face = font(text.face, text.size)
    vertical = {"direction": "ttb", "features": ["vert"]} if text.direction == "ttb" else {}
    for run in text.runs:
        pen.text((run.x - left, run.y - top), run.text, fill=255, font=face, anchor=run.anchor,
                 language=text.language, **vertical)  # type: ignore[arg-type]  # fmt: skip
    inked = mask.getbbox()
    if inked is None:
        return
    mask = mask.crop(inked)
    at = (left + inked[0], top + inked[1])
    image.paste(mask.point(_levels(style, text.ink)), at, mask.point(lambda v: 255 if v else 0))


@functools.cache
def _levels(style: Style, ink: RGB) -> list[int]:
    base = 1 + style.ink_colors.index(ink) * LEVELS
    return [0] + [base + v * (LEVELS - 1) // 255 for v in range(1, 256)]


def _code(image: Image.Image, code: Code, solid: dict[RGB, int]) -> None:
    black, white = solid[(0, 0, 0)], solid[(255, 255, 255)]
    n = len(code.modules)
    small = Image.new("P", (n, n), white)
    small.putdata([black if dark else white for row in code.modules for dark in row])
    big = small.resize((code.size, code.size), Image.Resampling.NEAREST)
    image.paste(big, (code.left, code.top))
