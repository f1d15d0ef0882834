"""Property tests of the loaders: a data folder mutated at random (a key deleted, a value of another type
or out of range, a record twice, the file cut short, stray or invalid bytes, the file emptied or gone)
either loads as a campaign or fleet that the generators can use, or is refused with ``CampaignError``,
each ``DataError`` naming the file, and the field where it is a field's fault. Never another exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from generators import posters
from generators.feeds import all_feeds, build_feed
from generators.fleet import load_fleet
from generators.loader import CampaignError, DataError, load_campaign
from generators.model import Campaign
from generators.programme import segments
from generators.revisions import revise
from tests.conftest import REVISED_AT, TINY, TINY_FLEET
from web.cli import main

BASE = "https://quality-month.example/"
CAMPAIGN_FILES = ("campaign.toml", "organizers.toml", "activities.toml", "revisions.toml")
#: Known keys, so that random tables look like the data's own now and then.
KEYS = (
    "id", "title", "kind", "organizers", "text", "sources", "start", "end", "place", "date_source", "url",
    "confidence", "note", "annex", "item", "name", "short", "slides", "show", "seconds", "design", "days",
    "from", "to", "programme", "date", "format", "script", "dayparts", "sequence", "created", "modified",
)  # fmt: skip


# --- writing TOML (the standard library only reads it) --------------------------------------------


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group(0)):04x}", escaped) + '"'


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else {math.inf: "inf", -math.inf: "-inf"}.get(value, repr(value))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    assert isinstance(value, dict), value
    return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def dump_toml(data: dict[str, Any]) -> str:
    """TOML for ``data``: top-level tables as ``[name]``, lists of tables as ``[[name]]``."""
    lines = [
        f"{_key(k)} = {_value(v)}" for k, v in data.items() if not isinstance(v, dict) and not _is_tables(v)
    ]
    for key, value in data.items():
        for table in [value] if isinstance(value, dict) else value if _is_tables(value) else []:
            header = f"[{_key(key)}]" if isinstance(value, dict) else f"[[{_key(key)}]]"
            lines += ["", header, *(f"{_key(k)} = {_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def _comparable(value: Any) -> Any:
    """``value`` with NaN made equal to itself, for checking the writer."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    return value


# --- mutations -------------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every place in a parsed TOML document: each key of each table, each item of each array."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _parent(data: Any, path: Path_) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


@dataclasses.dataclass(frozen=True)
class Mutation:
    """One change to one file of a data folder."""

    file: str
    kind: str
    path: Path_ = ()
    value: Any = None
    position: int = 0
    data: bytes = b""

    def apply(self, folder: Path) -> None:
        target = folder / self.file
        raw = target.read_bytes()
        if self.kind == "delete-file":
            target.unlink()
        elif self.kind == "empty":
            target.write_bytes(b"")
        elif self.kind == "truncate":
            target.write_bytes(raw[: self.position])
        elif self.kind in ("insert", "invalid-utf8"):
            position = min(self.position, len(raw))
            target.write_bytes(raw[:position] + self.data + raw[position:])
        else:
            data = tomllib.loads(raw.decode("utf-8"))
            parent, key = _parent(data, self.path), self.path[-1]
            if self.kind == "delete-key":
                del parent[key]
            elif self.kind == "duplicate":
                assert isinstance(parent, list) and isinstance(key, int)
                parent.insert(key, parent[key])
            elif self.kind == "retype":
                old = parent[key]
                parent[key] = {"list": [old], "text": str(old), "table": {"value": old}}[self.value]
            else:
                assert self.kind == "replace"
                parent[key] = self.value
            text = dump_toml(data)
            assert _comparable(tomllib.loads(text)) == _comparable(data), "the test's TOML writer is wrong"
            target.write_text(text, encoding="utf-8")


def _offset(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


#: Values that the data's own fields take, or nearly: ids, dates, zones, times, names of shows.
TEXTS = [
    "", " ", "samr", "2030-09-10", "2030-09-10T10:00", "Asia", "Asia/Shanghai", "notice.txt", "..", "/", "a\x00b",
    "24:00", "19:00", "mon-fri", "slogan-01", "poster", "theme", "high", "kiosk-portrait", "hant",
    "https://example.org/x", "a" * 300,
]  # fmt: skip
#: Date-times at the ends of Python's calendar, and one on the tiny fleet's special day.
DATETIMES = [
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=_offset(-60)), dt.datetime(1, 1, 1, tzinfo=_offset(60)),
    dt.datetime(2030, 9, 3, 10, 0), dt.datetime(9999, 12, 31, 23, 59),
]  # fmt: skip
SCALARS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(TEXTS),
    st.integers(),
    st.sampled_from([0, -1, 1, 2, 3600, 2**63 - 1, -(2**63), 10**30, 9999999999]),
    st.floats(),
    st.booleans(),
    st.dates(),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2030, 9, 30), dt.date(2030, 9, 3)]),
    st.datetimes(timezones=st.none() | st.builds(_offset, st.integers(-1439, 1439))),
    st.sampled_from(DATETIMES),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\xc3(", b"\xe8\xb3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]
)


