"""The campaign rehearsed: a simulated clock plays the real data and fleet through days, midnights,
restarts and a data edit, through the real code paths (the scheduler's own jobs on its job store, the
poster set and its manifest, the kiosk programme of the web app, the feeds), and checks what every
screen is given at every day part of every day.

``tests/test_rehearsal.py`` plays some days of it in CI; ``python bench/rehearsal.py`` plays the whole
period, from two days before to two days after, and writes ``docs/rehearsal.md``. It prints one line per
simulated day and stops at the first wrong one (``RehearsalError``, saying what and when).

The clock: APScheduler 3 reads ``datetime.now`` in its scheduler, its executors and its interval
trigger; those names are pointed at the simulated clock, the jobs read ``web.scheduler.now()`` and the
web app its ``CLOCK``. The scheduler is APScheduler's own, stepped: ``run_until`` hands it every moment
a job of the store comes due, as its own loop would wake for it, and runs the jobs in the calling
thread (APScheduler's debug executor). A restart is a new scheduler on the same job store; one of them
runs in a process of its own (``python -m tests.rehearsal child …``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler
from icalendar import Calendar

from generators.fleet import load_fleet
from generators.loader import load_current
from generators.posters.manifest import Entry, load_manifest
from generators.programme import daypart_times, showing_at
from generators.wording import WEEKDAY_KEYS
from web.scheduler import build, serve_campaign

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BASE_URL = "http://127.0.0.1:8000/"


class RehearsalError(AssertionError):
    """What went wrong, and when."""


# --- the simulated clock ----------------------------------------------------------------------------

_MOMENT: list[dt.datetime] = [dt.datetime(2000, 1, 1, tzinfo=dt.UTC)]


def clock() -> dt.datetime:
    return _MOMENT[0]


def set_clock(moment: dt.datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("the simulated clock takes aware times")
    _MOMENT[0] = moment.astimezone(dt.UTC)


class SimulatedDateTime(dt.datetime):
    """``datetime`` for APScheduler's modules, whose ``now`` is the simulated clock (a module-level
    class, so that what APScheduler pickles into its store can be read back in another process)."""

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        moment = clock()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)

    @classmethod
    def fromtimestamp(cls, t: float, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        return dt.datetime.fromtimestamp(t, tz)


@contextlib.contextmanager
def simulated(start: dt.datetime) -> Iterator[None]:
    """The simulated clock in APScheduler and in the scheduler's jobs, standing at ``start``."""
    import apscheduler.executors.base
    import apscheduler.schedulers.base
    import apscheduler.triggers.interval

    import web.scheduler

    modules = (apscheduler.schedulers.base, apscheduler.executors.base, apscheduler.triggers.interval)
    saved = [m.datetime for m in modules]  # type: ignore[attr-defined]
    set_clock(start)
    for module in modules:
        module.datetime = SimulatedDateTime  # type: ignore[attr-defined]
    web.scheduler.CLOCK[0] = clock
    try:
        yield
    finally:
        for module, original in zip(modules, saved, strict=True):
            module.datetime = original  # type: ignore[attr-defined]
        web.scheduler.CLOCK[0] = web.scheduler._wall_clock


