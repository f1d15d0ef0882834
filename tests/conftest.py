"""Shared fixtures: a tiny campaign of the tests' own, the real data, and the app on either."""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from generators.loader import load_campaign, load_current
from generators.model import Campaign
from generators.revisions import load_revisions, revise, revisions_path, write_revisions
from web import create_app

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "fixtures" / "tiny"
#: The tiny campaign's kiosk fleet: `fleet_path` finds it beside the campaign folder.
TINY_FLEET = TESTS / "fixtures" / "screens.toml"
DATA = TESTS.parent / "data"

Edit = Callable[[str, str, str], Path]


# Property tests and the HTTP fuzz: in CI the same examples on every run (a failure there is one that
# anyone can reproduce, not a roll of the dice); elsewhere new ones each run, to find more.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        help="rewrite the golden files under tests/golden from the current code (then review and commit)",
    )


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture campaign."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


@pytest.fixture
def tiny_campaign(tiny: Path) -> Campaign:
    """The tiny campaign, loaded."""
    return load_campaign(tiny)


@pytest.fixture
def tiny_fleet(tiny: Path) -> Path:
    """The copy of the tiny campaign with its kiosk fleet beside it, as data/screens.toml is beside data/2022."""
    shutil.copy(TINY_FLEET, tiny.parent / "screens.toml")
    return tiny


@pytest.fixture
def edit(tiny: Path) -> Edit:
    """Replace ``old`` by ``new`` in one file of the tiny campaign; ``old`` must be there exactly once."""

    def apply(name: str, old: str, new: str) -> Path:
        path = tiny / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not in {name} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return tiny

    return apply


#: The time at which the tests record their own data changes (see ``revised``).
REVISED_AT = dt.datetime(2030, 8, 25, 12, 0, tzinfo=dt.UTC)


def revised(folder: Path, now: dt.datetime = REVISED_AT) -> Path:
    """Record the data of a campaign folder in its revision file, as `quality-month revise` does."""
    campaign = load_campaign(folder, revisions=False)
    path = revisions_path(folder)
    write_revisions(path, revise(campaign, load_revisions(path), now))
    return folder


@pytest.fixture(scope="session")
def real() -> Campaign:
    """The repository's own campaign data."""
    return load_current(DATA)


@pytest.fixture
def app(tiny: Path) -> Flask:
    return create_app(
        {"TESTING": True, "DATA_DIR": tiny, "DATABASE_URL": f"sqlite:///{tiny.parent / 'state.sqlite'}"}
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def fleet_client(tiny_fleet: Path) -> FlaskClient:
    """A client of the app on the tiny campaign with its kiosk fleet."""
    state = f"sqlite:///{tiny_fleet.parent / 'state.sqlite'}"
    return create_app({"TESTING": True, "DATA_DIR": tiny_fleet, "DATABASE_URL": state}).test_client()


@pytest.fixture(scope="session")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    state = tmp_path_factory.mktemp("state") / "state.sqlite"
    return create_app({"TESTING": True, "DATA_DIR": DATA, "DATABASE_URL": f"sqlite:///{state}"})


@pytest.fixture
def real_client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


#: The PostgreSQL database that the state tests use (`tests/install-tools` sets one up; `.ci/run` names it).
POSTGRES_ENV = "QUALITY_MONTH_TEST_POSTGRES"
LOCAL_POSTGRES = "postgresql+psycopg://quality_month:quality_month@127.0.0.1:5432/quality_month_test"


def node(purpose: str) -> str:
    """The node executable, for a test that runs ``purpose`` under it: skipped without it, except in CI
    (where a skip would hide a missing tool)."""
    found = shutil.which("node")
    if found is None:
        reason = f"node is needed to run {purpose} (tests/install-tools installs it)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason} (required in CI)", pytrace=False)
        pytest.skip(reason)
    return found


def postgres_required() -> bool:
    """In CI (or with QUALITY_MONTH_REQUIRE_POSTGRES=1) a test on PostgreSQL fails without a server: it is
    never skipped there, so that a skip cannot hide a missing feature."""
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in ("CI", "QUALITY_MONTH_REQUIRE_POSTGRES")
    )


@functools.cache
def local_postgres() -> str | None:
    """The database that tests/install-tools sets up, if it answers: so the README's test command runs
    the PostgreSQL tests too after tests/install-tools, with nothing to export."""
    engine = sa.create_engine(LOCAL_POSTGRES, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_POSTGRES
    except Exception:
        return None
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A ``DATABASE_URL`` on an empty database: a new SQLite file, or a new schema of the PostgreSQL
    database that QUALITY_MONTH_TEST_POSTGRES names (dropped with everything in it after the test)."""
    from web.state import close_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
        yield url
        close_engine(url)
        return
    base = os.environ.get(POSTGRES_ENV) or local_postgres()
    if not base:
        reason = (
            f"{POSTGRES_ENV} is not set and tests/install-tools's database does not answer, so there is no "
            f"PostgreSQL to test against: run tests/install-tools as root, or export {POSTGRES_ENV}=<URL>"
        )
        if postgres_required():
            pytest.fail(f"{reason} (required in CI and with QUALITY_MONTH_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base, poolclass=sa.pool.NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'create schema "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"{POSTGRES_ENV}: PostgreSQL cannot be reached: {exc.orig}", pytrace=False)
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    text = url.render_as_string(hide_password=False)
    try:
        yield text
    finally:
        close_engine(text)
        with admin.begin() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def screen_keys(database_url: str, screens: Iterable[str]) -> dict[str, dict[str, str]]:
    """A new key for each screen, as the console makes it: the headers a heartbeat of each needs."""
    from web.screenkeys import new_key
    from web.state import State

    state = State(database_url)
    return {s: {"Authorization": f"Bearer {new_key(state, s, dt.datetime.now(dt.UTC))}"} for s in screens}
