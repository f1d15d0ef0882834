"""The README documents every command, option and URL, so that users can find them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
from flask import Flask

from tests.conftest import TESTS
from web.cli import cli

README = (TESTS.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str) -> Iterator[tuple[str, click.Command]]:
    """Every command of the group as it is typed (``quality-month check``, ``quality-month a b``…)."""
    with click.Context(group) as ctx:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            yield f"{prefix} {name}", command
            if isinstance(command, click.Group):
                yield from _commands(command, f"{prefix} {name}")


def test_every_command_and_option_is_in_the_readme() -> None:
    commands = dict(_commands(cli, "quality-month"))
    assert {"quality-month check", "quality-month export", "quality-month routes"} <= set(commands)
    help_names = set(cli.context_settings["help_option_names"])
    for typed, command in {"quality-month": cli, **commands}.items():
        # The lines that show the command as typed: each of its options is on one of them.
        lines = [line for line in README.splitlines() if re.search(f"`{re.escape(typed)}[ `]", line)]
        assert lines, typed
        for param in command.params:
            if isinstance(param, click.Option):
                for option in [*param.opts, *param.secondary_opts]:
                    if option not in help_names:
                        assert any(re.search(f"{option}\\b", line) for line in lines), f"{typed} {option}"


def test_every_url_is_in_the_readme(app: Flask) -> None:
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert rules
    # Filtered views are documented once, as /<group>/<key>/; Simplified pages once, as /hans/….
    documented = {
        "/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/": "`/<group>/<key>/`",
        "/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/list": "`/<group>/<key>/list`",
        "/<any(organizers, 'organizer-kinds', kinds, local):group>/<key>/subscribe": "`/<group>/<key>/subscribe`",
        "/feeds/<string:name>.ics": "`/feeds/<name>.ics`",
        "/posters/<format>-<any(hant, hans):script>.zip": "`/posters/<format>-<script>.zip`",
    }
    for rule in rules:
        plain = rule.removeprefix("/hans") or "/"
        if rule.startswith("/hans") and rule not in ("/hans/",):
            assert "below `/hans/`" in README
        assert documented.get(plain, f"`{plain}`") in README, rule


def test_quick_start_commands() -> None:
    assert "pip install -e . && quality-month serve" in README
    assert "pip install -e '.[test]' && tests/install-tools && pytest" in README
