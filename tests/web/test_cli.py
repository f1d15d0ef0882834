"""The command line: `check` (exit 0 with one summary line, or 1 with one line per error and no traceback),
`serve` on broken data, and `export`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from flask import Flask

from tests.conftest import TINY, Edit
from tests.web.live import first_answer, free_port
from web.cli import main


def test_check_passes(tiny_fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data", str(tiny_fleet.parent)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("ok: campaign 2030: ")
    assert "3 activities (2 dated), 2 organizers, 2 slogans; 3 screens, 3 programmes" in out[0]


def test_check_reports_every_error_one_per_line(edit: Edit, capsys: pytest.CaptureFixture[str]) -> None:
    edit("activities.toml", 'kind = "exchange"', 'kind = "party"')
    folder = edit("organizers.toml", 'kind = "department"\n\n', 'kind = "ministry"\n\n')
    assert main(["check", "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3 and lines[-1] == "2 errors"
    assert any("activities.toml:26: activity 'benchmark-exchange': field 'kind'" in line for line in lines)
    assert any("organizers.toml:5: organizer 'samr': field 'kind'" in line for line in lines)


def test_check_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--data", str(tmp_path / "nowhere")]) == 1
    assert "no such data folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("activities.toml", "start = 2030-09-10", "start = 2030-19-10", "activities.toml:19"),
        ("campaign.toml", 'theme = "推動', "theme = 推動", "campaign.toml:11"),
    ],
    ids=["month-19", "broken-toml-line"],
)
def test_check_as_a_process_has_no_traceback(edit: Edit, file: str, old: str, new: str, where: str) -> None:
    folder = edit(file, old, new)
    result = subprocess.run(
        [sys.executable, "-m", "web.cli", "check", "--data", str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert where in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_refuses_broken_data(edit: Edit, capsys: pytest.CaptureFixture[str]) -> None:
    folder = edit("activities.toml", "start = 2030-09-10", "start = 2030-19-10")
    assert main(["serve", "--data", str(folder), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "activities.toml:19" in err and "not starting" in err


def test_unknown_command_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2
    assert "No such command 'frobnicate'" in capsys.readouterr().err


def test_export_command(tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site, posters = tmp_path / "site", tmp_path / "posters"
    args = ["export", str(site), "--data", str(tiny), "--posters", str(posters), "--format", "square",
            "--base-url", "https://example.org/qm", "--today", "2030-09-01"]  # fmt: skip
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "export:" in captured.err and "posters:" in captured.err  # progress
    files = int(captured.out.split()[0])
    assert f"{files} files" in captured.out and f"{files} written" in captured.out
    assert (site / "index.html").is_file() and (site / "calendar.ics").is_file()
    assert "https://example.org/qm/calendar.ics" in (site / "feeds.json").read_text()
    assert {p["format"] for p in json.loads((site / "posters.json").read_text())["posters"]} == {"square"}
    assert (site / "posters/square-hant.zip").is_file() and not (site / "posters/a3-hant.zip").exists()
    assert main(args) == 0
    assert f"0 written, {files} unchanged, 0 removed" in capsys.readouterr().out


def test_export_refuses_an_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path), "--format", "a0"]) == 2
    assert "unknown format 'a0'" in capsys.readouterr().err


def test_export_gives_the_same_bytes_in_another_process(tiny: Path, tmp_path: Path) -> None:
    """Same data, same bytes: also across processes whose string hashing (and so set order) differs."""
    trees = []
    for seed in ("1", "2"):
        site = tmp_path / f"site-{seed}"
        command = [sys.executable, "-m", "web.cli", "export", str(site), "--data", str(tiny), "--format", "square",
                   "--posters", str(tmp_path / "posters"), "--base-url", "https://example.org/", "--today", "2030-09-01"]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(command, check=True, capture_output=True, env=env, timeout=300)
        trees.append({p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()})
    assert len(trees[0]) > 100 and trees[0] == trees[1]


def test_the_configured_data_folder_is_used_without_data(
    tiny: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With QUALITY_MONTH_DATA_DIR and no --data, every command (and the app it builds) loads that
    folder: serve, the scheduler under gunicorn and the workers must agree on one campaign."""
    from web import production
    from web.cli import build_app, cli

    def app_of(command: list[str]) -> Flask | None:
        """The app the command builds, on the --data it is given (if any)."""
        with cli.commands[command[0]].make_context(command[0], command[1:]) as ctx:
            return build_app(ctx.params["data"])

    monkeypatch.setenv("QUALITY_MONTH_DATA_DIR", str(tiny))
    assert main(["check"]) == 0
    assert "campaign 2030:" in capsys.readouterr().out
    for command in (["serve"], ["scheduler"], ["export", "out"]):
        app = app_of(command)
        assert app is not None and app.extensions["campaign"].id == "2030", command
    assert "--data" not in production.scheduler_command()
    # --data, when given, still wins: over a configured folder that is now campaign 2031.
    edit("campaign.toml", 'id = "2030"', 'id = "2031"')
    app = app_of(["serve", "--data", str(TINY)])
    assert app is not None and app.extensions["campaign"].id == "2030"


