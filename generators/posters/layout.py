"""The layout: a design in a format, style and script worked out once as boxes, lines and positions, for
two backends to draw (``raster``, Pillow's PNG; ``vector``, the PDF for print).

Each role (kicker, headline, sub-line, body, signature, note) is fitted to the box the format's layout
gives it with ``typeset.fit``; each line (a column, on a vertical banner) gets its place on the canvas
and the box its ink covers, measured from the glyphs' outlines (FreeType through Pillow), not drawn.
Where the ink would cross its box (a glyph overhanging its advance), the role is set again smaller by
what spilt. The ornaments and the QR code get their places here too.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import qrcode

from generators import fonts
from generators.posters.design import Design
from generators.posters.formats import Box, Format, box_pixels, layout
from generators.posters.styles import RGB, Ornament, Style
from generators.script import LANGUAGE_TAGS, Script, in_script
from generators.typeset import CannotFit, Direction, Setting, fit, font

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Run:
    """One line (or column) as placed: the point it hangs from on the canvas, Pillow's anchor for that
    point (``ms`` middle-baseline, ``ls``/``rs`` left/right-baseline, ``mt`` middle-top for a column)
    and its text."""

    x: float
    y: float
    anchor: str
    text: str


@dataclass(frozen=True)
class Text:
    """A role set: its face, size and direction, its ink, its runs and the ink's box on the canvas."""

    role: str
    face: fonts.Face
    setting: Setting
    ink: RGB
    runs: tuple[Run, ...]
    bbox: tuple[int, int, int, int]
    language: str

    @property
    def size(self) -> int:
        return self.setting.size

    @property
    def direction(self) -> Direction:
        return self.setting.direction


@dataclass(frozen=True)
class Mark:
    """An ornament's stroke on the canvas: a rectangle's outline (``width`` > 0) or a filled rectangle,
    or a straight line (``kind`` ``line``), in pixels."""

    kind: str  # "rect", "fill" or "line"
    xy: tuple[float, float, float, float]
    color: RGB
    width: float = 0


@dataclass(frozen=True)
class Code:
    """The QR code: its URL, its modules (rows of booleans, quiet zone included) and its square."""

    url: str
    modules: tuple[tuple[bool, ...], ...]
    left: int
    top: int
    module: int  # pixels a module

    @property
    def size(self) -> int:
        return len(self.modules) * self.module


@dataclass(frozen=True)
class Layout:
    fmt: Format
    style: Style
    script: Script
    texts: tuple[Text, ...]
    marks: tuple[Mark, ...]
    code: Code | None


#: How many times a role is set again, each time smaller, before text whose ink overhangs is refused.
_REFITS = 8


def lay_out(design: Design, fmt: Format, script: Script, style: Style, base_url: str) -> Layout:
    """Work out a design in a format, script and style. Raises ``typeset.TypesetError`` (a missing
    glyph, text that cannot fit) for the first role that cannot be set."""
    boxes = layout(fmt.shape, frozenset(design.roles))
    texts = tuple(
        _set_role(design, role, box, fmt, script, style)
        for role, box in boxes.items()
        if role != "qr" and role in design.roles
    )
    code = None
    if fmt.qr and "qr" in boxes:
        code = _code(box_pixels(fmt, boxes["qr"]), base_url + design.qr_path)
    return Layout(fmt, style, script, texts, ornaments(fmt, style), code)


def _set_role(design: Design, role: str, box: Box, fmt: Format, script: Script, style: Style) -> Text:
    """A role's text set in its box; a list body is tried whole, then shorter, until one fits."""
    texts = design.body_texts() if role == "body" else [design.roles[role]]
    for number, text in enumerate(texts, 1):
        drawn = text if role in design.verbatim else in_script(text, script)
        try:
            return _set_text(role, drawn, box, fmt, script, style)
        except CannotFit:
            if number == len(texts):
                raise
    raise AssertionError("a role has at least one text")


def _set_text(role: str, text: str, box: Box, fmt: Format, script: Script, style: Style) -> Text:
    """Set a text in its box. A guard of 2% keeps ink that overhangs its advance (a negative side
    bearing) inside; where the ink still crosses the box, it is set again smaller by what spilt."""
    x0, y0, x1, y1 = box_pixels(fmt, box)
    size = (x1 - x0, y1 - y0)
    typeface = fonts.face(box.style, box.weight, script)
    room = (int(size[0] * 0.98), int(size[1] * 0.98))
    language = LANGUAGE_TAGS[script]
    for _ in range(_REFITS):
        setting = fit(
            text, typeface, room,
            min_size=max(12, round(box.min_size * fmt.short_side)),
            max_size=max(12, round(box.max_size * fmt.short_side)),
            script=script, direction=box.direction,
        )  # fmt: skip
        runs = _runs(setting, typeface, box, size)
        ink = _ink(runs, typeface, setting, language)
        across, down = _overhang(ink, size)
        if not across and not down:
            bbox = (
                math.floor(ink[0]) + x0,
                math.floor(ink[1]) + y0,
                math.ceil(ink[2]) + x0,
                math.ceil(ink[3]) + y0,
            )
            placed = tuple(Run(r.x + x0, r.y + y0, r.anchor, r.text) for r in runs)
            return Text(role, typeface, setting, style.ink(role), placed, bbox, language)
        room = (room[0] - across, room[1] - down)
    raise CannotFit(
        f"{text!r}: its glyphs reach outside its {size[0]}×{size[1]} px box at every "
        f"size tried: shorten it or leave out the characters that overhang"
    )


