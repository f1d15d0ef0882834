"""Benchmark of the kiosk fleet: simulated screens against the server under gunicorn, an edit reaching
all of them, two real pages in step, and a page's memory across 1,000 slide changes.

    pip install gunicorn && tests/install-tools
    python bench/kiosk.py [--screens 100 500] [--seconds 40]
    python bench/kiosk.py --fleet 1000 5000 10000 [--design streams threads] --database postgresql+psycopg://…

``--fleet`` runs the national fleet's benchmark instead (bench/kiosk_scale.py: one asyncio client,
thousands of pages, the production setup's event loop against its worker threads).

Each simulated screen does what the page does: it holds a server-sent event stream open, sends a
heartbeat every 30 s and polls its programme every 20-40 s (both jittered), so N screens are N
streams; heartbeats carry each screen's key. The server is gunicorn with 2 gthread workers, or
``--machines N`` such servers on one database (``--database``, PostgreSQL for the real thing), the
screens spread over them. CPU is the workers' own (from /proc) over the steady window, as a share of
the machine's 2 cores; latencies are the heartbeats' and polls'. Then two edits are timed until each
stream has the new version: every screen asked to reload, and a saved fleet version (a slide's length,
as the console saves it), which every server takes from the database. Prints Markdown tables for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from kiosk_scale import change_a_programme, children, cpu_seconds, free_port, main_scale
from timing import ROOT

from generators.loader import load_current
from generators.posters.batch import render_set
from web.screenkeys import new_key
from web.state import State

TOKEN = "bench-admin-token"
SCREENS = ("hq-lobby-east", "hq-lobby-west", "service-hall")
#: Each screen's heartbeat headers (its key, made as the console makes it), set once the server is up.
KEYS: dict[str, dict[str, str]] = {}


class Screen(threading.Thread):
    """One simulated screen's event stream: it records when each version arrives."""

    def __init__(self, port: int, screen: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.screen, self.stop = port, screen, stop
        self.versions: list[tuple[float, str]] = []
        self.connection: http.client.HTTPConnection | None = None
        self.sock: socket.socket | None = None

    def close(self) -> None:
        """End the stream now, so that it frees its server thread (http.client hands the socket to the
        response of a stream, so it is kept when the request is sent)."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                connection = self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", f"/kiosk/{self.screen}/events?limit=600")
                self.sock = connection.sock
                response = connection.getresponse()
                event = None
                while not self.stop.is_set():
                    line = response.fp.readline()
                    if not line:
                        break
                    text = line.decode().strip()
                    if text.startswith("event:"):
                        event = text.split(":", 1)[1].strip()
                    elif text.startswith("data:") and event == "version":
                        self.versions.append((time.monotonic(), text.split(":", 1)[1].strip()))
                connection.close()
            except OSError:
                time.sleep(0.5)


def requests_loop(
    ports: list[int], count: int, seconds: float, latencies: list[float], failures: list[int]
) -> None:
    """Heartbeats every 30 s and programme polls every 20-40 s for ``count`` screens, jittered."""
    due: list[tuple[float, int, str]] = []
    start = time.monotonic()
    for n in range(count):
        due.append((start + random.uniform(0, 30), n, "beat"))
        due.append((start + random.uniform(0, 40), n, "poll"))
    local = threading.local()

    def send(n: int, kind: str) -> None:
        port = ports[n % len(ports)]
        connection = getattr(local, f"connection_{port}", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            setattr(local, f"connection_{port}", connection)
        screen = SCREENS[n % len(SCREENS)]
        began = time.monotonic()
        try:
            if kind == "beat":
                connection.request("POST", f"/kiosk/{screen}/heartbeat", body=b'{"showing":"theme","version":"x"}',
                                   headers={"Content-Type": "application/json", **KEYS[screen]})  # fmt: skip
            else:
                connection.request("GET", f"/kiosk/{screen}/programme.json")
            response = connection.getresponse()
            response.read()
            latencies.append(time.monotonic() - began)
            if response.status >= 400:
                failures.append(response.status)
        except OSError:
            setattr(local, f"connection_{port}", None)

    with ThreadPoolExecutor(16) as pool:
        while time.monotonic() - start < seconds:
            due.sort()
            when, n, kind = due.pop(0)
            time.sleep(max(0.0, when - time.monotonic()))
            pool.submit(send, n, kind)
            due.append((when + (30 if kind == "beat" else random.uniform(20, 40)), n, kind))


def _arrivals(screens: list[Screen], known: dict[Screen, str], since: float) -> list[float]:
    """How long after ``since`` each stream had a version other than the one it knew (inf: never, in
    10 s)."""
    deadline = since + 10
    while time.monotonic() < deadline and not all(
        s.versions and s.versions[-1][1] != known[s] for s in screens
    ):
        time.sleep(0.05)
    return sorted(
        next((t for t, v in s.versions if t >= since and v != known[s]), float("inf")) - since
        for s in screens
    )


def fleet_run(
    ports: list[int], pids: list[int], count: int, seconds: float, database_url: str
) -> dict[str, float]:
    stop = threading.Event()
    screens = [Screen(ports[n % len(ports)], SCREENS[n % len(SCREENS)], stop) for n in range(count)]
    for screen in screens:
        screen.start()
    time.sleep(3)  # every stream open
    latencies: list[float] = []
    failures: list[int] = []
    before = cpu_seconds(pids)
    started = time.monotonic()
    requests_loop(ports, count, seconds, latencies, failures)
    used = cpu_seconds(pids) - before
    window = time.monotonic() - started
    # An edit: every screen asked to reload; time until each stream has a new version.
    known = {s: s.versions[-1][1] if s.versions else "" for s in screens}
    edited = time.monotonic()
    for screen_id in SCREENS:
        connection = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
        connection.request(
            "POST", f"/screens/{screen_id}/reload", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        connection.getresponse().read()
    reloads = _arrivals(screens, known, edited)
    # A saved change of the fleet (a slide's length, as the console saves it), through the database.
    time.sleep(2)
    known = {s: s.versions[-1][1] if s.versions else "" for s in screens}
    edited = time.monotonic()
    change_a_programme(database_url)
    saves = _arrivals(screens, known, edited)
    stop.set()
    for screen in screens:  # the streams end now on this side
        screen.close()
    # A server thread learns that its stream's client is gone only when it next writes: one more reload
    # makes every stream write, so the next round finds every thread free (a thread a stream, #16).
    for screen_id in SCREENS:
        connection = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=30)
        connection.request(
            "POST", f"/screens/{screen_id}/reload", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        connection.getresponse().read()
    time.sleep(3)
    latencies.sort()
    return {
        "cpu": 100 * used / window / 2,
        "p95": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
        "requests": len(latencies),
        "failures": len(failures),
        "reload_p95": reloads[int(len(reloads) * 0.95)], "reload_all": reloads[-1],
        "save_p95": saves[int(len(saves) * 0.95)], "save_all": saves[-1],
        "reached": sum(1 for a in saves if a != float("inf")),
    }  # fmt: skip


def browser_part(port: int) -> tuple[float, float, float]:
    """(largest gap between two pages' slide changes in ms, heap growth in % across 1,000 slide changes,
    slide changes seen)."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic", "--enable-precise-memory-info"]  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        pages = []
        for _ in range(2):
            page = browser.new_context(viewport={"width": 540, "height": 960}).new_page()
            page.goto(f"http://127.0.0.1:{port}/kiosk/{SCREENS[0]}")
            page.evaluate("""() => { window.changes_ = []; new MutationObserver(() => {
                window.changes_.push([document.documentElement.dataset.currentSlide, Date.now()]); })
                .observe(document.documentElement, {attributes: true, attributeFilter: ['data-current-slide']}); }""")
            pages.append(page)
        time.sleep(35)
        # Slide changes at timeline boundaries; each page's first recorded change may still be its start.
        first, second = ({slide: at for slide, at in p.evaluate("window.changes_")[1:]} for p in pages)
        common = set(first) & set(second)
        gaps = sorted(abs(first[k] - second[k]) for k in common)
        gap = gaps[-1] if gaps else float("nan")
        for page in pages:
            page.context.close()

        context = browser.new_context(viewport={"width": 540, "height": 960})
        page = context.new_page()
        base = dt.datetime(2022, 9, 20, 8, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        page.clock.install(time=base - dt.timedelta(seconds=1))
        page.clock.pause_at(base)
        page.goto(f"http://127.0.0.1:{port}/kiosk/{SCREENS[0]}")
        page.wait_for_timeout(2000)
        session = context.new_cdp_session(page)

        def heap() -> float:
            session.send("HeapProfiler.collectGarbage")
            return float(session.send("Runtime.getHeapUsage")["usedSize"])

        page.evaluate("""() => { window.count_ = 0; new MutationObserver(() => { window.count_ += 1; })
            .observe(document.documentElement, {attributes: true, attributeFilter: ['data-current-slide']}); }""")
        while page.evaluate("window.count_") < 300:  # warm up: code compiled, caches filled
            page.clock.run_for(11_000)
            page.wait_for_timeout(5)
        before = heap()
        start_count = page.evaluate("window.count_")
        while page.evaluate("window.count_") - start_count < 1000:
            page.clock.run_for(11_000)
            page.wait_for_timeout(5)
        after = heap()
        seen = page.evaluate("window.count_") - start_count
        browser.close()
    return gap, 100 * (after - before) / before, seen


def start_server(folder: str, name: str, database_url: str) -> tuple[subprocess.Popen[bytes], int]:
    """One "machine": the production command, as docs/deploy.md gives it, with 2 workers of 400 threads
    each, an instance folder of its own, on the shared database."""
    port = free_port()
    env = {**os.environ, "QUALITY_MONTH_DATABASE_URL": database_url,
           "QUALITY_MONTH_POSTER_DIR": f"{folder}/posters", "QUALITY_MONTH_ADMIN_TOKEN": TOKEN,
           "QUALITY_MONTH_BIND": f"127.0.0.1:{port}", "QUALITY_MONTH_WORKERS": "2",
           "QUALITY_MONTH_THREADS": "400", "QUALITY_MONTH_SCHEDULER": "0",
           "QUALITY_MONTH_STREAMS": "0", "QUALITY_MONTH_THREAD_STREAMS": "400",
           "QUALITY_MONTH_PUBLIC_URL": f"http://127.0.0.1:{port}/",
           "QUALITY_MONTH_INSTANCE_PATH": f"{folder}/{name}"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.production", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit(f"the server ended with {server.returncode} before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def fleet_scale(args: argparse.Namespace) -> int:
    if not args.database or not args.database.startswith("postgresql"):
        print("--fleet needs --database postgresql+psycopg://… (the production setup)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        campaign = load_current(ROOT / "data")
        render_set(campaign, Path(folder) / "posters", "http://127.0.0.1/",
                   only=lambda j: j.format == "kiosk-portrait" and j.script == "hant")  # fmt: skip
        main_scale(args.fleet, args.design, args.seconds, args.database, folder, TOKEN)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, nargs="*", default=[100, 500])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--machines", type=int, default=1, help="servers on one database (default 1)")
    parser.add_argument("--database", default=None, help="DATABASE_URL (default: an SQLite file)")
    parser.add_argument("--fleet", type=int, nargs="*", default=None,
                        help="pages of a national fleet instead (bench/kiosk_scale.py), e.g. 1000 5000 10000")  # fmt: skip
    parser.add_argument("--design", nargs="*", default=["streams", "threads"], choices=["streams", "threads"],
                        help="with --fleet: the event loop's streams, the worker threads' (the baseline)")  # fmt: skip
    args = parser.parse_args()
    if args.fleet:
        return fleet_scale(args)
    if shutil.which("gunicorn") is None or shutil.which("chromium") is None:
        print("needs gunicorn (pip install gunicorn) and chromium (tests/install-tools)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        campaign = load_current(ROOT / "data")
        render_set(campaign, Path(folder) / "posters", "http://127.0.0.1/",
                   only=lambda j: j.format == "kiosk-portrait" and j.script == "hant")  # fmt: skip
        database_url = args.database or f"sqlite:///{folder}/state.sqlite"
        servers = [start_server(folder, f"machine-{n}", database_url) for n in range(args.machines)]
        ports = [port for _, port in servers]
        try:
            time.sleep(2)
            KEYS.update({s: {"Authorization": f"Bearer {new_key(State(database_url), s, dt.datetime.now(dt.UTC))}"}
                         for s in SCREENS})  # fmt: skip
            workers = [
                pid for server, _ in servers for pid in children(server.pid)
            ]  # and their stream process
            backend = sa.make_url(database_url).get_backend_name()
            print(
                f"{args.machines} × `gunicorn -c python:web.production` (2 gthread workers × 400 threads each) "
                f"on one {backend} database; screens spread over them; {args.seconds:g} s of steady load each.\n"
            )
            print(
                "| screens | worker CPU (% of 2 cores) | heartbeat and poll p95 | requests | failed |"
                " reload: p95 / all | saved edit: p95 / all | streams reached |"
            )
            print("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for count in args.screens:
                r = fleet_run(ports, workers, count, args.seconds, database_url)
                print(f"| {count} | {r['cpu']:.1f}% | {r['p95']:.1f} ms | {r['requests']} | {r['failures']} | "
                      f"{r['reload_p95']:.2f} s / {r['reload_all']:.2f} s | {r['save_p95']:.2f} s / {r['save_all']:.2f} s | "
                      f"{r['reached']}/{count} |")  # fmt: skip
                time.sleep(3)
            gap, growth, seen = browser_part(ports[0])
            print()
            print("| pages | figure |")
            print("| --- | --- |")
            print(f"| two pages on one screen, largest gap between their slide changes | {gap:.0f} ms |")
            print(
                f"| one page's JS heap across {seen} slide changes (after garbage collection) | {growth:+.1f}% |"
            )
        finally:
            for server, _ in servers:
                server.terminate()  # open event streams keep workers busy: give them a moment, then end them
            for server, _ in servers:
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
