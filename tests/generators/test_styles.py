"""The styles: WCAG contrast of every ink against its ground and any pattern under it, the contrast
formula itself on known pairs, and each style's palette within the PNG's 256 colours."""

from __future__ import annotations

import dataclasses

import pytest

from generators.posters import STYLES, Style
from generators.posters.raster import LEVELS, palette
from generators.posters.styles import ROLES, contrast, contrast_problems

BLACK, WHITE = (0, 0, 0), (255, 255, 255)
#: WCAG 2 AA: large text (every headline is) 3:1, every other role 4.5:1.
NEEDED = {role: 3.0 if role == "headline" else 4.5 for role in ROLES}


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_every_ink_has_enough_contrast(style: Style) -> None:
    assert contrast_problems(style) == []
    # And worked out here too, so that a contrast_problems that looked at less would not pass it.
    for role in ROLES:
        for under in (style.ground, *style.pattern_colors):
            assert contrast(style.ink(role), under) >= NEEDED[role], (style.id, role, under)


def test_contrast_problems_are_found() -> None:
    """A style's ink too close to its ground, or to a lattice under it, is named."""
    (blue,) = [s for s in STYLES if s.id == "blue"]
    # Grey 150 on white is 2.96:1, enough for no role; #777777 is 4.48:1, just short of body text's 4.5:1.
    faint = dataclasses.replace(
        blue,
        ground=WHITE,
        inks={**blue.inks, "headline": (150, 150, 150), "note": (119, 119, 119)},
        ornaments=(),
    )
    problems = contrast_problems(faint)
    assert any(p.startswith("blue: headline (150, 150, 150) on (255, 255, 255) is 2.96:1") for p in problems)
    assert [p for p in problems if " note " in p] == [
        "blue: note (119, 119, 119) on (255, 255, 255) is 4.48:1, below 4.5:1"
    ]
    # The lattice is checked as well as the ground: white text over a white lattice fails.
    lattice = dataclasses.replace(blue.ornaments[0], color=WHITE)
    crossed = dataclasses.replace(blue, ornaments=(lattice, *blue.ornaments[1:]))
    assert "blue: headline (255, 255, 255) on (255, 255, 255) is 1.00:1, below 3.0:1" in contrast_problems(
        crossed
    )


def test_contrast_of_known_pairs() -> None:
    assert contrast(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, BLACK) == pytest.approx(21.0)
    for color in (BLACK, WHITE, (200, 22, 29), (12, 38, 86)):
        assert contrast(color, color) == pytest.approx(1.0)
    # WCAG's own examples: #767676 is the lightest grey with 4.5:1 on white, #777777 just misses it.
    assert contrast((0x76, 0x76, 0x76), WHITE) == pytest.approx(4.54, abs=0.005)
    assert contrast((0x77, 0x77, 0x77), WHITE) == pytest.approx(4.48, abs=0.005)
    # Pure red on white, 4.0:1 (a WebAIM reference value).
    assert contrast((255, 0, 0), WHITE) == pytest.approx(4.0, abs=0.005)


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.id)
def test_every_palette_fits_256_colours(style: Style) -> None:
    channels, solid = palette(style)
    assert len(channels) == 3 * 256
    entries = [tuple(channels[n : n + 3]) for n in range(0, len(channels), 3)]
    assert solid[style.ground] == 0 and entries[0] == style.ground
    for color in (*style.ink_colors, BLACK, WHITE, *(o.color for o in style.ornaments)):
        assert entries[solid[color]] == color, (style.id, color)
    # Each ink has its levels from the ground to the ink, the last one the ink itself.
    for n, ink in enumerate(style.ink_colors):
        assert entries[1 + n * LEVELS] == style.ground and entries[(n + 1) * LEVELS] == ink


def test_a_palette_beyond_256_colours_is_refused() -> None:
    """Four inks take 1 + 4 × 64 entries, and the QR code's black one more: the palette refuses rather
    than draw wrong colours."""
    (red_gold,) = [s for s in STYLES if s.id == "red-gold"]
    inks = {"headline": (255, 209, 64), "kicker": WHITE, "sub": (250, 250, 200), "body": (255, 230, 230)}
    crowded = dataclasses.replace(red_gold, id="crowded", inks=inks)
    assert len(crowded.ink_colors) == 4
    with pytest.raises(AssertionError, match="needs 258 colours"):
        palette(crowded)
