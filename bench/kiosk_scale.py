"""Benchmark of a national fleet: thousands of simulated screens against the production setup, on one
PostgreSQL database. Run by ``python bench/kiosk.py --fleet 1000 5000 10000 --database postgresql+psycopg://…``.

An asyncio client (on uvloop) plays every screen at the page's own rates: it holds the screen's event
stream open (in ``READERS`` processes of its own, so that one process's delay in reading ten thousand
streams is not counted as the server's), sends a heartbeat (with the screen's key) every 30 s and
polls its programme (every 5-10 min while its stream is open, every 20-40 s without one: kiosk.js),
all jittered, and the pages of a fleet boot spread over 20 s. The fleet has 100 screens (a fleet version saved as the console saves
one), the simulated pages spread over them. Two designs under the same ``gunicorn -c
python:web.production`` (5 gthread workers × 100 threads):

- ``streams``: today's, the streams held by ``quality-month streams`` (one aiohttp event loop) on a
  port of their own, as the proxy routes ``/kiosk/<screen>/events`` (docs/deploy.md);
- ``threads``: the design before it, every stream on a worker thread (``QUALITY_MONTH_STREAMS=0``,
  ``THREAD_STREAMS`` = all the threads) and the page's old poll every 20-40 s.

Over the steady window it measures the server's CPU (the workers' and the stream process's, from
/proc), and throughout it probes ``/healthz`` and ``/calendar.ics`` four times a second. Then two edits
are timed until each open stream has the new version: every screen asked to reload (in the database,
as the console's "reload all" does), and one programme changed (a slide's length, saved as a fleet
version). Heartbeats taken are counted against the database's count (``screen_state.beats``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import multiprocessing
import os
import random
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
import uvloop
from timing import ROOT

from web.fleetstore import FleetStore
from web.screenkeys import new_key
from web.state import State, screen_state

FLEET = 100
#: The processes that hold the simulated pages' streams.
READERS = 2
BOOT_SECONDS = 20.0


@dataclass
class Figures:
    probes: list[float] = field(default_factory=list)
    probe_failures: int = 0
    beats_sent: int = 0
    beats_taken: int = 0
    beats_failed: int = 0
    polls: int = 0
    refused: int = 0
    arrivals: dict[int, list[tuple[float, str]]] = field(default_factory=dict)


def bench_fleet(database_url: str) -> list[str]:
    """A fleet of ``FLEET`` screens (copies of the shipped fleet's first), saved as the next version; their
    ids."""
    store = FleetStore(State(database_url))
    latest = store.latest()
    assert latest is not None, "the server imported the fleet on its first start"
    document = latest.document.split("\n[[screen]]", 1)[0]
    ids = [f"bench-{n:03d}" for n in range(FLEET)]
    for screen in ids:
        document += (f'\n[[screen]]\nid = "{screen}"\nname = "大堂{screen[-3:]}"\nlocation = "一樓"\n'
                     'format = "kiosk-portrait"\nscript = "hant"\nprogramme = "daytime"\n'
                     'dayparts = [\n  { days = "mon-sun", from = "19:00", to = "07:00", programme = "evening" },\n]\n')  # fmt: skip
    store.save(document, "bench", f"{FLEET} screens", latest.number, dt.datetime.now(dt.UTC))
    return ids


def change_a_programme(database_url: str) -> None:
    """What a save in the console does: the fleet's next version, the first theme slide a second longer
    than it is now, or back to 4 s (a database kept from an earlier run has its own length: the edit
    always changes)."""
    store = FleetStore(State(database_url))
    latest = store.latest()
    assert latest is not None
    pattern = r'\{ show = "theme", seconds = (\d+) \}'
    found = re.search(pattern, latest.document)
    assert found, "the fleet has a theme slide"
    seconds = int(found.group(1)) % 60 + 1 + 3
    document = re.sub(pattern, f'{{ show = "theme", seconds = {seconds} }}', latest.document, count=1)
    store.save(document, "bench", f"theme {seconds} s", latest.number, dt.datetime.now(dt.UTC))


def beats_counted(database_url: str) -> int:
    with State(database_url).engine.connect() as connection:
        return int(
            connection.execute(sa.select(sa.func.coalesce(sa.func.sum(screen_state.c.beats), 0))).scalar()
        )


async def stream(session: aiohttp.ClientSession, url: str, n: int, got: Figures, stop: asyncio.Event) -> None:
    """One page's stream: every version it announces, with when; opened again (1-3 s) when it ends."""
    seen = got.arrivals.setdefault(n, [])
    while not stop.is_set():
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as response:
                if response.status == 503:
                    got.refused += 1
                    await asyncio.sleep(float(response.headers.get("Retry-After", 30)))
                    continue
                event = None
                async for raw in response.content:
                    line = raw.decode().strip()
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "version":
                        seen.append((time.monotonic(), line[5:].strip()))
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(random.uniform(1, 3))


async def requests(session: aiohttp.ClientSession, web: str, screen: str, key: str, old_page: bool,
                   got: Figures, stop: asyncio.Event) -> None:  # fmt: skip
    """One page's heartbeats (every 24-36 s) and programme polls."""
    loop = asyncio.get_running_loop()
    beat_at = loop.time() + random.uniform(0, 30)
    poll_at = loop.time() + (random.uniform(20, 40) if old_page else random.uniform(0, 600))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    while not stop.is_set():
        with_beat = beat_at <= poll_at
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, (beat_at if with_beat else poll_at) - loop.time()))
        if stop.is_set():
            return
        try:
            if with_beat:
                got.beats_sent += 1
                body = b'{"showing":"theme","version":"bench"}'
                async with session.post(f"{web}/kiosk/{screen}/heartbeat", data=body, headers=headers) as r:
                    await r.read()
                    got.beats_taken += r.status == 204
                    got.beats_failed += r.status != 204
                beat_at += random.uniform(24, 36)
            else:
                async with session.get(f"{web}/kiosk/{screen}/programme.json") as r:
                    await r.read()
                got.polls += 1
                poll_at += random.uniform(20, 40) if old_page else random.uniform(300, 600)
        except (aiohttp.ClientError, TimeoutError):
            if with_beat:
                got.beats_failed += 1
                beat_at += 30
            else:
                poll_at += 30


