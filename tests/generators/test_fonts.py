"""The fonts in assets/fonts: named as the OFL asks, small, covering the data and a common set."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from generators import fonts
from generators.model import Campaign
from tests.generators.test_script import all_text


def test_every_face_is_there_and_small() -> None:
    assert len(fonts.FACES) == 6
    for face in fonts.FACES:
        assert face.path.is_file(), face.filename
        assert face.path.stat().st_size <= 6 * 2**20, face.filename
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
