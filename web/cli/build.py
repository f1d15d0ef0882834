"""``render``, ``export`` and ``fonts``: the posters, the static site and the font subsets built."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from generators.export import ExportError
from generators.fonts import FACES, build_fonts
from generators.loader import CampaignError, find_campaigns, load_campaign, load_current
from generators.model import Campaign
from generators.posters.batch import Result as RenderResult
from generators.posters.batch import render_set
from web import _configured, configured_edition
from web.campaigns import archive_poster_dir, campaign_apps
from web.cli.common import (
    build_app,
    data_dir,
    data_option,
    iso_date,
    progress_bar,
    unknown_format,
)
from web.context import DEFAULT_PUBLIC_URL, public_url, with_slash
from web.export import export_site

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")


def _render_posters(
    campaign: Campaign, out: Path, base_url: str, formats: tuple[str, ...], label: str
) -> RenderResult:
    """Render the posters (of ``formats`` only, if given) with a progress bar; print each refusal."""
    only = (lambda job: job.format in formats) if formats else None
    with progress_bar(label) as progress:
        result = render_set(campaign, out, base_url, progress=progress, only=only)
    for refusal in result.refused:
        click.echo(f"refused {refusal.format}/{refusal.script}/{refusal.design}: {refusal.reason}", err=True)
    return result


@click.command("render", short_help="render every poster and banner")
@data_option
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, metavar="DIR",
    help="where the posters and manifest.json go (default: POSTER_DIR of the configuration, else the "
    "instance folder's posters/, where serve looks)",
)  # fmt: skip
@click.option(
    "--base-url", default=DEFAULT_PUBLIC_URL, metavar="URL",
    help=f"the public site the QR codes point to (default {DEFAULT_PUBLIC_URL})",
)  # fmt: skip
@click.option(
    "--format", "formats", multiple=True, metavar="ID",
    help="render only this format (repeatable; default: every format)",
)  # fmt: skip
@click.option(
    "--campaign", "campaign_id", default=None, metavar="ID",
    help="the posters of this campaign of the data folder (default: the current one); a past one's go to "
    "POSTER_DIR's campaigns/ID/, served at /ID/posters, their QR codes below the base URL's ID/",
)  # fmt: skip
def render(
    data: Path | None, out: Path | None, base_url: str, formats: tuple[str, ...], campaign_id: str | None
) -> int:
    """Render every poster and banner (each design × format × script) with manifest.json."""
    if unknown_format(formats):
        return 2
    folder = data_dir(data)
    campaign = load_current(folder, configured_edition())  # a data error: the group prints it, exit 1
    configured = _configured()
    posters = Path(configured.config.get("POSTER_DIR") or Path(configured.instance_path) / "posters")
    base_url = with_slash(base_url)
    if campaign_id is not None and campaign_id != campaign.id:
        chosen = next((c for c in map(load_campaign, find_campaigns(folder)) if c.id == campaign_id), None)
        if chosen is None:
            click.echo(f"there is no campaign {campaign_id!r} in {folder}", err=True)
            return 2
        campaign, posters, base_url = (
            chosen,
            archive_poster_dir(posters, chosen.id),
            f"{base_url}{chosen.id}/",
        )
    out = out or posters
    started = time.perf_counter()
    result = _render_posters(campaign, out, base_url, formats, "render:")
    seconds = time.perf_counter() - started
    click.echo(
        f"{result.rendered} rendered, {result.reused} unchanged, {len(result.refused)} refused "
        f"in {seconds:.1f} s: {out / 'manifest.json'}"
    )
    return 1 if result.refused else 0


def _public_url(given: str | None) -> str:
    """Where the export will be published: ``--base-url``, else ``PUBLIC_URL``, else the default (said)."""
    if not given:
        given = DEFAULT_PUBLIC_URL
        click.echo(f"no --base-url: subscribe links, QR codes and feed URLs point at {given}", err=True)
    return with_slash(given)


@click.command("export", short_help="write the whole site as static files")
@click.argument("site", type=click.Path(path_type=Path), metavar="DIR")
@data_option
@click.option(
    "--base-url", default=None, metavar="URL",
    help="where the export will be published, for the links that must be absolute: subscribe links, "
    f"QR codes, event URLs in feeds (default: the PUBLIC_URL configuration, else {DEFAULT_PUBLIC_URL})",
)  # fmt: skip
@click.option(
    "--posters", type=click.Path(path_type=Path), default=None, metavar="DIR",
    help="where posters are rendered and kept between exports (default: the instance folder's posters/)",
)  # fmt: skip
@click.option(
    "--format", "formats", multiple=True, metavar="ID",
    help="only the posters of this format (repeatable; default: every format)",
)  # fmt: skip
@click.option(
    "--today", callback=iso_date, default=None, metavar="DATE",
    help="the day the kiosk programmes start from (default: today in the campaign's timezone)",
)  # fmt: skip
def export(
    site: Path, data: Path | None, base_url: str | None, posters: Path | None, formats: tuple[str, ...],
    today: dt.date | None,
) -> int:  # fmt: skip
    """Write the whole site into DIR (made if missing) as static files."""

    if unknown_format(formats):
        return 2
    app = build_app(data)
    if app is None:
        return 1
    if formats:
        app.config["POSTER_FORMATS"] = set(formats)
    base_url = app.config["PUBLIC_URL"] = _public_url(base_url or app.config.get("PUBLIC_URL"))
    if posters is not None:
        app.config["POSTER_DIR"] = str(posters)
    campaign = app.extensions["campaign"]
    today = today or dt.datetime.now(campaign.timezone).date()
    started = time.perf_counter()
    rendered = _render_posters(campaign, Path(app.config["POSTER_DIR"]), base_url, formats, "posters:")
    refused = bool(rendered.refused)
    try:
        # Each past campaign's posters too, in its own folder, their QR codes below its <id>/.
        for ident, served in campaign_apps(app):
            if served is not app:
                past = served.extensions["campaign"]
                out = Path(served.config["POSTER_DIR"])
                refused |= bool(
                    _render_posters(past, out, public_url(served), formats, f"posters {ident}:").refused
                )
        with progress_bar("export:") as progress:
            report = export_site(app, site, today, progress=progress)
    except (ExportError, CampaignError) as exc:
        click.echo(f"cannot export: {exc}", err=True)
        return 1
    click.echo(
        f"{report.files} files ({report.bytes / 2**20:.1f} MiB) in {site}: {report.written} written, "
        f"{report.unchanged} unchanged, {report.removed} removed, in {time.perf_counter() - started:.1f} s"
        + (f"; kiosk programmes for {report.days} days from {today}" if report.screens else "")
    )
    return 1 if refused else 0


@click.command("fonts", short_help="rebuild assets/fonts from Debian's fonts-noto-cjk")
@data_option
@click.option(
    "--from", "source", type=click.Path(path_type=Path), default=NOTO_DIR, metavar="DIR",
    help=f"the folder of the Noto CJK .ttc files (default {NOTO_DIR})",
)  # fmt: skip
def fonts(data: Path | None, source: Path) -> int:
    """Rebuild the font subsets in assets/fonts from Debian's fonts-noto-cjk."""
    missing = [f.source_file for f in FACES if not (source / f.source_file).is_file()]
    if missing:
        click.echo(
            f"{source}: missing {', '.join(sorted(set(missing)))} "
            "(install Debian's fonts-noto-cjk, or name its folder with --from)",
            err=True,
        )
        return 1
    for path in build_fonts(source, data_dir(data)):
        click.echo(f"wrote {path.name} ({path.stat().st_size / 2**20:.2f} MiB)")
    return 0
