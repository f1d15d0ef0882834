"""Each screen's secret key: made in the console, shown once, renewable. The database keeps its
SHA-256 only (a key is 32 random bytes, so no slower hash is needed); a heartbeat must carry the key
(``Authorization: Bearer <key>``), so that only the screen can say it is online and what it shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

import sqlalchemy as sa

from web.state import State, screen_key, upsert
from web.state import site_secret as secrets_table


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(state: State, screen: str, moment: dt.datetime) -> str:
    """A new key for a screen (the old one stops working at once): the key, to show once."""
    key = secrets.token_urlsafe(32)
    _KNOWN.pop((state.url, screen), None)
    values = {"screen": screen, "key_hash": _hash(key), "created_at": moment.timestamp()}

    def work(engine: sa.Engine) -> None:
        with engine.begin() as connection:
            connection.execute(upsert(engine, screen_key, values, copy=("key_hash", "created_at")))

    state.run(work)
    return key


#: How long a process trusts a key hash it read, in seconds: a heartbeat a second per screen must not
#: cost a query each. A renewed or removed key stops working on every machine within this time (at once
#: in the process that renewed it); a key that does not match is always looked up afresh.
KEY_MAX_AGE = 5.0
_KNOWN: dict[tuple[str, str], tuple[float, str | None]] = {}


def matches(state: State, screen: str, key: str) -> bool:
    """Whether ``key`` is the screen's key (a screen without a key has none that matches)."""
    given = _hash(key)
    kept = _KNOWN.get((state.url, screen))
    fresh = kept is not None and time.monotonic() - kept[0] < KEY_MAX_AGE
    if fresh and kept is not None and kept[1] is not None and hmac.compare_digest(kept[1], given):
        return True

    def work(engine: sa.Engine) -> str | None:
        with engine.connect() as connection:
            query = sa.select(screen_key.c.key_hash).where(screen_key.c.screen == screen)
            found: str | None = connection.execute(query).scalar()
            return found

    stored: str | None = state.run(work)
    _KNOWN[(state.url, screen)] = (time.monotonic(), stored)
    return stored is not None and hmac.compare_digest(stored, given)


def made(state: State) -> dict[str, dt.datetime]:
    """When each screen's key was made, for the screens that have one."""

    def work(engine: sa.Engine) -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(screen_key.c.screen, screen_key.c.created_at)).all())

    return {row.screen: dt.datetime.fromtimestamp(row.created_at, dt.UTC) for row in state.run(work)}


def forget(state: State, screen: str) -> None:
    _KNOWN.pop((state.url, screen), None)

    def work(engine: sa.Engine) -> None:
        with engine.begin() as connection:
            connection.execute(sa.delete(screen_key).where(screen_key.c.screen == screen))

    state.run(work)


def site_secret(state: State, name: str) -> str:
    """A secret every machine of the site shares, made on first use."""
    table = secrets_table

    def work(engine: sa.Engine) -> str:
        with engine.connect() as connection:
            found: str | None = connection.execute(
                sa.select(table.c.value).where(table.c.name == name)
            ).scalar()
        if found is not None:
            return found
        try:
            with engine.begin() as connection:
                connection.execute(sa.insert(table).values(name=name, value=secrets.token_hex(32)))
        except sa.exc.IntegrityError:  # made by another process at the same moment
            pass
        with engine.connect() as connection:
            made_now: str = connection.execute(
                sa.select(table.c.value).where(table.c.name == name)
            ).scalar_one()
        return made_now

    secret: str = state.run(work)
    return secret
