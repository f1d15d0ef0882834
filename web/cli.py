"""The ``quality-month`` command line: check the data, serve the site, rebuild the fonts."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generators.loader import CampaignError, find_campaigns, load_campaign

if TYPE_CHECKING:
    from flask import Flask

    from generators.model import Campaign
    from generators.poster_set import Result as RenderResult

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
NOTO_DIR = Path("/usr/share/fonts/opentype/noto")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quality-month",
        description="Publish a quality-month campaign: calendar feeds, posters and kiosk screens.",
    )
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument(
        "--data", type=Path, default=None, metavar="DIR",
        help="the data folder (default: DATA_DIR of the configuration, QUALITY_MONTH_DATA_DIR or "
        "instance/config.py, else the repository's data/)",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", parents=[data], help="validate the data")
    check.set_defaults(run=_check)

    serve = commands.add_parser("serve", parents=[data], help="run the web app on embedded defaults")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(run=_serve)

    scheduler = commands.add_parser(
        "scheduler", parents=[data], help="run the scheduler alone (beside web workers that do not run it)",
    )  # fmt: skip
    scheduler.set_defaults(run=_scheduler)

    render = commands.add_parser("render", parents=[data], help="render every poster and banner")
    render.add_argument(
        "--out", type=Path, default=None, metavar="DIR",
        help="where the posters and manifest.json go (default: POSTER_DIR of the configuration, else the "
        "instance folder's posters/, where serve looks)",
    )  # fmt: skip
    render.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, metavar="URL",
        help=f"the public site the QR codes point to (default {DEFAULT_BASE_URL})",
    )  # fmt: skip
    render.add_argument(
        "--format", action="append", metavar="ID", dest="formats",
        help="render only this format (repeatable; default: every format)",
    )  # fmt: skip
    render.set_defaults(run=_render)

    export = commands.add_parser("export", parents=[data], help="write the whole site as static files")
    export.add_argument("dir", type=Path, metavar="DIR", help="the folder to write (made if missing)")
    export.add_argument(
        "--base-url", default=None, metavar="URL",
        help="where the export will be published, for the links that must be absolute: subscribe links, "
        "QR codes, event URLs in feeds (default: the PUBLIC_URL configuration, else "
        f"{DEFAULT_BASE_URL})",
    )  # fmt: skip
    export.add_argument(
        "--posters", type=Path, default=None, metavar="DIR",
        help="where posters are rendered and kept between exports (default: the instance folder's posters/)",
    )  # fmt: skip
    export.add_argument(
        "--format", action="append", metavar="ID", dest="formats",
        help="only the posters of this format (repeatable; default: every format)",
    )  # fmt: skip
    export.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, metavar="DATE",
        help="the day the kiosk programmes start from (default: today in the campaign's timezone)",
    )  # fmt: skip
    export.set_defaults(run=_export)

    revise = commands.add_parser(
        "revise", parents=[data], help="record data changes in revisions.toml (feeds' SEQUENCE)",
    )  # fmt: skip
    revise.add_argument(
        "--now", type=_aware_time, default=None, metavar="TIME",
        help="the time to record, ISO 8601 with an offset (default: the current time)",
    )  # fmt: skip
    revise.set_defaults(run=_revise)

    fonts = commands.add_parser(
        "fonts", parents=[data], help="rebuild assets/fonts from Debian's fonts-noto-cjk",
    )  # fmt: skip
    fonts.add_argument(
        "--from", dest="source", type=Path, default=NOTO_DIR, metavar="DIR",
        help=f"the folder of the Noto CJK .ttc files (default {NOTO_DIR})",
    )  # fmt: skip
    fonts.set_defaults(run=_fonts)
    return parser


class _ProgressBar:
    """A progress bar on standard error: redrawn in place on a terminal, a line every tenth otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if self.tty:
            filled = done * 30 // max(total, 1)
            bar = "#" * filled + "." * (30 - filled)
            print(f"\r{self.label} [{bar}] {done}/{total}", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)
        elif tenth != self.shown:
            self.shown = tenth
            print(f"{self.label}: {done}/{total}", file=sys.stderr)


