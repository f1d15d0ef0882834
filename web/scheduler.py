"""The scheduler: APScheduler 3 in exactly one process, with a persistent job store.

Jobs have fixed ids and ``replace_existing``, so a restart neither loses nor doubles them; they coalesce
missed runs into one and never run twice at once. A run missed while the server was down is still
made up within an hour (``misfire_grace_time``), which covers a restart at midnight. Jobs:

- ``nightly-render`` at 00:00 in the campaign's zone: render the day's and the next day's posters (the
  programmes of the coming days follow from the data and the clock, so publishing them is the posters);
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
run one scheduler between them, whichever starts it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
from pathlib import Path
from typing import IO, Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from web.state import engine_for, fleet_event, screen_state, upsert

log = logging.getLogger("quality_month.scheduler")

OFFLINE_AFTER_SECONDS = 90
_LOCK: IO[str] | None = None
#: The key of the scheduler's advisory lock on PostgreSQL (any fixed 64-bit number will do).
ADVISORY_KEY = 0x51_4D_53_43_48_45_44  # "QMSCHED"
_DATABASE_LOCKS: dict[str, Any] = {}


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
    engine = engine_for(url)
    if engine.dialect.name != "postgresql":
        return True
    connection = engine.connect()
    taken = bool(connection.exec_driver_sql(f"select pg_try_advisory_lock({ADVISORY_KEY})").scalar())
    connection.commit()
    if not taken:
        connection.close()
        return False
    _DATABASE_LOCKS[url] = connection
    return True


def release_database_lock(url: str) -> None:
    connection = _DATABASE_LOCKS.pop(url, None)
    if connection is not None:
        connection.exec_driver_sql(f"select pg_advisory_unlock({ADVISORY_KEY})")
        connection.close()


# --- the jobs: module-level functions with plain arguments, so the job store can keep them -----------


def nightly_render(data_dir: str, poster_dir: str, base_url: str) -> int:
    """Render the posters of today and tomorrow (in the campaign's zone); the number rendered."""
    from generators.loader import load_current
    from generators.poster_set import render_set

    campaign = load_current(Path(data_dir))
    today = dt.datetime.now(campaign.timezone).date()
    wanted = {f"today-{today + dt.timedelta(days=n)}" for n in (0, 1)}
    only = lambda job: job.design in wanted or not job.design.startswith("today-")  # noqa: E731
    result = render_set(campaign, Path(data_dir), Path(poster_dir), base_url, only=only)
    log.info("nightly render: %d rendered, %d unchanged", result.rendered, result.reused)
    return result.rendered


def note_daypart(database_url: str, label: str) -> None:
    """Record that a day-part boundary passed (the dashboard shows the last switch)."""
    engine = engine_for(database_url)
    values = {"name": "daypart", "at": dt.datetime.now(dt.UTC).timestamp(), "detail": label}
    with engine.begin() as connection:
        connection.execute(upsert(engine, fleet_event, values, copy=("at", "detail")))


def mark_offline(database_url: str, now: float | None = None) -> list[str]:
    """Record since when each silent screen has been offline; the screens newly marked."""
    moment = dt.datetime.now(dt.UTC).timestamp() if now is None else now
    cutoff = moment - OFFLINE_AFTER_SECONDS
    c = screen_state.c
    with engine_for(database_url).begin() as connection:
        marked = connection.execute(
            screen_state.update()
            .where(c.last_seen < cutoff, c.offline_since.is_(None))
            .values(offline_since=c.last_seen + OFFLINE_AFTER_SECONDS)
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
) -> BackgroundScheduler:
    """A scheduler on a persistent job store with every job registered (ids fixed, replaced on restart)."""
    store = SQLAlchemyJobStore(engine=engine_for(database_url), tablename="apscheduler_jobs")
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        timezone=timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    scheduler.start(paused=True)
    scheduler.add_job(
        nightly_render, CronTrigger(hour=0, minute=0, timezone=timezone), id="nightly-render",
        name="render today's and tomorrow's posters", replace_existing=True,
        kwargs={"data_dir": str(data_dir), "poster_dir": str(poster_dir), "base_url": base_url},
    )  # fmt: skip
    scheduler.add_job(
        mark_offline, IntervalTrigger(minutes=1, timezone=timezone), id="mark-offline",
        name="mark silent screens offline", replace_existing=True, kwargs={"database_url": database_url},
    )  # fmt: skip
    wanted = set()
    for clock, days in sorted(daypart_times):
        hour, minute = (int(x) for x in clock.split(":"))
        job_id = f"daypart-{hour:02d}{minute:02d}-{days}"
        wanted.add(job_id)
        scheduler.add_job(
            note_daypart, CronTrigger(hour=hour % 24, minute=minute, day_of_week=days, timezone=timezone),
            id=job_id, name=f"day-part boundary {clock} ({days})", replace_existing=True,
            kwargs={"database_url": database_url, "label": f"{clock} {days}"},
        )  # fmt: skip
    for job in scheduler.get_jobs():
        if job.id.startswith("daypart-") and job.id not in wanted:
            job.remove()  # a day part that the data no longer has
    return scheduler


def daypart_times(fleet: Any) -> set[tuple[str, str]]:
    """The fleet's day-part boundaries as (HH:MM, APScheduler day_of_week) pairs."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    found = set()
    for screen in fleet.screens:
        for part in screen.dayparts:
            days = ",".join(names[d] for d in sorted(part.days))
            found.add((part.start.strftime("%H:%M"), days))
            if part.end is not None:
                shifted = (
                    sorted((d + 1) % 7 for d in part.days) if part.crosses_midnight else sorted(part.days)
                )
                end_days = ",".join(names[d] for d in shifted)
                found.add((part.end.strftime("%H:%M"), end_days))
    return found


def start_for(app: Any) -> BackgroundScheduler | None:
    """Start the scheduler for an app if this process wins the lock; ``None`` if another process runs it."""
    instance = Path(app.instance_path)
    if not take_lock(instance):
        log.info("another process runs the scheduler")
        return None
    if not take_database_lock(app.config["DATABASE_URL"]):
        log.info("another machine runs the scheduler (the database's advisory lock is held)")
        return None
    fleet = app.extensions.get("fleet")
    campaign = app.extensions["campaign"]
    scheduler = build(
        app.config["DATABASE_URL"], timezone=campaign.timezone, data_dir=Path(app.config["DATA_DIR"]),
        poster_dir=Path(app.config["POSTER_DIR"]),
        base_url=app.config.get("PUBLIC_URL") or "http://127.0.0.1:8000/",
        daypart_times=daypart_times(fleet) if fleet is not None else set(),
    )  # fmt: skip
    scheduler.resume()
    app.extensions["scheduler"] = scheduler
    return scheduler
