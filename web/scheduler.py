"""The scheduler: APScheduler 3 in exactly one process, with a persistent job store.

Jobs have fixed ids, so a restart neither loses nor doubles them: a job whose trigger and arguments
are unchanged keeps the next run the store has for it (re-adding it would reset that and skip a run
missed while the process was down); they coalesce missed runs into one and never run twice at once. A
run missed while the server was down is made up on start within an hour (``misfire_grace_time``),
which covers a restart at midnight. Jobs:

- ``nightly-render`` at 00:00 in the campaign's zone: bring the whole poster set up to date (a render of
  a cached set re-draws only what changed; the programmes of the coming days follow from the data and
  the clock, so publishing them is the posters);
- ``daypart-HHMM-days`` at each day-part boundary of the fleet: note the switch of programmes for the
  dashboard (screens switch by themselves, from the timeline they hold);
- ``mark-offline`` every minute: record since when a silent screen has been offline.

The job store is the table ``apscheduler_jobs`` in the database of ``DATABASE_URL``, beside the screens'
state; the jobs get that URL as a plain string (they are pickled into the store) and use this process's
one engine for it.

Several web workers must still give one scheduler: the process that takes an exclusive lock on
``scheduler.lock`` in the instance folder runs it; the others do not (APScheduler's FAQ explains why
two schedulers must never share a job store). On PostgreSQL it also takes an advisory lock in the
database, held by a connection of its own for the process's life, so that machines sharing the database
run one scheduler between them, whichever starts it. The lock lives on that connection: if the
database restarts or drops it, another machine may take it, so it is checked every 30 s (and the
connection has TCP keepalives); a scheduler that has lost it pauses until it holds it again.

The jobs read the clock through ``now()`` (``CLOCK``), which a rehearsal of the campaign replaces.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from generators.fleet import Fleet
from generators.model import Campaign
from generators.posters.batch import render_set
from generators.programme import OFFLINE_AFTER, daypart_times
from web.context import public_url
from web.live import live
from web.state import engine_for, fleet_event, screen_state, upsert

log = logging.getLogger("quality_month.scheduler")

_LOCK: IO[str] | None = None
#: The key of the scheduler's advisory lock on PostgreSQL (any fixed 64-bit number will do).
ADVISORY_KEY = 0x51_4D_53_43_48_45_44  # "QMSCHED"
_DATABASE_LOCKS: dict[str, Any] = {}
#: How often a scheduler makes sure that it still holds the database's lock.
LOCK_CHECK_SECONDS = 30.0


def _wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: The clock the jobs read: the wall clock, or a rehearsal's simulated one.
CLOCK: list[Callable[[], dt.datetime]] = [_wall_clock]


def now() -> dt.datetime:
    return CLOCK[0]()


def take_lock(instance: Path) -> bool:
    """Take the scheduler's lock for this process (kept for its life); ``False`` if another has it."""
    global _LOCK
    if _LOCK is not None:
        return True
    instance.mkdir(parents=True, exist_ok=True)
    handle = open(instance / "scheduler.lock", "a+")  # noqa: SIM115 - held open for the process's life
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _LOCK = handle
    return True


def take_database_lock(url: str) -> bool:
    """Take the scheduler's lock in the database, for this process's life: an advisory lock on
    PostgreSQL (``False`` if another process, on any machine, holds it); nothing to take on SQLite, a
    file that one machine's processes share and the file lock covers."""
    if url in _DATABASE_LOCKS:
        return True
    if sa.make_url(url).get_backend_name() != "postgresql":
        return True
    # A connection of its own, with TCP keepalives, so that a dead database is noticed.
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool,
        connect_args={"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                      "keepalives_count": 3},
    )  # fmt: skip
    try:
        connection = engine.connect()
        taken = bool(connection.exec_driver_sql(f"select pg_try_advisory_lock({ADVISORY_KEY})").scalar())
        connection.commit()
    except sa.exc.SQLAlchemyError as exc:
        log.warning("cannot take the scheduler's lock in the database: %s", exc)
        engine.dispose()
        return False
    if not taken:
        connection.close()
        engine.dispose()
        return False
    _DATABASE_LOCKS[url] = (engine, connection)
    return True


def holds_database_lock(url: str) -> bool:
    """Whether this process still holds the scheduler's lock in the database (always on SQLite). A lock
    whose connection has gone (the database restarted, an administrator ended it) is released here."""
    if sa.make_url(url).get_backend_name() != "postgresql":
        return True
    held = _DATABASE_LOCKS.get(url)
    if held is None:
        return False
    engine, connection = held
    high, low = ADVISORY_KEY >> 32, ADVISORY_KEY & 0xFFFFFFFF
    try:
        found = connection.exec_driver_sql(
            "select exists(select 1 from pg_locks where locktype = 'advisory' and granted"
            f" and pid = pg_backend_pid() and classid = {high} and objid = {low} and objsubid = 1)"
        ).scalar()
        connection.commit()
    except sa.exc.SQLAlchemyError as exc:
        log.warning("the database's connection of the scheduler's lock is gone: %s", exc)
        found = False
    if not found:
        _DATABASE_LOCKS.pop(url, None)
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            connection.close()
        engine.dispose()
    return bool(found)


