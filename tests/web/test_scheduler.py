"""The scheduler: one scheduler among several workers, and the day-part boundaries of the fleet. Its job
store and its jobs on the state are tested on SQLite and PostgreSQL in test_state.py."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from flask import Flask

from generators.fleet import DayPart, Fleet, Screen, load_fleet
from generators.loader import load_current
from generators.model import Campaign
from generators.posters.batch import Result
from generators.posters.manifest import Manifest
from generators.programme import daypart_times
from tests.conftest import TESTS, Edit, revised
from web import create_app, scheduler
from web.fleetstore import FleetStore
from web.live import live
from web.state import State, close_engine


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
    """The job renders the app's campaign, even when the data on disk has changed since it loaded (an
    edit that does not load, here one not yet recorded by `revise`: the site serves what it loaded, and
    posters of other data would not match its pages)."""
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


def test_the_running_scheduler_follows_the_fleet_and_the_data(
    tiny_fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet version saved with a new day part gets its boundary job, and one without it loses it; a
    campaign change that loads brings the render forward to now: no restart."""
    drawn: list[Campaign] = []
    rendered = threading.Event()

    def render(campaign: Campaign, *_: object) -> Result:
        drawn.append(campaign)
        rendered.set()
        return Result(Manifest(), 0, 0, [])

    monkeypatch.setattr(scheduler, "render_set", render)
    app = create_app({"TESTING": True, "DATA_DIR": tiny_fleet, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}",
                      "POSTER_DIR": str(tmp_path / "posters"), "LIVE_CHECK_SECONDS": 0})  # fmt: skip
    running = scheduler.start_for(app)
    assert running is not None
    try:
        store = FleetStore(State(app.config["DATABASE_URL"]))
        first = store.latest()
        assert first is not None
        lunch = '{ days = "mon-fri", from = "12:00", to = "13:30", programme = "evening" },\n'
        anchor = '{ days = "mon-sun", from = "19:00", to = "07:00", programme = "evening" },\n'
        store.save(
            first.document.replace(anchor, anchor + "  " + lunch, 1),
            "ann",
            "lunch",
            1,
            dt.datetime.now(dt.UTC),
        )
        live(app).refresh(force=True)  # type: ignore[union-attr]
        ids = {job.id for job in running.get_jobs()}
        assert {"daypart-1200-mon,tue,wed,thu,fri", "daypart-1330-mon,tue,wed,thu,fri"} <= ids
        store.save(first.document, "ann", "no lunch", 2, dt.datetime.now(dt.UTC))
        live(app).refresh(force=True)  # type: ignore[union-attr]
        assert not any(job.id.startswith("daypart-12") for job in running.get_jobs())
        nightly = running.get_job("nightly-render")
        assert nightly.next_run_time - dt.datetime.now(dt.UTC) > dt.timedelta(minutes=1)  # tonight
        activities = tiny_fleet / "activities.toml"
        activities.write_text(
            activities.read_text(encoding="utf-8").replace(
                'title = "質量標桿交流"', 'title = "質量標杆交流"'
            ),
            encoding="utf-8",
        )
        revised(tiny_fleet)
        live(app).refresh(force=True)  # type: ignore[union-attr]
        assert app.extensions["campaign"].activity("benchmark-exchange").title == "質量標杆交流"
        assert rendered.wait(timeout=30)  # the render brought forward from midnight has run: now
        assert drawn[-1].activity("benchmark-exchange").title == "質量標杆交流"
    finally:
        running.shutdown(wait=True)
        close_engine(app.config["DATABASE_URL"])
