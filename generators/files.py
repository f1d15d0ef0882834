"""Writing files so that a reader never sees half of one: the one atomic-write routine.

A file is written under a temporary name of its own in the same folder (unique to the call, so two
processes or threads writing the same file never share one), flushed, and renamed over the target in
one step; a failure leaves the old file as it was and removes the temporary one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes | str, *, sync: bool = False) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one step, creating its folder.
    ``sync`` flushes the bytes to the disk before the rename, for files that must survive a power cut."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    _replace(path, lambda handle: handle.write(payload), sync=sync)


def copy_atomic(source: Path, path: Path) -> None:
    """Replace ``path`` with a copy of ``source`` in one step."""

    def copy(handle: BinaryIO) -> None:
        with source.open("rb") as original:
            shutil.copyfileobj(original, handle)

    _replace(path, copy, sync=False)


def _replace(path: Path, fill: Callable[[BinaryIO], object], *, sync: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            fill(handle)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(name, 0o644)  # mkstemp makes it private; the files here are for everyone to read
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
