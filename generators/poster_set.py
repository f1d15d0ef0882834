"""The whole set of posters: every design in every format and script, rendered on all cores into a
folder with ``manifest.json``, and never rendered twice.

Each poster's cache key is a digest of everything that decides its pixels: its text, its design, its
format, its script, the public base URL its QR code points to, the font files and the rendering code.
A poster whose key and file are unchanged is not rendered again. Files are written atomically
(a temporary file, then a rename), so a reader never sees half a poster.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from generators import fonts, posters, script, typeset
from generators.model import Campaign
from generators.script import SCRIPTS, Script, in_script

MANIFEST = "manifest.json"


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


def code_digest() -> str:
    """A digest of the code and libraries that draw: a change to them must re-render everything."""
    import PIL
    import rjieba

    digest = hashlib.sha256()
    for module in (posters, typeset, fonts, script):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(f"pillow {PIL.__version__} rjieba {getattr(rjieba, '__version__', '?')}".encode())
    digest.update(fonts.digest().encode())
    return digest.hexdigest()


def cache_key(design: posters.Design, job: Job, base_url: str, code: str) -> str:
    fmt = posters.FORMATS_BY_ID[job.format]
    inputs = {
        "roles": design.roles, "items": design.items, "more": design.more, "tail": design.tail,
        "qr": base_url + design.qr_path if fmt.qr else None, "format": asdict(fmt), "script": job.script,
        "code": code,
    }  # fmt: skip
    encoded = json.dumps(inputs, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the worker side: each process loads the campaign once -------------------------------------------

_WORKER: dict[str, Any] = {}


def _start_worker(data_dir: str, out_dir: str, base_url: str) -> None:
    from generators.loader import load_current

    campaign = load_current(Path(data_dir))
    _WORKER.update(
        campaign=campaign,
        designs={d.id: d for d in posters.designs(campaign)},
        out=Path(out_dir),
        base_url=base_url,
    )


def _render_job(job: Job, key: str) -> dict[str, Any]:
    """Render one poster and write its files; the manifest entry, or ``{"refused": reason}``."""
    campaign: Campaign = _WORKER["campaign"]
    design: posters.Design = _WORKER["designs"][job.design]
    fmt = posters.FORMATS_BY_ID[job.format]
    out: Path = _WORKER["out"]
    try:
        rendered = posters.render(campaign, design, fmt, job.script, _WORKER["base_url"])
    except typeset.TypesetError as exc:
        return {**asdict(job), "refused": str(exc)}
    png = posters.encode_png(rendered.image, fmt)
    _write(out / f"{job.stem}.png", png)
    _write(out / "thumbs" / f"{job.stem}.jpg", posters.thumbnail(rendered.image))
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
        _write(out / f"{job.stem}.pdf", pdf)
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


def _still_there(out_dir: Path, entry: dict[str, Any]) -> bool:
    files = [(entry["file"], entry["bytes"])]
    if "pdf" in entry:
        files.append((entry["pdf"]["file"], entry["pdf"]["bytes"]))
    try:
        return (
            all((out_dir / name).stat().st_size == size for name, size in files)
            and (out_dir / entry["thumbnail"]).is_file()
        )
    except OSError:
        return False


def render_set(
    campaign: Campaign,
    data_dir: Path,
    out_dir: Path,
    base_url: str,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    only: Callable[[Job], bool] | None = None,
) -> Result:
    """Render every poster that is missing or out of date into ``out_dir`` and write the manifest.

    ``data_dir`` is where workers load the campaign from; ``progress(done, total)`` is called as
    posters finish; ``only`` narrows the set (the manifest then lists only those).
    """
    code = code_digest()
    designs = {d.id: d for d in posters.designs(campaign)}
    wanted = [j for j in jobs(campaign) if only is None or only(j)]
    keys = {j: cache_key(designs[j.design], j, base_url, code) for j in wanted}
    previous = {(e["design"], e["format"], e["script"]): e for e in load_manifest(out_dir).get("posters", [])}
    entries: dict[Job, dict[str, Any]] = {}
    todo = []
    for job in wanted:
        old = previous.get((job.design, job.format, job.script))
        if old is not None and old.get("key") == keys[job] and _still_there(out_dir, old):
            entries[job] = old
        else:
            todo.append(job)
    done = len(entries)
    if progress:
        progress(done, len(wanted))
    refused: list[dict[str, Any]] = []
    if todo:
        out_dir.mkdir(parents=True, exist_ok=True)
        count = workers or os.cpu_count() or 1
        with ProcessPoolExecutor(
            count, initializer=_start_worker, initargs=(str(data_dir), str(out_dir), base_url)
        ) as pool:
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
        "posters": [entries[j] for j in wanted if j in entries],
        "refused": refused,
    }
    _write(out_dir / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return Result(manifest, len(todo) - len(refused), len(wanted) - len(todo), refused)


def entries(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from manifest.get("posters", [])
