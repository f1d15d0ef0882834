"""The state of the fleet: what each screen last reported, how often it was asked to reload, and
fleet-wide events, in the one database of ``DATABASE_URL`` (SQLite by default, PostgreSQL for a fleet),
beside the scheduler's job store (web/scheduler.py). One engine per URL per process; tables made on
first use; upserts in each database's own dialect, so that concurrent writers never race.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite

metadata = sa.MetaData()
#: What each screen last reported and how often it was asked to reload: one row a screen (never grows).
screen_state = sa.Table(
    "screen_state", metadata,
    sa.Column("screen", sa.Text, primary_key=True),
    sa.Column("last_seen", sa.Double),
    sa.Column("showing", sa.Text),
    sa.Column("version", sa.Text),
    sa.Column("reloads", sa.Integer, nullable=False, server_default="0"),
    sa.Column("offline_since", sa.Double),
    sa.Column("beats", sa.BigInteger, nullable=False, server_default="0"),  # heartbeats taken, ever
)  # fmt: skip
#: Fleet-wide events by name (the last day-part switch), one row each.
fleet_event = sa.Table(
    "fleet_event", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("at", sa.Double),
    sa.Column("detail", sa.Text),
)  # fmt: skip

#: The fleet (screens, programmes, day parts, special days) as versioned documents in
#: ``screens.toml``'s form: every saved version kept, with who saved it, when and why (web/fleetstore.py).
fleet_version = sa.Table(
    "fleet_version", metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("saved_at", sa.Double, nullable=False),
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)  # fmt: skip
#: The console's staff accounts (web/staff.py): a password hash each, never the password.
staff = sa.Table(
    "staff", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)  # fmt: skip
#: Each screen's secret key, as a hash: a heartbeat must carry the key (web/kiosk.py).
screen_key = sa.Table(
    "screen_key", metadata,
    sa.Column("screen", sa.Text, primary_key=True),
    sa.Column("key_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)  # fmt: skip
#: Secrets every machine of a site shares (the session cookies' signing key), made on first use.
site_secret = sa.Table(
    "site_secret", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)  # fmt: skip

_ENGINES: dict[str, sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()


def database_url(app: Flask) -> str:
    """The configured ``DATABASE_URL``; else the older ``STATE_DB`` (an SQLite file) as a URL; else the
    instance folder's ``state.sqlite``."""
    url = app.config.get("DATABASE_URL")
    if url:
        return str(url)
    if app.config.get("STATE_DB"):
        return f"sqlite:///{app.config['STATE_DB']}"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(app.instance_path) / 'state.sqlite'}"


def engine_for(url: str) -> sa.Engine:
    """This process's one engine for a database URL, with its tables made on first use. SQLite and
    PostgreSQL are supported."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _new_engine(url)
            try:
                create_tables(engine)
            except BaseException:
                del _ENGINES[url]
                engine.dispose()
                raise
    return engine


def close_engine(url: str) -> None:
    """Close the pooled connections of a URL's engine and forget it (the next use opens a new one)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def _new_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(f"DATABASE_URL {parsed.render_as_string()}: only SQLite and PostgreSQL work")
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Wait up to 10 s for a lock instead of failing at once; let readers go on beside a writer (WAL)."""
    cursor = connection.cursor()
    cursor.execute("pragma busy_timeout = 10000")
    cursor.execute("pragma journal_mode = wal")
    cursor.close()


def _forget_engines_after_fork() -> None:
    """A forked worker must not share its parent's connections: it opens its own."""
    global _ENGINES_LOCK
    _ENGINES_LOCK = threading.Lock()
    for engine in _ENGINES.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_engines_after_fork)


def create_tables(engine: sa.Engine) -> None:
    """Create the tables that are missing, and the column that state files of older versions lack."""
    for attempt in range(10):
        try:
            metadata.create_all(engine)
            break
        except sa.exc.DBAPIError:  # another process made one of them at the same moment: look again
            if attempt == 9:
                raise
    columns = {c["name"] for c in sa.inspect(engine).get_columns("screen_state")}
    added = {"offline_since": "double precision", "beats": "bigint not null default 0"}
    for name, kind in added.items():
        if name not in columns:
            with contextlib.suppress(sa.exc.DBAPIError), engine.begin() as connection:  # or another did
                connection.execute(sa.text(f"alter table screen_state add column {name} {kind}"))