def keep_lock(scheduler: BaseScheduler, url: str) -> bool:
    """Check the database's lock once: pause the scheduler if it was lost (another machine may run the
    jobs now), resume it when it is taken again. ``True`` while it is held."""
    if holds_database_lock(url) or take_database_lock(url):
        if scheduler.state == STATE_PAUSED:
            log.warning("the scheduler's lock in the database is held again: scheduling resumes")
            scheduler.resume()
        return True
    if scheduler.state == STATE_RUNNING:
        log.error("the scheduler's lock in the database was lost: scheduling paused until it is held again")
        scheduler.pause()
    return False


def watch_lock(scheduler: BaseScheduler, url: str, stop: threading.Event) -> threading.Thread:
    """Check the database's lock every ``LOCK_CHECK_SECONDS`` until ``stop`` is set."""

    def run() -> None:
        while not stop.wait(LOCK_CHECK_SECONDS):
            keep_lock(scheduler, url)

    thread = threading.Thread(target=run, name="scheduler-lock", daemon=True)
    thread.start()
    return thread


def release_database_lock(url: str) -> None:
    held = _DATABASE_LOCKS.pop(url, None)
    if held is not None:
        engine, connection = held
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            connection.exec_driver_sql(f"select pg_advisory_unlock({ADVISORY_KEY})")
            connection.close()
        engine.dispose()


# --- the jobs: module-level functions with plain arguments, so the job store can keep them -----------


#: The campaign that this process serves from each data folder, for its jobs: the nightly render draws
#: the posters of the campaign the site shows, never a campaign read again from disk behind its back.
_SERVED: dict[str, Callable[[], Campaign]] = {}


def serve_campaign(data_dir: Path, campaign: Callable[[], Campaign]) -> None:
    """Say which campaign this process serves from ``data_dir`` (``start_for`` says it for its app)."""
    _SERVED[str(data_dir)] = campaign


def nightly_render(data_dir: str, poster_dir: str, base_url: str) -> int:
    """Bring the whole poster set of the served campaign up to date (only what changed is drawn); the
    number rendered."""
    served = _SERVED.get(data_dir)
    if served is None:
        raise LookupError(f"this process serves no campaign from {data_dir}: the render has nothing to draw")
    result = render_set(served(), Path(poster_dir), base_url)
    log.info("nightly render: %d rendered, %d unchanged", result.rendered, result.reused)
    return result.rendered


def note_daypart(database_url: str, label: str) -> None:
    """Record that a day-part boundary passed (the dashboard shows the last switch)."""
    engine = engine_for(database_url)
    values = {"name": "daypart", "at": now().timestamp(), "detail": label}
    with engine.begin() as connection:
        connection.execute(upsert(engine, fleet_event, values, copy=("at", "detail")))


def mark_offline(database_url: str, at: float | None = None) -> list[str]:
    """Record since when each silent screen has been offline (at ``at``, a timestamp, default now); the
    screens newly marked. The rule is :func:`generators.programme.online`'s, on the stored timestamps: a
    screen is offline once its last report is more than ``OFFLINE_AFTER`` old, and has been since then."""
    moment = now().timestamp() if at is None else at
    after = OFFLINE_AFTER.total_seconds()
    cutoff = moment - after
    c = screen_state.c
    with engine_for(database_url).begin() as connection:
        marked = connection.execute(
            screen_state.update()
            .where(c.last_seen < cutoff, c.offline_since.is_(None))
            .values(offline_since=c.last_seen + after)
            .returning(c.screen)
        ).scalars()
        newly = sorted(marked)
        connection.execute(screen_state.update().where(c.last_seen >= cutoff).values(offline_since=None))
    return newly


# --- building and starting ------------------------------------------------------------------------