async def probes(session: aiohttp.ClientSession, web: str, got: Figures, stop: asyncio.Event) -> None:
    """``/healthz`` and ``/calendar.ics``, four times a second between them, each timed."""
    paths = ("/healthz", "/calendar.ics")
    n = 0
    while not stop.is_set():
        began = time.monotonic()
        try:
            async with session.get(web + paths[n % 2], timeout=aiohttp.ClientTimeout(total=10)) as r:
                await r.read()
                ok = r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        got.probes.append(time.monotonic() - began)
        got.probe_failures += not ok
        n += 1
        await asyncio.sleep(0.25)


def _arrived(got: Figures, known: dict[int, str], since: float) -> list[float]:
    return sorted(
        next((t for t, v in got.arrivals[n] if t >= since and v != known[n]), float("inf")) - since
        for n in known
    )


def _reader(conn: Connection, urls: list[tuple[int, str]], spacing: float) -> None:
    """A process of its own that holds some of the pages' streams (one Python process cannot read ten
    thousand streams and time them without its own delay in the figures) and answers the main one."""
    uvloop.run(_read(conn, urls, spacing))


async def _read(conn: Connection, urls: list[tuple[int, str]], spacing: float) -> None:
    got, stop, asks = Figures(), asyncio.Event(), asyncio.Queue()  # type: ignore[var-annotated]
    asyncio.get_running_loop().add_reader(conn.fileno(), lambda: asks.put_nowait(conn.recv()))
    known: dict[int, str] = {}
    conn.send("ready")
    await asks.get()  # "go": every reader is up, and the main process starts its pages
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        tasks = []
        for n, url in urls:
            tasks.append(asyncio.create_task(stream(session, url, n, got, stop)))
            await asyncio.sleep(spacing)
        while (ask := await asks.get())[0] != "stop":
            if ask[0] == "open":
                conn.send(sum(1 for seen in got.arrivals.values() if seen))
            elif ask[0] == "known":
                known = {n: seen[-1][1] for n, seen in got.arrivals.items() if seen}
                conn.send(len(known))
            elif ask[0] == "done":
                conn.send(all(got.arrivals[n][-1][1] != known[n] for n in known))
            else:  # "since"
                conn.send(_arrived(got, known, ask[1]))
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(got.refused)


