"""The poster studio: ``/studio`` (and ``/hans/studio``), a unit's own poster: a design, a format, a
script, a style, its name (落款) and a line of its own, previewed and downloaded as PNG and, for print,
as a vector PDF.

The file URLs are a contract: ``/studio/poster.png`` and ``/studio/poster.pdf`` with ``design``,
``format``, ``script``, ``style``, ``signature`` and ``note``. A bad value answers 400 naming the field;
text that cannot be set 422 with the reason (a character no font has, named; too long for the format;
a control character). The same query gives the same bytes: each answer is kept on disk under the
digest of everything that decides it (``STUDIO_CACHE``, at most ``STUDIO_CACHE_BYTES``, the least
recently used going first). Rendering is CPU work: at most ``STUDIO_WORKERS`` (default: one per core)
at a time; a request waits for a turn at most ``STUDIO_QUEUE_SECONDS``, then is answered 429 with
``Retry-After``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from generators.files import write_atomic
from generators.posters import FORMATS, FORMATS_BY_ID, STYLES, STYLES_BY_ID, Design, designs
from generators.posters.batch import Job, cache_key, code_digest
from generators.posters.encode import encode_png
from generators.posters.layout import Layout, lay_out
from generators.posters.raster import draw
from generators.posters.vector import render_pdf
from generators.script import SCRIPTS, Script, in_script
from generators.typeset import MissingGlyph, TypesetError, control_characters
from web.context import base_url, campaign, json_response, script_of_path, use_script

bp = Blueprint("studio", __name__)

#: The longest signature and note a unit may type.
LIMITS = {"signature": 30, "note": 40}
_GROUPS = (("theme", "主題"), ("slogan", "口號"), ("activity", "重點活動"), ("today", "每日活動"))
_TYPES = {"png": "image/png", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Choice:
    """What a studio poster is: every field of the query, checked."""

    design: str
    format: str
    script: Script
    style: str
    signature: str = ""
    note: str = ""

    def query(self) -> dict[str, str]:
        """The choice as URL parameters (the optional lines only when given)."""
        return {k: v for k, v in asdict(self).items() if v or k not in LIMITS}


def _designs() -> dict[str, Design]:
    """The campaign's designs by id, worked out once per campaign."""
    current = campaign()
    cached = current_app.extensions.get("studio_designs")
    if cached is None or cached[0] is not current:
        cached = (current, {d.id: d for d in designs(current)})
        current_app.extensions["studio_designs"] = cached
    found: dict[str, Design] = cached[1]
    return found


def _one(name: str, allowed: list[str], default: str) -> str:
    value = request.args.get(name, "")
    if value == "":
        return default
    if value not in allowed:
        shown = (
            ", ".join(allowed) if len(allowed) <= 20 else ", ".join(allowed[:20]) + ", …（見 /studio.json）"
        )
        abort(400, f"{name}: {value!r} is not one of {shown}")
    return value


def _line(name: str) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > LIMITS[name]:
        abort(400, f"{name}: {len(value)} characters, at most {LIMITS[name]} are allowed")
    return value


def choice(default_script: Script) -> Choice:
    """The request's choice, every field checked: a bad value is answered 400 naming it."""
    return Choice(
        design=_one("design", list(_designs()), "theme"),
        format=_one("format", [f.id for f in FORMATS], "kiosk-portrait"),
        script=_one("script", list(SCRIPTS), default_script),  # type: ignore[arg-type]
        style=_one("style", [s.id for s in STYLES], STYLES[0].id),
        signature=_line("signature"),
        note=_line("note"),
    )


def laid_out(chosen: Choice) -> Layout:
    """The choice laid out; text that cannot be set is answered 422 with the reason."""
    for name in LIMITS:
        bad = control_characters(getattr(chosen, name))
        if bad:
            named = " ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
            abort(422, f"{name}: it holds control characters that cannot be set ({named}): type plain text")
    design = _designs()[chosen.design].signed(chosen.signature, chosen.note)
    try:
        return lay_out(
            design, FORMATS_BY_ID[chosen.format], chosen.script, STYLES_BY_ID[chosen.style], base_url()
        )
    except MissingGlyph as exc:
        fields = [n for n in LIMITS if any(c in getattr(chosen, n) for c in exc.missing)] or ["design"]
        abort(422, f"{', '.join(fields)}: no font of the poster has {' '.join(exc.missing)}: {exc}")
    except TypesetError as exc:
        abort(422, f"this poster cannot be set: {exc}")


# --- the files ------------------------------------------------------------------------------------


def _key(chosen: Choice, kind: str) -> str:
    """The digest of everything that decides a file: the set's own cache key of the signed design in
    the chosen format, script and style (its text as drawn, the QR code's root, the code, fonts and
    libraries that draw), and the kind of file."""
    design = _designs()[chosen.design].signed(chosen.signature, chosen.note)
    job = Job(chosen.design, chosen.format, chosen.script)
    key = cache_key(design, job, base_url(), _code(), STYLES_BY_ID[chosen.style])
    return hashlib.sha256(f"{key}.{kind}".encode()).hexdigest()


def _code() -> str:
    found: str | None = current_app.extensions.get("studio_code")
    if found is None:
        found = current_app.extensions["studio_code"] = code_digest()
    return found


