"""The whole poster set: a true manifest, files written whole, and nothing rendered twice."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from generators.loader import load_campaign
from generators.poster_set import Job, jobs, render_set, stored
from generators.posters import FORMATS
from generators.script import SCRIPTS
from tests.conftest import Edit, revised

BASE = "https://quality-month.example/"


def few(job: Job) -> bool:
    return job.format in ("kiosk-landscape", "a4") and not job.design.startswith("today-")


def test_jobs_cover_every_design_format_and_script(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    found = jobs(campaign)
    designs = {j.design for j in found}
    assert len(found) == len(designs) * len(FORMATS) * len(SCRIPTS)
    assert {"theme", "slogan-01", "slogan-02", "today-2030-09-01", "activity-quality-week"} <= designs


def test_render_set_manifest_and_cache(tiny: Path, tmp_path: Path, edit: Edit) -> None:
    out = tmp_path / "posters"
    campaign = load_campaign(tiny)
    seen: list[tuple[int, int]] = []
    first = render_set(campaign, out, BASE, workers=2, only=few, progress=lambda d, t: seen.append((d, t)))
    assert first.refused == [] and first.reused == 0
    assert first.rendered == 5 * 2 * 2  # theme, 2 slogans, 2 dated activities × 2 formats × 2 scripts
    assert seen[-1] == (20, 20)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == first.manifest
    for entry in manifest["posters"]:
        data = (out / stored(entry, entry["file"])).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert (out / stored(entry, entry["thumbnail"])).is_file()
        assert (
            entry["format"] != "a4"
            or (out / stored(entry, entry["pdf"]["file"])).stat().st_size == entry["pdf"]["bytes"]
        )
    slogan = next(e for e in manifest["posters"] if e["design"] == "slogan-02" and e["script"] == "hans")
    assert slogan["text"] == "质量发展 利民惠民"
    assert not list(out.rglob("*.tmp")), "no temporary file is left behind"

    again = render_set(campaign, out, BASE, workers=2, only=few)
    assert (again.rendered, again.reused) == (0, 20)
    assert again.manifest["posters"] == manifest["posters"]

    # A changed slogan re-renders that slogan only, in every format and script.
    edit("campaign.toml", '"質量發展 利民惠民"', '"質量發展 利民惠民 人人共享"')
    changed = render_set(load_campaign(revised(tiny)), out, BASE, workers=2, only=few)
    assert (changed.rendered, changed.reused) == (4, 16)

    # A deleted file is noticed and rendered again.
    first_entry = manifest["posters"][0]
    (out / stored(first_entry, first_entry["file"])).unlink()
    healed = render_set(load_campaign(tiny), out, BASE, workers=2, only=few)
    assert (healed.rendered, healed.reused) == (1, 19)


def test_a_new_base_url_changes_the_qr_codes(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    only = lambda job: job.design == "theme" and job.format == "kiosk-landscape"  # noqa: E731
    first = render_set(campaign, tmp_path, BASE, workers=1, only=only)
    second = render_set(campaign, tmp_path, "https://elsewhere.example/", workers=1, only=only)
    assert second.rendered == 2
    assert [e["sha256"] for e in first.manifest["posters"]] != [
        e["sha256"] for e in second.manifest["posters"]
    ]
