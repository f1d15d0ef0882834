"""Simplified script is derived with OpenCC t2s; the campaign's theme and slogans come out as published."""

from __future__ import annotations

import pytest

from generators import script
from generators.model import Campaign
from generators.script import CORRECTIONS, in_script, to_hans

# The theme and slogans as the Simplified original of the notice prints them.
PUBLISHED_HANS = [
    "推动质量变革创新 促进质量强国建设",
    "深入实施质量提升行动 大力推进质量强国建设",
    "服务新发展格局 助推高质量发展",
    "培育经济发展新优势 促进质量强国建设",
    "坚持质量第一 建设质量强国",
    "让质量强国深入人心 让质量提升扎实推进",
    "走质量效益型发展道路 打造区域质量发展新优势",
    "提升产品、工程和服务质量 推动经济高质量发展",
    "建设质量强国 共享美好生活",
    "优化营商环境 建设质量强国",
    "加强全面质量管理 促进质量变革创新",
    "打造中国精品 畅享中国品牌",
    "弘扬工匠精神 推动品质革命",
    "夯实质量基础 提升服务效能",
    "质量发展 利民惠民",
    "人人创造质量 人人享受质量",
]


def test_theme_and_slogans_in_simplified(real: Campaign) -> None:
    derived = [real.theme_in("hans")] + [s.text_in("hans") for s in real.slogans]
    assert derived == PUBLISHED_HANS


def test_traditional_is_the_source_and_is_kept(tiny_campaign: Campaign) -> None:
    assert in_script(tiny_campaign.theme, "hant") is tiny_campaign.theme
    assert tiny_campaign.theme == "推動質量變革創新 促進質量強國建設"


def test_names_convert_as_organisations_write_them() -> None:
    assert to_hans("濰柴動力股份有限公司") == "潍柴动力股份有限公司"
    assert to_hans("中國長江三峽集團有限公司") == "中国长江三峡集团有限公司"
    assert to_hans("“昆侖2022”專項行動") == "“昆仑2022”专项行动"


def dead_corrections(table: dict[str, str], text: str) -> list[str]:
    """The entries of a correction table that mend nothing in ``text``: a word OpenCC's t2s does not
    put out for it (or one corrected to itself)."""
    import opencc

    plain = opencc.OpenCC("t2s").convert(text)
    return [wrong for wrong, right in table.items() if wrong == right or wrong not in plain]


def test_each_correction_fixes_a_word_of_the_data(real: Campaign) -> None:
    # A correction must mend something OpenCC really gets wrong in this data, or it is dead weight.
    assert dead_corrections(CORRECTIONS, all_text(real)) == []


def test_a_dead_correction_is_found(tiny_campaign: Campaign) -> None:
    # The check above can fail: of a live entry (a word t2s does put out) and two dead ones, it names the
    # dead ones.
    table = {"质量": "品质", "龘龘": "龍龍", "强国": "强国"}
    assert dead_corrections(table, all_text(tiny_campaign)) == ["龘龘", "强国"]


def test_simplified_data_has_nothing_left_to_convert(real: Campaign) -> None:
    converted = to_hans(all_text(real))
    assert to_hans(converted) == converted
    assert "質" not in converted and "國" not in converted


def all_text(campaign: Campaign) -> str:
    parts = [campaign.name, campaign.title, campaign.theme, *(s.text for s in campaign.slogans)]
    parts += [f"{o.name} {o.short}" for o in campaign.organizers.values()]
    parts += [f"{a.title} {a.text} {a.place or ''} {a.date_note or ''}" for a in campaign.activities]
    return "\n".join(parts)


def test_corrections_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    # The table is applied after t2s, longest word first.
    monkeypatch.setattr(script, "CORRECTIONS", {"质量": "品质", "质量月": "质量之月"})
    script._corrections_pattern.cache_clear()
    to_hans.cache_clear()
    try:
        assert script.to_hans("質量月的質量") == "质量之月的品质"
    finally:
        monkeypatch.undo()
        script._corrections_pattern.cache_clear()
        to_hans.cache_clear()
    assert script.to_hans("質量月") == "质量月"