class _Turns:
    """At most ``workers`` renders at once on the machine, whichever process asks (gunicorn's workers
    share the cache folder): a turn is an exclusive lock on one of ``workers`` lock files there. A
    request waits ``seconds`` for one."""

    def __init__(self, folder: Path, workers: int, seconds: float) -> None:
        self.folder, self.workers, self.seconds = folder, workers, seconds

    def take(self) -> int | None:
        """A turn (the locked file's descriptor), or ``None`` when none came free in time."""
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.seconds
        while True:
            for n in range(self.workers):
                held = os.open(self.folder / f".turn-{n}.lock", os.O_CREAT | os.O_RDWR, 0o644)
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return held
                except BlockingIOError:
                    os.close(held)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def give(self, held: int) -> None:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)


def _cache_dir() -> Path:
    return Path(current_app.config["STUDIO_CACHE"])


def _prune(folder: Path, limit: int, keep: Path) -> None:
    """Keep the cache under ``limit`` bytes: the least recently used files go first (but ``keep``, the
    file about to be sent)."""
    files = []
    for path in folder.glob("*.*"):
        try:
            stat = path.stat()
        except FileNotFoundError:  # another request pruned it
            continue
        files.append((stat.st_mtime_ns, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        if path != keep:
            path.unlink(missing_ok=True)
            total -= size


def _rendered(chosen: Choice, kind: str) -> Path:
    """The file of a choice: from the cache, else rendered now (when a turn comes)."""
    path = _cache_dir() / f"{_key(chosen, kind)}.{kind}"
    if path.exists():
        os.utime(path)  # recently used
        return path
    layout = laid_out(chosen)
    turns: _Turns = current_app.extensions["studio_turns"]
    held = turns.take()
    if held is None:
        raise _Busy(max(1, round(turns.seconds * 2)))
    try:
        data = render_pdf(layout) if kind == "pdf" else encode_png(draw(layout), layout.fmt)
    finally:
        turns.give(held)
    write_atomic(path, data)
    _prune(_cache_dir(), int(current_app.config["STUDIO_CACHE_BYTES"]), path)
    return path


class _Busy(HTTPException):
    code = 429
    description = "the studio is rendering as many posters as it has cores: try again in a moment"

    def __init__(self, retry: int) -> None:
        super().__init__()
        self.retry = retry

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", str(self.retry))]


def _file(kind: str) -> Response:
    chosen = choice("hant")
    fmt = FORMATS_BY_ID[chosen.format]
    if kind == "pdf" and not fmt.print:
        printable = ", ".join(f.id for f in FORMATS if f.print)
        abort(
            400,
            f"format: {chosen.format} is a screen format and has no PDF; the print formats are {printable}",
        )
    path = _rendered(chosen, kind)
    name = f"{campaign().id}-{chosen.design}-{chosen.format}-{chosen.style}-{chosen.script}.{kind}"
    # Read whole (a poster is at most a few MB): the file may be pruned by another request meanwhile.
    response = Response(path.read_bytes(), mimetype=_TYPES[kind])
    response.set_etag(path.stem[:32])
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response.make_conditional(request)


@bp.get("/studio/poster.png")
def poster_png() -> Response:
    return _file("png")


@bp.get("/studio/poster.pdf")
def poster_pdf() -> Response:
    return _file("pdf")


# --- what may be chosen, and the page -------------------------------------------------------------


def options() -> dict[str, Any]:
    """Every choice the studio offers, for ``/studio.json`` and the page's form."""
    found = _designs()
    return {
        "styles": [{"id": s.id, "name": s.name} for s in STYLES],
        "formats": [
            {
                "id": f.id,
                "label": f.label,
                "width": f.width,
                "height": f.height,
                "print": f.print,
                "trim_mm": list(f.trim_mm) if f.trim_mm else None,
                "pdf": f.print,
            }
            for f in FORMATS
        ],
        "designs": [
            {"id": d.id, "group": d.id.split("-", 1)[0], "headline": d.headline} for d in found.values()
        ],
        "scripts": list(SCRIPTS),
        "limits": LIMITS,
    }


@bp.get("/studio.json")
def studio_json() -> Response:
    return json_response(options(), max_age=300)


@bp.get("/studio")
@bp.get("/hans/studio")
def page() -> tuple[str, int]:
    """The studio's form and preview. Without JavaScript the form submits and the page comes back with
    the new preview; with it the preview follows every change. Text that cannot be set is shown on the
    form, answered 422."""
    script = use_script(script_of_path())
    chosen = choice(script)
    problem = None
    try:
        laid_out(chosen)
    except HTTPException as exc:
        problem = exc.description
    fmt = FORMATS_BY_ID[chosen.format]
    query: dict[str, Any] = chosen.query()
    files = {"png": url_for("studio.poster_png", **query)}
    if fmt.print:
        files["pdf"] = url_for("studio.poster_pdf", **query)
    groups = [(label, [d for d in options()["designs"] if d["group"] == key]) for key, label in _GROUPS]
    body = render_template(
        "studio.html", chosen=chosen, fmt=fmt, files=files, problem=problem, groups=groups,
        formats=FORMATS, styles=STYLES, limits=LIMITS, in_script=in_script,
        headline=_designs()[chosen.design].headline,
    )  # fmt: skip
    return body, 422 if problem else 200


def init_app(app: Flask) -> None:
    app.config.setdefault("STUDIO_CACHE", str(Path(app.instance_path) / "studio"))
    app.config.setdefault("STUDIO_CACHE_BYTES", 256 * 1024 * 1024)
    app.config.setdefault("STUDIO_WORKERS", os.cpu_count() or 1)
    app.config.setdefault("STUDIO_QUEUE_SECONDS", 2.0)
    app.extensions["studio_turns"] = _Turns(
        Path(app.config["STUDIO_CACHE"]),
        int(app.config["STUDIO_WORKERS"]),
        float(app.config["STUDIO_QUEUE_SECONDS"]),
    )
    app.register_blueprint(bp)
