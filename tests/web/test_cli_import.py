"""`quality-month import`: a notice in, a draft folder out that `check` accepts; a notice missing a part
is refused with the part named, exit 1, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DATA
from web.cli import main

NOTICE_2031 = Path(__file__).resolve().parent.parent / "fixtures" / "notice-2031.txt"
NOW = ["--now", "2031-08-21T00:00:00Z"]


def test_import_writes_a_folder_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data" / "2022"
    assert (
        main(["import", str(DATA / "2022" / "notice.txt"), "--out", str(out), "--data", str(DATA), *NOW]) == 0
    )
    said = capsys.readouterr().out
    assert "campaign 2022 drafted" in said and "0 new ids" in said
    names = {p.name for p in out.iterdir()}
    assert names == {"campaign.toml", "organizers.toml", "activities.toml", "revisions.toml", "notice.txt",
                     "REVIEW.md"}  # fmt: skip
    assert (out / "notice.txt").read_text(encoding="utf-8") == (DATA / "2022" / "notice.txt").read_text(
        encoding="utf-8"
    )
    assert main(["check", "--data", str(out)]) == 0
    assert "ok: campaign 2022" in capsys.readouterr().out


def test_import_of_an_unseen_simplified_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "2031"
    assert main(["import", str(NOTICE_2031), "--out", str(out), "--data", str(DATA), *NOW]) == 0
    assert 'script = "hans"' in (out / "campaign.toml").read_text(encoding="utf-8")
    assert main(["check", "--data", str(out)]) == 0


def test_import_refuses_a_notice_without_a_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE_2031.read_text(encoding="utf-8").replace("定于2031年9月", ""), encoding="utf-8")
    out = tmp_path / "draft"
    assert main(["import", str(notice), "--out", str(out), "--data", str(DATA)]) == 1
    assert "no period" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notice.txt"]  # nothing written


def test_import_names_the_line_of_a_wrong_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice = tmp_path / "notice.txt"
    notice.write_text(NOTICE_2031.read_text(encoding="utf-8").replace("定于2031年9月", "定于2031年13月"))
    assert main(["import", str(notice), "--out", str(tmp_path / "draft"), "--data", str(DATA)]) == 1
    assert "line 3: the period 定于2031年13月 is not a month" in capsys.readouterr().err


def test_import_does_not_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "2031").mkdir()
    (tmp_path / "2031" / "keep.txt").write_text("mine")
    assert main(["import", str(NOTICE_2031), "--out", str(tmp_path / "2031"), "--data", str(DATA)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "2031").iterdir()] == ["keep.txt"]
