"""A poster's PNG and the gallery's thumbnail (the print PDF is :mod:`generators.posters.vector`'s).
Identical inputs give identical bytes (no timestamp anywhere)."""

from __future__ import annotations

import io

from PIL import Image

from generators.posters.formats import Format


def encode_png(image: Image.Image, fmt: Format) -> bytes:
    """PNG bytes of the palette image (red, gold and white need no more than 256 colours, and a palette
    encodes several times faster), with the format's dpi and no timestamp: identical inputs give
    identical bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(fmt.dpi, fmt.dpi), compress_level=3)
    return out.getvalue()


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
