"""``serve``, ``scheduler`` and ``streams``; Flask's own ``routes`` and ``shell`` on the app of ``--data``."""

from __future__ import annotations

import contextlib
import copy
import signal
import threading
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import ScriptInfo, routes_command, shell_command
from werkzeug.serving import WSGIRequestHandler

from web.cli.common import DATA_HELP, build_app, data_option
from web.live import watch
from web.posters import start_background_render
from web.scheduler import start_for
from web.state import State
from web.streams import serve_streams


@click.command("serve", short_help="run the web app on embedded defaults")
@data_option
@click.option("--host", default="127.0.0.1", metavar="HOST", help="address to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=8000, metavar="PORT", help="port to listen on (default 8000)")
def serve(data: Path | None, host: str, port: int) -> int:
    """Run the web app, render the posters in the background and run the scheduler."""
    app = build_app(data)
    if app is None:
        return 1
    # No PUBLIC_URL made up from --host: with --host 0.0.0.0 every link and QR code would say
    # http://0.0.0.0:8000/. Without a configured one, pages and feeds link to the URL each request came
    # to, and what has no request (the posters' QR codes) uses web.context.public_url's default.

    class Handler(WSGIRequestHandler):
        def version_string(self) -> str:
            return "quality-month"  # the Server header names the site, not its server's and Python's versions

    start_background_render(app)
    start_for(app)
    app.run(host=host, port=port, threaded=True, use_reloader=False, request_handler=Handler)
    return 0


@click.command("scheduler", short_help="run the scheduler alone (beside web workers that do not run it)")
@data_option
def scheduler(data: Path | None) -> int:
    """Run the scheduler in a process of its own, until SIGTERM or Ctrl-C."""
    app = build_app(data)
    if app is None:
        return 1

    try:
        running = start_for(app)
    except sa.exc.SQLAlchemyError as exc:
        click.echo(State(app.config["DATABASE_URL"]).unavailable(exc), err=True)
        return 1
    if running is None:
        click.echo(
            "another process already runs the scheduler (instance/scheduler.lock, or the database's lock)",
            err=True,
        )
        return 1
    stop = threading.Event()
    watch(app, stop)  # no requests come here: the jobs' data is checked for changes each second
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("scheduler running: " + ", ".join(job.id for job in running.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    running.shutdown()
    return 0


@click.command("streams", short_help="hold the kiosks' event streams on an event loop (production)")
@data_option
@click.option("--host", default="127.0.0.1", metavar="HOST", help="address to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=8001, metavar="PORT", help="port to listen on (default 8001)")
@click.option("--limit", type=click.IntRange(0, 1_000_000), default=None, metavar="N",
              help="the most streams open at once, past which 503 (default STREAM_LIMIT, 16000)")  # fmt: skip
def streams(data: Path | None, host: str, port: int, limit: int | None) -> int:
    """Serve /kiosk/<screen>/events beside the web workers, until SIGTERM or Ctrl-C (web/streams.py);
    the reverse proxy sends that path here."""
    app = build_app(data)
    if app is None:
        return 1
    serve_streams(app, host, port, limit)
    return 0


def app_or_exit(data: Path | None) -> Flask:
    """The app for Flask's commands: on data with errors, the errors and exit 1."""
    app = build_app(data)
    if app is None:
        raise click.exceptions.Exit(1)
    return app


def _use_data(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    """``--data`` of Flask's commands: the app they load is built on that folder."""
    if value is not None:
        ctx.ensure_object(ScriptInfo).create_app = lambda: app_or_exit(value)


def _with_data(command: click.Command) -> click.Command:
    """A copy of one of Flask's commands that also takes ``--data`` (Flask's own stays as it is)."""
    data = click.Option(
        ["--data"], type=click.Path(path_type=Path), default=None, metavar="DIR", help=DATA_HELP,
        callback=_use_data, expose_value=False,
    )  # fmt: skip
    ours = copy.copy(command)
    ours.params = [*command.params, data]
    return ours


routes = _with_data(routes_command)
shell = _with_data(shell_command)