def test_serve_on_all_addresses_links_to_the_url_of_each_request(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve --host 0.0.0.0`` without a PUBLIC_URL: links and QR codes name the host a request came to,
    never http://0.0.0.0:8000/; the posters (drawn with no request) keep public_url's default."""
    from tests.web.test_calendar import qr_text
    from web.cli import site
    from web.context import DEFAULT_PUBLIC_URL, public_url

    served: list[Flask] = []
    monkeypatch.setattr(site, "start_background_render", lambda app: None)
    monkeypatch.setattr(site, "start_for", lambda app: None)
    monkeypatch.setattr(Flask, "run", lambda app, **options: served.append(app))
    monkeypatch.delenv("QUALITY_MONTH_PUBLIC_URL", raising=False)
    assert main(["serve", "--data", str(tiny), "--host", "0.0.0.0", "--port", "8123"]) == 0
    (app,) = served
    assert not app.config.get("PUBLIC_URL")
    assert public_url(app) == DEFAULT_PUBLIC_URL
    client = app.test_client()
    html = client.get("/", base_url="http://192.0.2.7:8123").get_data(as_text=True)
    assert "0.0.0.0" not in html
    assert 'value="http://192.0.2.7:8123/calendar.ics"' in html
    assert qr_text(html) == "http://192.0.2.7:8123/subscribe"
    feeds = client.get("/feeds.json", base_url="http://192.0.2.7:8123").get_json()["feeds"]
    assert feeds[0]["url"] == "http://192.0.2.7:8123/calendar.ics"
    assert b"0.0.0.0" not in client.get("/calendar.ics", base_url="http://192.0.2.7:8123").get_data()


def test_serve_names_the_site_not_its_server_versions(tiny: Path, tmp_path: Path) -> None:

    port = free_port()
    env = {**os.environ, "QUALITY_MONTH_INSTANCE_PATH": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--data", str(tiny), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        headers, _ = first_answer(f"http://127.0.0.1:{port}/healthz", server)
        assert headers["Server"] == "quality-month"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_help_lists_every_command_and_each_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    from web.cli import cli

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: quality-month [OPTIONS] COMMAND [ARGS]...")
    commands = {"check", "import", "serve", "scheduler", "streams", "render", "export", "revise", "fleet", "staff",
                "fonts", "routes", "shell"}  # fmt: skip
    assert set(cli.commands) == commands  # not Flask's `run`: `serve` is the way to run the site
    every: list[tuple[list[str], click.Command]] = []
    for name, command in cli.commands.items():
        assert re.search(rf"^  {name} ", out, re.MULTILINE), name
        if isinstance(command, click.Group):  # fleet export|import, staff add|remove|list
            assert main([name, "--help"]) == 0
            listed = capsys.readouterr().out
            for sub, subcommand in command.commands.items():
                assert re.search(rf"^  {sub} ", listed, re.MULTILINE), f"{name} {sub}"
                every.append(([name, sub], subcommand))
        else:
            every.append(([name], command))
    for words, command in every:
        name = " ".join(words)
        assert main([*words, "--help"]) == 0
        own = capsys.readouterr().out
        assert own.startswith(f"Usage: quality-month {name} [OPTIONS]"), name
        options = [o for p in command.params if isinstance(p, click.Option) for o in p.opts]
        assert "--data" in options, name
        for option in options:
            assert option in own, f"{name} {option}"


DATA_ERROR_COMMANDS = [
    ["check"],
    ["serve"],
    ["scheduler"],
    ["render"],
    ["export", "site"],
    ["revise"],
    ["routes"],
    ["shell"],
]


@pytest.mark.parametrize("command", DATA_ERROR_COMMANDS, ids=[c[0] for c in DATA_ERROR_COMMANDS])
def test_a_data_error_is_its_message_and_exit_1(
    command: list[str], edit: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = edit("activities.toml", "start = 2030-09-10", "start = 2030-19-10")
    assert main([*command, "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "activities.toml:19" in captured.err and "Traceback" not in captured.err + captured.out


def test_revise_on_a_broken_revision_file_is_a_message_and_exit_1(
    edit: Edit, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = edit("revisions.toml", "# Written by", "[[broken\n# Written by")
    before = (folder / "revisions.toml").read_text(encoding="utf-8")
    assert main(["revise", "--data", str(folder)]) == 1
    assert "revisions.toml: cannot be read" in capsys.readouterr().err
    assert (folder / "revisions.toml").read_text(encoding="utf-8") == before


def test_revise_records_a_change_once(edit: Edit, capsys: pytest.CaptureFixture[str]) -> None:
    folder = edit("activities.toml", "start = 2030-09-10", "start = 2030-09-11")
    assert main(["check", "--data", str(folder)]) == 1
    capsys.readouterr()
    assert main(["revise", "--data", str(folder), "--now", "2030-08-26T12:00:00+08:00"]) == 0
    assert "1 recorded (0 new, 1 with a higher SEQUENCE)" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp") == []
    assert main(["check", "--data", str(folder)]) == 0
    assert main(["revise", "--data", str(folder)]) == 0
    assert "0 recorded" in capsys.readouterr().out


def test_revise_wants_a_time_with_an_offset(tiny: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["revise", "--data", str(tiny), "--now", "2030-08-26T12:00:00"])
    assert caught.value.code == 2
    assert "needs an offset, such as Z or +08:00" in capsys.readouterr().err
