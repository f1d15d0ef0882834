"""The life of the project's child processes: a child ends with its parent (poster workers, the
supervised scheduler), so that a killed server leaves nothing running behind it."""

from __future__ import annotations

import contextlib
import ctypes


def parent_death_signal(sig: int) -> None:
    """Ask the kernel to send this process ``sig`` when the thread that started it ends (Linux's
    PR_SET_PDEATHSIG; nothing elsewhere)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)
