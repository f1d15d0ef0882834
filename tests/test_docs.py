"""The README documents every command, option and URL, so that users can find them."""

from __future__ import annotations

import argparse

from flask import Flask

from tests.conftest import TESTS
from web.cli import _parser

README = (TESTS.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_readme() -> None:
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert commands.choices
    for name, sub in commands.choices.items():
        assert f"`quality-month {name}" in README, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in README, f"{name} {option}"


def test_every_url_is_in_the_readme(app: Flask) -> None:
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert rules
    # Filtered views are documented once, as /<group>/<key>/; Simplified pages once, as /hans/….
    documented = {
        "/<any(organizers, 'organizer-kinds', kinds):group>/<key>/": "`/<group>/<key>/`",
        "/<any(organizers, 'organizer-kinds', kinds):group>/<key>/list": "`/<group>/<key>/list`",
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