def _data(args: argparse.Namespace) -> Path:
    """The data folder: ``--data`` when given, else the one the configuration names."""
    from web import configured_data_dir

    found: Path = args.data if args.data is not None else configured_data_dir()
    return found


def _app(args: argparse.Namespace) -> Flask | None:
    """The app on the data of ``--data`` if given, else of its configuration; ``None`` after printing
    the data's errors."""
    from web import create_app

    try:
        return create_app({"DATA_DIR": args.data} if args.data is not None else None)
    except CampaignError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print("the data has errors: not starting (run `quality-month check`)", file=sys.stderr)
        return None


def _scheduler(args: argparse.Namespace) -> int:
    import signal
    import threading

    import sqlalchemy as sa

    from web.scheduler import start_for

    app = _app(args)
    if app is None:
        return 1
    try:
        running = start_for(app)
    except sa.exc.SQLAlchemyError as exc:
        from web.state import State

        print(State(app.config["DATABASE_URL"]).unavailable(exc), file=sys.stderr)
        return 1
    if running is None:
        print("another process already runs the scheduler (instance/scheduler.lock, or the database's lock)",
              file=sys.stderr)  # fmt: skip
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("scheduler running: " + ", ".join(job.id for job in running.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    running.shutdown()
    return 0


def _unknown_format(formats: list[str] | None) -> bool:
    """Say so and answer ``True`` if a ``--format`` is not one of the formats."""
    from generators.posters import FORMATS_BY_ID

    unknown = [f for f in formats or [] if f not in FORMATS_BY_ID]
    if unknown:
        print(f"unknown format {unknown[0]!r} (the formats are: {', '.join(FORMATS_BY_ID)})", file=sys.stderr)
    return bool(unknown)


def _render_posters(
    campaign: Campaign, out: Path, base_url: str, formats: list[str] | None, label: str
) -> RenderResult:
    """Render the posters (of ``formats`` only, if given) with a progress bar; print each refusal."""
    from generators.poster_set import render_set

    only = (lambda job: job.format in formats) if formats else None
    result = render_set(campaign, out, base_url, progress=_ProgressBar(label), only=only)
    for refusal in result.refused:
        print(f"refused {refusal['format']}/{refusal['script']}/{refusal['design']}: {refusal['refused']}",
              file=sys.stderr)  # fmt: skip
    return result


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _render(args: argparse.Namespace) -> int:
    import time

    from generators.loader import load_current

    if _unknown_format(args.formats):
        return 2
    base_url = _with_slash(args.base_url)
    try:
        campaign = load_current(_data(args))
    except CampaignError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    from web import _configured

    configured = _configured()
    out = args.out or Path(configured.config.get("POSTER_DIR") or Path(configured.instance_path) / "posters")
    started = time.perf_counter()
    result = _render_posters(campaign, out, base_url, args.formats, "render")
    seconds = time.perf_counter() - started
    print(
        f"{result.rendered} rendered, {result.reused} unchanged, {len(result.refused)} refused "
        f"in {seconds:.1f} s: {out / 'manifest.json'}"
    )
    return 1 if result.refused else 0


def _export(args: argparse.Namespace) -> int:
    import time

    from generators.export import ExportError
    from web.export import export_site

    if _unknown_format(args.formats):
        return 2
    app = _app(args)
    if app is None:
        return 1
    if args.formats:
        app.config["POSTER_FORMATS"] = set(args.formats)
    base_url = args.base_url or app.config.get("PUBLIC_URL")
    if not base_url:
        base_url = DEFAULT_BASE_URL
        print(f"no --base-url: subscribe links, QR codes and feed URLs point at {base_url}", file=sys.stderr)
    base_url = _with_slash(base_url)
    app.config["PUBLIC_URL"] = base_url
    if args.posters is not None:
        app.config["POSTER_DIR"] = str(args.posters)
    campaign = app.extensions["campaign"]
    today = args.today or dt.datetime.now(campaign.timezone).date()
    started = time.perf_counter()
    poster_dir = Path(app.config["POSTER_DIR"])
    rendered = _render_posters(campaign, poster_dir, base_url, args.formats, "posters")
    try:
        report = export_site(app, args.dir, today, progress=_ProgressBar("export"))
    except ExportError as exc:
        print(f"cannot export: {exc}", file=sys.stderr)
        return 1
    print(
        f"{report.files} files ({report.bytes / 2**20:.1f} MiB) in {args.dir}: {report.written} written, "
        f"{report.unchanged} unchanged, {report.removed} removed, in {time.perf_counter() - started:.1f} s"
        + (f"; kiosk programmes for {report.days} days from {today}" if report.screens else "")
    )
    return 1 if rendered.refused else 0


def _aware_time(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs an offset, such as Z or +08:00")
    return parsed


def _revise(args: argparse.Namespace) -> int:
    from generators.revisions import dump_revisions, load_revisions, revise, revisions_path

    now = args.now or dt.datetime.now(dt.UTC)
    try:
        folders = find_campaigns(_data(args))
        campaigns = [(folder, load_campaign(folder, revisions=False)) for folder in folders]
    except CampaignError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    for folder, campaign in campaigns:
        path = revisions_path(folder)
        old = load_revisions(path) if path.exists() else {}
        new = revise(campaign, old, now)
        changed = sorted(i for i in new if old.get(i) != new[i])
        if changed:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(dump_revisions(new), encoding="utf-8")
            tmp.replace(path)
        raised = sum(1 for i in changed if i in old and new[i].sequence > old[i].sequence)
        print(
            f"campaign {campaign.id}: {len(changed)} recorded "
            f"({sum(1 for i in changed if i not in old)} new, {raised} with a higher SEQUENCE)"
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    # Here, not at the top: each command imports what it needs, so that the others start quickly (the
    # fleet brings in the poster designs).
    from generators.fleet import fleet_path, load_fleet

    errors: list[str] = []
    summaries = []
    loaded = []
    data = _data(args)
    try:
        folders = find_campaigns(data)
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
        summaries.append(
            f"campaign {campaign.id}: {len(campaign.activities)} activities ({dated} dated), "
            f"{len(campaign.organizers)} organizers, {len(campaign.slogans)} slogans"
        )
    fleet_file = fleet_path(data)
    if loaded and not errors and fleet_file.exists():
        current = max(loaded, key=lambda c: c.start)
        try:
            fleet = load_fleet(fleet_file, current)
            summaries.append(f"{len(fleet.screens)} screens, {len(fleet.programmes)} programmes")
        except CampaignError as exc:
            errors.extend(str(e) for e in exc.errors)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        print(f"{len(errors)} error{'s' if len(errors) != 1 else ''}", file=sys.stderr)
        return 1
    print("ok: " + "; ".join(summaries))
    return 0


def _serve(args: argparse.Namespace) -> int:
    app = _app(args)
    if app is None:
        return 1
    from web.posters import start_background_render
    from web.scheduler import start_for

    if not app.config.get("PUBLIC_URL"):
        app.config["PUBLIC_URL"] = f"http://{args.host}:{args.port}/"
    from werkzeug.serving import WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        def version_string(self) -> str:
            return "quality-month"  # the Server header names the site, not its server's and Python's versions

    start_background_render(app)
    start_for(app)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False, request_handler=Handler)
    return 0


def _fonts(args: argparse.Namespace) -> int:
    from generators.fonts import FACES, build_fonts

    missing = [f.source_file for f in FACES if not (args.source / f.source_file).is_file()]
    if missing:
        print(
            f"{args.source}: missing {', '.join(sorted(set(missing)))} "
            "(install Debian's fonts-noto-cjk, or name its folder with --from)",
            file=sys.stderr,
        )
        return 1
    for path in build_fonts(args.source, _data(args)):
        print(f"wrote {path.name} ({path.stat().st_size / 2**20:.2f} MiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