class Readers:
    """The processes that hold the streams, and the questions the main one asks them."""

    def __init__(self, urls: list[str], count: int) -> None:
        spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: no event loop inherited
        self.ends: list[Connection] = []
        for part in range(count):
            mine, theirs = spawn.Pipe()
            share = [(n, url) for n, url in enumerate(urls) if n % count == part]
            spacing = BOOT_SECONDS / max(1, len(share))
            spawn.Process(target=_reader, args=(theirs, share, spacing), daemon=True).start()
            self.ends.append(mine)
        for end in self.ends:  # started (an interpreter's imports are a burst of CPU) before any probe
            end.recv()
        for end in self.ends:
            end.send(("go",))

    async def ask(self, *question: object) -> list[Any]:
        for end in self.ends:
            end.send(question)
        return [await asyncio.to_thread(end.recv) for end in self.ends]

    async def edit(self, work, database_url: str) -> list[float]:  # type: ignore[no-untyped-def]
        """How long after ``work`` each open stream had a new version (inf: not within 10 s)."""
        await self.ask("known")
        since = time.monotonic()
        await asyncio.to_thread(work, database_url)
        while time.monotonic() < since + 10 and not all(await self.ask("done")):
            await asyncio.sleep(0.05)
        return sorted(delay for part in await self.ask("since", since) for delay in part)


def reload_every_screen(database_url: str) -> None:
    state = State(database_url)
    state.reload_all([*state.rows(), *(f"bench-{n:03d}" for n in range(FLEET))])


async def run(count: int, web: str, events: str, keys: dict[str, str], old_page: bool, seconds: float,
              database_url: str, cpu) -> dict[str, float]:  # type: ignore[no-untyped-def]  # fmt: skip
    got, stop = Figures(), asyncio.Event()
    screens = sorted(keys)
    readers = Readers([f"{events}/kiosk/{screens[n % len(screens)]}/events" for n in range(count)], READERS)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    beats_before = await asyncio.to_thread(beats_counted, database_url)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        tasks = [asyncio.create_task(probes(session, web, got, stop))]
        for n in range(count):  # the streams are the readers' (they open theirs over the same 20 s)
            screen = screens[n % len(screens)]
            tasks.append(
                asyncio.create_task(requests(session, web, screen, keys[screen], old_page, got, stop))
            )
            await asyncio.sleep(BOOT_SECONDS / count)
        await asyncio.sleep(3)
        open_streams = sum(await readers.ask("open"))
        before, started = cpu(), time.monotonic()
        await asyncio.sleep(seconds)
        used, window = cpu() - before, time.monotonic() - started
        reloads = await readers.edit(reload_every_screen, database_url)
        await asyncio.sleep(2)
        saves = await readers.edit(change_a_programme, database_url)
        got.refused = sum(await readers.ask("stop"))
        stop.set()
        tasks[0].cancel()  # the probes
        # A heartbeat on its way is waited for (its page would have its answer); no other is sent.
        await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(2)
    counted = await asyncio.to_thread(beats_counted, database_url) - beats_before
    probes_sorted = sorted(got.probes)

    def at(values: list[float], share: float) -> float:
        return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")

    return {
        "cpu": 100 * used / window / 2, "open": open_streams, "refused": got.refused,
        "probe_p99": 1000 * at(probes_sorted, 0.99), "probe_failures": got.probe_failures,
        "probes": len(got.probes), "reload_p95": at(reloads, 0.95), "reload_all": at(reloads, 1.0),
        "save_p95": at(saves, 0.95), "save_all": at(saves, 1.0), "edited": len(saves),
        "beats_taken": got.beats_taken, "beats_counted": counted,
        "beats_failed": got.beats_failed, "polls": got.polls,
    }  # fmt: skip


