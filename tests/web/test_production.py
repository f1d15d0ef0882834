"""The production command, ``gunicorn -c python:web.production``: several web workers and exactly one
scheduler process beside them, state shared through the one database, and the scheduler stopped with
the server. On PostgreSQL the scheduler's lock holds across machines too (an advisory lock)."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from generators.loader import load_campaign
from tests.conftest import TINY, TINY_FLEET, screen_keys
from tests.web.live import first_answer
from web.scheduler import release_database_lock, take_database_lock

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children(pid: int) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent) == pid:
            found.append((int(entry.name), command))
    return found


@contextlib.contextmanager
def started(tmp_path: Path, data: Path = TINY, **extra: str) -> Iterator[dict[str, object]]:
    """The production command on a free port of 127.0.0.1, answering; stopped after."""
    port = free_port()
    env = {
        **os.environ,
        "QUALITY_MONTH_BIND": f"127.0.0.1:{port}",
        "QUALITY_MONTH_STREAM_BIND": f"127.0.0.1:{free_port()}",
        "QUALITY_MONTH_WORKERS": "3",
        "QUALITY_MONTH_THREADS": "8",
        "QUALITY_MONTH_INSTANCE_PATH": str(tmp_path / "instance"),
        "QUALITY_MONTH_DATA_DIR": str(data),
        "QUALITY_MONTH_ADMIN_TOKEN": "production-token",
        "QUALITY_MONTH_PUBLIC_URL": "https://quality-month.example.org/",
        **extra,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.production"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # The server's log is read as it comes: a pipe nobody reads fills, and then the server (its
    # supervisor thread, its scheduler) blocks on its next line.
    log: collections.deque[bytes] = collections.deque(maxlen=2000)
    assert server.stdout is not None
    reader = threading.Thread(target=lambda: log.extend(server.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        assert server.poll() is None, b"".join(log).decode()[-3000:]
        assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
        time.sleep(0.3)
    try:
        yield {"server": server, "url": url, "env": env, "log": log}
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        reader.join(timeout=30)  # the log read to its end before the pipe is closed
        assert server.stdout is not None
        server.stdout.close()


@pytest.fixture
def production(tmp_path: Path) -> Iterator[dict[str, object]]:
    with started(tmp_path) as running:
        yield running


def processes_of(
    server: subprocess.Popen[bytes], workers: int, schedulers: int
) -> tuple[list[int], list[int]]:
    """The server's workers and schedulers, once there are that many of each (a guard of 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        found = children(server.pid)
        web = [pid for pid, command in found if "web.cli s" not in command]  # not scheduler, not streams
        jobs = [pid for pid, command in found if "web.cli scheduler" in command]
        if len(web) == workers and len(jobs) == schedulers:
            return web, jobs
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def statuses(url: str, count: int = 12) -> list[str]:
    """The status of ``count`` answers of /healthz (spread over the workers), or "unreachable"."""
    found = []
    for _ in range(count):
        try:
            found.append(str(health(url)["status"]))
        except OSError:
            found.append("unreachable")
    return found


def health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        assert response.status == 200
        found: dict[str, object] = json.load(response)
        return found