@st.composite
def mutations(draw: st.DrawFn, folder: Path, names: tuple[str, ...]) -> Mutation:
    """A mutation of one of the files ``names`` of ``folder``."""
    name = draw(st.sampled_from(names))
    raw = (folder / name).read_bytes()
    kinds = ["delete-file", "empty", "truncate", "insert", "invalid-utf8"]
    paths: list[Path_] = list(_paths(tomllib.loads(raw.decode("utf-8")))) if name.endswith(".toml") else []
    if paths:
        kinds += ["delete-key", "replace", "replace", "replace", "retype", "duplicate"]
    kind = draw(st.sampled_from(kinds))
    if kind in ("delete-file", "empty"):
        return Mutation(name, kind)
    if kind in ("truncate", "insert", "invalid-utf8"):
        position = draw(st.integers(0, len(raw)))
        data = b""
        if kind == "insert":
            data = draw(
                st.binary(min_size=1, max_size=8)
                | st.sampled_from([b"\r", b"\n[", b'"', b"=", b"\xef\xbb\xbf"])
            )
        elif kind == "invalid-utf8":
            data = draw(INVALID_UTF8)
        return Mutation(name, kind, position=position, data=data)
    if kind == "duplicate":
        items = [p for p in paths if isinstance(p[-1], int)]
        if not items:
            return Mutation(name, "delete-key", draw(st.sampled_from(paths)))
        return Mutation(name, kind, draw(st.sampled_from(items)))
    path = draw(st.sampled_from(paths))
    if kind == "delete-key":
        return Mutation(name, kind, path)
    if kind == "retype":
        return Mutation(name, kind, path, draw(st.sampled_from(["list", "text", "table"])))
    return Mutation(name, kind, path, draw(VALUES))


def _check_errors(exc: CampaignError, folder: Path, mutation: Mutation, names: tuple[str, ...]) -> None:
    """Each error names one of the folder's files and, for a field's fault, the field; a file that is
    gone, or not UTF-8, is named."""
    assert exc.errors
    assert str(exc) == "\n".join(str(e) for e in exc.errors)
    for error in exc.errors:
        assert isinstance(error, DataError)
        message = str(error)
        path = Path(error.file)
        assert path.name in names and path.parent.resolve() == folder.resolve(), message
        assert error.reason.strip(), message
        where = error.file if error.line is None else f"{error.file}:{error.line}"
        assert message.startswith(f"{where}: "), message
        if error.line is not None:
            lines = (folder / path.name).read_bytes().count(b"\n") + 1 if (folder / path.name).exists() else 1
            assert 1 <= error.line <= lines, message
        if error.field is not None:
            assert f"field '{error.field}'" in message, message
    if mutation.kind in ("delete-file", "invalid-utf8") or (
        mutation.kind == "empty" and mutation.file != "notice.txt"
    ):
        assert any(mutation.file in str(e) for e in exc.errors), (mutation, str(exc))


def _use_campaign(campaign: Campaign) -> None:
    """What loaded must serve: its feeds build, and so do its posters' designs (for a short campaign)."""
    for feed in all_feeds(campaign):
        build_feed(campaign, feed, BASE)
    if len(campaign.days()) <= 400:
        posters.designs(campaign)


# --- the tiny campaign -----------------------------------------------------------------------------

