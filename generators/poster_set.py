"""The whole set of posters: every design in every format and script, rendered on all cores into a
folder with ``manifest.json``, and never rendered twice.

Each poster's cache key is a digest of everything that decides its pixels: its text as drawn in its
script (OpenCC's output for Simplified), its design, its format, the public base URL its QR code points
to, the font files, the rendering code and the versions of the libraries that draw. A poster whose key
is unchanged and whose files still hash to the manifest's digests is not rendered again.

Files are content-addressed: a poster's files live under ``files/<first 16 hex of its PNG's sha256>/``,
the same path as its URL (``/posters/<digest>/<file>``), so a file is never overwritten with other bytes
while a reader, a cache or a CDN holds its address. Each file is written atomically (a temporary file,
then a rename); the manifest is replaced at once when the set is complete, and only then are the files
that no entry names any more removed. One render at a time works on a folder (a lock file in it).
A render of part of the set (``only``) keeps the manifest's other entries whose files are still there.
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
from typing import Any

from generators import fonts, posters, script, typeset
from generators.model import Campaign
from generators.script import SCRIPTS, Script, in_script

MANIFEST = "manifest.json"
#: The folder of the content-addressed files, below the poster folder.
STORE = "files"
#: The libraries whose output is in the pixels: an upgrade of any re-renders everything.
_DRAWING_LIBRARIES = ("pillow", "rjieba", "opencc", "qrcode")


@dataclass(frozen=True)
class Job:
    design: str
    format: str
    script: Script

    @property
    def stem(self) -> str:
        return f"{self.format}/{self.script}/{self.design}"


def jobs(campaign: Campaign) -> list[Job]:
    """Every poster of the campaign: each design in each format and script."""
    return [
        Job(design.id, fmt.id, sc)
        for design in posters.designs(campaign)
        for fmt in posters.FORMATS
        for sc in SCRIPTS
    ]


def library_versions() -> dict[str, str]:
    """The installed version of each library that draws, from the packages' metadata (a module's
    ``__version__`` is not always there: rjieba has none)."""
    return {name: importlib.metadata.version(name) for name in _DRAWING_LIBRARIES}


def code_digest() -> str:
    """A digest of the code and libraries that draw: a change to them must re-render everything."""
    digest = hashlib.sha256()
    for module in (posters, typeset, fonts, script):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(json.dumps(library_versions(), sort_keys=True).encode())
    digest.update(fonts.digest().encode())
    return digest.hexdigest()


def cache_key(design: posters.Design, job: Job, base_url: str, code: str) -> str:
    """The digest of a poster's inputs. Its text is taken as drawn, in the job's script: a change in
    OpenCC's conversion changes the key even where the Traditional source did not change."""
    fmt = posters.FORMATS_BY_ID[job.format]
    drawn = {
        "roles": {role: in_script(text, job.script) for role, text in design.roles.items()},
        "items": [in_script(item, job.script) for item in design.items],
        "more": in_script(design.more, job.script), "tail": in_script(design.tail, job.script),
    }  # fmt: skip
    inputs = {
        "drawn": drawn, "qr": base_url + design.qr_path if fmt.qr else None, "format": asdict(fmt),
        "script": job.script, "code": code,
    }  # fmt: skip
    encoded = json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(entry: dict[str, Any], name: str) -> str:
    """Where a file of a manifest entry (its ``file``, ``thumbnail`` or PDF) is, relative to the poster
    folder: ``files/<first 16 hex of the PNG's sha256>/<name>``, as its URL below ``/posters/``."""
    return f"{STORE}/{entry['sha256'][:16]}/{name}"


def files_of(entry: dict[str, Any]) -> list[str]:
    """The names of an entry's files: its PNG, its thumbnail and, for print, its PDF."""
    return [entry["file"], entry["thumbnail"], *([entry["pdf"]["file"]] if "pdf" in entry else [])]


# --- the worker side: each process is handed the designs once ----------------------------------------

_WORKER: dict[str, Any] = {}


