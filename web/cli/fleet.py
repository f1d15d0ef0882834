"""``fleet export`` and ``fleet import``: the fleet's versions in the state database, in
``screens.toml``'s form; ``staff add`` and ``staff remove``: the console's accounts."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import sys
from pathlib import Path

import click

from generators.datafile import CampaignError
from web import staff as accounts
from web.cli.common import build_app, data_option
from web.fleetstore import FleetStore, VersionMoved, checked
from web.state import State, StateUnavailable


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@click.group("fleet", short_help="export or import the fleet (screens, programmes, special days)")
def fleet() -> None:
    """The fleet's versions in the state database, in data/screens.toml's form."""


@fleet.command("export", short_help="write the fleet's current version as TOML")
@data_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    metavar="FILE",
    help="the file (default: standard output)",
)
@click.option(
    "--version",
    "number",
    type=int,
    default=None,
    metavar="N",
    help="an earlier version (default: the latest)",
)
def export_command(data: Path | None, out: Path | None, number: int | None) -> int:
    """Write the fleet's latest version (or version N) as TOML, in data/screens.toml's form."""
    app = build_app(data)
    if app is None:
        return 1
    store = FleetStore(State(app.config["DATABASE_URL"]))
    try:
        version = store.get(number) if number is not None else store.latest()
    except StateUnavailable as exc:
        click.echo(str(exc), err=True)
        return 1
    if version is None:
        click.echo(
            f"there is no fleet version {number}" if number else "the database holds no fleet yet", err=True
        )
        return 1
    text = version.document if version.document.endswith("\n") else version.document + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"fleet version {version.number} written to {out}", err=True)
    return 0


@fleet.command("import", short_help="check a fleet file and save it as the next version")
@data_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--reason", default=None, help="why (kept in the history; default: the file's name)")
@click.option("--by", "by", default=None, help="who (default: the login name)")
def import_command(data: Path | None, file: Path, reason: str | None, by: str | None) -> int:
    """Check FILE as the fleet (as `check` would) and save it as the fleet's next version: every
    process serves it within 2 seconds. A file with errors is refused, and nothing changes."""
    app = build_app(data)
    if app is None:
        return 1
    try:
        document = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"{file}: cannot be read as UTF-8 text ({exc})", err=True)
        return 1
    try:
        checked(document, app.extensions["campaign"], str(file))
    except CampaignError as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        click.echo(f"{file} is refused: the fleet is unchanged", err=True)
        return 1
    store = FleetStore(State(app.config["DATABASE_URL"]))
    who = by or os.environ.get("USER") or getpass.getuser()
    try:
        base = store.latest_number()
        version = store.save(document, who, reason or f"imported {file.name}", base, _now())
    except (StateUnavailable, VersionMoved) as exc:
        click.echo(str(exc), err=True)
        return 1
    click.echo(f"fleet version {version.number} saved (by {version.saved_by}: {version.reason})")
    return 0


@click.group("staff", short_help="add or remove the console's staff accounts")
def staff() -> None:
    """The console's accounts, in the state database."""


@staff.command("add", short_help="add an account (or set its password)")
@data_option
@click.argument("name")
def staff_add(data: Path | None, name: str) -> int:
    """Add the account NAME, or give it a new password: asked for twice on a terminal, else read from
    standard input (its first line)."""
    problem = accounts.name_problem(name)
    if problem:
        click.echo(problem, err=True)
        return 2
    if sys.stdin.isatty():
        password = click.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = accounts.password_problem(password)
    if problem:
        click.echo(problem, err=True)
        return 2
    app = build_app(data)
    if app is None:
        return 1
    try:
        created = accounts.add(State(app.config["DATABASE_URL"]), name, password, _now())
    except StateUnavailable as exc:
        click.echo(str(exc), err=True)
        return 1
    click.echo(f"{'added' if created else 'new password for'} {name}")
    return 0


@staff.command("remove", short_help="remove an account")
@data_option
@click.argument("name")
def staff_remove(data: Path | None, name: str) -> int:
    """Remove the account NAME (its open sessions end at their next request)."""
    app = build_app(data)
    if app is None:
        return 1
    try:
        removed = accounts.remove(State(app.config["DATABASE_URL"]), name)
    except StateUnavailable as exc:
        click.echo(str(exc), err=True)
        return 1
    if not removed:
        click.echo(f"there is no account {name!r}", err=True)
        return 1
    click.echo(f"removed {name}")
    return 0


@staff.command("list", short_help="list the accounts")
@data_option
def staff_list(data: Path | None) -> int:
    app = build_app(data)
    if app is None:
        return 1
    for name in accounts.names(State(app.config["DATABASE_URL"])):
        click.echo(name)
    return 0