class SteppedScheduler(BaseScheduler):
    """APScheduler's scheduler without a loop of its own: ``run_until`` wakes it at each due time."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def run_until(self, moment: dt.datetime) -> None:
        store = self._lookup_jobstore("default")
        while True:
            due = store.get_next_run_time()
            if due is None or due > moment:
                break
            set_clock(max(due, clock()))  # a run missed while no scheduler ran is made at once
            self._process_jobs()
        set_clock(max(moment, clock()))


@dataclass
class Run:
    job: str
    scheduled: dt.datetime
    at: dt.datetime
    outcome: str  # "ran", "missed" or "error: …"


def scheduler(workdir: Path, runs: list[Run]) -> SteppedScheduler:
    """The real scheduler of the rehearsal's site (every job, its job store), stepped, paused."""
    data = workdir / "data"
    campaign = load_current(data)
    # The rehearsal's site restarts on every data edit, and its scheduler serves the data on disk.
    serve_campaign(data, lambda: load_current(data))
    built = build(
        f"sqlite:///{workdir / 'state.sqlite'}", timezone=campaign.timezone, data_dir=data,
        poster_dir=workdir / "posters", base_url=BASE_URL,
        daypart_times=daypart_times(load_fleet(data / "screens.toml", campaign)),
        scheduler_class=SteppedScheduler, executors={"default": DebugExecutor()},
    )  # fmt: skip

    def record(event: JobExecutionEvent) -> None:
        outcome = {EVENT_JOB_EXECUTED: "ran", EVENT_JOB_MISSED: "missed"}.get(event.code)
        if outcome is None:
            outcome = f"error: {event.exception!r}"
        runs.append(Run(event.job_id, event.scheduled_run_time.astimezone(dt.UTC), clock(), outcome))

    built.add_listener(record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    assert isinstance(built, SteppedScheduler)
    return built


def run_in_child(workdir: Path, start: dt.datetime, until: dt.datetime) -> list[Run]:
    """A scheduler in a process of its own, on the same job store: from ``start`` to ``until``."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.rehearsal", "child", str(workdir), start.isoformat(), until.isoformat()],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RehearsalError(f"the scheduler process of {start} failed:\n{done.stderr[-3000:]}")
    return [
        Run(
            r["job"],
            dt.datetime.fromisoformat(r["scheduled"]),
            dt.datetime.fromisoformat(r["at"]),
            r["outcome"],
        )
        for r in map(json.loads, done.stdout.splitlines())
    ]


def _child(workdir: str, start: str, until: str) -> None:
    runs: list[Run] = []
    with simulated(dt.datetime.fromisoformat(start)):
        stepped = scheduler(Path(workdir), runs)
        stepped.resume()
        stepped.run_until(dt.datetime.fromisoformat(until))
        stepped.shutdown(wait=False)
    for run in runs:
        print(json.dumps({"job": run.job, "scheduled": run.scheduled.isoformat(), "at": run.at.isoformat(),
                          "outcome": run.outcome}))  # fmt: skip


# --- what the data says a screen plays (read from screens.toml, not from the code under test) ------


def _days(text: str) -> set[int]:
    first, _, last = text.partition("-")
    a, b = WEEKDAY_KEYS.index(first), WEEKDAY_KEYS.index(last or first)
    return {d % 7 for d in range(a, b + 1 if b >= a else b + 8)}


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def expected_programme(fleet: dict[str, Any], screen: dict[str, Any], local: dt.datetime) -> str:
    """The programme a screen plays at a local time: the special day's all day; else a day part's
    (one that crosses midnight belongs to the day it starts on); else the screen's own."""
    specials = {s["date"]: s["programme"] for s in fleet.get("special", [])}
    if local.date() in specials:
        return str(specials[local.date()])
    minute = local.hour * 60 + local.minute
    for part in screen.get("dayparts", []):
        start, end, days = _minutes(part["from"]), _minutes(part["to"]), _days(part["days"])
        if start < end and local.weekday() in days and start <= minute < end:
            return str(part["programme"])
        if end <= start:
            yesterday = (local.date() - dt.timedelta(days=1)).weekday()
            if (local.weekday() in days and minute >= start) or (yesterday in days and minute < end):
                return str(part["programme"])
    return str(screen["programme"])


def boundaries(screen: dict[str, Any], day: dt.date) -> set[tuple[str, frozenset[int]]]:
    """The day-part boundaries of a screen that fall on a local day: (HH:MM, the weekdays of that
    boundary). A part's start is on its days; its end on the same days, or on the next ones when it
    crosses midnight or ends at 24:00 (then at 00:00)."""
    found = set()
    for part in screen.get("dayparts", []):
        days = frozenset(_days(part["days"]))
        if day.weekday() in days:
            found.add((part["from"], days))
        late = part["to"] == "24:00" or _minutes(part["to"]) <= _minutes(part["from"])
        end_days = frozenset((d + 1) % 7 for d in days) if late else days
        if day.weekday() in end_days:
            found.add(("00:00" if part["to"] == "24:00" else part["to"], end_days))
    return found


def slide_in(document: dict[str, Any], moment: dt.datetime) -> tuple[str, str] | None:
    """The slide a kiosk page picks from a programme document at a moment, as its script does:
    the segment, the position in its cycle since the anchor. (slide id, programme)"""
    t = round(moment.timestamp() * 1000)
    for segment in document["segments"]:
        if segment["from"] <= t < segment["to"]:
            cycle = sum(s["ms"] for s in segment["slides"])
            position = (t - segment["anchor"]) % cycle
            for slide in segment["slides"]:
                if position < slide["ms"]:
                    return slide["id"], segment["programme"]
                position -= slide["ms"]
    return None


# --- the site ---------------------------------------------------------------------------------------


@dataclass
class Site:
    workdir: Path
    app: Any = None
    client: Any = None
    fleet_toml: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        """(Re)start the site on the rehearsal's data as `quality-month serve` starts it: the app reads
        the data afresh and the posters are brought up to date (its background render, waited for)."""
        from web import create_app
        from web.posters import start_background_render

        self.app = create_app({
            "TESTING": True, "DATA_DIR": self.workdir / "data", "POSTER_DIR": str(self.workdir / "posters"),
            "DATABASE_URL": f"sqlite:///{self.workdir / 'state.sqlite'}", "PUBLIC_URL": BASE_URL,
            "CLOCK": clock,
        })  # fmt: skip
        self.client = self.app.test_client()
        start_background_render(self.app).join()
        if self.app.extensions["poster_render"]["error"]:
            raise RehearsalError(
                f"{clock()}: the render at start failed: {self.app.extensions['poster_render']['error']}"
            )
        self.fleet_toml = tomllib.loads((self.workdir / "data" / "screens.toml").read_text(encoding="utf-8"))

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        if response.status_code != 200:
            raise RehearsalError(f"{clock()}: GET {path} answered {response.status_code}")
        return response

    def manifest(self) -> dict[tuple[str, str, str], Entry]:
        return {(e.design, e.format, e.script): e for e in load_manifest(self.workdir / "posters").posters}

    def feed_events(self) -> dict[str, tuple[int, str, bytes]]:
        """The complete feed's events by UID: (SEQUENCE, LAST-MODIFIED, the event's bytes)."""
        calendar = Calendar.from_ical(self.get("/feeds/complete.ics").data)
        return {
            str(event["uid"]): (
                int(event.get("sequence", 0)),
                event["last-modified"].to_ical().decode(),
                event.to_ical(),
            )
            for event in calendar.walk("VEVENT")
        }


def check_screens(site: Site, moment: dt.datetime, seen: dict[str, list[str]]) -> None:
    """Everything a screen is given at ``moment``: its programme names only posters of the manifest
    whose files are on disk with their digests; every slide has its poster; the day's poster is there
    in the campaign; the slide it picks is the domain's; the programme is the one the data says."""
    campaign = site.app.extensions["campaign"]
    fleet = load_fleet(site.workdir / "data" / "screens.toml", campaign)
    local = moment.astimezone(campaign.timezone)
    manifest = site.manifest()
    by_url = {f"/posters/{e.address}/{e.file}": e for e in manifest.values()}
    for screen in site.fleet_toml["screen"]:
        document = site.get(f"/kiosk/{screen['id']}/programme.json").get_json()
        where = f"{local:%Y-%m-%d %H:%M:%S} {screen['id']}"
        for design, url in document["images"].items():
            entry = by_url.get(url)
            if entry is None or entry.design != design:
                raise RehearsalError(f"{where}: {design} points at {url}, which the manifest does not name")
            path = site.workdir / "posters" / "files" / entry.address / entry.file
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != entry.sha256:
                raise RehearsalError(f"{where}: {url} is not on disk with its digest")
        designs = {s["design"] for seg in document["segments"] for s in seg["slides"]}
        missing = sorted(designs - set(document["images"]))
        if missing:
            raise RehearsalError(f"{where}: slides without their poster: {', '.join(missing)}")
        today = f"today-{local.date().isoformat()}"
        plays = expected_programme(site.fleet_toml, screen, local)
        has_today = any(
            s["show"] == "today"
            for p in site.fleet_toml["programme"]
            if p["id"] == plays
            for s in p["slides"]
        )
        if campaign.start <= local.date() <= campaign.end and has_today and today not in document["images"]:
            raise RehearsalError(f"{where}: the day's poster {today} is not in the programme of {plays}")
        picked = slide_in(document, moment)
        domain = showing_at(fleet, campaign, fleet.screen(screen["id"]), moment).slide.id
        if picked is None or picked[0] != domain:
            raise RehearsalError(f"{where}: the page would show {picked}, the timeline says {domain}")
        if picked[1] != plays:
            raise RehearsalError(f"{where}: it plays {picked[1]}, the data says {plays}")
        seen.setdefault(screen["id"], [])
        label = f"{local:%H:%M} {plays}"
        if not seen[screen["id"]] or seen[screen["id"]][-1].split(" ", 1)[1] != plays:
            seen[screen["id"]].append(label)


def moments(site: Site, day: dt.date) -> list[dt.datetime]:
    """When a day is checked: after the nightly render, around every day-part boundary of any screen
    (a second before and after), at noon, and in the last minute of the day."""
    zone = site.app.extensions["campaign"].timezone
    at = {dt.time(0, 0, 30), dt.time(12, 0), dt.time(23, 59, 30)}
    for screen in site.fleet_toml["screen"]:
        for clock_text, _ in boundaries(screen, day):
            hour, minute = map(int, clock_text.split(":"))
            boundary = dt.datetime.combine(day, dt.time(hour, minute), zone)
            at |= {(boundary - dt.timedelta(seconds=1)).time(), (boundary + dt.timedelta(seconds=1)).time()}
    return sorted(dt.datetime.combine(day, t, zone) for t in at if t >= dt.time(0, 0, 30))


# --- the edit ---------------------------------------------------------------------------------------


def edit_data(folder: Path, now: dt.datetime) -> tuple[str, str, dt.date]:
    """An activity gets a date of its own (with its source) and an organizer is renamed, then the
    change is recorded as `quality-month revise` records it. (activity id, organizer id, the day)"""
    from generators.loader import load_campaign
    from generators.revisions import load_revisions, revise, revisions_path, write_revisions

    campaign = load_campaign(folder)
    undated = next(
        a
        for a in campaign.activities
        if not a.span.own and len(a.organizers) == 1 and not a.date_note and not a.place
    )
    day = dt.date(campaign.start.year, 9, 26)
    activities = folder / "activities.toml"
    text = activities.read_text(encoding="utf-8")
    record = re.search(
        rf'(?ms)^\[\[activity\]\]\nid = "{re.escape(undated.id)}"\n.*?(?=^\[\[activity\]\]|\Z)', text
    )
    assert record is not None, undated.id
    dated = record.group(0).rstrip("\n") + (
        f'\nstart = {day.isoformat()}\ndate_source = {{ url = "https://www.samr.gov.cn/", confidence = "medium" }}\n\n'
    )
    activities.write_text(text.replace(record.group(0), dated), encoding="utf-8")
    organizer = next(o for o in campaign.organizers.values() if o.id != undated.organizers[0] and any(
        o.id in a.organizers for a in campaign.activities))  # fmt: skip
    organizers = folder / "organizers.toml"
    text = organizers.read_text(encoding="utf-8")
    old = f'name = "{organizer.name}"'
    assert text.count(old) == 1, old
    organizers.write_text(text.replace(old, f'name = "{organizer.name}（更名）"'), encoding="utf-8")
    campaign = load_campaign(folder, revisions=False)
    path = revisions_path(folder)
    write_revisions(path, revise(campaign, load_revisions(path), now))
    load_campaign(folder)  # in step again, as `check` wants it
    return undated.id, organizer.id, day


# --- the rehearsal ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """Which days to play, as windows of consecutive local days (a scheduler restarts between two
    windows), and the days of the events."""

    windows: list[list[dt.date]]
    edit_day: dt.date  # at 12:00, the data edit; the site restarts on the new data
    restart_night: dt.date  # the scheduler goes down at 23:55 and a new process starts at 00:10 next day


def full_plan(campaign: Any) -> Plan:
    first = campaign.start - dt.timedelta(days=2)
    days = [first + dt.timedelta(days=n) for n in range((campaign.end - campaign.start).days + 5)]
    return Plan(
        [days],
        edit_day=campaign.start + dt.timedelta(days=14),
        restart_night=campaign.start + dt.timedelta(days=9),
    )


def fast_plan(campaign: Any) -> Plan:
    start, end = campaign.start, campaign.end
    day = lambda n: start + dt.timedelta(days=n)  # noqa: E731
    return Plan(
        [
            [day(-2), day(-1), day(0)],
            [day(14), day(15), day(16)],
            [day(19), day(20)],
            [end, end + dt.timedelta(days=1), end + dt.timedelta(days=2)],
        ],
        edit_day=day(14),
        restart_night=day(15),
    )


def rehearse(workdir: Path, plan: Plan, say: Callable[[str], None] = print) -> Site:
    """Play the plan on a copy of the real data in ``workdir``; the site as it ends (its posters and
    state in ``workdir``). Raises ``RehearsalError`` at the first wrong day."""
    from generators.posters import designs

    shutil.copytree(DATA, workdir / "data", ignore=shutil.ignore_patterns("__pycache__"))
    zone = load_current(workdir / "data").timezone
    first = plan.windows[0][0]
    runs: list[Run] = []
    down: list[tuple[dt.datetime, dt.datetime]] = []  # when no scheduler ran
    site = Site(workdir)
    pending_edit: dict[str, Any] = {}
    with simulated(dt.datetime.combine(first, dt.time(0), zone) - dt.timedelta(minutes=2)):
        site.start()
        stepped: SteppedScheduler | None = None
        for window in plan.windows:
            opening = dt.datetime.combine(window[0], dt.time(0), zone) - dt.timedelta(minutes=2)
            if opening > clock():
                down.append((clock(), opening))
            set_clock(max(opening, clock()))
            stepped = scheduler(workdir, runs)
            stepped.resume()
            for day in window:
                seen: dict[str, list[str]] = {}
                changes: list[str] = []
                before_runs = len(runs)
                for moment in moments(site, day):
                    stepped.run_until(moment)
                    if day == plan.edit_day and moment.time() >= dt.time(12) and not pending_edit:
                        changes.append(_edit_and_check_feeds(site, pending_edit, designs))
                        changes.append(_check_render_after_edit(site, pending_edit, designs))
                    check_screens(site, moment, seen)
                midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
                if day == plan.restart_night:
                    stepped.run_until(midnight - dt.timedelta(minutes=5))
                    stepped.shutdown(wait=False)
                    back = midnight + dt.timedelta(minutes=10)
                    down.append((clock(), back))
                    set_clock(back)
                    runs.extend(run_in_child(workdir, back, back + dt.timedelta(seconds=30)))
                    changes.append("scheduler down 23:55–00:10, a new process made up the nightly render")
                    stepped = scheduler(workdir, runs)
                    stepped.resume()
                else:
                    stepped.run_until(midnight - dt.timedelta(seconds=1))
                jobs = _check_jobs(site, day, runs[before_runs:], runs, down)
                shown = "; ".join(f"{s}: {' → '.join(v)}" for s, v in seen.items())
                say(
                    f"{day} {WEEKDAY_KEYS[day.weekday()]} | {shown} | jobs: {jobs}"
                    + (f" | {'; '.join(changes)}" if changes else "")
                )
            if stepped is not None:
                stepped.shutdown(wait=False)
                stepped = None
        _check_no_run_twice(runs)
    return site


def _edit_and_check_feeds(site: Site, pending: dict[str, Any], designs: Callable[..., Any]) -> str:
    feeds_before = site.feed_events()
    pending["designs"] = {d.id: d for d in designs(site.app.extensions["campaign"])}
    pending["manifest"] = site.manifest()
    from generators.loader import find_campaigns

    folder = next(
        f for f in find_campaigns(site.workdir / "data") if f.name == site.app.extensions["campaign"].id
    )
    activity, organizer, day = edit_data(folder, clock())
    site.start()  # the site restarts on the new data, and renders what changed
    campaign = site.app.extensions["campaign"]
    feeds_after = site.feed_events()
    stamp = clock().strftime("%Y%m%dT%H%M%SZ")
    runs = {a.id for a in campaign.activities if organizer in a.organizers}
    for uid, (sequence, modified, data) in feeds_after.items():
        ident = uid.split("@")[0]
        old = feeds_before.get(uid)
        if old is None:
            raise RehearsalError(f"{clock()}: the edit made a new event {uid}")
        if ident == activity:
            if sequence != old[0] + 1 or modified != stamp:
                raise RehearsalError(
                    f"{clock()}: {uid} got a date: SEQUENCE {old[0]}→{sequence}, LAST-MODIFIED {modified}"
                )
        elif ident in runs:  # what subscribers read of them changed (主辦：…): SEQUENCE rises
            if sequence != old[0] + 1 or modified != stamp:
                raise RehearsalError(
                    f"{clock()}: {uid} (organizer renamed): SEQUENCE {old[0]}→{sequence}, LAST-MODIFIED {modified}"
                )
        elif (sequence, modified, data) != old:
            raise RehearsalError(f"{clock()}: {uid} changed, though the edit did not touch it")
    pending.update(activity=activity, organizer=organizer, day=day)
    return (f"edit at 12:00: {activity} dated {day} (SEQUENCE +1), organizer {organizer} renamed "
            f"({len(runs)} events' SEQUENCE raised), the other {len(feeds_after) - len(runs) - 1} events unchanged")  # fmt: skip


def _check_render_after_edit(site: Site, pending: dict[str, Any], designs: Callable[..., Any]) -> str:
    after_designs = {d.id: d for d in designs(site.app.extensions["campaign"])}
    changed = {i for i, d in after_designs.items() if pending["designs"].get(i) != d}
    day_poster = f"today-{pending['day'].isoformat()}"
    if day_poster not in changed:
        raise RehearsalError(f"{clock()}: the day poster {day_poster} did not change with the edit")
    manifest = site.manifest()
    rewritten = {
        key[0]
        for key, e in manifest.items()
        if getattr(pending["manifest"].get(key), "sha256", None) != e.sha256
    }
    if rewritten != changed:
        raise RehearsalError(
            f"{clock()}: the render after the edit rewrote {sorted(rewritten ^ changed)} unlike the designs that changed"
        )
    return (
        f"render at the restart: {len(changed)} designs redrawn ({', '.join(sorted(changed))}), nothing else"
    )


def _check_jobs(
    site: Site, day: dt.date, today: list[Run], every: list[Run], down: list[tuple[dt.datetime, dt.datetime]]
) -> str:
    zone = site.app.extensions["campaign"].timezone
    midnight = dt.datetime.combine(day, dt.time(0), zone)
    # A run more than the grace time late (in a stretch of days no scheduler ran) is missed by design.
    errors = [
        r for r in today
        if r.outcome != "ran"
        and not (r.outcome == "missed" and any(start <= r.scheduled <= end for start, end in down))
    ]  # fmt: skip
    if errors:
        raise RehearsalError(
            f"{day}: jobs that did not run: {[(r.job, r.scheduled, r.outcome) for r in errors]}"
        )
    in_day = [
        r for r in every if midnight <= r.scheduled < midnight + dt.timedelta(days=1) and r.outcome == "ran"
    ]
    nightly = [r for r in in_day if r.job == "nightly-render"]
    if [r.scheduled for r in nightly] != [midnight.astimezone(dt.UTC)]:
        raise RehearsalError(
            f"{day}: the nightly render ran at {[str(r.scheduled) for r in nightly]}, not once at 00:00"
        )
    every_boundary = set().union(*(boundaries(screen, day) for screen in site.fleet_toml["screen"]))
    wanted = Counter(clock_text for clock_text, _ in every_boundary)
    noted = Counter(
        r.scheduled.astimezone(zone).strftime("%H:%M") for r in in_day if r.job.startswith("daypart-")
    )
    if noted != wanted:
        raise RehearsalError(f"{day}: day-part boundaries noted {dict(noted)}, the data has {dict(wanted)}")
    minutes = {r.scheduled for r in in_day if r.job == "mark-offline"}
    expected = 0
    for n in range(24 * 60):
        t = midnight + dt.timedelta(minutes=n)
        if not any(start < t <= end for start, end in down):
            expected += 1
    made_up = sum(1 for start, end in down if midnight <= end < midnight + dt.timedelta(days=1))
    if not expected <= len(minutes) <= expected + made_up:
        raise RehearsalError(f"{day}: mark-offline ran for {len(minutes)} minutes, wanted {expected}")
    late = [r for r in nightly if r.at > r.scheduled + dt.timedelta(seconds=1)]
    return (f"nightly render 1{' (made up at ' + late[0].at.astimezone(zone).strftime('%H:%M') + ')' if late else ''}, "
            f"day parts {sum(noted.values())}, mark-offline {len(minutes)}")  # fmt: skip


def _check_no_run_twice(runs: list[Run]) -> None:
    twice = [key for key, n in Counter((r.job, r.scheduled) for r in runs).items() if n > 1]
    if twice:
        raise RehearsalError(f"jobs that ran twice for one time: {twice[:5]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _child(*sys.argv[2:5])