def parent_death_signal(sig: int) -> None:
    """Ask the kernel to send this process ``sig`` when the thread that started it ends (Linux's
    PR_SET_PDEATHSIG; nothing elsewhere)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, sig)


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


def _start_worker(designs: dict[str, posters.Design], out_dir: str, base_url: str, parent: int) -> None:
    _die_with_parent(parent)
    _WORKER.update(designs=designs, out=Path(out_dir), base_url=base_url)


def _render_job(job: Job, key: str) -> dict[str, Any]:
    """Render one poster and write its files; the manifest entry, or ``{"refused": reason}``."""
    design: posters.Design = _WORKER["designs"][job.design]
    fmt = posters.FORMATS_BY_ID[job.format]
    out: Path = _WORKER["out"]
    try:
        rendered = posters.render(design, fmt, job.script, _WORKER["base_url"])
    except typeset.TypesetError as exc:
        return {**asdict(job), "refused": str(exc)}
    png = posters.encode_png(rendered.image, fmt)
    folder = out / STORE / _digest(png)[:16]
    _write(folder / f"{job.stem}.png", png)
    _write(folder / "thumbs" / f"{job.stem}.jpg", posters.thumbnail(rendered.image))
    entry: dict[str, Any] = {
        "design": job.design,
        "format": job.format,
        "script": job.script,
        "text": in_script(design.headline, job.script),
        "file": f"{job.stem}.png",
        "thumbnail": f"thumbs/{job.stem}.jpg",
        "width": fmt.width,
        "height": fmt.height,
        "dpi": fmt.dpi,
        "bytes": len(png),
        "sha256": _digest(png),
        "key": key,
    }
    if fmt.print:
        pdf = posters.encode_pdf(png, fmt)
        _write(folder / f"{job.stem}.pdf", pdf)
        entry["pdf"] = {"file": f"{job.stem}.pdf", "bytes": len(pdf), "sha256": _digest(pdf)}
    return entry


# --- the driver -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    manifest: dict[str, Any]
    rendered: int
    reused: int
    refused: list[dict[str, Any]]


def load_manifest(out_dir: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return loaded
    except (OSError, ValueError):
        return {"posters": []}


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def intact(out_dir: Path, entry: dict[str, Any]) -> bool:
    """Whether an entry's files are on disk with the bytes the manifest gives (digests, not sizes)."""
    try:
        checks = [(entry["file"], entry["sha256"])]
        if "pdf" in entry:
            checks.append((entry["pdf"]["file"], entry["pdf"]["sha256"]))
        return (
            all(_file_digest(out_dir / stored(entry, name)) == digest for name, digest in checks)
            and (out_dir / stored(entry, entry["thumbnail"])).is_file()
        )
    except (OSError, KeyError, TypeError):
        return False


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


def _prune(out_dir: Path, manifest: dict[str, Any]) -> None:
    """Remove the content-addressed folders that no entry of the manifest names any more."""
    named = {entry["sha256"][:16] for entry in manifest["posters"]}
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
    progress: Callable[[int, int], None] | None = None,
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
    progress: Callable[[int, int], None] | None,
    only: Callable[[Job], bool] | None,
) -> Result:
    code = code_digest()
    designs = {d.id: d for d in posters.designs(campaign)}
    every = jobs(campaign)
    wanted = [j for j in every if only is None or only(j)]
    chosen = set(wanted)
    keys = {j: cache_key(designs[j.design], j, base_url, code) for j in wanted}
    previous = {(e["design"], e["format"], e["script"]): e for e in load_manifest(out_dir).get("posters", [])}
    entries: dict[Job, dict[str, Any]] = {}
    todo = []
    for job in every:
        old = previous.get((job.design, job.format, job.script))
        if job not in chosen:
            if old is not None and intact(out_dir, old):
                entries[job] = old  # not asked for this time: kept as it is
        elif old is not None and old.get("key") == keys[job] and intact(out_dir, old):
            entries[job] = old
        else:
            todo.append(job)
    done = len(wanted) - len(todo)
    if progress:
        progress(done, len(wanted))
    refused: list[dict[str, Any]] = []
    if todo:
        count = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("spawn")
        needed = {j.design: designs[j.design] for j in todo}
        with ProcessPoolExecutor(
            count, mp_context=context, initializer=_start_worker,
            initargs=(needed, str(out_dir), base_url, os.getpid()),
        ) as pool:  # fmt: skip
            for job, entry in zip(
                todo, pool.map(_render_job, todo, [keys[j] for j in todo], chunksize=4), strict=True
            ):
                if "refused" in entry:
                    refused.append(entry)
                else:
                    entries[job] = entry
                done += 1
                if progress:
                    progress(done, len(wanted))
    manifest = {
        "campaign": campaign.id,
        "base_url": base_url,
        "posters": [entries[j] for j in every if j in entries],
        "refused": refused,
    }
    _write(out_dir / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    _prune(out_dir, manifest)
    return Result(manifest, len(todo) - len(refused), len(wanted) - len(todo), refused)


def entries(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from manifest.get("posters", [])
