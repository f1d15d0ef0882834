"""Gunicorn's configuration for production: ``gunicorn -c python:web.production``.

Several web workers (``QUALITY_MONTH_WORKERS``, default two per core and one more), each with threads
for the kiosks' event streams (``QUALITY_MONTH_THREADS``, default 100: a screen holds one stream), on
``QUALITY_MONTH_BIND`` (default ``127.0.0.1:8000``, behind a reverse proxy). The web workers never run
the scheduler; the server starts it as one process of its own beside them (``quality-month scheduler``)
and stops it when it stops. ``QUALITY_MONTH_SCHEDULER=0`` leaves it out, for a scheduler run as a service
of its own or on another machine. Everything else comes from the app's configuration
(``instance/config.py`` or ``QUALITY_MONTH_*`` variables), as for ``quality-month serve``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

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

_SCHEDULER: dict[str, subprocess.Popen[bytes]] = {}


def scheduler_command() -> list[str]:
    """The scheduler's command: no ``--data``, so that it reads the data folder from the same
    configuration as the workers (``QUALITY_MONTH_DATA_DIR`` or ``instance/config.py``)."""
    return [sys.executable, "-m", "web.cli", "scheduler"]


def on_starting(server: Any) -> None:
    if os.environ.get("QUALITY_MONTH_SCHEDULER", "1").strip().lower() in ("0", "false", "no", "off"):
        server.log.info("scheduler left out (QUALITY_MONTH_SCHEDULER=0)")
        return
    _SCHEDULER["process"] = subprocess.Popen(scheduler_command())
    server.log.info("scheduler started as process %s", _SCHEDULER["process"].pid)


def on_exit(server: Any) -> None:
    process = _SCHEDULER.pop("process", None)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
