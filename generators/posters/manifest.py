"""The poster set's manifest (``manifest.json``): one typed entry per poster, and where its files are.

Files are content-addressed: a poster's files live under ``files/<first 16 hex of its PNG's sha256>/``,
the same path as its URL (``/posters/<digest>/<file>``), so a file is never overwritten with other bytes
while a reader, a cache or a CDN holds its address. The JSON is written as it always was: the public
``/posters.json`` and the kiosk programmes are built from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from generators.files import write_atomic
from generators.script import Script

MANIFEST = "manifest.json"
#: The folder of the content-addressed files, below the poster folder.
STORE = "files"

_T = TypeVar("_T")


@dataclass(frozen=True)
class Pdf:
    """A print poster's PDF: its name, size and digest."""

    file: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    """A poster of the manifest: what it shows, its files (relative to its folder in the store), its
    PNG's size and digest, and the cache key it was drawn from."""

    design: str
    format: str
    script: Script
    text: str
    file: str
    thumbnail: str
    width: int
    height: int
    dpi: float
    bytes: int
    sha256: str
    key: str
    pdf: Pdf | None = None

    @property
    def address(self) -> str:
        """The first 16 hex of the PNG's sha256: the folder of the entry's files, in the store and in
        their URLs."""
        return self.sha256[:16]

    @property
    def downloads(self) -> tuple[str, ...]:
        """The names of the files a user downloads: the PNG and, for print, the PDF."""
        return (self.file, *([self.pdf.file] if self.pdf else []))

    @property
    def files(self) -> tuple[str, ...]:
        """The names of all the entry's files: its PNG, its thumbnail and, for print, its PDF."""
        return (self.file, self.thumbnail, *self.downloads[1:])

    @property
    def digests(self) -> dict[str, str]:
        """The sha256 of each file the manifest gives one for (the PNG and the PDF)."""
        return {self.file: self.sha256, **({self.pdf.file: self.pdf.sha256} if self.pdf else {})}

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "pdf"
        }
        if self.pdf is not None:
            document["pdf"] = {"file": self.pdf.file, "bytes": self.pdf.bytes, "sha256": self.pdf.sha256}
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Entry:
        """An entry from its JSON; ``KeyError`` or ``TypeError`` for one that is not an entry."""
        pdf = document.get("pdf")
        fields = {name: document[name] for name in cls.__dataclass_fields__ if name != "pdf"}
        return cls(**fields, pdf=Pdf(pdf["file"], pdf["bytes"], pdf["sha256"]) if pdf else None)


@dataclass(frozen=True)
class Refusal:
    """A poster that could not be drawn (a missing glyph, text that cannot fit), and why."""

    design: str
    format: str
    script: Script
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"design": self.design, "format": self.format, "script": self.script, "refused": self.reason}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Refusal:
        return cls(document["design"], document["format"], document["script"], document["refused"])


@dataclass(frozen=True)
class Manifest:
    """A poster set: its campaign, the base URL its QR codes point to, its posters and its refusals."""

    campaign: str = ""
    base_url: str = ""
    posters: tuple[Entry, ...] = field(default=())
    refused: tuple[Refusal, ...] = field(default=())

    def only(self, formats: set[str] | frozenset[str]) -> Manifest:
        """The manifest with the posters of ``formats`` only."""
        return replace(self, posters=tuple(e for e in self.posters if e.format in formats))

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "base_url": self.base_url,
            "posters": [e.to_json() for e in self.posters],
            "refused": [r.to_json() for r in self.refused],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Manifest:
        """A manifest from its JSON; entries that are not entries are left out."""
        return cls(
            str(document.get("campaign", "")),
            str(document.get("base_url", "")),
            tuple(_parsed(Entry.from_json, document.get("posters", []))),
            tuple(_parsed(Refusal.from_json, document.get("refused", []))),
        )


def _parsed(parse: Callable[[dict[str, Any]], _T], documents: object) -> list[_T]:
    """Each document that ``parse`` reads; the others are left out."""
    found: list[_T] = []
    for document in documents if isinstance(documents, list) else []:
        try:
            found.append(parse(document))
        except (KeyError, TypeError):
            continue
    return found


def load_manifest(out_dir: Path) -> Manifest:
    """The manifest of a poster folder; an empty one where there is none or it cannot be read."""
    try:
        document = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest()
    return Manifest.from_json(document) if isinstance(document, dict) else Manifest()


def save_manifest(out_dir: Path, manifest: Manifest) -> None:
    """Replace the folder's manifest at once."""
    write_atomic(out_dir / MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n")


def stored(entry: Entry, name: str) -> str:
    """Where a file of a manifest entry (its ``file``, ``thumbnail`` or PDF) is, relative to the poster
    folder: ``files/<first 16 hex of the PNG's sha256>/<name>``, as its URL below ``/posters/``."""
    return f"{STORE}/{entry.address}/{name}"


def _file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def intact(out_dir: Path, entry: Entry) -> bool:
    """Whether an entry's files are on disk with the bytes the manifest gives (digests, not sizes)."""
    try:
        return (
            all(
                _file_digest(out_dir / stored(entry, name)) == digest
                for name, digest in entry.digests.items()
            )
            and (out_dir / stored(entry, entry.thumbnail)).is_file()
        )
    except OSError:
        return False
