"""The campaign loader: a campaign folder of TOML files in, an immutable ``Campaign`` out.

A campaign folder holds ``campaign.toml`` (the notice's facts, slogans and the kinds), ``organizers.toml``,
``activities.toml``, ``revisions.toml`` and, optionally, the notice's text. The loader checks everything
it reads (through ``generators.datafile``) and reports every problem at once, each naming the file, the
line, the record and the field, so that a maintainer can fix a whole folder in one pass. It never writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generators import activity_records
from generators.activity_records import ORGANIZERS_FILE, Bounds
from generators.datafile import (
    CampaignError,
    DataError,
    TomlFile,
    TomlRecord,
    display_path,
    labels,
)
from generators.editions import LOCAL_FOLDER, Context, Taken, editions
from generators.glyphs import check_glyphs
from generators.model import (
    Activity,
    Campaign,
    Organizer,
    Slogan,
)
from generators.notice import Notice, parse_notice
from generators.revisions import RevisionsError, load_revisions, out_of_step, revisions_path
from generators.script import Script
from generators.transcribe import traditional, with_editions

__all__ = [
    "RESERVED_IDS", "CampaignError", "DataError", "check_distinct", "find_campaigns", "load_campaign",
    "load_current",
]  # fmt: skip

CAMPAIGN_FILE = "campaign.toml"
ACTIVITIES_FILE = "activities.toml"

#: The longest campaign period: each day has its own poster, so a typo in a year must not make thousands.
MAX_PERIOD_DAYS = 366

#: The first path segments of the site's own routes: a campaign is served below ``/<id>/`` too, so its
#: id must not be one of them (tests/web/test_campaigns.py checks this against the app's routes).
RESERVED_IDS = frozenset({
    "activities", "console", "feeds", "filter", "hans", "healthz", "kinds", "kiosk", "list",
    "local", "organizer-kinds", "organizers", "posters", "screens", "static", "studio", "subscribe",
})  # fmt: skip


def find_campaigns(data_dir: Path) -> list[Path]:
    """The campaign folders in ``data_dir`` (or ``data_dir`` itself if it is one), oldest first."""
    if (data_dir / CAMPAIGN_FILE).is_file():
        return [data_dir]
    if not data_dir.is_dir():
        raise CampaignError([DataError(display_path(data_dir), "no such data folder")])
    found = sorted(p.parent for p in data_dir.glob(f"*/{CAMPAIGN_FILE}"))
    if not found:
        reason = f"no campaign folder here (a folder with a {CAMPAIGN_FILE})"
        raise CampaignError([DataError(display_path(data_dir), reason)])
    return found


def current(campaigns: Sequence[Campaign]) -> Campaign:
    """Of several campaigns, the one that starts last: the one a server publishes."""
    return max(campaigns, key=lambda c: c.start)


def load_current(data_dir: Path, edition: str | None = None) -> Campaign:
    """The campaign of ``data_dir`` that starts last: the one a server publishes; as a site run for the
    local ``edition`` shows it, if one is named (``Campaign.for_edition``)."""
    folders = find_campaigns(data_dir)
    campaigns = [load_campaign(folder) for folder in folders]
    check_distinct(campaigns, folders)
    campaign = current(campaigns)
    if edition is not None and edition not in campaign.editions:
        have = ", ".join(campaign.editions) or "none"
        reason = (
            f"the site is run for the local edition {edition!r} (EDITION), which campaign {campaign.id} "
            f"does not have (its editions: {have})"
        )
        raise CampaignError([DataError(f"{LOCAL_FOLDER}/{edition}.toml", reason)])
    return campaign.for_edition(edition)


def check_distinct(campaigns: Sequence[Campaign], folders: Sequence[Path]) -> None:
    """Two campaign folders of one data folder must not have the same id: each is served below its id."""
    seen: dict[str, Path] = {}
    errors = []
    for campaign, folder in zip(campaigns, folders, strict=True):
        if campaign.id in seen:
            other = display_path(seen[campaign.id] / CAMPAIGN_FILE)
            reason = f"{campaign.id!r} is the id of {other} too (each campaign needs its own)"
            where = display_path(folder / CAMPAIGN_FILE)
            errors.append(DataError(where, reason, record="[campaign]", field="id"))
        seen.setdefault(campaign.id, folder)
    if errors:
        raise CampaignError(errors)


_CAMPAIGN_FIELDS = (
    "id", "name", "title", "document_number", "issued", "start", "end", "timezone", "notice",
    "theme", "issuers", "slogans", "script",
)  # fmt: skip


@dataclass
class Facts:
    """What ``[campaign]`` and the kinds tables say, each ``None`` where it is missing or wrong (the
    error is reported already); ``record`` is ``None`` when the file has no usable ``[campaign]``."""

    record: TomlRecord | None = None
    id: str | None = None
    name: str | None = None
    title: str | None = None
    document_number: str | None = None
    issued: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    timezone: ZoneInfo | None = None
    theme: str | None = None
    issuers: list[str] | None = None
    slogans: list[str] | None = None
    notice: str | None = None
    organizer_kinds: dict[str, str] | None = None
    activity_kinds: dict[str, str] = field(default_factory=dict)
    #: The script of the notice and the files' text (``hant`` when not given).
    script: Script = "hant"


def _campaign_facts(file: TomlFile) -> Facts:
    if file.data is None:
        return Facts()
    file.check_tables("campaign", "organizer_kinds", "activity_kinds")
    if not isinstance(file.data.get("campaign"), dict):
        file.error("needs a [campaign] table")
        return Facts()
    record = TomlRecord(file, "campaign", 0, file.data["campaign"], "[campaign]")
    record.check_fields(_CAMPAIGN_FIELDS)
    facts = Facts(record, record.ident(), record.text("name"), record.text("title"))
    if facts.id in RESERVED_IDS:
        record.error("id", f"{facts.id!r} is a path of the site (/{facts.id}/): a campaign is served below "
                     "/<id>/, so choose another id, such as the year")  # fmt: skip
        facts.id = None
    facts.document_number = record.text("document_number")
    facts.issued, facts.start, facts.end = (record.date(name) for name in ("issued", "start", "end"))
    facts.theme = record.text("theme")
    facts.issuers, facts.slogans = record.texts("issuers"), record.texts("slogans")
    facts.notice = record.text("notice", required=False)
    facts.script = _script(record)
    if facts.slogans and not all(s.strip() for s in facts.slogans):
        record.error("slogans", "a slogan is empty")
        facts.slogans = None
    _check_dates(record, facts)
    facts.timezone = _zone(record)
    facts.organizer_kinds = labels(file, "organizer_kinds")
    facts.activity_kinds = labels(file, "activity_kinds")
    return facts


def _script(record: TomlRecord) -> Script:
    script = record.text("script", required=False) or "hant"
    if script == "hans":
        return "hans"
    if script != "hant":
        record.error("script", f"{script!r} is not a script: hant (Traditional) or hans (Simplified)")
    return "hant"


def _zone(record: TomlRecord) -> ZoneInfo | None:
    zone = record.text("timezone")
    if zone is None:
        return None
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Asia" is a folder of the zone database
        record.error("timezone", f"{zone!r} is not an IANA time zone (such as Asia/Shanghai)")
        return None


def _check_dates(record: TomlRecord, facts: Facts) -> None:
    """The issue date and the period are dates without a time, the end not before the start, the
    period not longer than ``MAX_PERIOD_DAYS``; a wrong one is reported and set to ``None``."""
    for name in ("issued", "start", "end"):
        if isinstance(getattr(facts, name), dt.datetime):
            record.error(name, "must be a date, without a time")
            setattr(facts, name, None)
    start, end = facts.start, facts.end
    if start is None or end is None:
        return
    if end < start:
        record.error("end", f"{end} is before the start {start}")
        facts.end = None
    elif (end - start).days >= MAX_PERIOD_DAYS:
        days = (end - start).days + 1
        record.error("end", f"a period of {days} days (at most {MAX_PERIOD_DAYS}: a day's poster each day)")
        facts.end = None


def load_campaign(folder: Path, *, revisions: bool = True) -> Campaign:
    """Load and check one campaign folder; raise ``CampaignError`` listing every problem found.

    With ``revisions`` (the default) the revision history must be in step with the activities;
    ``quality-month revise`` loads without it, to bring it in step.
    """
    errors: list[DataError] = []
    files = {
        "campaign": TomlFile(folder / CAMPAIGN_FILE, errors),
        "organizers": TomlFile(folder / ORGANIZERS_FILE, errors),
        "activities": TomlFile(folder / ACTIVITIES_FILE, errors),
    }
    facts = _campaign_facts(files["campaign"])
    notice = _notice(folder, facts)
    organizers, declared = activity_records.organizers(files["organizers"], facts.organizer_kinds)
    renamed = activity_records.renamed(files["organizers"], declared)
    # Unknown-organizer errors are only worth reporting against an organizers file that loaded.
    known = declared if files["organizers"].data is not None else None
    bounds = Bounds(facts.timezone, facts.start, facts.end, facts.activity_kinds)
    activities = activity_records.activities(files["activities"], bounds, known, notice)
    _check_issuers(facts, known)
    taken = Taken({o: ORGANIZERS_FILE for o in declared}, {a.id: "activities.toml" for a in activities})
    local, local_organizers = editions(
        folder, Context(bounds, facts.organizer_kinds, organizers), taken, errors
    )
    if errors:
        raise CampaignError(errors)
    # The notice check above ran on the files' own text; from here on the text is Traditional.
    campaign = traditional(_campaign(facts, organizers, activities, notice, renamed))
    check_glyphs(campaign, files)
    campaign = with_editions(campaign, local, local_organizers)
    if revisions and not errors:
        campaign = _with_revisions(campaign, folder, errors)
    if errors:
        raise CampaignError(errors)
    return campaign


def _notice(folder: Path, facts: Facts) -> Notice | None:
    if not facts.notice or facts.record is None:
        return None
    path = folder / facts.notice
    try:
        return parse_notice(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # not UTF-8, or a NUL in the name
        facts.record.error("notice", f"{display_path(path)} cannot be read: {exc}")
        return None


def _check_issuers(facts: Facts, declared: set[str] | None) -> None:
    if facts.record is None or facts.issuers is None:
        return
    for issuer in facts.issuers:
        if declared is not None and issuer not in declared:
            facts.record.error("issuers", f"unknown organizer {issuer!r} (not in {ORGANIZERS_FILE})")
    if len(set(facts.issuers)) != len(facts.issuers):
        facts.record.error("issuers", "an organizer is listed twice")


def _campaign(
    facts: Facts,
    organizers: Mapping[str, Organizer],
    activities: Sequence[Activity],
    notice: Notice | None,
    renamed: Mapping[str, str],
) -> Campaign:
    """The campaign of facts that loaded without an error (every one is set)."""
    assert facts.id and facts.name and facts.title and facts.document_number and facts.theme
    assert facts.issued and facts.start and facts.end and facts.timezone and facts.slogans
    assert facts.issuers is not None and facts.organizer_kinds is not None
    return Campaign(
        id=facts.id,
        title=facts.title,
        name=facts.name,
        document_number=facts.document_number,
        issued=facts.issued,
        start=facts.start,
        end=facts.end,
        timezone=facts.timezone,
        theme=facts.theme,
        slogans=tuple(Slogan(n, text) for n, text in enumerate(facts.slogans, 1)),
        issuers=tuple(facts.issuers),
        organizer_kinds=facts.organizer_kinds,
        activity_kinds=facts.activity_kinds,
        organizers=organizers,
        activities=tuple(activities),
        notice=notice.text if notice is not None else None,
        renamed_organizers=renamed,
        script=facts.script,
    )


def _with_revisions(campaign: Campaign, folder: Path, errors: list[DataError]) -> Campaign:
    path = revisions_path(folder)
    name = display_path(path)
    try:
        history = load_revisions(path)
    except RevisionsError as exc:
        errors.append(DataError(name, str(exc).split(": ", 1)[1]))
        return campaign
    for ident in out_of_step(campaign, history):
        reason = "changed since the last revision: run `quality-month revise` to record it"
        if ident not in history:
            reason = "has no revision yet: run `quality-month revise` to record it"
        errors.append(DataError(name, reason, record=f"activity {ident!r}"))
    return dataclasses.replace(campaign, revisions=history)
