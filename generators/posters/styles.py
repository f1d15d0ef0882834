"""The posters' looks, as data: each style is a ground, an ink for every text role and ornaments that
code draws (frames, rules, a lattice), never an image. Every ink is checked against the ground and
against any pattern under it for WCAG contrast (``tests/generators/test_styles.py``).

- ``red-gold`` (紅金): the campaign's register, red ground, gold headline, white text, a gold frame;
- ``official`` (公文): a formal government look, a pale paper ground, red headline, dark-blue titles, a red
  double rule at the head and foot, as on a red-headed document;
- ``blue`` (深藍): deep blue with a faint diamond lattice, white headline, pale gold titles, a gold
  double frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RGB = tuple[int, int, int]

#: The text roles a style inks.
ROLES = ("kicker", "headline", "sub", "body", "signature", "note")
#: WCAG 2 contrast each role needs: a headline is always large text (at least 5 % of the short side,
#: bold), for which AA asks 3:1; every other role is held to the 4.5:1 of body text.
NEEDED_CONTRAST = {"headline": 3.0}
BODY_CONTRAST = 4.5


@dataclass(frozen=True)
class Ornament:
    """A drawn ornament, in units of the format's margin (so it scales with the format and stays in
    the margin, clear of the text): ``frame`` (a rectangle ``inset`` from the trim edge), ``rule`` (a
    band across the head and the foot, ``inset`` from the trim edge), ``lattice`` (diagonal lines
    ``spacing`` short-side fractions apart over the whole ground)."""

    kind: Literal["frame", "rule", "lattice"]
    color: RGB
    inset: float = 0.0
    width: float = 0.02  # of the margin, for frames and rules; of the short side, for a lattice
    spacing: float = 0.0


@dataclass(frozen=True)
class Style:
    id: str
    name: str
    ground: RGB
    inks: dict[str, RGB] = field(hash=False)
    ornaments: tuple[Ornament, ...] = ()

    def ink(self, role: str) -> RGB:
        return self.inks.get(role, self.inks["body"])

    @property
    def ink_colors(self) -> tuple[RGB, ...]:
        """The distinct inks, in the order of ``ROLES`` (a palette image gives each its levels)."""
        found: list[RGB] = []
        for role in ROLES:
            if self.ink(role) not in found:
                found.append(self.ink(role))
        return tuple(found)

    @property
    def pattern_colors(self) -> tuple[RGB, ...]:
        """The colours text may be drawn over besides the ground (a lattice's lines)."""
        return tuple(o.color for o in self.ornaments if o.kind == "lattice")


RED = (200, 22, 29)
GOLD = (255, 209, 64)
WHITE = (255, 255, 255)

STYLES: tuple[Style, ...] = (
    Style(
        "red-gold", "紅金（慶典）", RED,
        {"headline": GOLD, "kicker": WHITE, "sub": WHITE, "body": WHITE, "signature": WHITE, "note": WHITE},
        (Ornament("frame", GOLD, inset=1 / 3, width=0.0),),
    ),
    Style(
        "official", "公文（白底紅字）", (251, 248, 242),
        {"headline": (178, 18, 28), "kicker": (20, 45, 110), "sub": (20, 45, 110), "body": (45, 45, 50),
         "signature": (20, 45, 110), "note": (45, 45, 50)},
        (Ornament("rule", (178, 18, 28), inset=0.30, width=0.10),
         Ornament("rule", (178, 18, 28), inset=0.48, width=0.03)),
    ),
    Style(
        "blue", "深藍（紋樣）", (12, 38, 86),
        {"headline": WHITE, "kicker": (242, 204, 110), "sub": (226, 233, 246), "body": (226, 233, 246),
         "signature": (242, 204, 110), "note": (226, 233, 246)},
        (Ornament("lattice", (22, 52, 108), width=0.0015, spacing=0.06),
         Ornament("frame", (242, 204, 110), inset=0.28, width=0.05),
         Ornament("frame", (242, 204, 110), inset=0.42, width=0.02)),
    ),
)  # fmt: skip
STYLES_BY_ID = {s.id: s for s in STYLES}
DEFAULT_STYLE = STYLES[0]


def luminance(color: RGB) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2's contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problems(style: Style) -> list[str]:
    """Every text role whose ink falls short of its contrast against the ground or a pattern, in words."""
    problems = []
    for role in ROLES:
        needed = NEEDED_CONTRAST.get(role, BODY_CONTRAST)
        for under in (style.ground, *style.pattern_colors):
            ratio = contrast(style.ink(role), under)
            if ratio < needed:
                problems.append(
                    f"{style.id}: {role} {style.ink(role)} on {under} is {ratio:.2f}:1, below {needed}:1"
                )
    return problems
