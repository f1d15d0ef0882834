"""The whole set of posters: every design in every format and script, rendered on all cores into a
folder with ``manifest.json``, and never rendered twice.

Each poster's cache key is a digest of everything that decides its pixels: its text as drawn in its
script (OpenCC's output for Simplified), its design, its format, the public base URL its QR code points
to, the font files, the rendering code and the versions of the libraries that draw. A poster whose key
is unchanged and whose files still hash to the manifest's digests is not rendered again.

Each file is written atomically (``generators.files.write_atomic``) into its content-addressed folder
(:mod:`generators.posters.manifest`); the manifest is replaced at once when the set is complete, and
only then are the files that no entry names any more removed. One render at a time works on a folder (a
lock file in it). A render of part of the set (``only``) keeps the manifest's other entries whose files
are still there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from generators import fonts, script, typeset
from generators.files import write_atomic
from generators.model import Campaign
from generators.posters import cidfont, encode, engine, formats, layout, raster, styles, vector
from generators.posters import design as design_module
from generators.posters.design import Design, designs
from generators.posters.formats import FORMATS_BY_ID, SET_FORMATS
from generators.posters.manifest import (
    STORE,
    Entry,
    Manifest,
    Pdf,
    Refusal,
    intact,
    load_manifest,
    save_manifest,
)
from generators.posters.styles import DEFAULT_STYLE, Style
from generators.process import parent_death_signal
from generators.script import SCRIPTS, Script, in_script, originals, remember

#: The libraries whose output is in the pixels: an upgrade of any re-renders everything.
_DRAWING_LIBRARIES = ("pillow", "rjieba", "opencc", "qrcode", "fonttools", "pikepdf")
#: The code that draws: a change to any re-renders everything.
_DRAWING_MODULES = (
    formats,
    design_module,
    layout,
    raster,
    vector,
    cidfont,
    styles,
    engine,
    encode,
    typeset,
    fonts,
    script,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Job:
    design: str
    format: str
    script: Script

    @property
    def stem(self) -> str:
        return f"{self.format}/{self.script}/{self.design}"


def jobs(campaign: Campaign, drawn: list[Design] | None = None) -> list[Job]:
    """Every poster of the campaign: each design (``drawn``, if the caller has them) in each format and
    script."""
    return [
        Job(d.id, fmt.id, sc) for d in drawn or designs(campaign) for fmt in SET_FORMATS for sc in SCRIPTS
    ]


def library_versions() -> dict[str, str]:
    """The installed version of each library that draws, from the packages' metadata (a module's
    ``__version__`` is not always there: rjieba has none)."""
    return {name: importlib.metadata.version(name) for name in _DRAWING_LIBRARIES}


def code_digest() -> str:
    """A digest of the code and libraries that draw: a change to them must re-render everything."""
    digest = hashlib.sha256()
    for module in _DRAWING_MODULES:
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(json.dumps(library_versions(), sort_keys=True).encode())
    digest.update(fonts.digest().encode())
    return digest.hexdigest()


def cache_key(design: Design, job: Job, base_url: str, code: str, style: Style = DEFAULT_STYLE) -> str:
    """The digest of a poster's inputs. Its text is taken as drawn, in the job's script: a change in
    OpenCC's conversion changes the key even where the Traditional source did not change, and a unit's
    lines, drawn as typed, count as typed."""
    fmt = FORMATS_BY_ID[job.format]
    drawn = {
        "roles": {
            role: text if role in design.verbatim else in_script(text, job.script)
            for role, text in design.roles.items()
        },
        "items": [in_script(item, job.script) for item in design.items],
        "more": in_script(design.more, job.script), "tail": in_script(design.tail, job.script),
    }  # fmt: skip
    inputs = {
        "drawn": drawn, "qr": base_url + design.qr_path if fmt.qr else None, "format": asdict(fmt),
        "script": job.script, "style": style.id, "code": code,
    }  # fmt: skip
    encoded = json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the worker side: each process is handed the designs once ----------------------------------------


@dataclass(frozen=True)
class _Worker:
    designs: dict[str, Design]
    out: Path
    base_url: str


_worker: _Worker | None = None


def _die_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends (a killed ``serve`` or ``render`` must not
    leave workers drawing on for half a minute): the kernel's parent-death signal, and a watcher thread
    wherever that is not there."""
    parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start_worker(
    designs: dict[str, Design], out_dir: str, base_url: str, parent: int, originals: dict[str, str]
) -> None:
    global _worker
    _die_with_parent(parent)
    remember(originals)  # a Simplified source's own wording, which the parent's loader remembered
    _worker = _Worker(designs, Path(out_dir), base_url)


