"""Shared fixtures: a tiny campaign of the tests' own, the real data, and the app on either."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from generators.loader import load_campaign, load_current
from generators.model import Campaign
from generators.revisions import dump_revisions, load_revisions, revise, revisions_path
from web import create_app

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "fixtures" / "tiny"
DATA = TESTS.parent / "data"

Edit = Callable[[str, str, str], Path]


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
    path.write_text(dump_revisions(revise(campaign, load_revisions(path), now)), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def real() -> Campaign:
    """The repository's own campaign data."""
    return load_current(DATA)


@pytest.fixture
def app(tiny: Path) -> Flask:
    return create_app({"TESTING": True, "DATA_DIR": tiny, "STATE_DB": str(tiny.parent / "state.sqlite")})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    state = tmp_path_factory.mktemp("state") / "state.sqlite"
    return create_app({"TESTING": True, "DATA_DIR": DATA, "STATE_DB": str(state)})


@pytest.fixture
def real_client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()
