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

#: The files of a data folder that loading reads.
_PATTERNS = ("*.toml", "*.txt")


def _files(folder: Path) -> list[Path]:
    return sorted(p for pattern in _PATTERNS for p in folder.rglob(pattern) if p.is_file())


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in _files(folder):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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
        for path in _files(data_dir):
            copy = fresh / path.relative_to(data_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        try:
            verify(fresh)
        except Exception:  # changed since it loaded (an edit under way): keep the copy that was good
            shutil.rmtree(fresh, ignore_errors=True)
            return False
        (fresh / ".digest").write_text(_digest(fresh))
        old = target.with_name(f"{target.name}.{os.getpid()}.old")
        with contextlib.suppress(FileNotFoundError):
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return True


def recall(instance: Path, data_dir: Path) -> Path | None:
    """The last good copy of a data folder, or ``None`` if it never loaded here."""
    target = place(instance, data_dir)
    return target if (target / ".digest").is_file() else None