def upsert(
    engine: sa.Engine, table: sa.Table, values: dict[str, Any], *, copy: Iterable[str] = (),
    changes: dict[str, Any] | None = None,
) -> sa.Insert:  # fmt: skip
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` in the engine's dialect: the row's ``copy``
    columns take the inserted values, and ``changes`` apply to it (one statement, so no race)."""
    insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(values)
    update = {name: statement.excluded[name] for name in copy} | (changes or {})
    found: sa.Insert = statement.on_conflict_do_update(index_elements=list(table.primary_key), set_=update)
    return found


class StateUnavailable(RuntimeError):
    """The state database cannot be used: the message names it, the reason and the fix, in one line."""


def _identity(path: str | None) -> tuple[int, int] | None:
    try:
        found = os.stat(path) if path else None
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if found else None


class _Batch:
    """Heartbeats written in one transaction: set when written, with the error if it failed."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: StateUnavailable | None = StateUnavailable("the heartbeats were not written")


class State:
    """What screens last reported, one row per screen, in the database of ``DATABASE_URL``.

    Nothing else of the site needs it, so it is opened on first use, and a database that cannot be used
    (a corrupt SQLite file, a server out of reach) raises ``StateUnavailable`` naming it, which the app
    answers 503 for the live routes only. An SQLite file deleted or replaced while the site runs is
    noticed at the next use (its device and inode changed) and opened again, in every process alike.
    """

    #: How long a process keeps the reload counts: every open event stream asks for its screen's count
    #: each second, and 500 screens must cost two queries a second, not 500. An edit still reaches every
    #: screen within two seconds (this, plus a stream's check each second).
    RELOADS_MAX_AGE = 0.5
    #: How long the first of a group of heartbeats waits for others to write with it, in seconds: at
    #: 300 heartbeats a second, fifteen share a transaction.
    BEAT_GATHER = 0.05

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = sa.make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):  # a mistake of the configuration
            raise ValueError(f"DATABASE_URL {parsed.render_as_string()}: only SQLite and PostgreSQL work")
        self.file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        self.where = self.file or parsed.render_as_string(hide_password=True)
        self._opened: tuple[int, int] | None = None
        self._reloads: tuple[float, dict[str, int]] | None = None
        self.reloads_max_age = self.RELOADS_MAX_AGE
        self._reloads_lock = threading.Lock()
        self._beats_lock = threading.Lock()
        self._beats_pending: dict[str, dict[str, Any]] = {}
        self._beats_batch: _Batch | None = None

    @property
    def engine(self) -> sa.Engine:
        if self.file and self._opened is not None and _identity(self.file) != self._opened:
            close_engine(self.url)  # deleted or replaced: open what is there now (a new file if none)
            self._opened = None
        try:
            engine = engine_for(self.url)
        except sa.exc.SQLAlchemyError as exc:
            raise self.unavailable(exc) from None
        if self.file and self._opened is None:
            self._opened = _identity(self.file)
        return engine

    def unavailable(self, exc: BaseException) -> StateUnavailable:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fix = (
            "move the file away (a new one is made at once) or restore it from a backup"
            if self.file else "check DATABASE_URL and that the database answers"
        )  # fmt: skip
        return StateUnavailable(f"the state database {self.where} cannot be used ({reason}): {fix}")

    def run(self, work: Any) -> Any:
        """``work(engine)``, with a database that cannot be used raised as ``StateUnavailable``."""
        try:
            return work(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise self.unavailable(exc) from None

    def reloads(self, screen: str) -> int:
        """A screen's reload count, as of at most ``reloads_max_age`` seconds ago (``RELOADS_MAX_AGE``
        unless the process says otherwise: the stream process asks as often as it checks)."""
        with self._reloads_lock:
            kept = self._reloads
            if kept is None or time.monotonic() - kept[0] > self.reloads_max_age:
                counts = {name: row["reloads"] for name, row in self.rows().items()}
                kept = self._reloads = (time.monotonic(), counts)
        return kept[1].get(screen, 0)

    def beat(self, screen: str, moment: dt.datetime, showing: str, version: str) -> None:
        """Record a heartbeat; it is in the database when this returns. Heartbeats that come together
        are written together (a group commit): the first waits ``BEAT_GATHER`` seconds for others and
        writes them all in one transaction, and each returns once its own is written."""
        values = {"screen": screen, "last_seen": moment.timestamp(), "showing": showing, "version": version}
        with self._beats_lock:
            kept = self._beats_pending.get(screen)
            self._beats_pending[screen] = values | {"beats": (kept["beats"] if kept else 0) + 1}
            batch, leader = self._beats_batch, self._beats_batch is None
            if batch is None:
                batch = self._beats_batch = _Batch()
        if leader:
            time.sleep(self.BEAT_GATHER)
            with self._beats_lock:
                # In the screens' order: two processes' groups lock their rows in the same order, so
                # they never deadlock.
                rows = [self._beats_pending[screen] for screen in sorted(self._beats_pending)]
                self._beats_pending, self._beats_batch = {}, None
            try:
                self.run(lambda engine: self._write_beats(engine, rows))
                batch.error = None
            except StateUnavailable as exc:
                batch.error = exc
            finally:  # however the write ended, no heartbeat waits on it for ever
                batch.done.set()
        elif not batch.done.wait(60):
            raise StateUnavailable(f"the state database {self.where} took a minute to record a heartbeat")
        if batch.error is not None:
            raise batch.error

    @staticmethod
    def _write_beats(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
        insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(screen_state)
        c, new = screen_state.c, statement.excluded
        # Two groups can be written in either order: the newer report stays, whichever is written last.
        newer = sa.or_(c.last_seen.is_(None), new.last_seen >= c.last_seen)
        latest = {
            name: sa.case((newer, new[name]), else_=c[name]) for name in ("last_seen", "showing", "version")
        }
        statement = statement.on_conflict_do_update(
            index_elements=[c.screen], set_=latest | {"beats": c.beats + new.beats}
        )
        with engine.begin() as connection:
            connection.execute(statement, rows)

    def reload(self, screen: str) -> int:
        def work(engine: sa.Engine) -> int:
            statement = upsert(
                engine, screen_state, {"screen": screen, "reloads": 1},
                changes={"reloads": screen_state.c.reloads + 1},
            ).returning(screen_state.c.reloads)  # fmt: skip
            with engine.begin() as connection:
                found: int = connection.execute(statement).scalar_one()
            return found

        reloads: int = self.run(work)
        self._reloads = None  # this process sees its own change at once
        return reloads

    def reload_all(self, screens: list[str]) -> None:
        """Ask every one of ``screens`` to reload, in one transaction (in their order: no deadlock with
        a group of heartbeats)."""
        insert: Any = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(screen_state).on_conflict_do_update(
            index_elements=[screen_state.c.screen], set_={"reloads": screen_state.c.reloads + 1}
        )

        def work(engine: sa.Engine) -> None:
            with engine.begin() as connection:
                connection.execute(statement, [{"screen": s, "reloads": 1} for s in sorted(set(screens))])

        self.run(work)
        self._reloads = None

    def rows(self) -> dict[str, dict[str, Any]]:
        c = screen_state.c

        def work(engine: sa.Engine) -> list[Any]:
            with engine.connect() as connection:
                query = sa.select(c.screen, c.last_seen, c.showing, c.version, c.reloads, c.beats)
                return list(connection.execute(query).all())

        found = self.run(work)
        return {
            row.screen: {"last_seen": row.last_seen, "showing": row.showing, "version": row.version,
                         "reloads": row.reloads, "beats": row.beats}
            for row in found
        }  # fmt: skip
