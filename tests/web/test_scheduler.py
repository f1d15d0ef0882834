"""The scheduler: one scheduler among several workers, and the day-part boundaries of the fleet. Its job
store and its jobs on the state are tested on SQLite and PostgreSQL in test_state.py."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from generators.fleet import DayPart, Fleet, Screen, load_fleet
from generators.loader import load_current
from generators.model import Campaign
from generators.posters.batch import Result
from generators.posters.manifest import Manifest
from generators.programme import daypart_times
from tests.conftest import TESTS, Edit
from web import scheduler


def test_one_scheduler_among_several_workers(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; sys.path.insert(0, sys.argv[2]);"
        "from web.scheduler import take_lock; print(take_lock(Path(sys.argv[1])), flush=True); time.sleep(3)"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path), str(TESTS.parent)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    answers = [worker.stdout.readline().strip() for worker in workers]  # type: ignore[union-attr]
    for worker in workers:
        worker.communicate(timeout=10)
    assert sorted(answers) == ["False", "False", "True"]
    # The lock goes with its process: once they have ended, another takes it.
    late = subprocess.run([sys.executable, "-c", code.replace("time.sleep(3)", "0"), str(tmp_path), str(TESTS.parent)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert late.stdout.strip() == "True"


def test_day_part_boundaries_of_the_fleet(tiny_fleet: Path) -> None:
    campaign = load_current(tiny_fleet.parent)
    times = daypart_times(load_fleet(tiny_fleet.parent / "screens.toml", campaign))
    every = "mon,tue,wed,thu,fri,sat,sun"
    # The evening part (19:00 to 07:00 every day, crossing midnight) and the weekend part of the service
    # hall (00:00 to 24:00 on Saturday and Sunday, which ends at the midnights after them).
    assert times == {("19:00", every), ("07:00", every), ("00:00", "sat,sun"), ("00:00", "mon,sun")}


def test_day_part_boundaries_cross_midnight_onto_the_next_days() -> None:
    late = DayPart(frozenset({4}), dt.time(22, 30), dt.time(1, 15), "evening")  # Friday night
    whole = DayPart(frozenset({6}), dt.time(0), None, "evening")  # all Sunday
    screen = Screen("s", "s", "here", "kiosk-portrait", "hant", "day", (late, whole))
    fleet = Fleet(screens=(screen,), programmes={}, specials={})
    assert daypart_times(fleet) == {("22:30", "fri"), ("01:15", "sat"), ("00:00", "sun"), ("00:00", "mon")}


def test_the_nightly_render_draws_the_campaign_the_site_serves(
    app: Flask, edit: Edit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job renders the app's campaign, even when the data on disk has changed since it loaded (the
    site shows what it loaded until it restarts; posters of other data would not match its pages)."""
    drawn: list[Campaign] = []
    monkeypatch.setattr(
        scheduler, "render_set", lambda campaign, *_: drawn.append(campaign) or Result(Manifest(), 0, 0, [])
    )
    folder = Path(app.config["DATA_DIR"])
    scheduler.serve_campaign(folder, lambda: app.extensions["campaign"])
    edit("campaign.toml", 'theme = "推動質量變革創新 促進質量強國建設"', 'theme = "另一個主題"')
    scheduler.nightly_render(str(folder), str(tmp_path / "posters"), "http://127.0.0.1:8000/")
    assert drawn == [app.extensions["campaign"]] and drawn[0].theme != "另一個主題"
    with pytest.raises(LookupError, match="serves no campaign"):
        scheduler.nightly_render(str(tmp_path / "elsewhere"), str(tmp_path / "posters"), "http://x/")