def _runs(setting: Setting, typeface: fonts.Face, box: Box, size: tuple[int, int]) -> list[Run]:
    """Each line's (or column's) place inside its box: the block centred in the box; lines centred,
    or from a guard at the left or the right; columns read top to bottom, the first on the right."""
    width, height = size
    if setting.direction == "ttb":
        right = (width + setting.width) // 2
        top = (height - setting.height) // 2
        return [
            Run(right - setting.size // 2 - n * setting.line_height, top, "mt", column)
            for n, column in enumerate(setting.lines)
        ]
    top = (height - setting.height) // 2
    rise = round(fonts.em_top(typeface) * setting.size)  # from a line's top to its baseline
    guard = width // 100
    runs = []
    for n, line in enumerate(setting.lines):
        y = top + n * setting.line_height + rise
        if box.align == "left":
            runs.append(Run(guard, y, "ls", line))
        elif box.align == "right":
            runs.append(Run(width - guard, y, "rs", line))
        else:
            runs.append(Run(width // 2, y, "ms", line))
    return runs


def _ink(runs: list[Run], typeface: fonts.Face, setting: Setting, language: str) -> BBox:
    """The box the runs' glyphs cover, from their outlines (a column with its vertical forms)."""
    face = font(typeface, setting.size)
    left = top = math.inf
    right = bottom = -math.inf
    for run in runs:
        if setting.direction == "ttb":
            box = face.getbbox(
                run.text, direction="ttb", features=["vert"], language=language, anchor=run.anchor
            )
        else:
            box = face.getbbox(run.text, language=language, anchor=run.anchor)
        left, top = min(left, box[0] + run.x), min(top, box[1] + run.y)
        right, bottom = max(right, box[2] + run.x), max(bottom, box[3] + run.y)
    return left, top, right, bottom


def _overhang(ink: BBox, size: tuple[int, int]) -> tuple[int, int]:
    """How much narrower and lower the text must be set for its ink to stay inside its box: glyphs
    may overhang their advance and the em box (a Latin descender, a tone mark), more than the guard
    allows. (0, 0) when the ink is inside."""
    left, top, right, bottom = ink
    across = max(0, math.ceil(max(-left, right - size[0])))
    down = max(0, math.ceil(max(-top, bottom - size[1])))
    # The block is centred (or starts at a fixed guard): what spills on one side is taken off both.
    return 2 * across, 2 * down


def _code(box: tuple[int, int, int, int], url: str) -> Code:
    """The QR code of ``url``, as large as its box allows, in the box's bottom right corner."""
    x0, y0, x1, y1 = box
    modules = _modules(url)
    module = max(1, min(x1 - x0, y1 - y0) // len(modules))
    side = module * len(modules)
    return Code(url, modules, x1 - side, y1 - side, module)


@functools.lru_cache(maxsize=256)
def _modules(url: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(bool(v) for v in row) for row in code.get_matrix())


def ornaments(fmt: Format, style: Style) -> tuple[Mark, ...]:
    """The style's ornaments on this format, in canvas pixels: frames and rules in the margin, clear of
    every text box; a lattice over the whole ground, bleed included."""
    marks: list[Mark] = []
    for ornament in style.ornaments:
        marks += _ornament(fmt, ornament)
    return tuple(marks)


def _ornament(fmt: Format, ornament: Ornament) -> list[Mark]:
    left, top, right, bottom = fmt.trim
    if ornament.kind == "lattice":
        return _lattice(fmt, ornament)
    if ornament.kind == "frame":
        inset = max(4, int(fmt.margin * ornament.inset))
        # The red-gold frame keeps its historical weight: a 180th of the short side.
        line = max(2, round(fmt.margin * ornament.width)) if ornament.width else max(2, fmt.short_side // 180)
        return [
            Mark("rect", (left + inset, top + inset, right - inset, bottom - inset), ornament.color, line)
        ]
    inset = round(fmt.margin * ornament.inset)
    band = max(2, round(fmt.margin * ornament.width))
    across = (left + fmt.margin // 4, right - fmt.margin // 4)
    head = (across[0], top + inset, across[1], top + inset + band)
    foot = (across[0], bottom - inset - band, across[1], bottom - inset)
    return [Mark("fill", head, ornament.color), Mark("fill", foot, ornament.color)]


def _lattice(fmt: Format, ornament: Ornament) -> list[Mark]:
    """Two families of diagonal lines at 45°, ``spacing`` short sides apart: a faint diamond lattice."""
    step = max(8, round(ornament.spacing * fmt.short_side))
    line = max(1, round(ornament.width * fmt.short_side))
    w, h = fmt.width, fmt.height
    marks = []
    for offset in range(-h, w + step, step):
        marks.append(Mark("line", (offset, 0, offset + h, h), ornament.color, line))
        marks.append(Mark("line", (offset + h, 0, offset, h), ornament.color, line))
    return marks
