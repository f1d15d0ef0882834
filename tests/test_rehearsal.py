"""A month in the life, played fast: some days of the campaign (two before it, its first, the days of
a data edit and of a scheduler restart across midnight, 9·20 and 9·21, its last and two after) on a
simulated clock through the real scheduler, poster set, programmes and feeds (see tests/rehearsal.py;
`python bench/rehearsal.py` plays every day)."""

from __future__ import annotations

from pathlib import Path

from generators.loader import load_current
from tests.conftest import DATA
from tests.rehearsal import fast_plan, rehearse


def test_the_campaign_rehearsed(tmp_path: Path) -> None:
    lines: list[str] = []
    rehearse(tmp_path, fast_plan(load_current(DATA)), say=lines.append)
    print("\n".join(lines))
    assert len(lines) == sum(len(w) for w in fast_plan(load_current(DATA)).windows)
    assert any("edit at 12:00" in line for line in lines)
    assert any("render after the edit" in line for line in lines)
    assert any("made up" in line for line in lines)
    assert any("quality-day" in line for line in lines if line.startswith("2022-09-21"))
