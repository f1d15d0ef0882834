"""The last good data: a copy of the data folder as it was when it last loaded without an error, kept in
the instance folder, so that a process that starts while the data on disk is broken (a worker restarted
after a crash, an out-of-memory kill or a reload, the scheduler beside them) serves what the others
serve instead of refusing to start and taking the site down. It says so in the log and on ``/healthz``.

Only a folder that never loaded has nothing to fall back on: then start-up stops, with the errors.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from generators.fleet import fleet_path
from generators.loader import CAMPAIGN_FILE

#: The files of a data folder that loading reads.
_PATTERNS = ("*.toml", "*.txt")


def _root(data_dir: Path) -> Path:
    """The folder the copy mirrors: a campaign folder's parent, where its fleet file lies beside it."""
    return data_dir.parent if (data_dir / CAMPAIGN_FILE).is_file() else data_dir


def data_files(data_dir: Path) -> list[tuple[str, Path]]:
    """What loading ``data_dir`` reads (its files and the fleet file, wherever ``fleet_path`` finds it),
    each with its path in the copy."""
    found = {p for pattern in _PATTERNS for p in data_dir.rglob(pattern) if p.is_file()}
    fleet = fleet_path(data_dir)
    if fleet.is_file():
        found.add(fleet)
    root = _root(data_dir)
    return sorted((str(p.relative_to(root)), p) for p in found)


def _digest(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for name, path in data_files(data_dir):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _served(copy: Path, data_dir: Path) -> Path:
    """The data folder inside a copy: the copy, or the campaign folder in it."""
    return copy / data_dir.name if _root(data_dir) != data_dir else copy


def place(instance: Path, data_dir: Path) -> Path:
    """Where the last good copy of a data folder is kept (one per folder, by its absolute path)."""
    key = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return instance / "last-good-data" / key


def remember(instance: Path, data_dir: Path, verify: Callable[[Path], object]) -> bool:
    """Keep a copy of a data folder that has just loaded without an error (unless it is kept already).
    The copy is loaded again (``verify`` raises on errors) before it replaces the kept one: the folder
    may have changed since it loaded, and only bytes that load are kept. Whether a copy is kept."""
    target = place(instance, data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = _digest(data_dir)
        stamp = target / ".digest"
        if stamp.is_file() and stamp.read_text() == digest:
            return True
        fresh = target.with_name(f"{target.name}.{os.getpid()}.new")
        shutil.rmtree(fresh, ignore_errors=True)
        for name, path in data_files(data_dir):
            copy = fresh / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        try:
            verify(_served(fresh, data_dir))
        except Exception:  # changed since it loaded (an edit under way): keep the copy that was good
            shutil.rmtree(fresh, ignore_errors=True)
            return False
        (fresh / ".digest").write_text(_digest(_served(fresh, data_dir)))
        old = target.with_name(f"{target.name}.{os.getpid()}.old")
        with contextlib.suppress(FileNotFoundError):
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return True


def recall(instance: Path, data_dir: Path) -> Path | None:
    """The last good copy of a data folder, or ``None`` if it never loaded here."""
    target = place(instance, data_dir)
    if not (target / ".digest").is_file():
        return None
    inside = target / data_dir.name
    return inside if (inside / CAMPAIGN_FILE).is_file() else target
