"""Gunicorn's configuration for production: ``gunicorn -c python:web.production``.

Several web workers (``QUALITY_MONTH_WORKERS``, default two per core and one more) of
``QUALITY_MONTH_THREADS`` threads each (default 100) for pages, feeds and heartbeats, on
``QUALITY_MONTH_BIND`` (default ``127.0.0.1:8000``, behind a reverse proxy). Beside them, two processes
of their own that the server starts, starts again if they die (after a second, doubling to a minute),
and stops when it stops; they die with the server, however it ends:

- the scheduler (``quality-month scheduler``; the web workers never run it);
  ``QUALITY_MONTH_SCHEDULER=0`` leaves it out, for a scheduler run as a service of its own or on
  another machine;
- the kiosks' event streams on an event loop (``quality-month streams``, web/streams.py) on
  ``QUALITY_MONTH_STREAM_BIND`` (default ``127.0.0.1:8001``): the proxy sends
  ``/kiosk/<screen>/events`` there. ``QUALITY_MONTH_STREAMS=0`` leaves it out. A stream that comes to
  the web workers all the same is served on one of their threads, at most ``THREAD_STREAMS`` a worker
  (default a quarter of its threads), so that pages and heartbeats always have threads.

Everything else comes from the app's configuration (``instance/config.py`` or
``QUALITY_MONTH_*`` variables), as for ``quality-month serve``.

Links in feeds, pages and QR codes must not follow a client's ``Host``: the server refuses to start
without ``PUBLIC_URL`` (or ``TRUSTED_HOSTS``, the host names it answers to). gunicorn has no header or
body timeouts: slow clients are a buffering proxy's job (docs/deploy.md gives its settings).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

from generators.process import parent_death_signal
from web import _configured, instance_folder

wsgi_app = "web:create_app()"
bind = os.environ.get("QUALITY_MONTH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QUALITY_MONTH_WORKERS", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("QUALITY_MONTH_THREADS", 100))
os.environ.setdefault("QUALITY_MONTH_THREAD_STREAMS", str(max(1, threads // 4)))  # read by each worker's app
stream_bind = os.environ.get("QUALITY_MONTH_STREAM_BIND", "127.0.0.1:8001")
# An event stream ends by itself within the hour; on a restart it is cut after this long and the page
# reconnects (its programme plays on meanwhile).
graceful_timeout = 10
keepalive = 5
# Behind a proxy on the same machine, its X-Forwarded-* headers are believed (gunicorn's default).
forwarded_allow_ips = os.environ.get("QUALITY_MONTH_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("QUALITY_MONTH_ACCESS_LOG") or None
# gunicorn's control socket in this instance's folder, not one per user that two instances would share.
_INSTANCE = instance_folder()
_INSTANCE.mkdir(parents=True, exist_ok=True)
control_socket = str(_INSTANCE / "gunicorn.ctl")

#: The supervisors' stop event and threads, and the processes they run (by name).
_SUPERVISION: dict[str, Any] = {}
_CHILDREN: dict[str, subprocess.Popen[bytes]] = {}
#: How long a supervisor waits before starting a process that died, doubling to a minute.
RESTART_SECONDS = 1.0


def scheduler_command() -> list[str]:
    """The scheduler's command: no ``--data``, so that it reads the data folder from the same
    configuration as the workers (``QUALITY_MONTH_DATA_DIR`` or ``instance/config.py``)."""
    return [sys.executable, "-m", "web.cli", "scheduler"]


def streams_command() -> list[str]:
    """The event streams' command, on ``QUALITY_MONTH_STREAM_BIND``, with the workers' configuration."""
    host, _, port = stream_bind.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    return [sys.executable, "-m", "web.cli", "streams", "--host", host, "--port", port]


def _die_with_parent() -> None:
    """In the scheduler's process, before it runs: the kernel ends it when the server's supervising
    thread (so the server) ends, even by kill -9 or a failed reload."""
    parent_death_signal(signal.SIGTERM)


def _supervise(server: Any, stop: threading.Event, name: str, command: list[str]) -> None:
    """Run ``command``, and run it again whenever it ends while the server runs."""
    wait = RESTART_SECONDS
    while not stop.is_set():
        process = subprocess.Popen(command, preexec_fn=_die_with_parent)
        _CHILDREN[name] = process
        server.log.info("%s started as process %s", name, process.pid)
        while process.poll() is None and not stop.wait(0.5):
            pass
        if stop.is_set():
            break
        server.log.error("the %s (process %s) ended with %s: starting it again", name, process.pid,
                         process.returncode)  # fmt: skip
        stop.wait(wait)
        wait = min(wait * 2, 60.0)


def _left_out(variable: str) -> bool:
    return os.environ.get(variable, "1").strip().lower() in ("0", "false", "no", "off")


def _check_public_url(server: Any) -> None:
    config = _configured().config
    if not config.get("PUBLIC_URL") and not config.get("TRUSTED_HOSTS"):
        message = (
            "PUBLIC_URL is not configured: feeds, pages and QR codes would link to whatever Host a client "
            "sends. Set QUALITY_MONTH_PUBLIC_URL=https://your.site/ (or TRUSTED_HOSTS) and start again."
        )
        server.log.error(message)
        raise SystemExit(message)


def on_starting(server: Any) -> None:
    _check_public_url(server)
    stop = threading.Event()
    _SUPERVISION.update(stop=stop, threads=[])
    for name, variable, command in (
        ("scheduler", "QUALITY_MONTH_SCHEDULER", scheduler_command()),
        ("event streams", "QUALITY_MONTH_STREAMS", streams_command()),
    ):
        if _left_out(variable):
            server.log.info("%s left out (%s=0)", name, variable)
            continue
        thread = threading.Thread(target=_supervise, args=(server, stop, name, command),
                                  name=f"{name} supervisor", daemon=True)  # fmt: skip
        _SUPERVISION["threads"].append(thread)
        thread.start()


def on_exit(server: Any) -> None:
    stop = _SUPERVISION.pop("stop", None)
    if stop is not None:
        stop.set()
        for thread in _SUPERVISION.pop("threads"):
            thread.join(timeout=5)
    for process in list(_CHILDREN.values()):
        if process.poll() is None:
            process.terminate()
    for name in list(_CHILDREN):
        process = _CHILDREN.pop(name)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
