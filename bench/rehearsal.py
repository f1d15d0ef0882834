"""The whole campaign rehearsed: every day from two days before the period to two days after, on a
simulated clock, through the real scheduler, poster set, kiosk programmes and feeds (tests/rehearsal.py
says what is checked; tests/web/test_rehearsal.py plays a few of these days in CI).

    pip install -e '.[test]'
    python bench/rehearsal.py [--out docs/rehearsal.md]

Prints one line per simulated day and stops at the first wrong one (exit 1, with what went wrong and
when); on success writes the lines, with this command and the machine, to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.loader import load_current  # noqa: E402
from tests.rehearsal import DATA, RehearsalError, full_plan, rehearse  # noqa: E402

INTRO = """\
# The campaign rehearsed

`python bench/rehearsal.py` plays the whole campaign, from two days before its period to two days after
({first} to {last}, {days} days), on a simulated clock, through the real code paths: the scheduler's own
jobs on its job store (the nightly render, every day-part boundary, the offline marking each minute), the
poster set and its manifest, each screen's programme from the web app, and the feeds. It stops at the
first wrong day. `tests/web/test_rehearsal.py` plays {fast} of these days in CI, and a kiosk page in
Chromium across three midnights, one of them with the server out of reach.

What each day checks, at 00:00:30 (after the nightly render), a second before and after every day-part
boundary, at noon and at 23:59:30, for every screen:

- its programme names only posters of the manifest whose files are on disk with their digests, and every
  slide of its eight days has its poster; in the period, the day's poster is there;
- the slide a page would pick from the programme is the one the domain's timeline gives, and it plays the
  programme that `data/screens.toml` says (its day parts, the special day 9·21 all day);
- the scheduler ran the nightly render once for 00:00, noted each day-part boundary once, and marked
  offline screens each minute; no job ran twice for one time, none failed.

Events: on {edit} at 12:00 an undated activity gets a date and an organizer is renamed, `revise`
records it and the site restarts on the new data (its feeds' SEQUENCE and LAST-MODIFIED must move for
exactly the affected events, and its render redraw exactly the designs that changed); on the night after
{restart} the scheduler goes down at 23:55 and a new process starts at 00:10 (the nightly render is made
up, the minutes it missed are one coalesced run).

Run on {machine} in {seconds:.0f} s, {when}.

```
{lines}
```
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "rehearsal.md")
    args = parser.parse_args()
    campaign = load_current(DATA)
    plan = full_plan(campaign)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        try:
            rehearse(Path(folder), plan, say=say)
        except RehearsalError as exc:
            print(f"wrong: {exc}", file=sys.stderr)
            return 1
    from tests.rehearsal import fast_plan

    days = plan.windows[0]
    args.out.write_text(
        INTRO.format(
            first=days[0],
            last=days[-1],
            days=len(days),
            fast=sum(len(w) for w in fast_plan(campaign).windows),
            edit=plan.edit_day,
            restart=plan.restart_night,
            machine=f"{platform.machine()}, {__import__('os').cpu_count()} cores",
            seconds=time.perf_counter() - started,
            when=dt.date.today().isoformat(),
            lines="\n".join(lines),
        ),
        encoding="utf-8",
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
