"""What the commands share: ``--data``, the app on its data, click's progress bar, the format check."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask

from generators.loader import CampaignError
from generators.posters import FORMATS_BY_ID, SET_FORMATS
from web import configured_data_dir, create_app

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


DATA_HELP = (
    "the data folder (default: DATA_DIR of the configuration, QUALITY_MONTH_DATA_DIR or "
    "instance/config.py, else the repository's data/)"
)
#: ``--data DIR``, the same for every command; ``None`` when not given (the configuration's is used).
data_option = click.option(
    "--data", type=click.Path(path_type=Path), default=None, metavar="DIR", help=DATA_HELP
)


def data_dir(data: Path | None) -> Path:
    """The data folder: ``--data`` when given, else the one the configuration names."""
    return data if data is not None else configured_data_dir()


def build_app(data: Path | None) -> Flask | None:
    """The app on the data of ``--data`` if given, else of its configuration; ``None`` after printing
    the data's errors."""
    try:
        return create_app({"DATA_DIR": data} if data is not None else None)
    except CampaignError as exc:
        for error in exc.errors:
            click.echo(error, err=True)
        click.echo("the data has errors: not starting (run `quality-month check`)", err=True)
        return None


def unknown_format(formats: tuple[str, ...]) -> bool:
    """Say so and answer ``True`` if a ``--format`` is not one of the gallery set's formats."""
    unknown = [f for f in formats if f not in {f.id for f in SET_FORMATS}]
    if unknown:
        studio = [f.id for f in FORMATS_BY_ID.values() if not f.in_set]
        click.echo(
            f"unknown format {unknown[0]!r} (the set's formats are: {', '.join(f.id for f in SET_FORMATS)}; "
            f"{', '.join(studio)} are made in the studio, /studio)",
            err=True,
        )
    return bool(unknown)


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawn as click's progress bar on standard error (on a
    terminal; elsewhere click writes the label once); the bar is begun at the first call, when the
    total is known, and finished on leaving the block."""
    with contextlib.ExitStack() as stack:
        bars: list[ProgressBar[Any]] = []

        def advance(done: int, total: int) -> None:
            if not bars:
                bar = click.progressbar(length=total, label=label, show_pos=True, file=sys.stderr)
                bars.append(stack.enter_context(bar))
            bars[0].update(done - bars[0].pos)

        yield advance


def aware_time(_: click.Context, __: click.Parameter, value: str | None) -> dt.datetime | None:
    """``--now``: an ISO 8601 time with an offset."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs an offset, such as Z or +08:00")
    return parsed


def iso_date(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    """``--today``: an ISO 8601 date."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date, such as 2022-09-01") from None