def build(
    database_url: str,
    *,
    timezone: Any,
    data_dir: Path,
    poster_dir: Path,
    base_url: str,
    daypart_times: set[tuple[str, str]],
    scheduler_class: type[BaseScheduler] = BackgroundScheduler,
    executors: dict[str, Any] | None = None,
) -> BaseScheduler:
    """A scheduler on a persistent job store with every job registered, started paused (ids fixed; a
    job whose trigger and arguments are unchanged keeps its stored next run). ``scheduler_class`` and
    ``executors`` are for a rehearsal that steps the real jobs through a simulated month."""
    store = SQLAlchemyJobStore(engine=engine_for(database_url), tablename="apscheduler_jobs")
    scheduler = scheduler_class(
        jobstores={"default": store},
        executors=executors or {},
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    scheduler.start(paused=True)
    _ensure(
        scheduler, nightly_render, CronTrigger(hour=0, minute=0, timezone=timezone), "nightly-render",
        "bring the poster set up to date",
        {"data_dir": str(data_dir), "poster_dir": str(poster_dir), "base_url": base_url},
    )  # fmt: skip
    _ensure(
        scheduler, mark_offline, IntervalTrigger(minutes=1, timezone=timezone), "mark-offline",
        "mark silent screens offline", {"database_url": database_url},
    )  # fmt: skip
    ensure_dayparts(scheduler, database_url, timezone, daypart_times)
    return scheduler


def ensure_dayparts(
    scheduler: BaseScheduler, database_url: str, timezone: Any, daypart_times: set[tuple[str, str]]
) -> None:
    """A job at each day-part boundary of the fleet, and none at a boundary it no longer has (the fleet
    changes while the scheduler runs: ``start_for`` calls this again with each new version)."""
    wanted = set()
    for clock, days in sorted(daypart_times):
        hour, minute = (int(x) for x in clock.split(":"))
        job_id = f"daypart-{hour:02d}{minute:02d}-{days}"
        wanted.add(job_id)
        _ensure(
            scheduler, note_daypart,
            CronTrigger(hour=hour % 24, minute=minute, day_of_week=days, timezone=timezone),
            job_id, f"day-part boundary {clock} ({days})",
            {"database_url": database_url, "label": f"{clock} {days}"},
        )  # fmt: skip
    for job in scheduler.get_jobs():
        if job.id.startswith("daypart-") and job.id not in wanted:
            job.remove()  # a day part that the data no longer has


def _same_trigger(old: Any, new: Any) -> bool:
    if type(old) is not type(new) or str(old.timezone) != str(new.timezone):
        return False
    if isinstance(new, IntervalTrigger):
        return bool(old.interval == new.interval)  # its start moves with each construction
    return repr(old) == repr(new)


def _ensure(
    scheduler: BaseScheduler, func: Callable[..., Any], trigger: Any, job_id: str, name: str,
    kwargs: dict[str, Any],
) -> None:  # fmt: skip
    """Add a job, or replace it keeping the next run the store has for it when nothing that decides its
    runs changed: a run that came due while no scheduler ran is then still made up (within the grace
    time), where a plain ``replace_existing`` would push it to the trigger's next time."""
    try:
        old = scheduler.get_job(job_id)
    except Exception:  # a job the store cannot restore (its function gone): replaced as new
        log.warning("job %s in the store cannot be read: replaced", job_id)
        scheduler.remove_job(job_id)
        old = None
    keep = {}
    if (
        old is not None
        and old.next_run_time is not None
        and old.func is func
        and old.kwargs == kwargs
        and _same_trigger(old.trigger, trigger)
    ):
        keep = {"next_run_time": old.next_run_time}
    scheduler.add_job(func, trigger, id=job_id, name=name, replace_existing=True, kwargs=kwargs, **keep)


def start_for(app: Any) -> BaseScheduler | None:
    """Start the scheduler for an app if this process wins the lock; ``None`` if another process runs it.
    On PostgreSQL a thread checks the database's lock every ``LOCK_CHECK_SECONDS``."""
    instance = Path(app.instance_path)
    if not take_lock(instance):
        log.info("another process runs the scheduler")
        return None
    if not take_database_lock(app.config["DATABASE_URL"]):
        log.info("another machine runs the scheduler (the database's advisory lock is held)")
        return None
    fleet = app.extensions.get("fleet")
    campaign = app.extensions["campaign"]
    serve_campaign(Path(app.config["DATA_DIR"]), lambda: app.extensions["campaign"])
    scheduler = build(
        app.config["DATABASE_URL"], timezone=campaign.timezone, data_dir=Path(app.config["DATA_DIR"]),
        poster_dir=Path(app.config["POSTER_DIR"]), base_url=public_url(app),
        daypart_times=daypart_times(fleet) if fleet is not None else set(),
    )  # fmt: skip
    scheduler.resume()
    app.extensions["scheduler"] = scheduler
    watched = live(app)
    if watched is not None:  # the data changes while it runs (web/live.py)
        url, zone = app.config["DATABASE_URL"], campaign.timezone

        def new_fleet(fleet: Fleet | None) -> None:
            ensure_dayparts(scheduler, url, zone, daypart_times(fleet) if fleet is not None else set())

        def new_campaign(_: Campaign) -> None:
            # What changed is drawn now (the day posters of an activity that got a date), not at midnight.
            scheduler.modify_job("nightly-render", next_run_time=dt.datetime.now(zone))

        watched.on_fleet.append(new_fleet)
        watched.on_campaign.append(new_campaign)
    if sa.make_url(app.config["DATABASE_URL"]).get_backend_name() == "postgresql":
        stop = threading.Event()
        watch_lock(scheduler, app.config["DATABASE_URL"], stop)
        app.extensions["scheduler_lock_watch"] = stop
    return scheduler
