"""Typesetting: phrase breaks first, words never split, clreq's line rules, the fitting search, refusals."""

from __future__ import annotations

import functools

import pytest
import rjieba

from generators import fonts
from generators.model import Campaign
from generators.script import to_hans
from generators.typeset import NO_LINE_END, NO_LINE_START, CannotFit, MissingGlyph, _measure, fit

SANS = fonts.face("sans", "bold", "hant")


def test_slogan_breaks_at_its_phrase_space_first() -> None:
    setting = fit(
        "推動質量變革創新 促進質量強國建設", SANS, (1800, 800), min_size=40, max_size=400, script="hant"
    )
    assert setting.lines == ("推動質量變革創新", "促進質量強國建設")


def test_one_line_when_the_box_is_wide() -> None:
    setting = fit(
        "推動質量變革創新 促進質量強國建設", SANS, (5880, 480), min_size=100, max_size=460, script="hant"
    )
    assert setting.lines == ("推動質量變革創新\u3000促進質量強國建設",)


@pytest.mark.parametrize("width", [260, 420, 600])
def test_breaks_fall_between_words_and_obey_clreq(real: Campaign, width: int) -> None:
    texts = [s.text for s in real.slogans] + [a.title for a in real.activities[:40]]
    checked = 0
    for text in texts:
        try:
            setting = fit(text, SANS, (width, 4000), min_size=24, max_size=120, script="hant")
        except CannotFit:
            continue
        checked += 1
        words = [w for phrase in text.split() for w in rjieba.cut(to_hans(phrase))]
        boundaries = {0}
        position = 0
        for word in words:
            position += len(word)
            boundaries.add(position)
        flat = text.replace(" ", "")
        position = 0
        for line in setting.lines:
            piece = line.replace("\u3000", "")
            assert flat[position : position + len(piece)] == piece
            assert position in boundaries, (text, setting.lines)
            position += len(piece)
            assert piece[0] not in NO_LINE_START, (text, setting.lines)
            assert piece[-1] not in NO_LINE_END, (text, setting.lines)
    # Not vacuous: in these widths (four to twenty characters a line) every text can be set.
    assert checked == len(texts)


def test_the_size_is_the_largest_that_fits() -> None:
    box = (900, 700)
    setting = fit(
        "讓質量強國深入人心 讓質量提升扎實推進", SANS, box, min_size=20, max_size=400, script="hant"
    )
    assert setting.width <= box[0] and setting.height <= box[1]
    measure = functools.partial(_measure, SANS, setting.size + 8, direction="ltr", script="hant")
    bigger = (setting.size + 8) * 1.3 * (len(setting.lines) - 1) + setting.size + 8
    assert max(measure(line) for line in setting.lines) > box[0] or bigger > box[1]


def test_vertical_text_is_set_in_columns() -> None:
    setting = fit(
        "深入實施質量提升行動 大力推進質量強國建設", SANS, (640, 4640), min_size=200, max_size=600, script="hant",
        direction="ttb",
    )  # fmt: skip
    assert setting.direction == "ttb"
    assert setting.lines == ("深入實施質量提升行動", "大力推進質量強國建設")
    assert setting.height <= 4640 and setting.width <= 640


def test_missing_glyph_is_refused_with_the_characters() -> None:
    with pytest.raises(MissingGlyph) as caught:
        fit("質量😀月乥", SANS, (900, 900), min_size=20, max_size=200, script="hant")
    assert caught.value.missing == "😀乥"
    assert "😀 乥" in str(caught.value)


def test_text_too_long_is_refused_with_the_reason() -> None:
    with pytest.raises(CannotFit, match="does not fit 300×100 px even at 40 px"):
        fit("質量" * 40, SANS, (300, 100), min_size=40, max_size=200, script="hant")


def test_phrases_stay_whole_against_a_larger_setting_across_them() -> None:
    """In a box of two-to-one, words flowing across the phrase space could set the slogan a quarter
    larger in three lines (讓質量強國｜深入人心讓質量｜提升扎實推進); the phrases are kept whole instead."""
    text = "讓質量強國深入人心 讓質量提升扎實推進"
    for box in [(900, 450), (1200, 600), (1800, 900)]:
        setting = fit(text, SANS, box, min_size=20, max_size=600, script="hant")
        across = fit(text.replace(" ", ""), SANS, box, min_size=20, max_size=600, script="hant")
        assert setting.lines == ("讓質量強國深入人心", "讓質量提升扎實推進"), box
        assert across.size > setting.size and len(across.lines) == 3, box
