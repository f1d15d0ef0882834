"""The whole poster set: a true manifest, files written whole, and nothing rendered twice."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generators import posters
from generators.loader import load_campaign
from generators.posters import SET_FORMATS, batch
from generators.posters.batch import Job, cache_key, jobs, render_set
from generators.posters.manifest import STORE, Entry, Manifest, intact, load_manifest, save_manifest, stored
from generators.script import SCRIPTS
from tests.conftest import Edit, revised

BASE = "https://quality-month.example/"


def few(job: Job) -> bool:
    return job.format in ("kiosk-landscape", "a4") and not job.design.startswith("today-")


def test_jobs_cover_every_design_format_and_script(tiny: Path) -> None:
    campaign = load_campaign(tiny)
    found = jobs(campaign)
    designs = {j.design for j in found}
    assert len(found) == len(designs) * len(SET_FORMATS) * len(SCRIPTS)
    assert {"theme", "slogan-01", "slogan-02", "today-2030-09-01", "activity-quality-week"} <= designs


#: A manifest as the set writes it (the public /posters.json and the kiosk programmes are built from it).
MANIFEST_JSON = """{
 "campaign": "tiny",
 "base_url": "https://quality-month.example/",
 "posters": [
  {
   "design": "theme",
   "format": "a4",
   "script": "hans",
   "text": "质量月",
   "file": "a4/hans/theme.png",
   "thumbnail": "thumbs/a4/hans/theme.jpg",
   "width": 2550,
   "height": 3578,
   "dpi": 300,
   "bytes": 1234,
   "sha256": "0123456789abcdef0123",
   "key": "k",
   "pdf": {
    "file": "a4/hans/theme.pdf",
    "bytes": 99,
    "sha256": "fedcba"
   }
  },
  {
   "design": "slogan-01",
   "format": "square",
   "script": "hant",
   "text": "質量月",
   "file": "square/hant/slogan-01.png",
   "thumbnail": "thumbs/square/hant/slogan-01.jpg",
   "width": 1080,
   "height": 1080,
   "dpi": 72,
   "bytes": 12,
   "sha256": "aaaabbbbccccdddd0000",
   "key": "k2"
  }
 ],
 "refused": [
  {
   "design": "slogan-02",
   "format": "banner-h",
   "script": "hant",
   "refused": "too long"
  }
 ]
}
"""


def test_the_manifest_reads_and_writes_the_same_json(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(MANIFEST_JSON, encoding="utf-8")
    manifest = load_manifest(tmp_path)
    assert isinstance(manifest, Manifest) and all(isinstance(e, Entry) for e in manifest.posters)
    print_entry, screen_entry = manifest.posters
    assert print_entry.files == ("a4/hans/theme.png", "thumbs/a4/hans/theme.jpg", "a4/hans/theme.pdf")
    assert screen_entry.files == ("square/hant/slogan-01.png", "thumbs/square/hant/slogan-01.jpg")
    assert stored(print_entry, "a4/hans/theme.pdf") == "files/0123456789abcdef/a4/hans/theme.pdf"
    assert manifest.refused[0].reason == "too long"
    save_manifest(tmp_path / "again", manifest)
    assert (tmp_path / "again" / "manifest.json").read_text(encoding="utf-8") == MANIFEST_JSON


def test_render_set_manifest_and_cache(tiny: Path, tmp_path: Path, edit: Edit) -> None:
    out = tmp_path / "posters"
    campaign = load_campaign(tiny)
    seen: list[tuple[int, int]] = []
    first = render_set(campaign, out, BASE, workers=2, only=few, progress=lambda d, t: seen.append((d, t)))
    assert first.refused == [] and first.reused == 0
    assert first.rendered == 5 * 2 * 2  # theme, 2 slogans, 2 dated activities × 2 formats × 2 scripts
    assert seen[-1] == (20, 20)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == first.manifest.to_json()
    manifest = load_manifest(out)
    assert manifest == first.manifest
    for entry in manifest.posters:
        data = (out / stored(entry, entry.file)).read_bytes()
        assert len(data) == entry.bytes and hashlib.sha256(data).hexdigest() == entry.sha256
        assert (out / stored(entry, entry.thumbnail)).is_file()
        assert entry.format != "a4" or (
            entry.pdf is not None and (out / stored(entry, entry.pdf.file)).stat().st_size == entry.pdf.bytes
        )
    slogan = next(e for e in manifest.posters if e.design == "slogan-02" and e.script == "hans")
    assert slogan.text == "质量发展 利民惠民"
    assert not list(out.rglob("*.tmp")), "no temporary file is left behind"

    again = render_set(campaign, out, BASE, workers=2, only=few)
    assert (again.rendered, again.reused) == (0, 20)
    assert again.manifest.posters == manifest.posters

    # A changed slogan re-renders that slogan only, in every format and script.
    edit("campaign.toml", '"質量發展 利民惠民"', '"質量發展 利民惠民 人人共享"')
    changed = render_set(load_campaign(revised(tiny)), out, BASE, workers=2, only=few)
    assert (changed.rendered, changed.reused) == (4, 16)

    # A deleted file is noticed and rendered again.
    first_entry = manifest.posters[0]
    (out / stored(first_entry, first_entry.file)).unlink()
    healed = render_set(load_campaign(tiny), out, BASE, workers=2, only=few)
    assert (healed.rendered, healed.reused) == (1, 19)


def test_a_new_base_url_changes_the_qr_codes(tiny: Path, tmp_path: Path) -> None:
    campaign = load_campaign(tiny)
    only = lambda job: job.design == "theme" and job.format == "kiosk-landscape"  # noqa: E731
    first = render_set(campaign, tmp_path, BASE, workers=1, only=only)
    second = render_set(campaign, tmp_path, "https://elsewhere.example/", workers=1, only=only)
    assert second.rendered == 2
    assert [e.sha256 for e in first.manifest.posters] != [e.sha256 for e in second.manifest.posters]


def test_a_partial_render_keeps_the_rest_of_the_manifest(tiny: Path, tmp_path: Path) -> None:
    """The nightly render of a part of the set (two days' posters, say) must not drop the others'."""
    campaign = load_campaign(tiny)
    kiosk = lambda job: job.format == "kiosk-landscape" and job.script == "hant"  # noqa: E731
    first = render_set(campaign, tmp_path, BASE, workers=2, only=kiosk)
    days = {e.design for e in first.manifest.posters if e.design.startswith("today-")}
    assert len(days) == 30
    again = render_set(campaign, tmp_path, BASE, workers=1, only=lambda job: job.design == "today-2030-09-10")
    assert {e.design for e in again.manifest.posters if e.design.startswith("today-")} == days
    assert all(entry in again.manifest.posters for entry in first.manifest.posters)
    assert (again.rendered, again.reused) == (
        len(SET_FORMATS) * 2 - 1,
        1,
    )  # its other formats and scripts, drawn now


def test_the_key_follows_the_text_as_drawn_and_the_libraries(
    monkeypatch: pytest.MonkeyPatch, tiny: Path
) -> None:
    design = next(d for d in posters.designs(load_campaign(tiny)) if d.id == "theme")
    hant, hans = Job("theme", "a4", "hant"), Job("theme", "a4", "hans")
    code = batch.code_digest()
    before = (cache_key(design, hant, BASE, code), cache_key(design, hans, BASE, code))
    # OpenCC's output changes (a new version converts a word otherwise): only the Simplified key moves.
    monkeypatch.setattr(batch, "in_script", lambda text, script: text + "·" if script == "hans" else text)
    after = (cache_key(design, hant, BASE, code), cache_key(design, hans, BASE, code))
    assert after[0] == before[0] and after[1] != before[1]
    # Versions come from the packages' metadata: rjieba has no __version__ but has one there.
    versions = batch.library_versions()
    assert set(versions) == {"pillow", "rjieba", "opencc", "qrcode", "fonttools", "pikepdf"}
    assert all(versions.values())
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9" if name == "rjieba" else real(name))
    assert batch.code_digest() != code


def test_a_files_address_always_matches_its_bytes(tiny: Path, tmp_path: Path) -> None:
    """A re-render (another base URL: every QR code changes) killed half-way leaves every address of the
    manifest serving the bytes its digest names; the finished one removes the files no one names."""
    out = tmp_path / "posters"
    some = lambda job: job.format in ("kiosk-portrait", "a4")  # noqa: E731
    first = render_set(load_campaign(tiny), out, BASE, workers=2, only=some)
    old = {stored(e, e.file): e.sha256 for e in first.manifest.posters}
    process = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "render", "--data", str(tiny), "--out", str(out),
         "--base-url", "https://elsewhere.example/", "--format", "kiosk-portrait", "--format", "a4"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Killed once the new set has begun to arrive (some new content-addressed folders).
        while len(list((out / STORE).iterdir())) < len({p.split("/")[1] for p in old}) + 5:
            assert process.poll() is None, "the render ended before it could be interrupted"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    for path, digest in old.items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == digest, path
    assert all(intact(out, e) for e in load_manifest(out).posters)
    second = render_set(load_campaign(tiny), out, "https://elsewhere.example/", workers=2, only=some)
    assert all(intact(out, e) for e in second.manifest.posters)
    named = {e.sha256[:16] for e in second.manifest.posters}
    assert {folder.name for folder in (out / STORE).iterdir()} == named
    assert not named & {p.split("/")[1] for p in old}


def test_the_cache_compares_digests_not_sizes(tiny: Path, tmp_path: Path) -> None:
    only = lambda job: job.design == "theme" and job.format == "kiosk-portrait"  # noqa: E731
    first = render_set(load_campaign(tiny), tmp_path, BASE, workers=1, only=only)
    entry = first.manifest.posters[0]
    path = tmp_path / stored(entry, entry.file)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # the same size, other bytes
    path.write_bytes(bytes(data))
    again = render_set(load_campaign(tiny), tmp_path, BASE, workers=1, only=only)
    assert (again.rendered, again.reused) == (1, 1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry.sha256


def _children(pid: int) -> set[int]:
    found = set()
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(status.parent.name))
    return found


def test_render_workers_die_with_their_parent_and_hold_no_socket(tiny: Path, tmp_path: Path) -> None:
    # A parent (as `serve` is) holding a listening socket, rendering; killed while its workers draw.
    code = (
        "import socket, sys; from pathlib import Path; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen();"
        "print(s.getsockname()[1], flush=True);"
        "from generators.loader import load_campaign; from generators.posters.batch import render_set;"
        "render_set(load_campaign(Path(sys.argv[1])), Path(sys.argv[2]), 'http://x/', workers=2)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(tiny), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline())  # type: ignore[union-attr]
        while len(workers := _children(process.pid)) < 2 or not (tmp_path / STORE).is_dir():
            assert process.poll() is None
            time.sleep(0.02)
        for worker in workers:
            for fd in Path(f"/proc/{worker}/fd").iterdir():
                with contextlib.suppress(OSError):
                    assert not os.readlink(fd).startswith("socket:"), (
                        f"worker {worker} holds a socket ({port})"
                    )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
        process.stdout.close()  # type: ignore[union-attr]
    # Gone with it: the kernel's parent-death signal ends them at once (the old workers drew on for 25–46 s;
    # the guard only keeps a failure from hanging the run).
    guard = time.monotonic() + 20
    while workers := {w for w in workers if _state(w) not in ("Z", "X")}:
        assert time.monotonic() < guard, f"workers {workers} outlived their parent"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
