"""Posters and banners: formats and layouts described as data, one rendering engine.

A poster is a design (``theme``, ``slogan-01`` … ``slogan-15``, ``today-2022-09-21``, ``activity-<id>``)
in a format (kiosk screens, 4K, A4/A3 print with bleed, banners, square) and a script. The engine lays
out each role of the design (kicker, headline, sub-line, body, QR code) in the box that the format's
layout gives it, with ``typeset.fit``, and draws it in the campaign's official register: red and gold,
bold type, generous margins, no flag or emblem.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageDraw

from generators import fonts
from generators.model import Activity, Campaign
from generators.script import LANGUAGE_TAGS, Script, in_script
from generators.typeset import CannotFit, Direction, Setting, fit, font
from generators.wording import WEEKDAYS

RED = (200, 22, 29)
RED_DARK = (150, 12, 20)
GOLD = (255, 209, 64)
WHITE = (255, 255, 255)

Shape = Literal["portrait", "landscape", "square", "banner-h", "banner-v"]


#: Anti-aliasing levels between the background and each ink: 64 are more than the eye separates.
_LEVELS = 64
_INKS = (GOLD, WHITE)
_BLACK, _PAPER = 2 * _LEVELS, 2 * _LEVELS + 1  # the QR code's two colours


def _palette() -> list[int]:
    """Index 0 is the red background; each ink has ``_LEVELS`` entries from red to the ink; then the QR
    code's black and white. Posters are drawn straight into this palette: no quantising afterwards."""
    entries: list[tuple[int, int, int]] = []
    for ink in _INKS:
        for level in range(_LEVELS):
            t = level / (_LEVELS - 1)
            r, g, b = (round(c + (i - c) * t) for c, i in zip(RED, ink, strict=True))
            entries.append((r, g, b))
    entries += [(0, 0, 0), (255, 255, 255)]
    entries += [RED] * (256 - len(entries))
    return [channel for entry in entries for channel in entry]


PALETTE = _palette()


def _ink(color: tuple[int, int, int]) -> int:
    """The palette's first index of an ink (index + level runs from red to the ink)."""
    return _INKS.index(color) * _LEVELS


@dataclass(frozen=True)
class Format:
    """A poster format. ``width`` and ``height`` are the whole canvas, bleed included; ``margin`` is the
    safe distance from the trim edge that no text crosses."""

    id: str
    label: str
    width: int
    height: int
    shape: Shape
    dpi: int = 72
    bleed: int = 0
    margin: int = 64
    print: bool = False
    qr: bool = True

    @property
    def safe(self) -> tuple[int, int, int, int]:
        """The safe area (left, top, right, bottom) in canvas pixels."""
        inset = self.bleed + self.margin
        return inset, inset, self.width - inset, self.height - inset

    @property
    def short_side(self) -> int:
        return min(self.width, self.height) - 2 * self.bleed


def _mm(millimetres: float, dpi: int = 300) -> int:
    return round(millimetres / 25.4 * dpi)


def _print(id: str, label: str, width_mm: int, height_mm: int) -> Format:
    bleed = _mm(3)
    return Format(
        id, label, _mm(width_mm) + 2 * bleed, _mm(height_mm) + 2 * bleed, "portrait",
        dpi=300, bleed=bleed, margin=_mm(12), print=True,
    )  # fmt: skip


FORMATS: tuple[Format, ...] = (
    Format("kiosk-portrait", "直式資訊屏 1080×1920", 1080, 1920, "portrait", margin=72),
    Format("kiosk-landscape", "橫式資訊屏 1920×1080", 1920, 1080, "landscape", margin=72),
    Format("4k", "4K 橫式 3840×2160", 3840, 2160, "landscape", margin=144),
    Format("square", "社交媒體方圖 1080×1080", 1080, 1080, "square", margin=64),
    _print("a4", "A4 印刷(300 dpi,出血 3 mm)", 210, 297),
    _print("a3", "A3 印刷(300 dpi,出血 3 mm)", 297, 420),
    Format("banner-h", "橫幅 6000×600", 6000, 600, "banner-h", dpi=150, margin=60, qr=False),
    Format("banner-v", "豎幅 800×4800", 800, 4800, "banner-v", dpi=150, margin=80, qr=False),
)
FORMATS_BY_ID = {f.id: f for f in FORMATS}


