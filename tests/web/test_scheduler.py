"""The scheduler: jobs registered once, kept across a restart, one scheduler among several workers, and
the jobs themselves."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from generators.kiosk import load_fleet
from generators.loader import load_current
from tests.conftest import DATA, TESTS
from web.scheduler import build, daypart_times, mark_offline

ZONE = ZoneInfo("Asia/Shanghai")


def scheduler_in(folder: Path, times: set[tuple[str, str]]):  # type: ignore[no-untyped-def]
    return build(
        folder / "jobs.sqlite", timezone=ZONE, data_dir=DATA, poster_dir=folder / "posters",
        state_db=folder / "state.sqlite", base_url="http://127.0.0.1:8000/", daypart_times=times,
    )  # fmt: skip


def test_jobs_are_registered_once_and_survive_a_restart(tmp_path: Path) -> None:
    times = {("19:00", "mon,tue,wed,thu,fri,sat,sun"), ("07:00", "mon,tue,wed,thu,fri,sat,sun")}
    first = scheduler_in(tmp_path, times)
    jobs = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=False)
    assert set(jobs) == {"nightly-render", "mark-offline", "daypart-1900-mon,tue,wed,thu,fri,sat,sun",
                         "daypart-0700-mon,tue,wed,thu,fri,sat,sun"}  # fmt: skip
    night = jobs["nightly-render"].astimezone(ZONE)
    assert (night.hour, night.minute) == (0, 0)
    # A restart on the same job store: the same jobs, once each, with the same next runs.
    second = scheduler_in(tmp_path, times)
    again = {job.id: job.next_run_time for job in second.get_jobs()}
    assert len(second.get_jobs()) == len(jobs) and again["nightly-render"] == jobs["nightly-render"]
    for job in second.get_jobs():
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 3600
    second.shutdown(wait=False)
    # A day part removed from the data loses its job.
    third = scheduler_in(tmp_path, {("19:00", "mon,tue,wed,thu,fri,sat,sun")})
    assert "daypart-0700-mon,tue,wed,thu,fri,sat,sun" not in {job.id for job in third.get_jobs()}
    third.shutdown(wait=False)


def test_one_scheduler_among_several_workers(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from web.scheduler import take_lock; print(take_lock(Path(sys.argv[1])), flush=True); time.sleep(3)"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path), str(TESTS.parent)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    answers = [worker.stdout.readline().strip() for worker in workers]  # type: ignore[union-attr]
    for worker in workers:
        worker.communicate(timeout=10)
    assert sorted(answers) == ["False", "False", "True"]
    # The lock goes with its process: once they have ended, another takes it.
    late = subprocess.run([sys.executable, "-c", code.replace("time.sleep(3)", "0"), str(tmp_path), str(TESTS.parent)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert late.stdout.strip() == "True"


def test_mark_offline(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    now = time.time()
    with sqlite3.connect(db) as connection:
        connection.execute(
            "create table screen_state (screen text primary key, last_seen real, showing text, version text, reloads integer not null default 0)"
        )
        connection.execute(
            "insert into screen_state (screen, last_seen) values ('quiet', ?), ('busy', ?)",
            (now - 200, now - 10),
        )
    assert mark_offline(str(db), now) == ["quiet"]
    assert mark_offline(str(db), now) == []  # marked once
    with sqlite3.connect(db) as connection:
        since = dict(connection.execute("select screen, offline_since from screen_state").fetchall())
        assert since["quiet"] == now - 200 + 90 and since["busy"] is None
        connection.execute("update screen_state set last_seen = ? where screen = 'quiet'", (now,))
    mark_offline(str(db), now + 1)
    with sqlite3.connect(db) as connection:
        assert (
            connection.execute("select offline_since from screen_state where screen = 'quiet'").fetchone()[0]
            is None
        )


def test_day_part_boundaries_of_the_real_fleet() -> None:
    campaign = load_current(DATA)
    times = daypart_times(load_fleet(DATA / "screens.toml", campaign))
    every = "mon,tue,wed,thu,fri,sat,sun"
    assert ("19:00", every) in times and ("07:00", every) in times
    assert ("00:00", "sat,sun") in times
    assert dt.time(7) < dt.time(19)
