"""Posters and banners: formats and layouts described as data, one rendering engine.

A poster is a design (``theme``, ``slogan-01`` … ``slogan-15``, ``today-2022-09-21``, ``activity-<id>``)
in a format (kiosk screens, 4K, A4/A3 print with bleed, banners, square) and a script.

- :mod:`.formats`: the palette, the formats and the layouts' boxes;
- :mod:`.design`: the ``Design`` and the campaign's designs;
- :mod:`.styles`: the looks (palettes and drawn ornaments), checked for contrast;
- :mod:`.layout`: a design's lines, places and ornaments in a format, worked out once;
- :mod:`.engine`: ``render`` and ``render_pdf``, a layout drawn by :mod:`.raster` (the PNG, Pillow)
  and :mod:`.vector` (the print PDF, pikepdf, in fonts cut by :mod:`.cidfont`);
- :mod:`.encode`: the PNG and the gallery's thumbnail;
- :mod:`.manifest`: the set's ``manifest.json``, one typed ``Entry`` per poster;
- :mod:`.batch`: the whole set, rendered on all cores and never twice.
"""

from generators.posters.design import Design, designs
from generators.posters.engine import Rendered, render
from generators.posters.formats import FORMATS, FORMATS_BY_ID, LAYOUTS, SET_FORMATS, Format
from generators.posters.styles import DEFAULT_STYLE, STYLES, STYLES_BY_ID, Style

__all__ = [
    "DEFAULT_STYLE", "FORMATS", "FORMATS_BY_ID", "LAYOUTS", "SET_FORMATS", "STYLES", "STYLES_BY_ID",
    "Design", "Format", "Rendered", "Style", "designs", "render",
]  # fmt: skip
