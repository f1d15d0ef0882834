"""The state of the fleet and the scheduler's job store, in the one database of DATABASE_URL: every test
with ``database_url`` runs on SQLite and on PostgreSQL (see ``database_url`` in conftest)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from flask import Flask

from tests.conftest import TINY, screen_keys
from web import create_app
from web.scheduler import build, mark_offline, note_daypart
from web.state import State, close_engine, engine_for
from web.state import database_url as configured_url

ZONE = ZoneInfo("Asia/Shanghai")
MOMENT = dt.datetime(2022, 9, 20, 10, 0, tzinfo=dt.UTC)
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


def table(url: str, name: str) -> list[dict[str, object]]:
    """The rows of a table, read straight from the database (sorted by their first column)."""
    with engine_for(url).connect() as connection:
        found = connection.execute(sa.text(f"select * from {name}")).mappings().all()
    return sorted((dict(row) for row in found), key=lambda row: str(next(iter(row.values()))))


def test_beat_reload_and_rows(database_url: str) -> None:
    state = State(database_url)
    assert state.rows() == {}
    state.beat("east", MOMENT, "slogan-03", "v1")
    assert state.rows() == {
        "east": {
            "last_seen": MOMENT.timestamp(),
            "showing": "slogan-03",
            "version": "v1",
            "reloads": 0,
            "beats": 1,
        }
    }
    assert state.reload("east") == 1
    assert state.reload("east") == 2
    assert state.reload("west") == 1  # a screen that never reported
    state.beat("east", MOMENT + dt.timedelta(seconds=5), "theme", "v2")  # a heartbeat keeps the reloads
    rows = state.rows()
    assert rows["east"] == {
        "last_seen": MOMENT.timestamp() + 5, "showing": "theme", "version": "v2", "reloads": 2, "beats": 2,
    }  # fmt: skip
    assert rows["west"] == {"last_seen": None, "showing": None, "version": None, "reloads": 1, "beats": 0}
    assert State(database_url).engine is state.engine  # one engine per URL in a process


def test_the_same_screen_twice_is_one_row(database_url: str) -> None:
    state = State(database_url)
    state.beat("east", MOMENT, "slogan-01", "v1")
    state.beat("east", MOMENT + dt.timedelta(seconds=30), "slogan-02", "v2")
    rows = table(database_url, "screen_state")
    assert [(r["screen"], r["showing"], r["version"], r["last_seen"]) for r in rows] == [
        ("east", "slogan-02", "v2", MOMENT.timestamp() + 30)
    ]


def test_concurrent_beats_and_reloads_from_threads(database_url: str) -> None:
    state = State(database_url)
    threads, rounds = 8, 25
    answers: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(number: int) -> None:
        try:
            start.wait()
            for n in range(rounds):
                state.beat(f"screen-{number % 3}", MOMENT + dt.timedelta(seconds=n), f"slide-{n}", "v")
                answers.append(state.reload("shared"))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    running = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=60)
    assert not errors
    # Each reload counted once, and each caller saw its own count: the increment is atomic.
    assert sorted(answers) == list(range(1, threads * rounds + 1))
    rows = state.rows()
    assert set(rows) == {"shared", "screen-0", "screen-1", "screen-2"}
    assert rows["shared"]["reloads"] == threads * rounds
    assert rows["screen-0"]["last_seen"] == MOMENT.timestamp() + rounds - 1


def test_the_dashboard_reads_and_writes_the_configured_database(database_url: str, tmp_path: Path) -> None:
    now = {"now": MOMENT}
    app = create_app({
        "TESTING": True, "DATA_DIR": TINY, "POSTER_DIR": str(tmp_path / "posters"), "DATABASE_URL": database_url,
        "ADMIN_TOKEN": "secret", "CLOCK": lambda: now["now"],
    })  # fmt: skip
    assert app.config["DATABASE_URL"] == database_url
    client = app.test_client()
    east = screen_keys(database_url, ["hq-lobby-east"])["hq-lobby-east"]
    beat = client.post(
        "/kiosk/hq-lobby-east/heartbeat", json={"showing": "slogan-03", "version": "v"}, headers=east
    )
    assert beat.status_code == 204
    screens = {s["id"]: s for s in client.get("/screens.json").json["screens"]}  # type: ignore[index]
    assert screens["hq-lobby-east"]["online"] is True and screens["hq-lobby-east"]["showing"] == "slogan-03"
    for _ in range(4):  # every heartbeat taken is counted, in the database
        assert client.post("/kiosk/hq-lobby-east/heartbeat", json={"showing": "slogan-03", "version": "v"},
                           headers=east).status_code == 204  # fmt: skip
    screens = {s["id"]: s for s in client.get("/screens.json").json["screens"]}  # type: ignore[index]
    assert screens["hq-lobby-east"]["heartbeats"] == 5 and screens["service-hall"]["heartbeats"] == 0
    assert screens["service-hall"]["online"] is False and screens["service-hall"]["last_seen"] is None
    now["now"] += dt.timedelta(seconds=91)
    screens = {s["id"]: s for s in client.get("/screens.json").json["screens"]}  # type: ignore[index]
    assert screens["hq-lobby-east"]["online"] is False
    answer = client.post("/screens/hq-lobby-east/reload", headers={"Authorization": "Bearer secret"})
    assert answer.json == {"screen": "hq-lobby-east", "reloads": 1}
    # What the app wrote is in the database of the URL, not in a file of the instance folder.
    [row] = table(database_url, "screen_state")
    assert (row["screen"], row["showing"], row["reloads"]) == ("hq-lobby-east", "slogan-03", 1)


def test_mark_offline(database_url: str) -> None:
    state = State(database_url)
    now = MOMENT.timestamp()
    state.beat("quiet", MOMENT - dt.timedelta(seconds=200), "theme", "v")
    state.beat("busy", MOMENT - dt.timedelta(seconds=10), "theme", "v")
    assert mark_offline(database_url, now) == ["quiet"]
    assert mark_offline(database_url, now) == []  # marked once
    since = {row["screen"]: row["offline_since"] for row in table(database_url, "screen_state")}
    assert since == {"quiet": now - 200 + 90, "busy": None}
    state.beat("quiet", MOMENT, "theme", "v")  # back
    assert mark_offline(database_url, now + 1) == []
    since = {row["screen"]: row["offline_since"] for row in table(database_url, "screen_state")}
    assert since == {"quiet": None, "busy": None}


def test_note_daypart(database_url: str) -> None:
    note_daypart(database_url, "07:00 mon")
    note_daypart(database_url, "19:00 mon")
    [row] = table(database_url, "fleet_event")
    assert (row["name"], row["detail"]) == ("daypart", "19:00 mon")
    assert isinstance(row["at"], float)


def scheduler_on(url: str, tmp_path: Path, times: set[tuple[str, str]]):  # type: ignore[no-untyped-def]
    return build(
        url, timezone=ZONE, data_dir=TINY, poster_dir=tmp_path / "posters", base_url="http://127.0.0.1:8000/",
        daypart_times=times,
    )  # fmt: skip


def test_the_job_store_is_in_the_database(database_url: str, tmp_path: Path) -> None:
    times = {("19:00", EVERY_DAY), ("07:00", EVERY_DAY)}
    first = scheduler_on(database_url, tmp_path, times)
    jobs = {job.id: job.next_run_time for job in first.get_jobs()}
    kwargs = {job.id: job.kwargs for job in first.get_jobs()}
    first.shutdown(wait=False)
    assert set(jobs) == {
        "nightly-render",
        "mark-offline",
        f"daypart-1900-{EVERY_DAY}",
        f"daypart-0700-{EVERY_DAY}",
    }
    assert kwargs["mark-offline"] == {"database_url": database_url}  # a plain string, pickled with the job
    night = jobs["nightly-render"].astimezone(ZONE)
    assert (night.hour, night.minute) == (0, 0)
    # The jobs are rows of apscheduler_jobs in the database of the URL, beside the screens' state.
    stored = table(database_url, "apscheduler_jobs")
    assert {row["id"] for row in stored} == set(jobs)
    assert {"screen_state", "fleet_event", "apscheduler_jobs"} <= set(
        sa.inspect(engine_for(database_url)).get_table_names()
    )
    # A restart reads them back: the same jobs, once each, with the same next runs (the every-minute
    # job too: its trigger did not change, so the run the store has is kept).
    second = scheduler_on(database_url, tmp_path, times)
    again = {job.id: job.next_run_time for job in second.get_jobs()}
    for job in second.get_jobs():
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 3600
    second.shutdown(wait=False)
    assert again == jobs
    assert len(table(database_url, "apscheduler_jobs")) == len(jobs)
    # A day part removed from the data loses its job, in the database too.
    third = scheduler_on(database_url, tmp_path, {("19:00", EVERY_DAY)})
    third.shutdown(wait=False)
    assert f"daypart-0700-{EVERY_DAY}" not in {row["id"] for row in table(database_url, "apscheduler_jobs")}


def test_a_run_missed_during_a_restart_is_kept(database_url: str, tmp_path: Path) -> None:
    """The nightly render came due ten minutes before the restart, the offline marking two minutes
    before: the new scheduler still has them due (and runs them at once, within the grace time), where
    re-adding the jobs used to push them to the next midnight and the next minute."""
    times = {("19:00", EVERY_DAY)}
    scheduler_on(database_url, tmp_path, times).shutdown(wait=False)
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # The store as the process left it when it went down: both runs due, not yet made.
    store = SQLAlchemyJobStore(engine=engine_for(database_url), tablename="apscheduler_jobs")
    for job_id, ago in (("nightly-render", 10), ("mark-offline", 2)):
        job = store.lookup_job(job_id)
        job.next_run_time = moment - dt.timedelta(minutes=ago)
        store.update_job(job)
    second = scheduler_on(database_url, tmp_path, times)
    due = {job.id: job.next_run_time for job in second.get_jobs()}
    assert due["nightly-render"] == moment - dt.timedelta(minutes=10)
    assert due["mark-offline"] == moment - dt.timedelta(minutes=2)
    second.shutdown(wait=False)
    # A job whose arguments changed (another public URL) is registered anew, from its trigger.
    third = build(
        database_url, timezone=ZONE, data_dir=TINY, poster_dir=tmp_path / "posters",
        base_url="https://elsewhere.example/", daypart_times=times,
    )  # fmt: skip
    night = third.get_job("nightly-render").next_run_time
    third.shutdown(wait=False)
    assert night > moment and night.astimezone(ZONE).time() == dt.time(0, 0)


# --- configuration (SQLite alone: which URL the app takes) -------------------------------------------


def test_the_default_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app = Flask("check", instance_path=str(tmp_path / "instance"))
    assert configured_url(app) == f"sqlite:///{tmp_path / 'instance' / 'state.sqlite'}"
    assert (tmp_path / "instance").is_dir()
    app.config["STATE_DB"] = str(tmp_path / "old.sqlite")  # the older setting: an SQLite file
    assert configured_url(app) == f"sqlite:///{tmp_path / 'old.sqlite'}"
    app.config["DATABASE_URL"] = "postgresql+psycopg://u:p@db.example/quality"
    assert configured_url(app) == "postgresql+psycopg://u:p@db.example/quality"


def test_the_environment_sets_the_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'fleet.sqlite'}"
    monkeypatch.setenv("QUALITY_MONTH_DATABASE_URL", url)
    app = create_app({"DATA_DIR": TINY, "POSTER_DIR": str(tmp_path / "posters")})
    try:
        assert app.config["DATABASE_URL"] == url
        assert app.test_client().get("/screens.json").status_code == 200  # opened on first use
        assert (tmp_path / "nested" / "fleet.sqlite").is_file()  # its folder made, its tables created
    finally:
        close_engine(url)


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="only SQLite and PostgreSQL"):
        State("mysql://user:secret@db.example/quality")


def test_an_older_state_file_keeps_its_rows_and_gains_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "create table screen_state (screen text primary key, last_seen real, showing text, version text, "
            "reloads integer not null default 0)"
        )
        connection.execute("insert into screen_state values ('east', 1663660800.0, 'theme', 'v', 2)")
    connection.close()
    url = f"sqlite:///{path}"
    try:
        state = State(url)
        assert state.rows() == {
            "east": {"last_seen": 1663660800.0, "showing": "theme", "version": "v", "reloads": 2, "beats": 0}
        }
        assert mark_offline(url, 1663660800.0 + 100) == ["east"]
        assert state.reload("east") == 3
    finally:
        close_engine(url)


def test_sqlite_waits_for_locks_and_keeps_a_write_ahead_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    try:
        with engine_for(url).connect() as connection:
            assert connection.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("pragma busy_timeout").scalar() == 10000
    finally:
        close_engine(url)


def test_reload_counts_are_kept_a_moment_and_own_changes_seen_at_once(database_url: str) -> None:
    """Open event streams ask for their screen's reload count each second: a process reads the counts
    at most once a second, and a reload from another process shows within that second."""
    one, other = State(database_url), State(database_url)
    one.reloads_max_age = 0.3
    assert one.reloads("hq-lobby-east") == 0
    other.reload("hq-lobby-east")
    assert one.reloads("hq-lobby-east") == 0  # kept
    time.sleep(0.35)
    assert one.reloads("hq-lobby-east") == 1
    assert one.reload("hq-lobby-east") == 2 and one.reloads("hq-lobby-east") == 2


def test_a_corrupt_state_file_leaves_the_rest_of_the_site_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"not a database " * 500)
    app = create_app({"TESTING": True, "DATA_DIR": TINY, "DATABASE_URL": f"sqlite:///{state}"})
    client = app.test_client()
    for path in [
        "/",
        "/calendar.ics",
        "/posters.json",
        "/kiosk/hq-lobby-east",
        "/kiosk/hq-lobby-east/programme.json",
    ]:
        assert client.get(path).status_code == 200, path
    answer = client.get("/screens.json")
    assert answer.status_code == 503 and str(tmp_path) not in answer.get_data(as_text=True)
    # A heartbeat with a key: the key cannot be checked, so 503 (without one: 401 before any query).
    beat = {"showing": "theme", "version": "v"}
    keyed = {"Authorization": "Bearer a-key"}
    assert client.post("/kiosk/hq-lobby-east/heartbeat", json=beat, headers=keyed).status_code == 503
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert logged and all(str(state) in m and "move the file away" in m and "\n" not in m for m in logged)
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    # Moved away: a new one is made at once.
    state.rename(tmp_path / "state.sqlite.bad")
    assert client.get("/screens.json").status_code == 200


def test_a_deleted_or_replaced_state_file_is_noticed_by_every_process(tmp_path: Path) -> None:
    """Two workers (two State objects and engines, as in two processes) on one file; it is deleted: both
    open the new one, and what one records the other sees (they used to split: some workers on the old,
    unlinked file, some on a new one)."""
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    first, second = State(url), State(url)
    first.beat("east", MOMENT, "theme", "v1")
    assert second.rows()["east"]["showing"] == "theme"
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        (tmp_path / name).unlink(missing_ok=True)
    first.beat("east", MOMENT, "slogan-01", "v2")
    assert second.rows()["east"]["showing"] == "slogan-01"
    assert first.rows() == second.rows()
    close_engine(url)


def test_an_older_report_written_last_does_not_replace_a_newer(database_url: str) -> None:
    """Heartbeats are written in groups, and two groups may commit in either order: the newer report
    stays, and both are counted."""
    state = State(database_url)
    state.beat("east", MOMENT + dt.timedelta(seconds=30), "slogan-02", "v2")
    state.beat("east", MOMENT, "none", "v1")  # the earlier one, written after
    row = state.rows()["east"]
    assert (row["showing"], row["version"], row["last_seen"], row["beats"]) == (
        "slogan-02", "v2", MOMENT.timestamp() + 30, 2,
    )  # fmt: skip