@dataclass(frozen=True)
class Box:
    """Where a role goes, as fractions of the safe area, and how its text is set."""

    x: float
    y: float
    w: float
    h: float
    style: Literal["sans", "serif"] = "sans"
    weight: Literal["regular", "bold"] = "bold"
    color: tuple[int, int, int] = WHITE
    min_size: float = 0.02  # of the format's short side: the smallest legible size here
    max_size: float = 1.0
    direction: Direction = "ltr"
    align: Literal["center", "left"] = "center"


#: The layouts: which boxes each shape of format has. Designs fill the roles they have. Headlines are
#: bold sans, the most legible at a distance (the OCR test reads every slogan back); the kicker line
#: is bold serif, the register of official titles.
LAYOUTS: dict[Shape, dict[str, Box]] = {
    "portrait": {
        "kicker": Box(0, 0.0, 1, 0.07, style="serif", min_size=0.03),
        "headline": Box(0, 0.12, 1, 0.46, color=GOLD, min_size=0.05),
        "sub": Box(0, 0.62, 1, 0.06, min_size=0.025),
        "body": Box(0, 0.71, 0.7, 0.29, weight="regular", min_size=0.018, max_size=0.045, align="left"),
        "qr": Box(0.74, 0.75, 0.26, 0.25),
    },
    "landscape": {
        "kicker": Box(0, 0.0, 1, 0.1, style="serif", min_size=0.04),
        "headline": Box(0, 0.15, 1, 0.45, color=GOLD, min_size=0.06),
        "sub": Box(0, 0.64, 0.78, 0.09, min_size=0.03),
        "body": Box(0, 0.76, 0.78, 0.24, weight="regular", min_size=0.024, max_size=0.05, align="left"),
        "qr": Box(0.82, 0.64, 0.18, 0.36),
    },
    "square": {
        "kicker": Box(0, 0.0, 1, 0.09, style="serif", min_size=0.035),
        "headline": Box(0, 0.14, 1, 0.5, color=GOLD, min_size=0.05),
        "sub": Box(0, 0.68, 0.72, 0.08, min_size=0.03),
        "body": Box(0, 0.79, 0.72, 0.21, weight="regular", min_size=0.024, max_size=0.045, align="left"),
        "qr": Box(0.76, 0.7, 0.24, 0.3),
    },
    "banner-h": {
        "headline": Box(0, 0.0, 1, 1, color=GOLD, min_size=0.3),
    },
    "banner-v": {
        "headline": Box(0, 0.0, 1, 1, color=GOLD, min_size=0.25, direction="ttb"),
    },
}


@dataclass(frozen=True)
class Design:
    """A design: its id and the text of each role in Traditional script (converted when drawn)."""

    id: str
    roles: dict[str, str] = field(hash=False)
    qr_path: str = ""  # the page the QR code points to, below the public base URL
    #: A body that is a list: the engine shows as many items as fit (at least one), then ``more``
    #: (with ``{n}``, the number left out), then ``tail``.
    items: tuple[str, ...] = ()
    more: str = ""
    tail: str = ""

    def body_texts(self) -> list[str]:
        """The body's text, longest first: the whole list, then shorter ones, for the engine to try."""
        if not self.items:
            return [self.roles["body"]] if "body" in self.roles else []
        texts = []
        for shown in range(len(self.items), 0, -1):
            lines = list(self.items[:shown])
            if shown < len(self.items):
                lines.append(self.more.format(n=len(self.items) - shown))
            texts.append("\n".join([*lines, self.tail] if self.tail else lines))
        return texts

    @property
    def headline(self) -> str:
        return self.roles["headline"]


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _weekday(day: dt.date) -> str:
    return "星期" + WEEKDAYS[day.weekday()]


def _kicker(campaign: Campaign) -> str:
    return f"{campaign.name}活動"


def designs(campaign: Campaign) -> list[Design]:
    """Every design of the campaign: the theme, each slogan, each day's activities, each dated activity."""
    found = [theme_design(campaign)]
    found += [
        Design(
            s.design,
            {"kicker": _kicker(campaign), "headline": s.text, "sub": f"主題:{campaign.theme}"},
            "",
        )
        for s in campaign.slogans
    ]
    found += [today_design(campaign, day) for day in campaign.days()]
    found += [activity_design(campaign, a) for a in campaign.activities if a.span.own]
    return found


