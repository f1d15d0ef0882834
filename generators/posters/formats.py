"""The posters' formats and layouts, as data: each format's canvas (and, for print, its true size in
millimetres), and the boxes each shape of format gives the roles of a design (kicker, headline,
sub-line, body, QR code, and a unit's signature and note)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generators.typeset import Direction

Shape = Literal["portrait", "landscape", "square", "banner-h", "banner-v"]


@dataclass(frozen=True)
class Format:
    """A poster format. ``width`` and ``height`` are the whole canvas in pixels, bleed included;
    ``margin`` is the safe distance from the trim edge that no text crosses. A print format has its trim
    size in millimetres (``trim_mm``) and gets a vector PDF of that true size; its PNG is a proof at
    ``dpi``. ``in_set`` formats are rendered for the gallery; the others only in the studio."""

    id: str
    label: str
    width: int
    height: int
    shape: Shape
    dpi: float = 72
    bleed: int = 0
    margin: int = 64
    print: bool = False
    qr: bool = True
    trim_mm: tuple[float, float] | None = None
    in_set: bool = True

    @property
    def safe(self) -> tuple[int, int, int, int]:
        """The safe area (left, top, right, bottom) in canvas pixels."""
        inset = self.bleed + self.margin
        return inset, inset, self.width - inset, self.height - inset

    @property
    def short_side(self) -> int:
        return min(self.width, self.height) - 2 * self.bleed

    @property
    def trim(self) -> tuple[int, int, int, int]:
        """The trim box (left, top, right, bottom) in canvas pixels: the canvas less its bleed."""
        return self.bleed, self.bleed, self.width - self.bleed, self.height - self.bleed


#: Print bleed, as print shops ask for it.
BLEED_MM = 3.0


def _px(millimetres: float, dpi: float) -> int:
    return round(millimetres / 25.4 * dpi)


def print_format(
    id: str, label: str, size_mm: tuple[int, int], shape: Shape = "portrait", *,
    dpi: float = 300, margin_mm: float = 12, qr: bool = True, in_set: bool = True,
) -> Format:  # fmt: skip
    """A print format: its trim size in millimetres, 3 mm bleed, a margin, a PNG proof at ``dpi``."""
    bleed = _px(BLEED_MM, dpi)
    width, height = (_px(side, dpi) + 2 * bleed for side in size_mm)
    return Format(
        id, label, width, height, shape, dpi=dpi, bleed=bleed, margin=_px(margin_mm, dpi), print=True,
        qr=qr, trim_mm=(float(size_mm[0]), float(size_mm[1])), in_set=in_set,
    )  # fmt: skip


#: One pixel a millimetre: the PNG proof of a banner metres long.
_BANNER_DPI = 25.4

FORMATS: tuple[Format, ...] = (
    Format("kiosk-portrait", "直式資訊屏 1080×1920", 1080, 1920, "portrait", margin=72),
    Format("kiosk-landscape", "橫式資訊屏 1920×1080", 1920, 1080, "landscape", margin=72),
    Format("4k", "4K 橫式 3840×2160", 3840, 2160, "landscape", margin=144),
    Format("square", "社交媒體方圖 1080×1080", 1080, 1080, "square", margin=64),
    print_format("a4", "A4 海報 210×297 mm", (210, 297), dpi=150),
    print_format("a3", "A3 海報 297×420 mm", (297, 420), dpi=150),
    print_format("a2", "A2 海報 420×594 mm", (420, 594), dpi=150, margin_mm=18,
                 in_set=False),
    print_format("rollup", "易拉寶 0.8×2 m", (800, 2000), dpi=50, margin_mm=40,
                 in_set=False),
    print_format("banner-h", "橫幅 0.7×6 m", (6000, 700), "banner-h", dpi=_BANNER_DPI,
                 margin_mm=60, qr=False),
    print_format("banner-h-10m", "橫幅 0.9×10 m", (10000, 900), "banner-h", dpi=_BANNER_DPI,
                 margin_mm=75, qr=False, in_set=False),
    print_format("banner-v", "豎幅 0.8×3 m", (800, 3000), "banner-v", dpi=_BANNER_DPI,
                 margin_mm=70, qr=False),
)  # fmt: skip
FORMATS_BY_ID = {f.id: f for f in FORMATS}
#: The formats of the gallery's set.
SET_FORMATS = tuple(f for f in FORMATS if f.in_set)


@dataclass(frozen=True)
class Box:
    """Where a role goes, as fractions of the safe area, and how its text is set."""

    x: float
    y: float
    w: float
    h: float
    style: Literal["sans", "serif"] = "sans"
    weight: Literal["regular", "bold"] = "bold"
    min_size: float = 0.02  # of the format's short side: the smallest legible size here
    max_size: float = 1.0
    direction: Direction = "ltr"
    align: Literal["center", "left", "right"] = "center"


#: The layouts: which boxes each shape of format has. Designs fill the roles they have. Headlines are
#: bold sans, the most legible at a distance (the OCR test reads every slogan back); the kicker line
#: is bold serif, the register of official titles.
LAYOUTS: dict[Shape, dict[str, Box]] = {
    "portrait": {
        "kicker": Box(0, 0.0, 1, 0.07, style="serif", min_size=0.03),
        "headline": Box(0, 0.12, 1, 0.46, min_size=0.05),
        "sub": Box(0, 0.62, 1, 0.06, min_size=0.025),
        "body": Box(0, 0.71, 0.7, 0.29, weight="regular", min_size=0.018, max_size=0.045, align="left"),
        "qr": Box(0.74, 0.75, 0.26, 0.25),
    },
    "landscape": {
        "kicker": Box(0, 0.0, 1, 0.1, style="serif", min_size=0.04),
        "headline": Box(0, 0.15, 1, 0.45, min_size=0.06),
        "sub": Box(0, 0.64, 0.78, 0.09, min_size=0.03),
        "body": Box(0, 0.76, 0.78, 0.24, weight="regular", min_size=0.024, max_size=0.05, align="left"),
        "qr": Box(0.82, 0.64, 0.18, 0.36),
    },
    "square": {
        "kicker": Box(0, 0.0, 1, 0.09, style="serif", min_size=0.035),
        "headline": Box(0, 0.14, 1, 0.5, min_size=0.05),
        "sub": Box(0, 0.68, 0.72, 0.08, min_size=0.03),
        "body": Box(0, 0.79, 0.72, 0.21, weight="regular", min_size=0.024, max_size=0.045, align="left"),
        "qr": Box(0.76, 0.7, 0.24, 0.3),
    },
    "banner-h": {
        "headline": Box(0, 0.0, 1, 1, min_size=0.3),
    },
    "banner-v": {
        "headline": Box(0, 0.0, 1, 1, min_size=0.18, direction="ttb"),
    },
}

#: The lines a unit adds (its name, 落款, and a line of its own such as a date and a place): where each
#: shape puts them, the rest of its layout drawn into what is left (``LAYOUTS`` scaled into ``rest``).
#: A poster signs at its foot, right-aligned; a horizontal banner at its right end; a vertical banner
#: in columns at its left, after the slogan's columns (which read from the right).
_FOOTERS: dict[Shape, tuple[Box, Box, Box]] = {
    # shape: (rest, signature and note together, one of them alone)
    "portrait": (Box(0, 0, 1, 0.885), Box(0.2, 0.905, 0.8, 0.095), Box(0.2, 0.915, 0.8, 0.085)),
    "landscape": (Box(0, 0, 1, 0.86), Box(0.25, 0.875, 0.75, 0.125), Box(0.25, 0.89, 0.75, 0.11)),
    "square": (Box(0, 0, 1, 0.87), Box(0.2, 0.885, 0.8, 0.115), Box(0.2, 0.9, 0.8, 0.1)),
    "banner-h": (Box(0, 0, 0.78, 1), Box(0.8, 0.1, 0.2, 0.8), Box(0.8, 0.2, 0.2, 0.6)),
    "banner-v": (Box(0.24, 0, 0.76, 1), Box(0, 0.4, 0.22, 0.6), Box(0, 0.4, 0.12, 0.6)),
}
#: The extra lines' legible sizes, as a fraction of the short side.
_EXTRA_MIN = {"portrait": 0.018, "landscape": 0.022, "square": 0.022, "banner-h": 0.06, "banner-v": 0.05}


def layout(shape: Shape, roles: frozenset[str] | set[str]) -> dict[str, Box]:
    """The boxes of a shape for a design with these roles: ``LAYOUTS`` as it is, or, with a
    ``signature`` or ``note``, the layout drawn into the rest and the lines in the footer."""
    base = LAYOUTS[shape]
    extras = [role for role in ("signature", "note") if role in roles]
    if not extras:
        return base
    rest, both, alone = _FOOTERS[shape]
    boxes = {role: _within(rest, box) for role, box in base.items()}
    area = both if len(extras) == 2 else alone
    vertical = shape == "banner-v"
    for n, role in enumerate(extras):
        part = _part(area, n, len(extras), vertical)
        boxes[role] = Box(
            part.x, part.y, part.w, part.h, weight="bold" if role == "signature" else "regular",
            min_size=_EXTRA_MIN[shape], max_size=0.05 if shape in LAYOUTS_WITH_QR else 0.3,
            direction="ttb" if vertical else "ltr", align="center" if shape.startswith("banner") else "right",
        )  # fmt: skip
    return boxes


LAYOUTS_WITH_QR = frozenset({"portrait", "landscape", "square"})


def _within(outer: Box, box: Box) -> Box:
    """A box of the whole safe area moved into ``outer`` (both as fractions of the safe area)."""
    return Box(
        outer.x + box.x * outer.w, outer.y + box.y * outer.h, box.w * outer.w, box.h * outer.h,
        box.style, box.weight, box.min_size, box.max_size, box.direction, box.align,
    )  # fmt: skip


def _part(area: Box, n: int, parts: int, vertical: bool) -> Box:
    """The ``n``-th of ``parts`` equal slices of an area: rows from the top, or, for columns read from
    the right, slices from the right."""
    if vertical:
        w = area.w / parts
        return Box(area.x + area.w - (n + 1) * w, area.y, w, area.h)
    h = area.h / parts
    return Box(area.x, area.y + n * h, area.w, h)


def box_pixels(fmt: Format, box: Box) -> tuple[int, int, int, int]:
    """A box's place on a format's canvas (left, top, right, bottom) in pixels."""
    left, top, right, bottom = fmt.safe
    w, h = right - left, bottom - top
    x0, y0 = left + round(box.x * w), top + round(box.y * h)
    return x0, y0, x0 + round(box.w * w), y0 + round(box.h * h)
