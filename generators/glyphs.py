"""The font-coverage check of a campaign: every text must draw in the fonts of its script (Traditional
in the TC faces, Simplified, as OpenCC derives it, in the SC faces). A missing glyph is an error of the
data file and field that hold the text, found before any poster is drawn."""

from __future__ import annotations

from collections.abc import Mapping

from generators import fonts
from generators.datafile import TomlFile
from generators.model import Campaign
from generators.script import to_hans


def check_text(file: TomlFile, header: str, index: int, label: str, field: str, text: str | None) -> None:
    """A text of ``file`` must draw in the fonts of both scripts; else an error of its record and field."""
    if not text:
        return
    scripts: dict[str, list[str]] = {}
    for script, name in (("hant", "Traditional"), ("hans", "Simplified")):
        shown = text if script == "hant" else to_hans(text)
        faces = [f for f in fonts.FACES if f.script == script]
        for char in fonts.missing_characters(shown, faces):
            scripts.setdefault(char, []).append(name)
    if not scripts:
        return
    where = " and ".join(dict.fromkeys(n for names in scripts.values() for n in names))
    reason = (
        f"characters the fonts cannot draw: {' '.join(scripts)} (in {where} script, "
        "add them to the fonts: see assets/fonts/README.md)"
    )
    file.error(reason, line=file.field_line(header, index, field), record=label, field=field)


def check_glyphs(campaign: Campaign, files: Mapping[str, TomlFile]) -> None:
    """Every text must draw in the fonts of its script: Traditional in TC faces, Simplified in SC."""
    missing_fonts = [f.filename for f in fonts.FACES if not f.path.is_file()]
    if missing_fonts:
        files["campaign"].error(f"the fonts are missing from assets/fonts: {', '.join(missing_fonts)}")
        return

    campaign_file = files["campaign"]
    for field in ("name", "title", "document_number", "theme"):
        check_text(campaign_file, "campaign", 0, "[campaign]", field, getattr(campaign, field))
    for slogan in campaign.slogans:
        check_text(campaign_file, "campaign", 0, "[campaign]", "slogans", slogan.text)
    for kinds_field in ("organizer_kinds", "activity_kinds"):
        for ident, label in getattr(campaign, kinds_field).items():
            check_text(campaign_file, kinds_field, 0, f"[{kinds_field}]", ident, label)
    for index, organizer in enumerate(campaign.organizers.values()):
        for field in ("name", "short"):
            check_text(files["organizers"], "organizer", index, f"organizer {organizer.id!r}", field,
                  getattr(organizer, field))  # fmt: skip
    for index, activity in enumerate(campaign.activities):
        for field in ("title", "text", "place", "date_note"):
            check_text(files["activities"], "activity", index, f"activity {activity.id!r}", field,
                  getattr(activity, field))  # fmt: skip
