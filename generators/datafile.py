"""Checked TOML data files: a file read with its lines kept, so that every problem names the file, the
line, the record and the field; records (``[campaign]``, the n-th ``[[activity]]``) with typed access
that reports what is wrong instead of raising; the ids, text limits and dates that every data file of the
project shares. The campaign loader and the fleet loader are built on it. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: An id: lower-case ASCII letters and digits, in words joined by hyphens.
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")

#: The longest text of each field that the posters, screens and feeds can show (characters): a theme or
#: slogan is a poster's headline, set large even on a vertical banner; a title heads an activity's
#: poster and the day's list; longer text would be refused by the render, so `check` refuses it first.
LIMITS = {
    "theme": 40, "slogans": 40, "title": 120, "name": 80, "short": 30, "place": 60, "date_note": 200,
    "text": 3000,
}  # fmt: skip
#: Control characters other than tab and line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: The years a campaign's dates may fall in: any other is a typo, and at the ends of Python's calendar
#: (years 1 and 9999) the day after a date or a change of zone has no value at all.
_YEARS = range(1900, 3000)


@dataclass(frozen=True)
class DataError:
    """One problem in a data file: where it is and what is wrong."""

    file: str
    reason: str
    line: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where]
        if self.record:
            parts.append(self.record)
        if self.field is not None:  # an empty key ("" = 1) is a field too
            parts.append(f"field '{self.field}'")
        return ": ".join([*parts, self.reason])


class CampaignError(Exception):
    """The data could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[DataError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def display_path(path: Path) -> str:
    """``path`` relative to the working folder where it lies below it, as a user would type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class TomlFile:
    """A TOML file being read: its path for messages, its lines for locating records and fields."""

    def __init__(
        self, path: Path, errors: list[DataError], *, raw: bytes | None = None, name: str | None = None
    ) -> None:
        """Read ``path``, or take its bytes as ``raw`` (a document of the state database, an upload),
        called ``name`` in messages."""
        self.path = path
        self.name = name or display_path(path)
        self.errors = errors
        self.data: dict[str, Any] | None = None
        self.lines: list[str] = []
        if raw is None:
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                self.error("file is missing")
                return
            except OSError as exc:
                self.error(f"cannot be read: {exc.strerror}")
                return
        if raw.startswith(b"\xef\xbb\xbf"):
            self.error("starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without one", line=1)
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.error("is not valid UTF-8", line=raw[: exc.start].count(b"\n") + 1)
            return
        self.lines = text.splitlines()
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # Python 3.14 gives lineno and msg; before it the line is only in the message.
            where = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            lineno: int | None = getattr(exc, "lineno", None) or (int(where.group(1)) if where else None)
            message = getattr(exc, "msg", None) or re.sub(r" \(at line \d+, column \d+\)", "", str(exc))
            self.error(f"TOML syntax error: {message}", line=lineno)

    def error(
        self, reason: str, *, line: int | None = None, record: str | None = None, field: str | None = None
    ) -> None:
        self.errors.append(DataError(self.name, reason, line, record, field))

    def check_tables(self, *allowed: str) -> None:
        """Report every top-level table or key of the file that is not one of ``allowed``."""
        for name in self.data or {}:
            if name not in allowed:
                self.error(f"unknown table or key '{name}' (the file holds: {', '.join(allowed)})")

    def table_line(self, header: str, index: int = 0) -> int | None:
        """The line of the ``index``-th ``[header]`` or ``[[header]]`` of the file."""
        pattern = re.compile(rf"\s*\[\[?\s*{re.escape(header)}\s*\]\]?\s*(#.*)?\Z")
        hits = [n for n, text in enumerate(self.lines, 1) if pattern.match(text)]
        return hits[index] if index < len(hits) else None

    def field_line(self, header: str, index: int, field: str | None) -> int | None:
        """The line where ``field`` is set in the ``index``-th ``[header]`` table (else the table's line)."""
        start = self.table_line(header, index)
        if start is None or field is None:
            return start
        key = re.compile(rf"\s*(\"?){re.escape(field)}\1\s*=")  # a bare or a quoted key
        for n in range(start, len(self.lines)):
            text = self.lines[n]
            if text.lstrip().startswith("["):
                break
            if key.match(text):
                return n + 1
        return start


class TomlRecord:
    """One table of a file (``[campaign]`` or the n-th ``[[activity]]``) with typed, checked access."""

    def __init__(self, file: TomlFile, header: str, index: int, table: Any, label: str) -> None:
        self.file = file
        self.header = header
        self.index = index
        self.table: dict[str, Any] = table if isinstance(table, dict) else {}
        self.label = label
        self.ok = True
        if not isinstance(table, dict):
            self.error(None, "must be a table")

    def error(self, field: str | None, reason: str) -> None:
        self.ok = False
        line = self.file.field_line(self.header, self.index, field)
        self.file.error(reason, line=line, record=self.label, field=field)

    def check_fields(self, known: Iterable[str]) -> None:
        known = tuple(known)
        for name in self.table:
            if name not in known:
                self.error(name, f"unknown field (the fields are: {', '.join(known)})")

    def _get(self, field: str, required: bool, kind: str, test: Callable[[Any], bool]) -> Any:
        if field not in self.table:
            if required:
                self.error(field, "missing")
            return None
        value = self.table[field]
        if not test(value):
            self.error(field, f"must be {kind}, not {describe(value)}")
            return None
        return value

    def text(self, field: str, required: bool = True) -> str | None:
        value = self._get(field, required, "text", lambda v: isinstance(v, str))
        if not isinstance(value, str):
            return None
        if not value.strip():
            self.error(field, "is empty")
            return None
        if not self._short_enough(field, value):
            return None
        if not self._printable(field, value):
            return None
        return value

    def _printable(self, field: str, value: str) -> bool:
        """Text holds no control character but tab and line breaks (iCalendar forbids them in text, and
        no poster can draw one)."""
        found = _CONTROL.search(value)
        if found:
            self.error(
                field, f"holds the control character U+{ord(found.group()):04X} at {found.start() + 1}"
            )
            return False
        return True

    def ident(self, field: str = "id") -> str | None:
        value = self.text(field)
        if value is not None and not ID.match(value):
            self.error(field, f"{value!r} is not an id (lower-case ASCII letters, digits and hyphens)")
            return None
        return value

    def texts(self, field: str, required: bool = True) -> list[str] | None:
        test = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
        value = self._get(field, required, "a list of text", test)
        if not isinstance(value, list):
            return None
        if not value:
            self.error(field, "is empty")
            return None
        if not all(self._printable(field, x) and self._short_enough(field, x) for x in value):
            return None
        return [str(x) for x in value]

    def _short_enough(self, field: str, value: str) -> bool:
        longest = LIMITS.get(field)
        if longest is not None and len(value) > longest:
            self.error(field, f"is {len(value)} characters long: posters and screens set at most {longest}")
            return False
        return True

    def tables(self, field: str) -> list[dict[str, Any]] | None:
        test = lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v)  # noqa: E731
        value = self._get(field, True, "a list of tables", test)
        return list(value) if isinstance(value, list) else None

    def date(self, field: str, required: bool = True) -> dt.date | None:
        """A TOML date or date-time, or the same written as an ISO 8601 string."""
        if field not in self.table:
            if required:
                self.error(field, "missing")
            return None
        value = self.table[field]
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            except ValueError:
                self.error(field, f"{value!r} is not a date (write YYYY-MM-DD)")
                return None
        if isinstance(value, dt.time) or not isinstance(value, dt.date):
            self.error(field, f"must be a date (YYYY-MM-DD), not {describe(value)}")
            return None
        if value.year not in _YEARS:
            self.error(field, f"{value.isoformat()} is not in the years {_YEARS[0]} to {_YEARS[-1]}")
            return None
        return value


def describe(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list"}
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return names.get(type(value), type(value).__name__)


def records_of(file: TomlFile, key: str, label: str, *, required: bool = True) -> list[TomlRecord]:
    """The ``[[key]]`` tables of ``file`` as records labelled by their id (a file with other tables
    names them with ``TomlFile.check_tables``)."""
    if file.data is None:
        return []
    tables = file.data.get(key)
    if tables is None:
        if required:
            file.error(f"has no [[{key}]] tables")
        return []
    if not isinstance(tables, list):
        file.error(f"'{key}' must be written as [[{key}]] tables", line=file.table_line(key))
        return []
    records = []
    for index, table in enumerate(tables):
        ident = table.get("id") if isinstance(table, dict) else None
        name = f"{label} {ident!r}" if isinstance(ident, str) else f"{label} #{index + 1}"
        records.append(TomlRecord(file, key, index, table, name))
    return records


def unique_ids(records: Iterable[TomlRecord], ids: Iterable[str | None]) -> dict[str, TomlRecord]:
    seen: dict[str, TomlRecord] = {}
    for record, ident in zip(records, ids, strict=True):
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident].file.field_line(seen[ident].header, seen[ident].index, "id")
            record.error("id", f"duplicate id {ident!r} (first used on line {first})")
            continue
        seen[ident] = record
    return seen


def labels(file: TomlFile, key: str) -> dict[str, str]:
    """A ``[key]`` table of ``id = "label"`` lines (the kinds of organizers and of activities)."""
    assert file.data is not None
    table = file.data.get(key)
    line = file.table_line(key)
    if not isinstance(table, dict) or not table:
        file.error(f'needs a [{key}] table of id = "label" lines', line=line)
        return {}
    kinds: dict[str, str] = {}
    for ident, label in table.items():
        if not ID.match(ident):
            file.error(f"{ident!r} is not an id", line=line, record=f"[{key}]", field=ident)
        elif not isinstance(label, str) or not label.strip():
            file.error("the label must be text", line=line, record=f"[{key}]", field=ident)
        else:
            kinds[ident] = label
    return kinds
