"""The fleet as versioned documents in the state database: the one source of truth that every web
worker, the scheduler and every machine of a site reads.

A version is a whole document in ``screens.toml``'s form (comments and all), numbered 1, 2, 3…, with
who saved it, when and why; none is ever changed or deleted. A save names the version it was made
from: if another save came first, it is refused (``VersionMoved``) and nothing is lost. Every way in
(the first start's import of ``data/screens.toml``, ``quality-month fleet import``, the console) is
checked by the fleet loader before it is saved (``checked``).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from generators.datafile import CampaignError
from generators.fleet import Fleet, load_fleet_text
from generators.model import Campaign
from web.state import State, fleet_version

#: The longest reason and name a version records.
REASON_CHARS, NAME_CHARS = 200, 80


@dataclass(frozen=True)
class Version:
    number: int
    saved_at: dt.datetime
    saved_by: str
    reason: str
    document: str

    @property
    def name(self) -> str:
        """What the loader calls this version in its errors."""
        return f"fleet version {self.number}"


class VersionMoved(Exception):
    """A save made from a version that is no longer the latest: ``latest`` is what came first."""

    def __init__(self, base: int | None, latest: Version | None) -> None:
        self.base, self.latest = base, latest
        now = latest.number if latest else "none"
        super().__init__(f"the fleet moved on from version {base} to version {now} while this was edited")


def checked(document: str, campaign: Campaign, name: str) -> Fleet:
    """The fleet a document describes, checked against the campaign (``CampaignError`` otherwise)."""
    return load_fleet_text(document, campaign, name)


def diff(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """The lines that differ between two documents, as a unified diff."""
    return list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=2)
    )


def _version(row: Any) -> Version:
    return Version(
        row.number, dt.datetime.fromtimestamp(row.saved_at, dt.UTC), row.saved_by, row.reason, row.document
    )


class FleetStore:
    """The fleet's versions in the database of a ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    def latest_number(self) -> int | None:
        def work(engine: sa.Engine) -> int | None:
            with engine.connect() as connection:
                found: int | None = connection.execute(
                    sa.select(sa.func.max(fleet_version.c.number))
                ).scalar()
            return found

        number: int | None = self.state.run(work)
        return number

    def get(self, number: int) -> Version | None:
        def work(engine: sa.Engine) -> Any:
            with engine.connect() as connection:
                query = sa.select(fleet_version).where(fleet_version.c.number == number)
                return connection.execute(query).first()

        row = self.state.run(work)
        return _version(row) if row is not None else None

    def latest(self) -> Version | None:
        number = self.latest_number()
        return self.get(number) if number is not None else None

    def history(self, limit: int = 100) -> list[Version]:
        """The latest versions first."""

        def work(engine: sa.Engine) -> list[Any]:
            with engine.connect() as connection:
                query = sa.select(fleet_version).order_by(fleet_version.c.number.desc()).limit(limit)
                return list(connection.execute(query).all())

        return [_version(row) for row in self.state.run(work)]

    def save(self, document: str, by: str, reason: str, base: int | None, moment: dt.datetime) -> Version:
        """Keep ``document`` as the version after ``base`` (``None``: the first). ``VersionMoved`` if
        ``base`` is not the latest version any more: two saves from one version, the second is told."""
        number = (base or 0) + 1
        by, reason = by[:NAME_CHARS], reason[:REASON_CHARS]
        row: dict[str, object] = {
            "number": number, "saved_at": moment.timestamp(), "saved_by": by,
            "reason": reason, "document": document,
        }  # fmt: skip

        def work(engine: sa.Engine) -> bool:
            try:
                with engine.begin() as connection:
                    latest = connection.execute(sa.select(sa.func.max(fleet_version.c.number))).scalar()
                    if latest != base:
                        return False
                    connection.execute(sa.insert(fleet_version).values(row))
            except sa.exc.IntegrityError:  # another save of the same number won the race
                return False
            return True

        if not self.state.run(work):
            raise VersionMoved(base, self.latest())
        return Version(number, moment, by, reason, document)

    def import_first(self, path: Path, campaign: Campaign, moment: dt.datetime) -> Version | None:
        """On the first start (no version yet), keep the fleet file as version 1, once it checks; the
        version saved, or ``None`` when there was one already."""
        if self.latest_number() is not None or not path.is_file():
            return None
        document = path.read_text(encoding="utf-8")
        checked(document, campaign, path.name)  # CampaignError: start-up reports the file's errors
        try:
            return self.save(document, "quality-month", f"first start: imported {path.name}", None, moment)
        except VersionMoved:  # another process imported it at the same moment
            return None


__all__ = ["CampaignError", "FleetStore", "Version", "VersionMoved", "checked", "diff"]
