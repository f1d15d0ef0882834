"""The posters' formats and layouts, as data: the palette, each format's canvas, and the boxes each shape
of format gives the roles of a design (kicker, headline, sub-line, body, QR code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from generators.typeset import Direction

RED = (200, 22, 29)
GOLD = (255, 209, 64)
WHITE = (255, 255, 255)

Shape = Literal["portrait", "landscape", "square", "banner-h", "banner-v"]

#: Anti-aliasing levels between the background and each ink: 64 are more than the eye separates.
LEVELS = 64
_INKS = (GOLD, WHITE)
#: The palette indices of the QR code's two colours.
QR_BLACK, QR_WHITE = 2 * LEVELS, 2 * LEVELS + 1


def _palette() -> list[int]:
    """Index 0 is the red background; each ink has ``LEVELS`` entries from red to the ink; then the QR
    code's black and white. Posters are drawn straight into this palette: no quantising afterwards."""
    entries: list[tuple[int, int, int]] = []
    for ink in _INKS:
        for level in range(LEVELS):
            t = level / (LEVELS - 1)
            r, g, b = (round(c + (i - c) * t) for c, i in zip(RED, ink, strict=True))
            entries.append((r, g, b))
    entries += [(0, 0, 0), (255, 255, 255)]
    entries += [RED] * (256 - len(entries))
    return [channel for entry in entries for channel in entry]


PALETTE = _palette()


def ink(color: tuple[int, int, int]) -> int:
    """The palette's first index of an ink (index + level runs from red to the ink)."""
    return _INKS.index(color) * LEVELS


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
    _print("a4", "A4 印刷（300 dpi，出血 3 mm）", 210, 297),
    _print("a3", "A3 印刷（300 dpi，出血 3 mm）", 297, 420),
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


def box_pixels(fmt: Format, box: Box) -> tuple[int, int, int, int]:
    """A box's place on a format's canvas (left, top, right, bottom) in pixels."""
    left, top, right, bottom = fmt.safe
    w, h = right - left, bottom - top
    x0, y0 = left + round(box.x * w), top + round(box.y * h)
    return x0, y0, x0 + round(box.w * w), y0 + round(box.h * h)
