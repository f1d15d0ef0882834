"""``check``, ``revise`` and ``import``: the data validated, its changes recorded, a new year drafted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import click

from generators import draft_files
from generators.fleet import fleet_path, load_fleet
from generators.importer import NoticeError, draft_campaign, priors
from generators.loader import CampaignError, check_distinct, current, find_campaigns, load_campaign
from generators.model import Campaign
from generators.revisions import RevisionsError, load_revisions, revise, revisions_path, write_revisions
from web.cli.common import aware_time, data_dir, data_option


@click.command("check", short_help="validate the data")
@data_option
def check(data: Path | None) -> int:
    """Validate the data: exit 0 and a one-line summary, or exit 1 and one line per error."""
    errors: list[str] = []
    summaries = []
    loaded: list[Campaign] = []
    folder_of_data = data_dir(data)
    try:
        folders = find_campaigns(folder_of_data)
    except CampaignError as exc:
        folders, errors = [], [str(e) for e in exc.errors]
    for folder in folders:
        try:
            campaign = load_campaign(folder)
        except CampaignError as exc:
            errors.extend(str(e) for e in exc.errors)
            continue
        loaded.append(campaign)
        dated = sum(1 for a in campaign.activities if a.span.own)
        local = sum(len(e.activities) for e in campaign.editions.values())
        count = len(campaign.editions)
        editions = f", {count} local edition{'s' * (count != 1)} ({local} activities)" if count else ""
        summaries.append(
            f"campaign {campaign.id}: {len(campaign.activities)} activities ({dated} dated), "
            f"{len(campaign.organizers)} organizers, {len(campaign.slogans)} slogans{editions}"
        )
    if not errors:
        try:
            check_distinct(loaded, folders)
        except CampaignError as exc:
            errors.extend(str(e) for e in exc.errors)
    fleet_file = fleet_path(folder_of_data)
    if loaded and not errors and fleet_file.exists():
        try:
            fleet = load_fleet(fleet_file, current(loaded))
            summaries.append(f"{len(fleet.screens)} screens, {len(fleet.programmes)} programmes")
        except CampaignError as exc:
            errors.extend(str(e) for e in exc.errors)
    if errors:
        for line in errors:
            click.echo(line, err=True)
        click.echo(f"{len(errors)} error{'s' if len(errors) != 1 else ''}", err=True)
        return 1
    click.echo("ok: " + "; ".join(summaries))
    return 0


@click.command("revise", short_help="record data changes in revisions.toml (feeds' SEQUENCE)")
@data_option
@click.option(
    "--now", callback=aware_time, default=None, metavar="TIME",
    help="the time to record, ISO 8601 with an offset (default: the current time)",
)  # fmt: skip
def revise_command(data: Path | None, now: dt.datetime | None) -> int:
    """Record data changes in each campaign's revisions.toml: CREATED, SEQUENCE and LAST-MODIFIED."""
    now = now or dt.datetime.now(dt.UTC)
    folders = find_campaigns(data_dir(data))
    campaigns = [(folder, load_campaign(folder, revisions=False)) for folder in folders]
    for folder, campaign in campaigns:
        path = revisions_path(folder)
        try:
            old = load_revisions(path) if path.exists() else {}
        except RevisionsError as exc:
            click.echo(f"{folder}: {exc}", err=True)
            return 1
        new = revise(campaign, old, now)
        changed = sorted(i for i in new if old.get(i) != new[i])
        if changed:
            write_revisions(path, new)
        raised = sum(1 for i in changed if i in old and new[i].sequence > old[i].sequence)
        click.echo(
            f"campaign {campaign.id}: {len(changed)} recorded "
            f"({sum(1 for i in changed if i not in old)} new, {raised} with a higher SEQUENCE)"
        )
    return 0


@click.command("import", short_help="draft a campaign folder from a notice's text")
@click.argument("notice", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="the new campaign folder to write (must not exist, or be empty)")  # fmt: skip
@data_option
@click.option("--now", callback=aware_time, default=None, metavar="TIME",
              help="the time revisions.toml records, ISO 8601 with an offset (default: now)")  # fmt: skip
def import_command(notice: Path, out: Path, data: Path | None, now: dt.datetime | None) -> int:
    """Draft a campaign folder from NOTICE (Traditional or Simplified): campaign.toml, organizers.toml,
    activities.toml (undated), revisions.toml, the notice, and REVIEW.md listing every guess."""
    try:
        text = notice.read_text(encoding="utf-8-sig")
        draft = draft_campaign(text, priors(_earlier_campaigns(data)))
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"{notice}: cannot be read: {exc}", err=True)
        return 1
    except NoticeError as exc:
        click.echo(f"{notice}: {exc}", err=True)
        return 1
    if out.exists() and any(out.iterdir()):
        click.echo(f"{out}: exists and is not empty: not writing the draft there", err=True)
        return 1
    work = out.parent / f".{out.name}.draft"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name, content in draft_files.files(draft).items():
        (work / name).write_bytes(content.encode("utf-8"))
    errors = _record_and_check(work, now or dt.datetime.now(dt.UTC))
    if out.exists():
        out.rmdir()
    work.rename(out)
    new = sum(1 for o in draft.organizers if o.notes and "拼音" in o.notes[0])
    click.echo(
        f"campaign {draft.heading.start.year} drafted in {out}: {len(draft.activities)} activities, "
        f"{len(draft.organizers)} organizers ({new} new ids); confirm what {draft_files.REVIEW_FILE} lists"
    )
    for line in errors:
        click.echo(line, err=True)
    return 1 if errors else 0


def _earlier_campaigns(data: Path | None) -> list[Path]:
    try:
        return find_campaigns(data_dir(data))
    except CampaignError:
        return []


def _record_and_check(folder: Path, now: dt.datetime) -> list[str]:
    """Record the draft's revisions (as `revise` does) and check it: the errors, if any."""
    try:
        write_revisions(revisions_path(folder), revise(load_campaign(folder, revisions=False), {}, now))
        load_campaign(folder)
    except CampaignError as exc:
        return [str(e) for e in exc.errors]
    return []
