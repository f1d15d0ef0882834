"""Benchmark of the calendar feeds: build time, and requests per second over HTTP against a static file.

    apt-get install nginx-light wrk      # the static baseline and the load generator (benchmark only)
    python bench/feeds.py [--seconds 5] [--connections 8]

Every figure is a ratio against a baseline measured in the same run: the build of every feed against
serialising ``/activities.json`` for the same data; ``/calendar.ics`` served by ``quality-month serve``
and by the production command (gunicorn, 2 workers), 200 and 304, against the file that
``quality-month export`` writes, served by nginx; all on loopback, all loaded by wrk. Prints Markdown
tables for docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ROOT, median_time

from generators.documents import activities_document
from generators.feeds import Feed, all_feeds, build_feed
from generators.loader import load_current
from generators.selection import ALL, COMPLETE
from web import create_app
from web.export import export_site

BASE = "https://quality-month.example/"


def wrk(port: int, path: str, headers: dict[str, str], seconds: float, connections: int) -> tuple[float, str]:
    """Requests per second and the 99th percentile latency that wrk measures (2 threads, keep-alive)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"{path}: errors under load\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    return rps, p99


NGINX_CONF = """
daemon off; worker_processes 1; pid {tmp}/nginx.pid; error_log stderr;
events {{}}
http {{ access_log off; client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; root {dir}; location / {{}} }} }}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def spawn(command: list[str], port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a server in its own process and wait until it accepts connections."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load per measurement (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    args = parser.parse_args()
    missing = [tool for tool in ("nginx", "wrk") if shutil.which(tool) is None]
    if missing:
        print(f"missing {' and '.join(missing)}: apt-get install nginx-light wrk", file=sys.stderr)
        return 1

    campaign = load_current(ROOT / "data")
    feeds = all_feeds(campaign)
    whole, complete = Feed(ALL, "hant"), Feed(COMPLETE, "hant")
    build_all = median_time(5, lambda: [build_feed(campaign, f, BASE) for f in feeds])
    build_whole = median_time(9, lambda: build_feed(campaign, whole, BASE))
    build_complete = median_time(9, lambda: build_feed(campaign, complete, BASE))
    baseline = median_time(9, lambda: json.dumps(activities_document(campaign), ensure_ascii=False))

    with tempfile.TemporaryDirectory() as folder:
        app_port, production_port, static_port = free_port(), free_port(), free_port()
        site = Path(folder) / "site"
        public_url = f"http://127.0.0.1:{app_port}/"
        export = create_app({"DATA_DIR": ROOT / "data", "POSTER_DIR": f"{folder}/posters",
                             "PUBLIC_URL": public_url, "DATABASE_URL": f"sqlite:///{folder}/export.sqlite"})  # fmt: skip
        export_site(export, site, dt.date(2022, 9, 1))
        env = {**os.environ, "QUALITY_MONTH_PUBLIC_URL": public_url, "QUALITY_MONTH_BIND": f"127.0.0.1:{production_port}",
               "QUALITY_MONTH_WORKERS": "2", "QUALITY_MONTH_SCHEDULER": "0",
               "QUALITY_MONTH_INSTANCE_PATH": f"{folder}/instance"}  # fmt: skip
        app = spawn([sys.executable, "-m", "web.cli", "serve", "--port", str(app_port)], app_port)
        production = spawn(
            [sys.executable, "-m", "gunicorn", "-c", "python:web.production"], production_port, env
        )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", app_port)
            connection.request("GET", "/calendar.ics")
            response = connection.getresponse()
            body, etag = response.read(), response.getheader("ETag") or ""
            if body != (site / "calendar.ics").read_bytes():
                raise RuntimeError("the exported feed differs from the served one")
            conf = Path(folder) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(dir=site, tmp=folder, port=static_port), encoding="utf-8")
            static = spawn(["nginx", "-c", str(conf), "-e", "stderr"], static_port)
            for port in (app_port, production_port):  # every worker builds and keeps the feed first
                wrk(port, "/calendar.ics", {}, 1, n := args.connections)
            secs = args.seconds
            revalidate = {"If-None-Match": etag}
            try:
                rows = [
                    ("nginx, the exported `calendar.ics`, 200", wrk(static_port, "/calendar.ics", {}, secs, n)),
                    ("`quality-month serve`, 200", wrk(app_port, "/calendar.ics", {}, secs, n)),
                    ("`quality-month serve`, 304 (If-None-Match)", wrk(app_port, "/calendar.ics", revalidate, secs, n)),
                    ("production (gunicorn, 2 workers), 200", wrk(production_port, "/calendar.ics", {}, secs, n)),
                    ("production (gunicorn, 2 workers), 304", wrk(production_port, "/calendar.ics", revalidate, secs, n)),
                ]  # fmt: skip
            finally:
                static.terminate()
        finally:
            app.terminate()
            production.terminate()
            production.wait()

    size = f"{len(body):,}"
    print(f"Feeds: {len(feeds)}, {len(campaign.activities)} activities; `/calendar.ics` is {size} bytes.\n")
    print("| build | median | ratio to the baseline |")
    print("| --- | --- | --- |")
    print(f"| baseline: `/activities.json` serialised | {baseline * 1000:.1f} ms | 1.00 |")
    whole_ms = build_whole * 1000
    print(
        f"| `/calendar.ics` (the default: dated activities and the period) | {whole_ms:.1f} ms | {build_whole / baseline:.2f} |"
    )
    print(
        f"| `/feeds/complete.ics` (every activity) | {build_complete * 1000:.1f} ms | {build_complete / baseline:.2f} |"
    )
    print(f"| every feed ({len(feeds)}) | {build_all * 1000:.0f} ms | {build_all / baseline:.1f} |")
    print()
    print(f"Served from the export: `{site.name}/calendar.ics`, the same bytes as the app's.\n")
    static_rps = rows[0][1][0]
    load_label = f"wrk, {args.connections} connections, {args.seconds:g} s each"
    print(f"| {load_label} | requests/s | p99 latency | ratio to nginx |")
    print("| --- | --- | --- | --- |")
    for label, (rps, p99) in rows:
        print(f"| {label} | {rps:,.0f} | {p99} | {rps / static_rps:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
