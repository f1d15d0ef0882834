"""The package works installed from its wheel, not only from a checkout: the wheel holds the templates,
the static files, the fonts and the campaign data, and the installed command finds them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from generators.model import Campaign
from tests.conftest import TESTS
from tests.web.live import first_answer, free_port
from web.cli import cli

ROOT = TESTS.parent


def test_the_wheel_installs_a_working_program(real: Campaign, tmp_path: Path) -> None:
    # Built from a copy without build/ (setuptools would pack a stale build/lib of an earlier build).
    source = tmp_path / "source"
    junk = shutil.ignore_patterns(
        ".git", "build", "dist", "instance", "node_modules", "*.egg-info", "__pycache__"
    )
    shutil.copytree(ROOT, source, ignore=junk)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("quality_month-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for wanted in ["web/templates/base.html", "web/static/kiosk.js", "web/static/timeline.mjs",
                   "quality_month_fonts/LICENSE", "quality_month_data/screens.toml",
                   "quality_month_data/2022/activities.toml",
                   "quality_month_data/2022/local/example-city.toml"]:  # fmt: skip
        assert wanted in names, wanted
    assert sum(name.endswith(".otf") for name in names) == 6
    # Installed beside this interpreter's packages (the dependencies), away from the checkout.
    venv.create(tmp_path / "env", system_site_packages=True, with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300)
    # Every module of the checkout comes from the wheel (an editable install of the checkout beside it
    # would otherwise hand out what the wheel lacks).
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for folder in ("generators", "web")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "__main__.py"  # importing it runs the command line
    )
    listing = "; ".join(f"print(importlib.import_module({m!r}).__file__)" for m in modules)
    found = subprocess.run(
        [python, "-c", f"import importlib; {listing}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    outside = [
        m for m, file in zip(modules, found, strict=True) if not file.startswith(str(tmp_path / "env"))
    ]
    assert not outside, f"not in the wheel: {outside}"
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {
        "PATH": str(tmp_path / "env" / "bin"),
        "HOME": str(tmp_path),
        "QUALITY_MONTH_INSTANCE_PATH": str(away),
    }
    check = subprocess.run(
        [python, "-m", "web.cli", "check"], cwd=away, env=env, capture_output=True, text=True
    )
    # The shipped data, whatever it holds: the counts are the loaded campaign's.
    assert check.returncode == 0, check.stderr
    assert f"campaign {real.id}: {len(real.activities)} activities" in check.stdout, check.stdout
    assert f"{len(real.editions)} local edition" in check.stdout, check.stdout
    code = (
        "import web, generators.fonts as f; app = web.create_app({'TESTING': True});"
        "c = app.test_client(); r = c.get('/'); s = c.get('/static/style.css');"
        "print(r.status_code, s.status_code, f.FONT_DIR.name, web.DEFAULT_DATA.name)"
    )
    page = subprocess.run([python, "-c", code], cwd=away, env=env, capture_output=True, text=True)
    assert page.stdout.split() == ["200", "200", "quality_month_fonts", "quality_month_data"], page.stderr
    # The installed command is click's, with every command of the checkout's.
    program = tmp_path / "env" / "bin" / "quality-month"
    helped = subprocess.run(
        [program, "--help"], cwd=away, env=env, capture_output=True, text=True, check=True
    )
    assert helped.stdout.startswith("Usage: quality-month [OPTIONS] COMMAND [ARGS]...")
    for command in cli.commands:
        assert f"  {command} " in helped.stdout, command
    _serves_healthz(program, away, env)


def _serves_healthz(program: Path, folder: Path, env: dict[str, str]) -> None:
    """``quality-month serve`` of the installed wheel answers ``/healthz`` and the home page."""
    port = free_port()
    server = subprocess.Popen(
        [program, "serve", "--port", str(port)], cwd=folder, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _, body = first_answer(f"http://127.0.0.1:{port}/healthz", server)
        assert json.loads(body)["status"] == "ok"
        headers, _ = first_answer(f"http://127.0.0.1:{port}/", server)
        assert "text/html" in headers["Content-Type"]
    finally:
        server.terminate()
        server.wait(timeout=30)
