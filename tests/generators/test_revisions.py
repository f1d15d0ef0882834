"""The revision history: SEQUENCE rises on significant changes, and the data must be in step with it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from generators.loader import CampaignError, load_campaign
from generators.revisions import (
    dump_revisions,
    load_revisions,
    out_of_step,
    revise,
    revisions_path,
    write_revisions,
)
from tests.conftest import REVISED_AT, Edit

LATER = REVISED_AT + dt.timedelta(days=3)


def test_fixture_is_in_step(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    assert set(campaign.revisions) == {a.id for a in campaign.activities}
    assert campaign.revision("quality-week").sequence == 0


@pytest.mark.parametrize(
    ("old", "new", "sequence", "moved"),
    [
        ('title = "質量宣傳周"', 'title = "質量宣傳週"', 1, True),
        ("end = 2030-09-14", "end = 2030-09-13", 1, True),
        # The date's source and the organizers show in the event's text (可信度：…, 主辦：…): SEQUENCE rises.
        ('confidence = "medium"', 'confidence = "high"', 1, True),
        ('organizers = ["samr"]\ntext = "開展', 'organizers = ["samr", "miit"]\ntext = "開展', 1, True),
    ],
    ids=["title", "time", "date-source", "organizers"],
)
def test_revise(edit: Edit, old: str, new: str, sequence: int, moved: bool) -> None:
    folder = edit("activities.toml", old, new)
    campaign = load_campaign(folder, revisions=False)
    history = load_revisions(revisions_path(folder))
    assert out_of_step(campaign, history) == ["quality-week"]
    updated = revise(campaign, history, LATER)
    entry = updated["quality-week"]
    assert entry.sequence == sequence
    assert entry.created == history["quality-week"].created
    assert (entry.modified == LATER.replace(microsecond=0)) is moved
    assert updated["quality-conference"] == history["quality-conference"]
    assert out_of_step(campaign, updated) == []


def test_revise_new_and_removed_activities(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    history = dict(campaign.revisions)
    gone = history.pop("quality-week")
    history["retired"] = dataclasses.replace(gone, sequence=4)
    updated = revise(campaign, history, LATER)
    assert updated["quality-week"].sequence == 0 and updated["quality-week"].created == LATER
    assert updated["retired"].sequence == 4


def test_revise_needs_an_aware_time(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    with pytest.raises(ValueError, match="timezone-aware"):
        revise(campaign, campaign.revisions, dt.datetime(2030, 9, 1))


def test_dump_and_load_round_trip(tiny: Path, tmp_path: Path) -> None:
    history = load_campaign(tiny).revisions
    path = tmp_path / "revisions.toml"
    path.write_text(dump_revisions(history), encoding="utf-8")
    assert load_revisions(path) == history


def test_a_revise_keeps_the_files_comments_and_rewrites_only_what_changed(edit: Edit) -> None:
    folder = edit("activities.toml", 'title = "質量宣傳周"', 'title = "質量宣傳週"')
    path = revisions_path(folder)
    before = path.read_text(encoding="utf-8").replace(
        '[activity."quality-week"]', '[activity."quality-week"]  # the week of the campaign'
    )
    path.write_text(before, encoding="utf-8")
    history = revise(load_campaign(folder, revisions=False), load_revisions(path), LATER)
    write_revisions(path, history)
    after = path.read_text(encoding="utf-8")
    assert '[activity."quality-week"]  # the week of the campaign' in after
    assert load_revisions(path) == history
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == [
        "significant = " + repr(history["quality-week"].significant).replace("'", '"'),
        "sequence = 1",
        "modified = " + LATER.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]


def test_out_of_step_data_fails_the_load(edit: Edit) -> None:
    folder = edit("activities.toml", 'title = "質量宣傳周"', 'title = "質量宣傳週"')
    with pytest.raises(CampaignError) as caught:
        load_campaign(folder)
    (error,) = caught.value.errors
    assert error.file.endswith("revisions.toml") and error.record == "activity 'quality-week'"
    assert "run `quality-month revise`" in error.reason


def test_missing_revision_file_fails_the_load(tiny: Path) -> None:
    revisions_path(tiny).unlink()
    with pytest.raises(CampaignError, match="file is missing"):
        load_campaign(tiny)


def test_a_renamed_organizer_raises_the_sequence_of_its_activities(edit: Edit) -> None:
    """Feed events show their organizers' names: a rename changes them, so calendars must take them
    again (SEQUENCE rises, LAST-MODIFIED moves); the other activities stay as they were."""
    folder = edit("organizers.toml", 'name = "工業和信息化部"', 'name = "中華人民共和國工業和信息化部"')
    campaign = load_campaign(folder, revisions=False)
    history = load_revisions(revisions_path(folder))
    runs = sorted(a.id for a in campaign.activities if "miit" in a.organizers)
    assert runs and out_of_step(campaign, history) == runs
    updated = revise(campaign, history, LATER)
    for ident in runs:
        assert updated[ident].sequence == history[ident].sequence + 1
        assert updated[ident].modified == LATER.replace(microsecond=0)
    others = [a.id for a in campaign.activities if a.id not in runs]
    assert others and all(updated[i] == history[i] for i in others)
