"""Gunicorn's configuration for production: ``gunicorn -c python:web.production``.

Several web workers (``QUALITY_MONTH_WORKERS``, default two per core and one more), each with threads
for the kiosks' event streams (``QUALITY_MONTH_THREADS``, default 100: a screen holds one stream), on
``QUALITY_MONTH_BIND`` (default ``127.0.0.1:8000``, behind a reverse proxy). The web workers never run
the scheduler; the server starts it as one process of its own beside them (``quality-month scheduler``),
starts it again if it dies, and stops it when it stops; it dies with the server, however the server
ends. ``QUALITY_MONTH_SCHEDULER=0`` leaves it out, for a scheduler run as a service of its own or on
another machine. Everything else comes from the app's configuration (``instance/config.py`` or
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

_SCHEDULER: dict[str, Any] = {}
#: How long the supervisor waits before starting a scheduler that died, doubling to a minute.
RESTART_SECONDS = 1.0


def scheduler_command() -> list[str]:
    """The scheduler's command: no ``--data``, so that it reads the data folder from the same
    configuration as the workers (``QUALITY_MONTH_DATA_DIR`` or ``instance/config.py``)."""
    return [sys.executable, "-m", "web.cli", "scheduler"]


def _die_with_parent() -> None:
    """In the scheduler's process, before it runs: the kernel ends it when the server's supervising
    thread (so the server) ends, even by kill -9 or a failed reload."""
    parent_death_signal(signal.SIGTERM)


def _supervise(server: Any, stop: threading.Event) -> None:
    """Run the scheduler, and run it again whenever it ends while the server runs."""
    wait = RESTART_SECONDS
    while not stop.is_set():
        process = subprocess.Popen(scheduler_command(), preexec_fn=_die_with_parent)
        _SCHEDULER["process"] = process
        server.log.info("scheduler started as process %s", process.pid)
        while process.poll() is None and not stop.wait(0.5):
            pass
        if stop.is_set():
            break
        server.log.error(
            "the scheduler (process %s) ended with %s: starting it again", process.pid, process.returncode
        )
        stop.wait(wait)
        wait = min(wait * 2, 60.0)


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
    if os.environ.get("QUALITY_MONTH_SCHEDULER", "1").strip().lower() in ("0", "false", "no", "off"):
        server.log.info("scheduler left out (QUALITY_MONTH_SCHEDULER=0)")
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_supervise, args=(server, stop), name="scheduler-supervisor", daemon=True
    )
    _SCHEDULER.update(stop=stop, thread=thread)
    thread.start()


def on_exit(server: Any) -> None:
    stop = _SCHEDULER.pop("stop", None)
    if stop is not None:
        stop.set()
        _SCHEDULER.pop("thread").join(timeout=5)
    process = _SCHEDULER.pop("process", None)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