TINY_NAMES = (*CAMPAIGN_FILES, "notice.txt")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations(TINY, TINY_NAMES))
@example(mutation=Mutation("campaign.toml", "replace", ("campaign", "timezone"), "Asia"))
@example(mutation=Mutation("campaign.toml", "replace", ("campaign", "timezone"), "a" * 300))
@example(mutation=Mutation("campaign.toml", "replace", ("campaign", "notice"), "a\x00b"))
@example(mutation=Mutation("campaign.toml", "replace", ("campaign", "end"), dt.date(9999, 12, 31)))
@example(mutation=Mutation("campaign.toml", "replace", ("campaign", ""), []))  # an unknown field named ""
@example(mutation=Mutation("activities.toml", "replace", ("activity", 1, "end"), dt.date(9999, 12, 31)))
@example(mutation=Mutation("revisions.toml", "replace", ("activity",), ["quality-week"]))
@example(mutation=Mutation("revisions.toml", "replace", ("activity", "quality-week", "sequence"), math.inf))
@example(mutation=Mutation("revisions.toml", "replace", ("activity", "quality-week", "sequence"), 2**63 - 1))
@example(
    mutation=Mutation(
        "revisions.toml", "replace", ("activity", "quality-week", "modified"),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=_offset(-60)),
    )
)  # fmt: skip
def test_a_mutated_campaign_loads_or_is_refused_by_file_and_field(
    mutation: Mutation, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as tmp:
        folder = Path(tmp) / "tiny"
        shutil.copytree(TINY, folder)
        mutation.apply(folder)
        # As `quality-month revise` loads it (the revision history aside), then as everything else does.
        try:
            draft = load_campaign(folder, revisions=False)
        except CampaignError as exc:
            _check_errors(exc, folder, mutation, CAMPAIGN_FILES)
        else:
            event(f"{mutation.kind}: loaded without the revision history")
            _use_campaign(dataclasses.replace(draft, revisions=revise(draft, draft.revisions, REVISED_AT)))
        try:
            campaign = load_campaign(folder)
        except CampaignError as exc:
            event(f"{mutation.kind}: refused")
            _check_errors(exc, folder, mutation, CAMPAIGN_FILES)
            return
        event(f"{mutation.kind}: loaded")
        _use_campaign(campaign)


def test_the_rewritten_tiny_campaign_still_loads(tmp_path: Path) -> None:
    """The test's TOML writer keeps the data as it is: unchanged, it gives the same campaign."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    for name in CAMPAIGN_FILES:
        path = folder / name
        path.write_text(dump_toml(tomllib.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    assert load_campaign(folder) == load_campaign(TINY)


# --- the kiosk fleet of the tiny campaign ------------------------------------------------------------


@functools.cache
def _tiny() -> Campaign:
    """The tiny campaign, loaded once (Hypothesis runs the test many times)."""
    return load_campaign(TINY)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations(TINY_FLEET.parent, (TINY_FLEET.name,)))
@example(mutation=Mutation("screens.toml", "replace", ("special", 0, "date"), dt.datetime(2030, 9, 3, 10, 0)))
@example(mutation=Mutation("screens.toml", "replace", ("screen", 0, "dayparts", 0, "programme"), []))
def test_a_mutated_fleet_loads_or_is_refused_by_file_and_field(
    mutation: Mutation, tmp_path_factory: pytest.TempPathFactory
) -> None:
    campaign = _tiny()
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as tmp:
        folder = Path(tmp)
        shutil.copy(TINY_FLEET, folder / "screens.toml")
        mutation.apply(folder)
        try:
            fleet = load_fleet(folder / "screens.toml", campaign)
        except CampaignError as exc:
            event(f"{mutation.kind}: refused")
            _check_errors(exc, folder, mutation, ("screens.toml",))
            return
        event(f"{mutation.kind}: loaded")
        start = dt.datetime.combine(campaign.start, dt.time(), tzinfo=campaign.timezone)
        for screen in fleet.screens:
            assert segments(fleet, campaign, screen, start, 1)


# --- the command line ------------------------------------------------------------------------------

CLI_CASES = [
    Mutation("screens.toml", "truncate", position=1000),
    Mutation("screens.toml", "invalid-utf8", position=1500, data=b"\xe8\xb3"),
    Mutation("screens.toml", "replace", ("special", 0, "date"), dt.datetime(2030, 9, 3, 10, 0)),
    Mutation("2030/campaign.toml", "replace", ("campaign", "timezone"), "Asia"),
    Mutation("2030/organizers.toml", "empty"),
    Mutation("2030/activities.toml", "delete-file"),
    Mutation("2030/revisions.toml", "replace", ("activity",), []),
]


def _data_copy(tmp_path: Path, mutation: Mutation) -> Path:
    """A data folder of the tiny campaign and its fleet, as data/ holds 2022/ and screens.toml."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder / "2030")
    shutil.copy(TINY_FLEET, folder / "screens.toml")
    mutation.apply(folder)
    return folder


@pytest.mark.parametrize("mutation", CLI_CASES, ids=lambda m: f"{m.file}-{m.kind}")
def test_check_refuses_a_mutated_folder_by_file(
    mutation: Mutation, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _data_copy(tmp_path, mutation)
    assert main(["check", "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert Path(mutation.file).name in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("mutation", CLI_CASES[2:4], ids=lambda m: f"{m.file}-{m.kind}")
def test_check_as_a_process_refuses_a_mutated_folder_without_a_traceback(
    mutation: Mutation, tmp_path: Path
) -> None:
    folder = _data_copy(tmp_path, mutation)
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "check", "--data", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert Path(mutation.file).name in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