def keys_for(database_url: str, ids: list[str]) -> dict[str, str]:
    moment = dt.datetime.now(dt.UTC)
    state = State(database_url)
    return {screen: new_key(state, screen, moment) for screen in ids}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def children(pid: int) -> list[int]:
    """Every process under ``pid`` (the workers, and the stream process), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child, of in parents.items():
            if of == parent:
                found.append(child)
                todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _listening(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server ended with {server.returncode} before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after a minute")


def main_scale(counts: list[int], designs: list[str], seconds: float, database_url: str, folder: str,
               token: str) -> None:  # fmt: skip
    print(f"`gunicorn -c python:web.production` (5 gthread workers × 100 threads) on one "
          f"{sa.make_url(database_url).get_backend_name()} database; {FLEET} screens; "
          f"{seconds:g} s of steady load after a 20 s boot.\n")  # fmt: skip
    print("| design | pages | streams open | server CPU (% of 2 cores) | /healthz and /calendar.ics p99 | "
          "probe failures | reload: p95 / all | programme change: p95 / all | heartbeats taken / counted | "
          "refused streams |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for design in designs:
        for count in counts:
            web_port, stream_port = free_port(), free_port()
            env = {**os.environ, "QUALITY_MONTH_DATABASE_URL": database_url, "QUALITY_MONTH_ADMIN_TOKEN": token,
                   "QUALITY_MONTH_POSTER_DIR": f"{folder}/posters", "QUALITY_MONTH_SCHEDULER": "0",
                   "QUALITY_MONTH_BIND": f"127.0.0.1:{web_port}", "QUALITY_MONTH_WORKERS": "5",
                   "QUALITY_MONTH_THREADS": "100", "QUALITY_MONTH_STREAM_BIND": f"127.0.0.1:{stream_port}",
                   "QUALITY_MONTH_PUBLIC_URL": f"http://127.0.0.1:{web_port}/",
                   "QUALITY_MONTH_INSTANCE_PATH": f"{folder}/{design}-{count}"}  # fmt: skip
            if design == "threads":
                env |= {"QUALITY_MONTH_STREAMS": "0", "QUALITY_MONTH_THREAD_STREAMS": "100"}
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:web.production", "--log-level", "error"],
                cwd=ROOT, env=env,
            )  # fmt: skip
            try:
                _listening(web_port, server)
                if design == "streams":
                    _listening(stream_port, server)
                ids = bench_fleet(database_url)
                time.sleep(2)  # every process takes the new fleet version within a second
                keys = keys_for(database_url, ids)
                pids = [server.pid, *children(server.pid)]
                events = f"http://127.0.0.1:{stream_port if design == 'streams' else web_port}"
                r = uvloop.run(run(count, f"http://127.0.0.1:{web_port}", events, keys, design == "threads",
                                    seconds, database_url, functools.partial(cpu_seconds, pids)))  # fmt: skip
            finally:
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            print(f"| {design} | {count} | {r['open']} | {r['cpu']:.1f}% | {r['probe_p99']:.0f} ms | "
                  f"{r['probe_failures']} of {r['probes']} | {r['reload_p95']:.2f} s / {r['reload_all']:.2f} s | "
                  f"{r['save_p95']:.2f} s / {r['save_all']:.2f} s | {r['beats_taken']} / {r['beats_counted']} | "
                  f"{r['refused']} |", flush=True)  # fmt: skip
