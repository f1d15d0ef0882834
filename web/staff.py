"""Staff accounts of the console: a name and a password hash each (Werkzeug's scrypt), in the state
database beside the fleet, so that every machine of a site signs in the same people."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from generators.typeset import control_characters
from web.state import State, staff

#: A name is what a person types to sign in and what the fleet's history records.
NAME_CHARS = 40
#: The shortest password taken (a console changes every screen of a site).
PASSWORD_CHARS = 10
#: A hash of no password, checked against when the name is unknown, so that a wrong name takes as long
#: to refuse as a wrong password.
_NOBODY = generate_password_hash("-")


def name_problem(name: str) -> str | None:
    """Why a name cannot be a staff account's, or ``None``."""
    if not name.strip() or name != name.strip():
        return "a name is not empty and has no spaces at its ends"
    if len(name) > NAME_CHARS:
        return f"a name has at most {NAME_CHARS} characters"
    if control_characters(name):
        return "a name has no control characters"
    return None


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_CHARS:
        return f"a password has at least {PASSWORD_CHARS} characters"
    if len(password) > 1024:
        return "a password has at most 1024 characters"
    return None


def add(state: State, name: str, password: str, moment: dt.datetime) -> bool:
    """Add an account, or set a new password for one: whether it is new."""
    problem = name_problem(name) or password_problem(password)
    if problem:
        raise ValueError(problem)
    row = {"name": name, "password_hash": generate_password_hash(password), "created_at": moment.timestamp()}

    def work(engine: sa.Engine) -> bool:
        with engine.begin() as connection:
            found = connection.execute(sa.select(staff.c.name).where(staff.c.name == name)).first()
            if found is None:
                connection.execute(sa.insert(staff).values(row))
                return True
            connection.execute(
                sa.update(staff).where(staff.c.name == name).values(password_hash=row["password_hash"])
            )
            return False

    created: bool = state.run(work)
    return created


def remove(state: State, name: str) -> bool:
    """Remove an account: whether there was one."""

    def work(engine: sa.Engine) -> int:
        with engine.begin() as connection:
            return connection.execute(sa.delete(staff).where(staff.c.name == name)).rowcount

    removed: int = state.run(work)
    return removed > 0


def names(state: State) -> list[str]:
    def work(engine: sa.Engine) -> list[Any]:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(staff.c.name).order_by(staff.c.name)).scalars())

    return [str(n) for n in state.run(work)]


def verify(state: State, name: str, password: str) -> bool:
    """Whether the name and the password are an account's."""

    def work(engine: sa.Engine) -> str | None:
        with engine.connect() as connection:
            query = sa.select(staff.c.password_hash).where(staff.c.name == name)
            found: str | None = connection.execute(query).scalar()
            return found

    stored: str | None = state.run(work)
    matches = check_password_hash(stored or _NOBODY, password)
    return stored is not None and matches


def exists(state: State, name: str) -> bool:
    def work(engine: sa.Engine) -> bool:
        with engine.connect() as connection:
            return connection.execute(sa.select(staff.c.name).where(staff.c.name == name)).first() is not None

    found: bool = state.run(work)
    return found