def theme_design(campaign: Campaign) -> Design:
    issuers = "、".join(campaign.organizers[i].short for i in campaign.issuers)
    first, last = campaign.start, campaign.end
    when = (
        f"{first.year}年{first.month}月"
        if (first.year, first.month) == (last.year, last.month)
        else (f"{_date(first)}至{_date(last)}")
    )
    roles = {
        "kicker": _kicker(campaign),
        "headline": campaign.theme,
        "sub": when,
        "body": f"主辦:{issuers}",
    }
    return Design("theme", roles, "")


def today_design(campaign: Campaign, day: dt.date) -> Design:
    on_day = campaign.activities_on(day)
    dated = [a for a in on_day if a.span.own]
    running = len(on_day) - len(dated)
    items = tuple(
        f"{a.title}({'、'.join(campaign.organizers[o].short for o in a.organizers)})" for a in dated
    )
    tail = f"另有{running}項活動在活動期間進行" if items else f"今日有{running}項活動在活動期間進行"
    roles = {
        "kicker": f"{_kicker(campaign)}·今日活動",
        "headline": f"{day.month}月{day.day}日 {_weekday(day)}",
        "sub": campaign.theme,
        "body": "\n".join([*items, tail]),
    }
    if not items:
        return Design(f"today-{day.isoformat()}", roles, f"list?date={day.isoformat()}")
    return Design(f"today-{day.isoformat()}", roles, f"list?date={day.isoformat()}", items, "等另{n}項", tail)


def activity_design(campaign: Campaign, activity: Activity) -> Design:
    days = activity.span.days()
    when = _date(days[0]) if len(days) == 1 else f"{_date(days[0])}至{days[-1].month}月{days[-1].day}日"
    if activity.place:
        when += f" · {activity.place}"
    organizers = "、".join(campaign.organizers[o].short for o in activity.organizers)
    roles = {
        "kicker": _kicker(campaign),
        "headline": activity.title,
        "sub": when,
        "body": f"主辦:{organizers}",
    }
    return Design(f"activity-{activity.id}", roles, f"activities/{activity.id}")


@dataclass(frozen=True)
class Placed:
    """What the engine drew for a role: the text set, the pixels it covers on the canvas, and each
    line as drawn (canvas x, y, Pillow anchor, text)."""

    role: str
    setting: Setting | None
    bbox: tuple[int, int, int, int]
    lines: tuple[tuple[int, int, str, str], ...] = ()


@dataclass(frozen=True)
class Rendered:
    image: Image.Image
    placed: tuple[Placed, ...]


def _box_pixels(fmt: Format, box: Box) -> tuple[int, int, int, int]:
    left, top, right, bottom = fmt.safe
    w, h = right - left, bottom - top
    x0, y0 = left + round(box.x * w), top + round(box.y * h)
    return x0, y0, x0 + round(box.w * w), y0 + round(box.h * h)


