"""The static export's file work: where each URL of the site lives as a file, links made relative to the
page that holds them, and a folder written so that unchanged files are left alone.

A URL path maps to a file by one rule (:func:`file_for`): a path ending in ``/`` or without a file
extension is a page, kept as ``index.html`` in a folder of that name; any other path is its own file.
Links are rewritten to point at those files relatively (``index.html`` spelled out), so the export
works under any base path, from any static server, CDN or object store, and from the disk.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.files import copy_atomic, write_atomic

#: Lists the files an export wrote, so that the next export removes those it no longer has (and never
#: touches a file it did not write).
LEDGER = ".quality-month-export"

_LINK = re.compile(r'(\s(?:href|src|action|data-[a-z-]+)=")(/(?!/)[^"]*)"')


#: At most this many days of kiosk programme (an export made long before the campaign).
MAX_PROGRAMME_DAYS = 400


def programme_days(today: dt.date, campaign_end: dt.date, at_least: int) -> int:
    """How many days of programme an exported kiosk page gets: through the campaign's last day when it is
    still to come (the page needs no new export until then), and never fewer than the web app's."""
    return min(MAX_PROGRAMME_DAYS, max(at_least, (campaign_end - today).days + 2))


class ExportError(Exception):
    """The site cannot be exported as it is (a page fails, or links to what a static site cannot hold)."""


def file_for(path: str) -> str:
    """The file of a URL path (``/`` → ``index.html``, ``/list`` → ``list/index.html``,
    ``/calendar.ics`` → ``calendar.ics``)."""
    if not path.startswith("/") or ".." in path.split("/"):
        raise ExportError(f"{path!r} is not a site path")
    inside = path.lstrip("/")
    if inside == "" or inside.endswith("/"):
        return inside + "index.html"
    if "." not in inside.rsplit("/", 1)[-1]:
        return inside + "/index.html"
    return inside


def relative(from_file: str, target: str) -> str:
    """``target`` (a file of the site) as seen from the folder of ``from_file``."""
    return posixpath.relpath(target, posixpath.dirname(from_file) or ".")


def split_link(link: str) -> tuple[str, str, str]:
    """A site link as (path, query, fragment)."""
    rest, _, fragment = link.partition("#")
    path, _, query = rest.partition("?")
    return path, query, fragment


def rewrite_links(html: str, page_file: str, exported: Callable[[str], str | None]) -> str:
    """Every root-relative link of a page (``href``, ``src``, ``action``, ``data-*``) made relative to
    ``page_file``. ``exported(path)`` gives the file a link's path leads to, or ``None`` for an address
    that is not in the export (kept as a path, relatively, for what is not a file). A query is dropped
    (a static file has none); the fragment stays."""

    def one(match: re.Match[str]) -> str:
        path, _, fragment = split_link(match.group(2))
        target = exported(path)
        if target is None:
            target = path.lstrip("/") or "."
        link = relative(page_file, target)
        return f'{match.group(1)}{link}{"#" + fragment if fragment else ""}"'

    return _LINK.sub(one, html)


def rewrite_json(document: Any, json_file: str, exported: Callable[[str], str | None]) -> Any:
    """A JSON document with every string that is a path of an exported file made relative to the
    document's own file (so ``posters.json`` names ``posters/…/theme.png``)."""
    if isinstance(document, dict):
        return {k: rewrite_json(v, json_file, exported) for k, v in document.items()}
    if isinstance(document, list):
        return [rewrite_json(v, json_file, exported) for v in document]
    if isinstance(document, str) and document.startswith("/") and not document.startswith("//"):
        target = exported(document)
        if target is not None:
            return relative(json_file, target)
    return document


def json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


@dataclass
class SiteWriter:
    """Writes files into an export folder: atomically, and only those whose bytes changed; then removes
    the files that the previous export wrote and this one did not.

    ``begin`` records every file this export will write in the ledger before any is written, so that an
    export stopped half-way leaves nothing that a later one does not know of and remove."""

    root: Path
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    size: int = 0
    files: set[str] = field(default_factory=set)

    def _target(self, name: str) -> Path:
        if name in self.files:
            raise ExportError(f"{name} would be written twice")
        if name.startswith("/") or ".." in name.split("/") or name == LEDGER:
            raise ExportError(f"{name!r} is not a file of the site")
        self.files.add(name)
        return self.root / name  # write_atomic and copy_atomic make its folder

    def _ledger(self) -> set[str]:
        ledger = self.root / LEDGER
        return set(ledger.read_text("utf-8").split("\n")) - {""} if ledger.exists() else set()

    def _record(self, names: set[str]) -> None:
        ledger = self.root / LEDGER
        listing = "".join(f"{name}\n" for name in sorted(names)).encode("utf-8")
        if not ledger.exists() or ledger.read_bytes() != listing:
            write_atomic(ledger, listing)

    def begin(self, planned: set[str]) -> None:
        """Add the files this export will write to the ledger, before writing any of them."""
        self._record(self._ledger() | planned)

    def write(self, name: str, data: bytes) -> None:
        target = self._target(name)
        self.size += len(data)
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                self.unchanged += 1
                return
        except OSError:
            pass
        write_atomic(target, data)
        self.written += 1

    def copy(self, name: str, source: Path, content_addressed: bool = False) -> None:
        """Copy ``source`` to ``name``. A ``content_addressed`` name changes with the bytes, so a file of
        that name and size is taken as unchanged without reading it."""
        target = self._target(name)
        size = source.stat().st_size
        self.size += size
        if content_addressed and target.is_file() and target.stat().st_size == size:
            self.unchanged += 1
            return
        if target.exists() and filecmp.cmp(source, target, shallow=False):
            self.unchanged += 1
            return
        copy_atomic(source, target)
        self.written += 1

    def finish(self) -> None:
        """Remove what the last export wrote and this one did not, and record this one's files."""
        before = self._ledger()
        for name in sorted(before - self.files):
            stale = self.root / name
            if ".." not in name.split("/") and stale.is_file():
                stale.unlink()
                self.removed += 1
                _prune(stale.parent, self.root)
        self._record(self.files)


def _prune(folder: Path, root: Path) -> None:
    """Remove empty folders from ``folder`` up to (not including) ``root``."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
