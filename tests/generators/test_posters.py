"""The poster engine: every text inside the safe area, vertical columns right to left, TC and SC glyph
shapes, refusals, identical bytes, print proofs at their true size with bleed, golden images."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, ImageChops, ImageStat

from generators import posters
from generators.model import Campaign
from generators.posters import FORMATS, FORMATS_BY_ID, Design, render
from generators.posters.encode import encode_png
from generators.posters.engine import render_pdf
from generators.typeset import CannotFit, MissingGlyph
from tests.conftest import TESTS

BASE = "https://quality-month.example/"
GOLDEN = TESTS / "golden"
GOLDEN_CASES = [("theme", "kiosk-portrait", "hant"), ("slogan-07", "banner-v", "hans"),
                ("today-2022-09-21", "kiosk-landscape", "hant")]  # fmt: skip


def designs(campaign: Campaign) -> dict[str, Design]:
    return {d.id: d for d in posters.designs(campaign)}


def test_the_designs(tiny_campaign: Campaign) -> None:
    found = designs(tiny_campaign)
    assert "theme" in found and "slogan-01" in found and "slogan-02" in found and "slogan-03" not in found
    assert sum(1 for d in found if d.startswith("today-")) == 30
    assert {d for d in found if d.startswith("activity-")} == {
        f"activity-{a.id}" for a in tiny_campaign.activities if a.span.own
    }
    assert found["slogan-02"].headline == "質量發展 利民惠民"


def test_the_designs_write_full_width_punctuation(real: Campaign) -> None:
    """The words the posters add (labels, the organizers in brackets) follow Chinese typesetting."""
    found = designs(real)
    assert found["theme"].roles["body"].startswith("主辦：市場監管總局、")
    assert found["theme"].roles["sub"] == "2022年9月"
    assert found["slogan-07"].roles["sub"] == "主題：推動質量變革創新 促進質量強國建設"
    conference = real.activity("casc-921-quality-day-video-conference")
    runs = "、".join(real.organizers[o].short for o in conference.organizers)
    assert found["today-2022-09-21"].items[0] == f"{conference.title}（{runs}）"
    assert found["activity-launch-ceremony"].roles["body"] == "主辦：市場監管總局、國務院國資委"
    texts = [text for d in found.values() for text in [*d.roles.values(), *d.items]]
    assert not [text for text in texts if ":" in text or "(" in text or ")" in text]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_every_text_lies_inside_the_safe_area(real: Campaign, fmt: posters.Format) -> None:
    found = designs(real)
    left, top, right, bottom = fmt.safe
    for design_id in ("theme", "slogan-01", "slogan-07", "today-2022-09-01", "activity-launch-ceremony"):
        rendered = render(found[design_id], fmt, "hant", BASE)
        assert rendered.image.size == (fmt.width, fmt.height)
        assert rendered.placed, design_id
        for placed in rendered.placed:
            x0, y0, x1, y1 = placed.bbox
            assert left <= x0 and top <= y0 and x1 <= right and y1 <= bottom, (
                design_id,
                placed.role,
                placed.bbox,
            )
        boxes = [p.bbox for p in rendered.placed]
        for n, a in enumerate(boxes):
            for b in boxes[n + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (design_id, a, b)


def test_vertical_banner_columns_read_right_to_left(real: Campaign) -> None:
    fmt = FORMATS_BY_ID["banner-v"]
    rendered = render(designs(real)["slogan-07"], fmt, "hant", BASE)
    (headline,) = [p for p in rendered.placed if p.role == "headline"]
    assert headline.setting is not None and headline.setting.lines == (
        "提升產品、工程和服務質量",
        "推動經濟高質量發展",
    )
    # The first phrase (12 characters) is the right column and reaches lower than the second (9).
    x0, y0, x1, y1 = headline.bbox
    middle = (x0 + x1) // 2
    gold = rendered.image.convert("RGB").point(lambda v: 255 if v > 180 else 0).getchannel("G")
    right_bottom = gold.crop((middle, y0, x1, y1)).getbbox()
    left_bottom = gold.crop((x0, y0, middle, y1)).getbbox()
    assert right_bottom is not None and left_bottom is not None
    assert right_bottom[3] > left_bottom[3] + headline.setting.size * 2


def test_traditional_and_simplified_glyph_shapes() -> None:
    fmt = FORMATS_BY_ID["square"]

    def draw(text: str, script: str) -> Image.Image:
        design = Design("probe", {"headline": text})
        return render(design, fmt, script, BASE).image.convert("RGB")  # type: ignore[arg-type]

    # 新 and 入 are the same code points in both scripts, drawn with other shapes by the TC and SC faces.
    assert ImageChops.difference(draw("新入", "hant"), draw("新入", "hans")).getbbox() is not None
    assert ImageChops.difference(draw("質量", "hant"), draw("質量", "hant")).getbbox() is None


def test_missing_glyph_and_overlong_text_are_refused() -> None:
    fmt = FORMATS_BY_ID["kiosk-portrait"]
    with pytest.raises(MissingGlyph, match="😀"):
        render(Design("x", {"headline": "質量😀"}), fmt, "hant", BASE)
    with pytest.raises(CannotFit):
        render(Design("x", {"headline": "質量月" * 200}), fmt, "hant", BASE)


def test_identical_inputs_give_identical_bytes(tiny_campaign: Campaign) -> None:
    fmt = FORMATS_BY_ID["a4"]
    design = designs(tiny_campaign)["slogan-02"]
    first = encode_png(render(design, fmt, "hans", BASE).image, fmt)
    second = encode_png(render(design, fmt, "hans", BASE).image, fmt)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    pdf = render_pdf(design, fmt, "hans", BASE)
    assert pdf == render_pdf(design, fmt, "hans", BASE)
    assert b"tIME" not in first and b"CreationDate" not in pdf and b"ModDate" not in pdf


@pytest.mark.parametrize("format_id", ["a4", "a3", "a2", "rollup", "banner-h", "banner-h-10m", "banner-v"])
def test_print_proofs_are_the_trim_size_with_3_mm_bleed(tiny_campaign: Campaign, format_id: str) -> None:
    """A print format's PNG proof is its trim size at its dpi, with 3 mm of bleed on every side."""
    fmt = FORMATS_BY_ID[format_id]
    png = encode_png(render(designs(tiny_campaign)["slogan-01"], fmt, "hant", BASE).image, fmt)
    image = Image.open(io.BytesIO(png))
    # PNG keeps whole pixels a metre: 150 dpi is 5,905.5 a metre, read back as 150.012.
    assert image.info["dpi"] == pytest.approx((fmt.dpi, fmt.dpi), abs=0.02)
    trim_mm = {"a4": (210, 297), "a3": (297, 420), "a2": (420, 594), "rollup": (800, 2000),
               "banner-h": (6000, 700), "banner-h-10m": (10000, 900), "banner-v": (800, 3000)}[format_id]  # fmt: skip
    assert fmt.trim_mm == trim_mm
    assert image.size == (
        round(trim_mm[0] / 25.4 * fmt.dpi) + 2 * fmt.bleed,
        round(trim_mm[1] / 25.4 * fmt.dpi) + 2 * fmt.bleed,
    )
    assert fmt.bleed == round(3 / 25.4 * fmt.dpi)


@pytest.mark.parametrize(("design_id", "format_id", "script"), GOLDEN_CASES)
def test_golden_images(
    real: Campaign, request: pytest.FixtureRequest, design_id: str, format_id: str, script: str
) -> None:
    """Compared with a tolerance: a FreeType or Pillow upgrade may move anti-aliasing a little, not text.
    Regenerate with: pytest --regenerate-golden."""
    fmt = FORMATS_BY_ID[format_id]
    image = render(designs(real)[design_id], fmt, script, BASE).image  # type: ignore[arg-type]
    path = GOLDEN / f"{design_id}.{format_id}.{script}.png"
    if request.config.getoption("--regenerate-golden"):
        image.save(path)
        pytest.fail(f"regenerated {path.name}: review it and commit it", pytrace=False)
    expected = Image.open(path).convert("RGB")
    actual = image.convert("RGB")
    assert actual.size == expected.size
    difference = ImageChops.difference(actual, expected).convert("L")
    assert ImageStat.Stat(difference).mean[0] < 1.0
    changed = difference.point(lambda v: 255 if v > 64 else 0).histogram()[255]
    assert changed < 0.002 * actual.width * actual.height
