"""The house rules of the code's layout, checked on every run: no module of generators/ or web/ over 400
lines and no function over 60; generators/ (the domain) imports no Flask and reads no wall clock; and
docs/modules.md names every module, so that the map a newcomer reads stays true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import TESTS

ROOT = TESTS.parent
MAP = ROOT / "docs" / "modules.md"
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 400, 60


def _modules() -> list[Path]:
    return sorted(
        p
        for folder in ("generators", "web")
        for p in (ROOT / folder).rglob("*.py")
        if p.name != "__init__.py" or p.stat().st_size > 0
    )


def _name(path: Path) -> str:
    """``generators/posters/engine.py`` as its module name, ``generators.posters.engine``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_modules_and_functions_are_short(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines: split it"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines in {_name(path)}: {', '.join(long)}"


_CLOCK = re.compile(r"\b(datetime|dt)\.(datetime\.)?(now|today|utcnow)\(|\btime\.time\(|\bdate\.today\(")


@pytest.mark.parametrize(
    "path", [p for p in _modules() if p.relative_to(ROOT).parts[0] == "generators"], ids=_name
)
def test_the_domain_has_no_flask_and_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"flask", "werkzeug", "web"}, f"{_name(path)} imports the web layer"
    assert not _CLOCK.search(ast.unparse(tree)), f"{_name(path)} reads the wall clock: take `now` instead"


def test_the_module_map_names_every_module() -> None:
    text = MAP.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:generators|web)(?:\.\w+)+|generators|web)`", text))
    missing = [_name(p) for p in _modules() if _name(p) not in named]
    assert not missing, f"docs/modules.md does not name: {', '.join(missing)}"
    gone = sorted(
        n for n in named if n not in {_name(p) for p in _modules()} and n not in ("generators", "web")
    )
    assert not gone, f"docs/modules.md names modules that no longer exist: {', '.join(gone)}"