@functools.lru_cache(maxsize=64)
def _qr_image(url: str, size: int) -> Image.Image:
    import qrcode

    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    modules = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    scale = max(1, size // modules.width)
    big = modules.resize((modules.width * scale, modules.height * scale), Image.Resampling.NEAREST)
    indexed: Image.Image = big.point([_BLACK if v < 128 else _PAPER for v in range(256)]).convert("P")
    indexed.putpalette(PALETTE)
    return indexed


def _background(fmt: Format) -> Image.Image:
    image = Image.new("P", (fmt.width, fmt.height), 0)
    image.putpalette(PALETTE)
    # A gold frame inside the trim: the campaign's register, away from the bleed.
    inset = fmt.bleed + max(4, fmt.margin // 3)
    line = max(2, fmt.short_side // 180)
    gold = _ink(GOLD) + _LEVELS - 1
    ImageDraw.Draw(image).rectangle(
        (inset, inset, fmt.width - inset, fmt.height - inset), outline=gold, width=line
    )
    return image


@functools.cache
def _levels(color: tuple[int, int, int]) -> list[int]:
    base = _ink(color)
    return [0] + [base + v * (_LEVELS - 1) // 255 for v in range(1, 256)]


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


@dataclass
class _Drawn:
    """A role set and drawn into a coverage mask of its own box, ``pad`` pixels wider on every side."""

    setting: Setting
    mask: Image.Image
    pad: int
    boxes: list[tuple[float, float, float, float]]
    lines: list[tuple[int, int, str, str]]


def _draw_role(setting: Setting, box: Box, size: tuple[int, int], script: Script) -> _Drawn:
    """Draw a setting into a mask the size of its box (``size``) with room for glyphs that overhang."""
    width, height = size
    pad = setting.size  # room for glyphs that overhang their advance
    mask = Image.new("L", (width + 2 * pad, height + 2 * pad), 0)
    draw = ImageDraw.Draw(mask)
    typeface = fonts.face(box.style, box.weight, script)
    face = font(typeface, setting.size)
    language = LANGUAGE_TAGS[script]
    boxes: list[tuple[float, float, float, float]] = []
    drawn: list[tuple[int, int, str, str]] = []
    if setting.direction == "ttb":
        # Columns read top to bottom, the first on the right, the block centred in its box.
        right = (width + setting.width) // 2 + pad
        top = (height - setting.height) // 2 + pad
        kwargs = {
            "font": face,
            "anchor": "mt",
            "direction": "ttb",
            "features": ["vert"],
            "language": language,
        }
        for n, column in enumerate(setting.lines):
            xy = (right - setting.size // 2 - n * setting.line_height, top)
            draw.text(xy, column, fill=255, **kwargs)  # type: ignore[arg-type]
            drawn.append((xy[0], xy[1], "mt", column))
            boxes.append(draw.textbbox(xy, column, **kwargs))  # type: ignore[arg-type]
    else:
        top = (height - setting.height) // 2 + pad
        rise = round(fonts.em_top(typeface) * setting.size)  # from a line's top to its baseline
        for n, line in enumerate(setting.lines):
            y = top + n * setting.line_height + rise
            guard = width // 100
            xy, anchor = ((pad + guard, y), "ls") if box.align == "left" else ((width // 2 + pad, y), "ms")
            draw.text(xy, line, fill=255, font=face, anchor=anchor, language=language)
            drawn.append((xy[0], xy[1], anchor, line))
            boxes.append(draw.textbbox(xy, line, font=face, anchor=anchor, language=language))
    return _Drawn(setting, mask, pad, boxes, drawn)


def _overhang(drawn: _Drawn, size: tuple[int, int]) -> tuple[int, int]:
    """How much narrower and lower the text must be set for its ink to stay inside its box: glyphs
    may overhang their advance and the em box (a Latin descender, a tone mark), more than the guard
    allows. (0, 0) when the ink is inside."""
    ink = drawn.mask.getbbox()
    if ink is None:
        return 0, 0
    left, top, right, bottom = (v - drawn.pad for v in ink)
    across = max(0, -left, right - size[0])
    down = max(0, -top, bottom - size[1])
    # The block is centred (or starts at a fixed guard): what spills on one side is taken off both.
    return 2 * across, 2 * down


#: How many times a role is set again, each time smaller, before text whose ink overhangs is refused.
_REFITS = 8


def render(design: Design, fmt: Format, script: Script, base_url: str) -> Rendered:
    """Draw a design in a format and script. Raises ``typeset.TypesetError`` (missing glyph, text
    that cannot fit) before anything is drawn."""
    layout = LAYOUTS[fmt.shape]
    roles: list[tuple[str, Box, _Drawn]] = []
    for role, box in layout.items():
        if role == "qr" or role not in design.roles:
            continue
        x0, y0, x1, y1 = _box_pixels(fmt, box)
        size = (x1 - x0, y1 - y0)
        typeface = fonts.face(box.style, box.weight, script)
        texts = design.body_texts() if role == "body" else [design.roles[role]]
        for number, text in enumerate(texts, 1):
            # A guard of 2% keeps ink that overhangs its advance (a negative side bearing) inside; where
            # the ink still crosses the box, the text is set again in a box smaller by what spilt.
            room = (int(size[0] * 0.98), int(size[1] * 0.98))
            try:
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
                        break
                    room = (room[0] - across, room[1] - down)
                else:
                    raise CannotFit(
                        f"{text!r}: its glyphs reach outside its {size[0]}×{size[1]} px box at every "
                        f"size tried: shorten it or leave out the characters that overhang"
                    )
                break
            except CannotFit:
                if number == len(texts):
                    raise
        roles.append((role, box, drawn))

    image = _background(fmt)
    placed: list[Placed] = []
    for role, box, drawn in roles:
        # Each role is drawn into a coverage mask of its own box only (a print canvas is 18 Mpx), then
        # laid onto the palette image as its ink's levels.
        x0, y0, _, _ = _box_pixels(fmt, box)
        origin = (x0 - drawn.pad, y0 - drawn.pad)
        _apply_ink(image, drawn.mask, box.color, origin)
        boxes = drawn.boxes
        left = min(b[0] for b in boxes) + origin[0]
        upper = min(b[1] for b in boxes) + origin[1]
        right_edge = max(b[2] for b in boxes) + origin[0]
        lower = max(b[3] for b in boxes) + origin[1]
        bbox = (math.floor(left), math.floor(upper), math.ceil(right_edge), math.ceil(lower))
        lines = tuple((x + origin[0], y + origin[1], anchor, text) for x, y, anchor, text in drawn.lines)
        placed.append(Placed(role, drawn.setting, bbox, lines))

    if fmt.qr and "qr" in layout:
        x0, y0, x1, y1 = _box_pixels(fmt, layout["qr"])
        side = min(x1 - x0, y1 - y0)
        code = _qr_image(base_url + design.qr_path, side)
        left, top = x1 - code.width, y1 - code.height
        image.paste(code, (left, top))
        placed.append(Placed("qr", None, (left, top, left + code.width, top + code.height)))
    return Rendered(image, tuple(placed))


def encode_png(image: Image.Image, fmt: Format) -> bytes:
    """PNG bytes of the palette image (red, gold and white need no more than 256 colours, and a palette
    encodes several times faster), with the format's dpi and no timestamp: identical inputs give
    identical bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(fmt.dpi, fmt.dpi), compress_level=3)
    return out.getvalue()


def encode_pdf(png: bytes, fmt: Format) -> bytes:
    """A one-page PDF of a poster's PNG, at the format's resolution (the page is the canvas, bleed
    included). The PNG's compressed pixel data goes in unchanged (PDF's FlateDecode with PNG
    predictors reads it as is), so the PDF is lossless and costs nothing to encode; it carries no
    date, so identical inputs give identical bytes."""
    width, height, palette, data = _png_parts(png)
    points = (width * 72 / fmt.dpi, height * 72 / fmt.dpi)
    content = f"q {points[0]:.2f} 0 0 {points[1]:.2f} 0 0 cm /Im0 Do Q".encode()
    image_dict = (
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /BitsPerComponent 8 "
        f"/ColorSpace [/Indexed /DeviceRGB {len(palette) // 3 - 1} <{palette.hex()}>] "
        f"/Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 8 "
        f"/Columns {width} >> /Length {len(data)} >>"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {points[0]:.2f} {points[1]:.2f}] "
         f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>").encode(),
        image_dict + b"\nstream\n" + data + b"\nendstream",
        f"<< /Length {len(content)} >>".encode() + b"\nstream\n" + content + b"\nendstream",
    ]  # fmt: skip
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _png_parts(png: bytes) -> tuple[int, int, bytes, bytes]:
    """Width, height, palette and the zlib stream of an 8-bit palette PNG."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    position, width, height, palette, data = 8, 0, 0, b"", bytearray()
    while position < len(png):
        length = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(chunk[0:4], "big"), int.from_bytes(chunk[4:8], "big")
            if chunk[8:10] != b"\x08\x03" or chunk[12] != 0:
                raise ValueError("expected an 8-bit, non-interlaced palette PNG")
        elif kind == b"PLTE":
            palette = chunk
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    return width, height, palette, bytes(data)


def thumbnail(image: Image.Image, width: int = 360) -> bytes:
    """A small JPEG of the poster for the gallery (about ``width`` pixels wide, or as tall as four
    times that for a tall banner)."""
    scale = min(width / image.width, 4 * width / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # Pick pixels down to twice the size (a palette image cannot be filtered; picking is cheap), then
    # average 2×2 blocks in RGB: a fraction of the time of filtering the whole canvas.
    doubled = image.resize((size[0] * 2, size[1] * 2), Image.Resampling.NEAREST) if scale < 0.25 else image
    small = doubled.convert("RGB").resize(size, Image.Resampling.BOX)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85, subsampling=0)
    return out.getvalue()