def _render_job(job: Job, key: str) -> Entry | Refusal:
    """Render one poster and write its files: its manifest entry, or why it was refused."""
    assert _worker is not None, "a worker is started with the designs"
    design = _worker.designs[job.design]
    fmt = FORMATS_BY_ID[job.format]
    try:
        rendered = engine.render(design, fmt, job.script, _worker.base_url)
    except typeset.TypesetError as exc:
        return Refusal(job.design, job.format, job.script, str(exc))
    png = encode.encode_png(rendered.image, fmt)
    folder = _worker.out / STORE / _digest(png)[:16]
    write_atomic(folder / f"{job.stem}.png", png)
    write_atomic(folder / "thumbs" / f"{job.stem}.jpg", encode.thumbnail(rendered.image))
    pdf = None
    if fmt.print:
        data = vector.render_pdf(rendered.layout)
        write_atomic(folder / f"{job.stem}.pdf", data)
        pdf = Pdf(f"{job.stem}.pdf", len(data), _digest(data))
    return Entry(
        design=job.design, format=job.format, script=job.script,
        text=in_script(design.headline, job.script),
        file=f"{job.stem}.png", thumbnail=f"thumbs/{job.stem}.jpg",
        width=fmt.width, height=fmt.height, dpi=fmt.dpi, bytes=len(png), sha256=_digest(png), key=key,
        pdf=pdf,
    )  # fmt: skip


# --- the driver -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    manifest: Manifest
    rendered: int
    reused: int
    refused: list[Refusal]


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """One render at a time on a folder: a second (another process, another thread) waits its turn, so
    that neither removes the files of the other's set nor writes a manifest without its entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ".render.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(out_dir: Path, manifest: Manifest) -> None:
    """Remove the content-addressed folders that no entry of the manifest names any more."""
    named = {entry.address for entry in manifest.posters}
    store = out_dir / STORE
    if store.is_dir():
        for folder in store.iterdir():
            if folder.name not in named:
                shutil.rmtree(folder, ignore_errors=True)


def render_set(
    campaign: Campaign,
    out_dir: Path,
    base_url: str,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    only: Callable[[Job], bool] | None = None,
) -> Result:
    """Render every poster that is missing or out of date into ``out_dir`` and write the manifest.

    ``progress(done, total)`` is called as posters finish; ``only`` narrows what is rendered: the
    manifest keeps its entries of the rest of the campaign's set whose files are still intact (a
    nightly render of two days' posters must not drop the other days'). Workers are new processes
    (``spawn``: they inherit no listening socket) handed the designs, and die with this process.
    """
    with _exclusive(out_dir):
        return _render_set(campaign, out_dir, base_url, workers, progress, only)


def _render_set(
    campaign: Campaign,
    out_dir: Path,
    base_url: str,
    workers: int | None,
    progress: Progress | None,
    only: Callable[[Job], bool] | None,
) -> Result:
    all_designs = designs(campaign)
    by_id = {d.id: d for d in all_designs}
    every = jobs(campaign, all_designs)
    wanted = [j for j in every if only is None or only(j)]
    code = code_digest()
    keys = {j: cache_key(by_id[j.design], j, base_url, code) for j in wanted}
    entries = _reusable(out_dir, every, keys)
    todo = [j for j in wanted if j not in entries]
    done = len(wanted) - len(todo)
    if progress:
        progress(done, len(wanted))
    refused: list[Refusal] = []
    for job, drawn in zip(todo, _draw(todo, keys, by_id, out_dir, base_url, workers), strict=True):
        if isinstance(drawn, Refusal):
            refused.append(drawn)
        else:
            entries[job] = drawn
        done += 1
        if progress:
            progress(done, len(wanted))
    posters = tuple(entries[j] for j in every if j in entries)
    manifest = Manifest(campaign.id, base_url, posters, tuple(refused))
    save_manifest(out_dir, manifest)
    _prune(out_dir, manifest)
    return Result(manifest, len(todo) - len(refused), len(wanted) - len(todo), refused)


def _reusable(out_dir: Path, every: list[Job], keys: dict[Job, str]) -> dict[Job, Entry]:
    """The previous manifest's entries that stay: those whose files are intact, of a job not asked for
    this time or asked for with the same key."""
    previous = {(e.design, e.format, e.script): e for e in load_manifest(out_dir).posters}
    kept = {}
    for job in every:
        old = previous.get((job.design, job.format, job.script))
        if old is not None and (job not in keys or old.key == keys[job]) and intact(out_dir, old):
            kept[job] = old
    return kept


def _draw(
    todo: list[Job],
    keys: dict[Job, str],
    by_id: dict[str, Design],
    out_dir: Path,
    base_url: str,
    workers: int | None,
) -> Iterator[Entry | Refusal]:
    """Render the jobs in worker processes, each handed the designs it needs; their results in order."""
    if not todo:
        return
    needed = {j.design: by_id[j.design] for j in todo}
    with ProcessPoolExecutor(
        workers or os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(needed, str(out_dir), base_url, os.getpid(), originals()),
    ) as pool:  # fmt: skip
        yield from pool.map(_render_job, todo, [keys[j] for j in todo], chunksize=4)
