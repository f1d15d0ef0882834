"""The fonts in assets/fonts: named as the OFL asks, small, covering the data and a common set."""

from __future__ import annotations

import unicodedata

import pytest
from fontTools.ttLib import TTFont

from generators import fonts
from generators.model import Campaign
from generators.script import to_hans
from tests.generators.test_script import all_text

#: The most a font file may weigh: 6 MiB.
MAX_FONT_BYTES = 6 * 2**20


def _decoded(codec: str, first: int, last: int) -> str:
    """What ``codec`` decodes from the two-byte codes ``first`` to ``last``, worked out apart from the
    code under test."""
    chars = []
    for lead in range(first >> 8, (last >> 8) + 1):
        for trail in range(0x40, 0xFF):
            if first <= (lead << 8 | trail) <= last:
                try:
                    chars.append(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    continue
    return "".join(chars)


GB2312_LEVEL_1 = _decoded("gb2312", 0xB0A1, 0xD7FE)  # rows 16-55
GB2312_LEVEL_2 = _decoded("gb2312", 0xD8A1, 0xF7FE)  # rows 56-87
BIG5_LEVEL_1 = _decoded("big5", 0xA440, 0xC67E)
BIG5_LEVEL_2 = _decoded("big5", 0xC940, 0xF9D5)
BIG5 = BIG5_LEVEL_1 + BIG5_LEVEL_2
#: The t2s forms of Big5 that a face can carry: a few hundred lie outside the BMP, most undrawn by Noto.
BIG5_SIMPLIFIED = "".join(sorted({c for c in to_hans(BIG5) if c <= "\uffff"}))
#: Every set each face must draw, SC and TC faces alike.
REQUIRED = {
    "GB2312 level 1": GB2312_LEVEL_1,
    "GB2312 level 2": GB2312_LEVEL_2,
    "Big5 level 1": BIG5_LEVEL_1,
    "Big5 level 2": BIG5_LEVEL_2,
    "t2s of Big5": BIG5_SIMPLIFIED,
}
FACE_IDS = [f.filename for f in fonts.FACES]


def test_the_required_sets_are_the_standards() -> None:
    standards = (GB2312_LEVEL_1, GB2312_LEVEL_2, BIG5_LEVEL_1, BIG5_LEVEL_2)
    assert [len(set(chars)) for chars in standards] == [3755, 3008, 5401, 7652]
    assert len(set(GB2312_LEVEL_1 + GB2312_LEVEL_2)) == 6763 and len(set(BIG5)) == 13053
    for chars in standards:
        assert all(unicodedata.name(c).startswith("CJK ") for c in chars)
    assert all(c in GB2312_LEVEL_2 and c in BIG5_LEVEL_2 for c in "邳郯儋")
    assert len(BIG5_SIMPLIFIED) > 12000


def test_the_common_set_holds_gb2312_big5_and_their_simplified_forms() -> None:
    common = set(fonts.common_characters())
    for name, chars in REQUIRED.items():
        assert set(chars) <= common, (name, "".join(sorted(set(chars) - common))[:40])


@pytest.mark.parametrize("face", fonts.FACES, ids=FACE_IDS)
def test_every_face_draws_gb2312_big5_and_their_simplified_forms(face: fonts.Face) -> None:
    for name, chars in REQUIRED.items():
        assert fonts.missing_characters(chars, [face]) == "", name


@pytest.mark.parametrize("face", fonts.FACES, ids=FACE_IDS)
def test_every_face_draws_rare_place_names(face: fonts.Face) -> None:
    # 邳州, 郯城 and 儋州: GB2312 level 2 and Big5 level 2 names that the level 1 sets left out.
    from PIL import Image, ImageDraw, ImageFont

    assert fonts.missing_characters("邳郯儋", [face]) == ""
    font = ImageFont.truetype(str(face.path), 100)
    drawn = []
    for char in "邳郯儋":
        image = Image.new("L", (120, 120), 0)
        ImageDraw.Draw(image).text((60, 60), char, font=font, fill=255, anchor="mm")
        assert image.getbbox() is not None, char
        drawn.append(image.tobytes())
    assert len(set(drawn)) == 3


def test_every_face_is_there_and_small() -> None:
    assert len(fonts.FACES) == 6
    for face in fonts.FACES:
        assert face.path.is_file(), face.filename
        size = face.path.stat().st_size
        assert size <= MAX_FONT_BYTES, f"{face.filename}: {size:,} bytes"
    assert (fonts.FONT_DIR / "LICENSE").is_file()
    assert "SIL OPEN FONT LICENSE" in (fonts.FONT_DIR / "LICENSE").read_text(encoding="utf-8")


def test_faces_are_renamed_and_keep_the_licence() -> None:
    for face in fonts.FACES:
        with TTFont(face.path) as font:
            names = {r.nameID: r.toUnicode() for r in font["name"].names if r.platformID == 3}
            assert names[1].startswith(fonts.FAMILY)
            for name_id in (1, 3, 4, 6, 16):
                value = names.get(name_id, "")
                assert "Noto" not in value and "Source" not in value, (face.filename, name_id, value)
            assert "Open Font License" in names[13]
            assert "Adobe" in names[0]
            assert font["CFF "].cff.fontNames == [names[6]]
            features = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
            assert {"vert", "locl"} <= features


def test_faces_cover_the_data_in_their_script(real: Campaign) -> None:
    text = all_text(real)
    for script, faces in (("hant", fonts.FACES[:3]), ("hans", fonts.FACES[3:])):
        assert {f.script for f in faces} == {script}
        shown = text if script == "hant" else fonts.to_hans(text)
        assert fonts.missing_characters(shown, faces) == ""


def test_faces_cover_the_common_set() -> None:
    common = fonts.common_characters()
    assert len(common) > 16000
    assert fonts.missing_characters(common, fonts.FACES) == ""


def test_missing_characters_lists_each_once_in_order() -> None:
    faces = [fonts.face("sans", "bold", "hant")]
    # 乥 (U+4E65) is in neither GB2312 nor Big5.
    assert fonts.missing_characters("質量 😀乥😀\n", faces) == "😀乥"


def test_traditional_and_simplified_faces_draw_differently() -> None:
    # Many of the campaign's characters (創, 新, 進, 深, 入, 施 and the 、 mark among those of the theme and
    # the first slogan) have other glyph shapes in the TC faces than in the SC ones.
    from PIL import Image, ImageDraw, ImageFont

    def draw(face: fonts.Face, char: str) -> bytes:
        image = Image.new("L", (120, 120), 0)
        font = ImageFont.truetype(str(face.path), 100)
        ImageDraw.Draw(image).text((60, 60), char, font=font, fill=255, anchor="mm")
        return image.tobytes()

    tc, sc = fonts.face("sans", "bold", "hant"), fonts.face("sans", "bold", "hans")
    for char in "新入、":
        assert draw(tc, char) != draw(sc, char), char
    assert draw(tc, "質") == draw(sc, "質")