def test_several_workers_and_one_scheduler(production: dict[str, object]) -> None:
    server = production["server"]
    assert isinstance(server, subprocess.Popen)
    deadline = time.monotonic() + 30
    while True:
        processes = children(server.pid)
        workers = [pid for pid, command in processes if "web.cli s" not in command]  # nor streams
        schedulers = [pid for pid, command in processes if "web.cli scheduler" in command]
        if len(workers) == 3 and len(schedulers) == 1:
            break
        assert time.monotonic() < deadline, processes
        time.sleep(0.3)
    # Each worker answers from the one database: what one records, all see.
    url = str(production["url"])
    env = production["env"]
    assert isinstance(env, dict)
    state = Path(env["QUALITY_MONTH_INSTANCE_PATH"]) / "state.sqlite"
    east = screen_keys(f"sqlite:///{state}", ["hq-lobby-east"])["hq-lobby-east"]
    for n in range(12):
        request = urllib.request.Request(
            f"{url}/kiosk/hq-lobby-east/heartbeat", method="POST",
            data=json.dumps({"showing": f"slide-{n}", "version": "v"}).encode(),
            headers={"Content-Type": "application/json", **east},
        )  # fmt: skip
        with urllib.request.urlopen(request) as response:
            assert response.status == 204
    for _ in range(6):
        with urllib.request.urlopen(url + "/screens.json") as response:
            screen = json.load(response)["screens"][0]
        assert screen["id"] == "hq-lobby-east" and screen["showing"] == "slide-11"
    # A second scheduler on the same instance is refused, and says why.
    second = subprocess.run(
        [sys.executable, "-m", "web.cli", "scheduler", "--data", str(TINY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 1 and "already runs the scheduler" in second.stderr
    # Stopping the server stops its scheduler.
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    for pid in schedulers:
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists()


def test_the_database_lock_is_one_holder_across_processes(database_url: str) -> None:
    assert take_database_lock(database_url)
    other = subprocess.run(
        [sys.executable, "-c", f"from web.scheduler import take_database_lock as t; print(t({database_url!r}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    holds_across_machines = database_url.startswith("postgresql")
    assert other.stdout.strip() == ("False" if holds_across_machines else "True"), other.stderr
    release_database_lock(database_url)
    again = subprocess.run(
        [sys.executable, "-c", f"from web.scheduler import take_database_lock as t; print(t({database_url!r}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.stdout.strip() == "True", again.stderr


def test_a_scheduler_that_loses_the_database_lock_pauses(database_url: str, tmp_path: Path) -> None:
    """After a database restart (here: its connection ended by the server), another machine may hold the
    lock: the scheduler that lost it stops scheduling, and resumes when it holds it again."""
    from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

    from web.scheduler import _DATABASE_LOCKS, build, holds_database_lock, keep_lock

    scheduler = build(
        database_url, timezone=dt.UTC, data_dir=TINY, poster_dir=tmp_path / "posters",
        base_url="http://127.0.0.1:8000/", daypart_times=set(),
    )  # fmt: skip
    scheduler.resume()
    try:
        assert take_database_lock(database_url)
        if not database_url.startswith("postgresql"):
            # SQLite is one machine's file: the lock file covers it, and there is nothing to lose.
            assert holds_database_lock(database_url) and keep_lock(scheduler, database_url)
            assert scheduler.state == STATE_RUNNING
            return
        assert keep_lock(scheduler, database_url) and scheduler.state == STATE_RUNNING
        _, connection = _DATABASE_LOCKS[database_url]
        pid = connection.exec_driver_sql("select pg_backend_pid()").scalar()
        connection.commit()
        admin = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        with admin.begin() as other:
            other.exec_driver_sql(f"select pg_terminate_backend({pid})")
        admin.dispose()
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys; from web.scheduler import take_database_lock as t;"
             f"print(t({database_url!r}), flush=True); sys.stdin.read()"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stdout.readline().strip() == "True"  # type: ignore[union-attr]
            assert not keep_lock(scheduler, database_url)
            assert scheduler.state == STATE_PAUSED
        finally:
            holder.stdin.close()  # type: ignore[union-attr]
            holder.wait(timeout=30)
            holder.stdout.close()  # type: ignore[union-attr]
        assert keep_lock(scheduler, database_url) and scheduler.state == STATE_RUNNING
    finally:
        scheduler.shutdown(wait=False)
        release_database_lock(database_url)


def test_a_worker_restarted_on_broken_data_boots_on_the_last_good(tmp_path: Path) -> None:
    """The data on disk breaks while the site runs; a worker is killed (a crash, the OOM killer), then the
    server reloads (HUP): every worker boots on the last good data and says so, the site answers."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data / "2030")
    shutil.copy(TINY_FLEET, data / "screens.toml")
    with started(tmp_path, data) as running:
        server, url = running["server"], str(running["url"])
        assert isinstance(server, subprocess.Popen)
        workers, _ = processes_of(server, 3, 1)
        assert health(url)["status"] == "ok"
        # gunicorn's control socket is this instance's, not one per user shared by every instance.
        assert (tmp_path / "instance" / "gunicorn.ctl").exists()
        (data / "2030" / "activities.toml").write_text("[[activity]\nbroken", encoding="utf-8")
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while workers[0] in (found := processes_of(server, 3, 1)[0]) or len(found) < 3:
            assert time.monotonic() < deadline
        while "degraded" not in (seen := statuses(url)):  # the new worker: on the last good data
            assert time.monotonic() < deadline, seen
        server.send_signal(signal.SIGHUP)  # systemctl reload: every worker anew
        deadline = time.monotonic() + 30
        while set(seen := statuses(url)) != {"degraded"}:
            assert server.poll() is None, b"".join(running["log"]).decode()[-4000:]  # type: ignore[arg-type]
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        answer = health(url)
        expected = len(load_campaign(TINY).activities)
        assert answer["activities"] == expected and answer["serving"] == "the last good data"
        assert any("activities.toml" in str(e) for e in answer["data_errors"])  # type: ignore[attr-defined]
        with urllib.request.urlopen(url + "/calendar.ics", timeout=5) as response:
            assert response.status == 200 and b"BEGIN:VEVENT" in response.read()


def test_the_scheduler_is_restarted_and_dies_with_the_server(tmp_path: Path) -> None:
    with started(tmp_path) as running:
        server = running["server"]
        assert isinstance(server, subprocess.Popen)
        _, (scheduler,) = processes_of(server, 3, 1)
        os.kill(scheduler, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            _, found = processes_of(server, 3, 1)
            if found[0] != scheduler:
                break
            assert time.monotonic() < deadline, "the scheduler was not started again"
        again = found[0]
        # The server killed outright (no on_exit): its scheduler goes with it.
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 20
        while (
            Path(f"/proc/{again}").exists()
            and "Z" not in Path(f"/proc/{again}/stat").read_text().split(") ")[1][:1]
        ):
            assert time.monotonic() < deadline, "the scheduler outlived the server"
            time.sleep(0.1)


def test_production_needs_a_public_url(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QUALITY_MONTH_PUBLIC_URL", "QUALITY_MONTH_TRUSTED_HOSTS")
    }
    env |= {"QUALITY_MONTH_BIND": f"127.0.0.1:{free_port()}", "QUALITY_MONTH_INSTANCE_PATH": str(tmp_path),
            "QUALITY_MONTH_WORKERS": "1"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0 and "PUBLIC_URL is not configured" in done.stdout + done.stderr


_OPENED: list[Any] = []


def _open_stream(port: int, screen: str) -> tuple[int, dict[str, str], Any]:
    """A stream asked of 127.0.0.1:``port``: its status, headers, and (when 200) the response to read
    (closed, with its connection, by :func:`_close_streams`)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.request("GET", f"/kiosk/{screen}/events")
    response = connection.getresponse()
    _OPENED.extend((response, connection))
    return response.status, dict(response.getheaders()), response


def _close_streams() -> None:
    while _OPENED:
        _OPENED.pop().close()


def _next_version(response: Any) -> str:
    while True:
        line = response.fp.readline()
        assert line, "the stream ended"
        if line.startswith(b"data:"):
            return str(line[5:].strip().decode())


def test_every_stream_slot_taken_and_pages_still_answer(tmp_path: Path) -> None:
    """The production setup with every stream slot taken (the event loop's and the workers' threads'):
    a new stream is 503 with Retry-After, while pages, feeds and heartbeats answer at once, and the held
    streams still get an edit."""
    extra = {"QUALITY_MONTH_STREAM_LIMIT": "4", "QUALITY_MONTH_THREAD_STREAMS": "1"}
    with started(tmp_path, **extra) as running, contextlib.ExitStack() as cleanup:
        cleanup.callback(_close_streams)
        env, url = running["env"], str(running["url"])
        assert isinstance(env, dict)
        stream_port = int(env["QUALITY_MONTH_STREAM_BIND"].rsplit(":", 1)[1])
        web_port = int(url.rsplit(":", 1)[1])
        first_answer(f"http://127.0.0.1:{stream_port}/healthz", running["server"])  # type: ignore[arg-type]
        held = []
        for _ in range(4):
            status, _, response = _open_stream(stream_port, "hq-lobby-east")
            assert status == 200
            held.append((response, _next_version(response)))
        status, headers, _ = _open_stream(stream_port, "hq-lobby-east")
        assert status == 503 and 15 <= int(headers["Retry-After"]) <= 45
        # The workers' own threads for streams (one a worker here) taken too: the rest refused.
        answers = [_open_stream(web_port, "hq-lobby-east") for _ in range(12)]
        assert sum(1 for status, _, _ in answers if status == 200) <= 3
        assert any(status == 503 for status, _, _ in answers)
        state = Path(env["QUALITY_MONTH_INSTANCE_PATH"]) / "state.sqlite"
        east = screen_keys(f"sqlite:///{state}", ["hq-lobby-east"])["hq-lobby-east"]
        for path in ("/healthz", "/calendar.ics", "/kiosk/hq-lobby-east/programme.json", "/screens.json") * 3:
            with urllib.request.urlopen(url + path, timeout=5) as answer:
                assert answer.status == 200, path
        beat = urllib.request.Request(
            f"{url}/kiosk/hq-lobby-east/heartbeat", method="POST", data=b'{"showing":"theme","version":"v"}',
            headers={"Content-Type": "application/json", **east},
        )  # fmt: skip
        with urllib.request.urlopen(beat, timeout=5) as answer:
            assert answer.status == 204
        reload = urllib.request.Request(f"{url}/screens/hq-lobby-east/reload", method="POST",
                                        headers={"Authorization": "Bearer production-token"})  # fmt: skip
        with urllib.request.urlopen(reload, timeout=5) as answer:
            assert answer.status == 200
        for response, version in held:  # pushed on the event loop to every stream it holds
            assert _next_version(response) != version
