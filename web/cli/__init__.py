"""The ``quality-month`` command line, a click group: check the data, serve the site, render the
posters, export the site, record revisions, rebuild the fonts; and Flask's ``routes`` and ``shell``.

A plain click group rather than Flask's ``FlaskGroup``: that one marks the process as Flask's CLI, which
makes ``app.run`` in ``serve`` return at once; it loads the app to list the commands (so ``--help`` on
broken data would print a traceback); and it adds ``run`` (which would bypass ``serve``'s background
render and scheduler) and options that mean nothing here (``--app``, ``--env-file``, ``--debug``).
Flask's ``routes`` and ``shell`` are added as they are, with ``--data``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from flask.cli import ScriptInfo

from generators.loader import CampaignError
from web.cli.build import export, fonts, render
from web.cli.common import build_app
from web.cli.data import check, import_command, revise_command
from web.cli.fleet import fleet, staff
from web.cli.site import app_or_exit, routes, scheduler, serve, shell, streams

__all__ = ["build_app", "cli", "main"]


class _Group(click.Group):
    """The group: the app Flask's commands load is the configured one unless ``--data`` says otherwise;
    a command's return value is the exit code; a data error anywhere is printed, with exit 1."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        extra.setdefault("obj", ScriptInfo(create_app=lambda: app_or_exit(None), set_debug_flag=False))
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            code = super().invoke(ctx)
        except CampaignError as exc:
            for error in exc.errors:
                click.echo(error, err=True)
            ctx.exit(1)
        ctx.exit(code if isinstance(code, int) else 0)


cli = _Group(
    "quality-month",
    help="Publish a quality-month campaign: calendar feeds, posters and kiosk screens.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
COMMANDS: list[click.Command] = [check, serve, scheduler, streams, render, export, revise_command, fleet]
COMMANDS += [import_command, staff, fonts, routes, shell]
for command in COMMANDS:
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code. A usage error exits (code 2) after click's message."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="quality-month",
                        standalone_mode=False)  # fmt: skip
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.Abort:
        click.echo("Aborted!", err=True)
        raise SystemExit(1) from None
    return code if isinstance(code, int) else 0
