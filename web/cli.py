"""The ``quality-month`` command line: check the data, serve the site, rebuild the fonts."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from generators.loader import CampaignError, find_campaigns, load_campaign

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"
NOTO_DIR = Path("/usr/share/fonts/opentype/noto")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quality-month",
        description="Publish a quality-month campaign: calendar feeds, posters and kiosk screens.",
    )
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
        help="the data folder (default: the repository's data/)",
    )  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", parents=[data], help="validate the data")
    check.set_defaults(run=_check)

    serve = commands.add_parser("serve", parents=[data], help="run the web app on embedded defaults")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(run=_serve)

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
        folders = find_campaigns(args.data)
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
    errors: list[str] = []
    summaries = []
    try:
        folders = find_campaigns(args.data)
    except CampaignError as exc:
        folders, errors = [], [str(e) for e in exc.errors]
    for folder in folders:
        try:
            campaign = load_campaign(folder)
        except CampaignError as exc:
            errors.extend(str(e) for e in exc.errors)
            continue
        dated = sum(1 for a in campaign.activities if a.span.own)
        summaries.append(
            f"campaign {campaign.id}: {len(campaign.activities)} activities ({dated} dated), "
            f"{len(campaign.organizers)} organizers, {len(campaign.slogans)} slogans"
        )
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        print(f"{len(errors)} error{'s' if len(errors) != 1 else ''}", file=sys.stderr)
        return 1
    print("ok: " + "; ".join(summaries))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from web import create_app

    try:
        app = create_app({"DATA_DIR": args.data})
    except CampaignError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print("the data has errors: not starting (run `quality-month check`)", file=sys.stderr)
        return 1
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
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
    for path in build_fonts(args.source, args.data):
        print(f"wrote {path.name} ({path.stat().st_size / 2**20:.2f} MiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
