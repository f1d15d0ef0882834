"""The poster gallery: ``/posters`` (thumbnails, filters, downloads), ``/posters.json``, the files under
content-hashed URLs, and a ZIP per format and script.

The posters are rendered into ``POSTER_DIR`` (default: the instance folder's ``posters/``) by
``quality-month render`` or, when the server starts on its defaults, by a background render; only
files that the manifest names are ever served, so no URL reaches anything else on disk.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from generators.files import write_atomic
from generators.posters import FORMATS_BY_ID, SET_FORMATS
from generators.posters.batch import render_set
from generators.posters.manifest import MANIFEST, Entry, Manifest, load_manifest, stored
from generators.script import SCRIPTS
from web.context import campaign, json_response, public_url, script_of_path, use_script

bp = Blueprint("posters", __name__)

_YEAR = 365 * 24 * 3600
_GROUPS = {"theme": "主題", "slogan": "口號", "today": "每日活動", "activity": "重點活動"}


def poster_dir() -> Path:
    return Path(current_app.config["POSTER_DIR"])


def manifest() -> Manifest:
    """The manifest, re-read only when its file changes (a render may replace it at any time). With
    ``POSTER_FORMATS`` configured (a static export of some formats only), only their posters."""
    path = poster_dir() / MANIFEST
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return Manifest()
    cached = current_app.extensions.get("poster_manifest")
    if cached is None or cached[0] != stamp:
        loaded = load_manifest(poster_dir())
        formats = current_app.config.get("POSTER_FORMATS")
        if formats:
            loaded = loaded.only(formats)
        cached = (stamp, loaded)
        current_app.extensions["poster_manifest"] = cached
    found: Manifest = cached[1]
    return found


def poster_urls(format: str, script: str) -> tuple[tuple[str, str], ...]:
    """The poster URL of each design in a format and script, sorted by design: worked out once per
    manifest (every open kiosk stream asks for its screen's each second)."""
    current = manifest()
    cached = current_app.extensions.get("poster_urls")
    if cached is None or cached[0] is not current:
        table: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for entry in current.posters:
            table.setdefault((entry.format, entry.script), []).append(
                (entry.design, file_url(entry, entry.file))
            )
        cached = (current, {where: tuple(sorted(urls)) for where, urls in table.items()})
        current_app.extensions["poster_urls"] = cached
    found: tuple[tuple[str, str], ...] = cached[1].get((format, script), ())
    return found


def file_url(entry: Entry, file: str) -> str:
    """A file's content-hashed path (``/posters/<first 16 hex of the poster's sha256>/<file>``): built
    by hand, since kiosk event streams need it outside a request."""
    return f"/posters/{entry.address}/{file}"


def poster_document(entry: Entry) -> dict[str, Any]:
    """A poster as ``/posters.json`` and the gallery show it, its URLs below the request's mount."""
    document = {k: v for k, v in entry.to_json().items() if k not in ("key", "pdf", "file", "thumbnail")}
    mount = request.script_root
    document["url"] = mount + file_url(entry, entry.file)
    document["thumbnail"] = mount + file_url(entry, entry.thumbnail)
    if entry.pdf is not None:
        document["pdf"] = {"bytes": entry.pdf.bytes, "sha256": entry.pdf.sha256,
                           "url": mount + file_url(entry, entry.pdf.file)}  # fmt: skip
    return document


def _group(design: str) -> str:
    return design.split("-", 1)[0]


def _choice(name: str, allowed: list[str]) -> str | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        abort(400, f"{name} {value!r} is not one of: {', '.join(allowed)}")
    return value


@bp.get("/posters.json")
def posters_json() -> BaseResponse:
    current = manifest()
    document = {
        "posters": [poster_document(e) for e in current.posters],
        "refused": [r.to_json() for r in current.refused],
        "rendering": _render_state(),
    }
    return json_response(document, max_age=60)


@bp.get("/posters")
@bp.get("/hans/posters")
def gallery() -> str:
    """The gallery; ``/hans/posters`` is its Simplified page (as ``/hans/`` is the calendar's), the same
    as ``/posters?script=hans``."""
    all_entries = manifest().posters
    groups = list(_GROUPS)
    group = _choice("design", groups + sorted({e.design for e in all_entries}))
    fmt = _choice("format", [f.id for f in SET_FORMATS])
    given = _choice("script", list(SCRIPTS)) or script_of_path()
    script = use_script("hans" if given == "hans" else "hant")
    chosen = [
        e
        for e in all_entries
        if e.script == script
        and (fmt is None or e.format == fmt)
        and (group is None or e.design == group or _group(e.design) == group)
    ]
    if fmt is None and group is None:
        chosen = [e for e in chosen if e.format == "kiosk-portrait" or _group(e.design) != "today"]
    return render_template(
        "posters.html",
        entries=[poster_document(e) for e in chosen],
        formats=SET_FORMATS,
        formats_by_id=FORMATS_BY_ID,
        groups=_GROUPS,
        chosen={"design": group, "format": fmt, "script": script},
        zips=[
            (f, url_for("posters.archive", format=f.id, script=script))
            for f in SET_FORMATS
            if any(e.format == f.id and e.script == script for e in all_entries)
        ],
        rendering=_render_state(),
        total=len(all_entries),
    )


@bp.get("/posters/<digest>/<path:name>")
def file(digest: str, name: str) -> BaseResponse:
    """A file of the manifest under its content hash: cached for a year, since the URL changes with it."""
    for entry in manifest().posters:
        if name in entry.files:
            if entry.address != digest:
                abort(404, f"{name} has changed: /posters.json has its current address")
            path = poster_dir() / stored(entry, name)
            response = send_file(path, max_age=_YEAR, etag=True, conditional=True)
            response.cache_control.immutable = True
            response.cache_control.public = True
            if request.args.get("download"):
                response.headers["Content-Disposition"] = f'attachment; filename="{name.replace("/", "-")}"'
            return response
    abort(404, f"there is no poster file {name!r}")


def zip_file(format: str, script: str) -> Path | None:
    """The ZIP of every poster of a format and script (PNG, and PDF for print), built once per manifest
    and kept under its digest; ``None`` when there are none. The same posters give the same bytes."""
    chosen = [e for e in manifest().posters if e.format == format and e.script == script]
    if not chosen:
        return None
    digest = hashlib.sha256("".join(e.sha256 for e in chosen).encode()).hexdigest()[:16]
    target = poster_dir() / "zips" / f"{format}-{script}-{digest}.zip"
    if not target.exists():
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as bundle:
            for entry in chosen:
                for name in entry.downloads:
                    info = zipfile.ZipInfo(name.rsplit("/", 1)[-1], date_time=(2022, 1, 1, 0, 0, 0))
                    bundle.writestr(info, (poster_dir() / stored(entry, name)).read_bytes())
        write_atomic(target, data.getvalue())
    return target


@bp.get("/posters/<format>-<any(hant, hans):script>.zip")
def archive(format: str, script: str) -> BaseResponse:
    """Every poster of a format and script in one ZIP (PNG, and PDF for print), built once per manifest."""
    if format not in FORMATS_BY_ID:
        abort(404, f"there is no format {format!r}")
    target = zip_file(format, script)
    if target is None:
        abort(404, f"no {format} posters in {script} script have been rendered yet")
    name = f"{campaign().id}-{format}-{script}.zip"
    response = send_file(
        target,
        mimetype="application/zip",
        as_attachment=True,
        download_name=name,
        etag=True,
        conditional=True,
        max_age=3600,
    )
    response.cache_control.public = True
    response.cache_control.no_cache = None
    return response


# --- rendering when the server starts on its defaults ---------------------------------------------


def _render_state() -> dict[str, Any]:
    state: dict[str, Any] = current_app.extensions.get("poster_render", {"running": False})
    return dict(state)


def start_background_render(app: Flask) -> threading.Thread:
    """Render the missing or changed posters in a background thread, so the server answers at once."""
    state: dict[str, Any] = {"running": True, "done": 0, "total": 0, "error": None}
    app.extensions["poster_render"] = state
    loaded = app.extensions["campaign"]
    base_url = public_url(app)

    def progress(done: int, total: int) -> None:
        state.update(done=done, total=total)

    def run() -> None:
        try:
            render_set(loaded, Path(app.config["POSTER_DIR"]), base_url,
                       progress=progress)  # fmt: skip
        except Exception as exc:  # reported on /posters.json and the gallery, logged, never fatal
            state["error"] = str(exc)
            app.logger.exception("poster render failed")
        finally:
            state["running"] = False

    thread = threading.Thread(target=run, name="poster-render", daemon=True)
    thread.start()
    return thread


def init_app(app: Flask) -> None:
    app.config.setdefault("POSTER_DIR", str(Path(app.instance_path) / "posters"))
    app.register_blueprint(bp)
