"""Legibility: every slogan poster reads back by OCR (tesseract with Debian's Chinese data), on screen
and print formats, in both scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from generators.model import Campaign
from generators.posters import FORMATS_BY_ID, Rendered, designs, render
from generators.script import in_script

LANGUAGES = {"hant": "chi_tra", "hans": "chi_sim"}
#: Marks OCR may see in the wide gap between a slogan's phrases; no slogan contains them.
GAP_NOISE = str.maketrans("", "", " \n\u3000”“\"'「」")


def read_headline(rendered: Rendered, language: str, folder: Path) -> str:
    """OCR of the headline as a reader sees it: its box, scaled so characters are about 48 px tall, the
    gold ink dark on white."""
    (headline,) = [p for p in rendered.placed if p.role == "headline"]
    assert headline.setting is not None
    image = rendered.image.convert("RGB").crop(headline.bbox)
    scale = 48 / headline.setting.size
    image = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
    )
    ink = ImageOps.expand(image.getchannel("G").point(lambda v: 0 if v > 110 else 255), border=48, fill=255)
    path = folder / f"{id(rendered)}.png"
    ink.save(path)
    result = subprocess.run(
        ["tesseract", str(path), "-", "-l", language, "--psm", "6"],
        capture_output=True, text=True, check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    return result.stdout.translate(GAP_NOISE)


@pytest.mark.parametrize("format_id", ["kiosk-landscape", "kiosk-portrait", "a4"])
def test_every_slogan_reads_back(real: Campaign, format_id: str) -> None:
    assert shutil.which("tesseract"), (
        "tesseract is needed (apt-get install tesseract-ocr-chi-tra tesseract-ocr-chi-sim)"
    )
    fmt = FORMATS_BY_ID[format_id]
    slogans = [d for d in designs(real) if d.id.startswith("slogan-")]
    assert len(slogans) == 15
    cases = [(d, script) for d in slogans for script in ("hant", "hans")]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(2) as pool:
        rendered = [render(d, fmt, script, "https://qm.example/") for d, script in cases]  # type: ignore[arg-type]
        read = list(pool.map(lambda r, c: read_headline(r, LANGUAGES[c[1]], Path(folder)), rendered, cases))
    wrong = [
        (d.id, script, got)
        for (d, script), got in zip(cases, read, strict=True)
        if got != in_script(d.headline, script).translate(GAP_NOISE)  # type: ignore[arg-type]
    ]
    assert wrong == []
