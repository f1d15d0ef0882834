"""Benchmark of the posters: per-format render time of the gallery's set, the whole set cold and warm,
ImageMagick drawing the same scenes with the same font, and the studio's requests against their targets.

    apt-get install imagemagick          # the baseline (benchmark only)
    pip install -e '.[dev]'              # img2pdf: the raster PDF that the vector PDF is set against
    python bench/posters.py [--runs 5] [--studio]
    python bench/posters.py --against 4527a91 --runs 2   # the cold set against an earlier revision's

Every figure is set against a baseline from the same run: the warm set against the cold one, and each
scene against ImageMagick's ``convert`` drawing the same lines of text, with the same font file, at the
same sizes and positions, onto a canvas of the same size and colour, written as PNG. ImageMagick runs
as a process per scene, so its start-up (timed on a 1×1 canvas) is reported and taken off. ImageMagick
cannot lay out vertical text, so the vertical banner has no baseline. Prints Markdown tables.

The studio's section (alone with ``--studio``, which needs neither ImageMagick nor the set): a poster
that no set holds (kiosk-portrait, slogan-04 signed by a unit, the official style) drawn and encoded
with every memo of text, sizes and fonts' subsets emptied first, and as the first poster of a fresh
process; the A3 vector PDF against the raster PDF of the same poster (img2pdf of its 300 dpi PNG), in
time and in bytes; the 0.9×10 m banner's vector PDF. Exits 1 when a studio target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from timing import ROOT, median_time

from generators import posters, script, typeset
from generators.loader import load_current
from generators.posters import cidfont, layout, raster, vector
from generators.posters.batch import render_set
from generators.posters.encode import encode_png
from generators.posters.engine import render_pdf
from generators.posters.formats import print_format
from generators.posters.styles import DEFAULT_STYLE

BASE = "https://quality-month.example/"

#: The studio's poster: a unit's own, in the formal style, in Simplified.
STUDIO_DESIGN, STUDIO_SIGNATURE, STUDIO_STYLE, STUDIO_SCRIPT = (
    "slogan-04", "江苏省徐州市市场监督管理局", "official", "hans",
)  # fmt: skip
#: Its targets: a custom kiosk poster while the visitor waits; a print PDF a tenth of the raster one at
#: most; the longest banner's PDF in a second and small enough to mail.
STUDIO_PNG_SECONDS = 0.100
A3_SECONDS = 0.300
CACHED_SECONDS = 0.005
#: Units whose names a campaign's texts lack (邳, 郯, 儋 are in no text of the campaign).
UNITS = ("江苏省邳州市市场监督管理局", "山东省郯城县市场监督管理局", "海南省儋州市市场监督管理局", "浙江省温岭市质量技术监督局",
         "四川省攀枝花市市场监督管理局")  # fmt: skip
A3_SIZE_RATIO = 0.1
BANNER_SECONDS = 1.0
BANNER_BYTES = 3_000_000


def rgb(color: tuple[int, int, int]) -> str:
    return "rgb({},{},{})".format(*color)


def magick_command(rendered: posters.Rendered, fmt: posters.Format, out: Path) -> list[str]:
    """``convert`` drawing the poster's text lines as the engine placed them (horizontal text only), in
    the default style's colours (the poster's own)."""
    command = ["convert", "-size", f"{fmt.width}x{fmt.height}", f"xc:{rgb(DEFAULT_STYLE.ground)}"]
    for text in rendered.layout.texts:
        color = rgb(DEFAULT_STYLE.ink(text.role))
        command += ["-font", str(text.face.path), "-pointsize", str(text.size), "-fill", color]
        face = typeset.font(text.face, text.size)
        for run in text.runs:
            # ImageMagick places text by its baseline at the given point (gravity NorthWest, x then y):
            # a line anchored at its middle or its right end starts its length before it.
            length = face.getlength(run.text, language=text.language)
            x = run.x - {"l": 0, "m": length / 2, "r": length}[run.anchor[0]]
            command += ["-gravity", "NorthWest", "-annotate", f"+{round(x)}+{round(run.y)}", run.text]
    return [*command, f"PNG8:{out}"]


def raster_pdf(png: bytes, fmt: posters.Format) -> bytes:
    """The print PDF as it was before the vector one: the PNG proof wrapped as it is (img2pdf)."""
    import img2pdf  # the dev extra's: only this comparison needs it

    layout_fun = img2pdf.get_fixed_dpi_layout_fun((fmt.dpi, fmt.dpi))
    return img2pdf.convert(
        png,
        layout_fun=layout_fun,
        nodate=True,
        engine=img2pdf.Engine.internal,
        rotation=img2pdf.Rotation.none,
    )


def empty_caches() -> None:
    """Every memo that a poster seen before would find full: fonts at each size, text advances, the
    Simplified text, QR codes, palettes, the faces opened for the PDF and their glyphs. (Not what a process reads once
    on first use, the fonts' character maps, OpenCC's and jieba's dictionaries: the fresh-process figure
    has those.)"""
    for cached in (
        typeset.font, typeset._advance, script.to_hans, layout._modules, raster.palette, raster._levels,
        cidfont.source,
    ):  # fmt: skip
        cached.cache_clear()


def median_cold(runs: int, work: Callable[[], object]) -> float:
    """The median wall time of ``runs`` calls of ``work``, each after ``empty_caches``."""
    times = []
    for _ in range(runs):
        empty_caches()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_FRESH = """\
import sys, time
sys.path.insert(0, sys.argv[1])
from generators import posters
from generators.loader import load_current
from generators.posters.encode import encode_png
from pathlib import Path
from generators.posters.engine import render_pdf
design_id, signature, style, script, format_id = sys.argv[2:7]
campaign = load_current(Path(sys.argv[1]) / "data")
design = next(d for d in posters.designs(campaign) if d.id == design_id).signed(signature)
fmt = posters.FORMATS_BY_ID[format_id]
start = time.perf_counter()
if fmt.print:
    render_pdf(design, fmt, script, "https://quality-month.example/", posters.STYLES_BY_ID[style])
else:
    encode_png(posters.render(design, fmt, script, "https://quality-month.example/", posters.STYLES_BY_ID[style]).image, fmt)
print(time.perf_counter() - start)
"""


def fresh_process(runs: int, format_id: str) -> float:
    """The median time of the studio's poster (a print format's PDF, a screen's PNG) as the first one a
    new process draws (its imports and the campaign's loading before the clock starts)."""
    args = [str(ROOT), STUDIO_DESIGN, STUDIO_SIGNATURE, STUDIO_STYLE, STUDIO_SCRIPT, format_id]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(runs):
        child = subprocess.run(
            [sys.executable, "-c", _FRESH, *args], capture_output=True, text=True, check=True, env=env
        )
        times.append(float(child.stdout))
    return statistics.median(times)


def served(
    campaign: object, design: posters.Design, fmt: posters.Format, style: posters.Style, runs: int
) -> float:
    """The median time of a print PDF of a new unit's name in a process that serves the studio: the
    faces' cuts of what every poster of the design shares (its kicker, its theme line) made before,
    the cut of each new name made for it (each run signs with another unit's name)."""
    times = []
    render_pdf(design.signed(UNITS[-1]), fmt, STUDIO_SCRIPT, BASE, style)  # what a serving process has seen
    for unit in (UNITS * runs)[: max(runs, 1)]:
        signed = design.signed(unit)
        start = time.perf_counter()
        render_pdf(signed, fmt, STUDIO_SCRIPT, BASE, style)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def over_http(runs: int) -> tuple[float, float]:
    """The studio's PNG URL asked of the app: the first time (rendered) and the median of repeats (from
    its cache on disk)."""
    from web import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "DATA_DIR": ROOT / "data", "STUDIO_CACHE": folder + "/studio",
                          "DATABASE_URL": f"sqlite:///{folder}/state.sqlite", "POSTER_DIR": folder + "/posters"})  # fmt: skip
        client = app.test_client()
        url = (f"/studio/poster.png?design={STUDIO_DESIGN}&format=kiosk-portrait&script={STUDIO_SCRIPT}"
               f"&style={STUDIO_STYLE}&signature={STUDIO_SIGNATURE}")  # fmt: skip
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        first = time.perf_counter() - start
        return first, median_time(max(runs, 5), lambda: client.get(url).data)


def size(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


def studio(campaign: object, runs: int) -> bool:
    """The studio's table; whether every target is met."""
    style = posters.STYLES_BY_ID[STUDIO_STYLE]
    found = next(d for d in posters.designs(campaign) if d.id == STUDIO_DESIGN)  # type: ignore[arg-type]
    design = found.signed(STUDIO_SIGNATURE)
    kiosk, a3, banner = (posters.FORMATS_BY_ID[f] for f in ("kiosk-portrait", "a3", "banner-h-10m"))

    def png(fmt: posters.Format) -> bytes:
        return encode_png(posters.render(design, fmt, STUDIO_SCRIPT, BASE, style).image, fmt)

    def pdf(fmt: posters.Format) -> bytes:
        return render_pdf(design, fmt, STUDIO_SCRIPT, BASE, style)

    # Once untimed: what a process loads on first use (the fresh-process figure has it) is loaded.
    png(kiosk)
    pdf(a3)
    kiosk_cold = median_cold(runs, lambda: png(kiosk))
    kiosk_warm = median_time(runs, lambda: png(kiosk))
    kiosk_fresh = fresh_process(runs, kiosk.id)
    a3_fresh = fresh_process(runs, a3.id)
    # The raster PDF that was the print file: the A3 poster at 300 dpi, wrapped by img2pdf.
    a3_300 = print_format("a3", a3.label, (297, 420), dpi=300)
    a3_vector, a3_raster = pdf(a3), raster_pdf(png(a3_300), a3_300)
    a3_vector_time = median_cold(runs, lambda: pdf(a3))
    a3_raster_time = median_cold(runs, lambda: raster_pdf(png(a3_300), a3_300))
    a3_served = served(campaign, found, a3, style, runs)
    banner_pdf = pdf(banner)
    banner_time = median_cold(runs, lambda: pdf(banner))
    a3_ratio = len(a3_vector) / len(a3_raster)
    first_http, cached_http = over_http(runs)
    rows = [
        ("custom kiosk-portrait PNG over HTTP (the app, its test client), from the studio's cache",
         f"{cached_http * 1000:.1f} ms", f"≤ {CACHED_SECONDS * 1000:.0f} ms", cached_http / CACHED_SECONDS,
         f"first request (rendered) {first_http * 1000:.0f} ms"),
        ("custom kiosk-portrait PNG: layout + draw + encode, memos emptied", f"{kiosk_cold * 1000:.0f} ms",
         f"≤ {STUDIO_PNG_SECONDS * 1000:.0f} ms", kiosk_cold / STUDIO_PNG_SECONDS,
         f"warm (memos full) {kiosk_warm * 1000:.0f} ms; first poster of a fresh process {kiosk_fresh * 1000:.0f} ms"),
        ("A3 vector PDF of a new unit's name, in a process that has served the design before",
         f"{a3_served * 1000:.0f} ms", f"≤ {A3_SECONDS * 1000:.0f} ms", a3_served / A3_SECONDS,
         f"memos emptied {a3_vector_time * 1000:.0f} ms; A3 raster PDF (300 dpi PNG + img2pdf) "
         f"{a3_raster_time * 1000:.0f} ms: {a3_served / a3_raster_time:.2f}×"),
        ("A3 vector PDF, the first poster of a fresh process (after a restart)",
         f"{a3_fresh * 1000:.0f} ms", f"≤ {A3_SECONDS * 1000:.0f} ms", a3_fresh / A3_SECONDS, ""),
        ("A3 vector PDF, size", size(len(a3_vector)), f"≤ {A3_SIZE_RATIO:g} × the raster PDF",
         a3_ratio / A3_SIZE_RATIO, f"A3 raster PDF {size(len(a3_raster))}: {a3_ratio:.3f}×"),
        ("banner-h-10m vector PDF (`render_pdf`), memos emptied", f"{banner_time * 1000:.0f} ms",
         f"≤ {BANNER_SECONDS:g} s", banner_time / BANNER_SECONDS, ""),
        ("banner-h-10m vector PDF, size", size(len(banner_pdf)), f"≤ {size(BANNER_BYTES)}",
         len(banner_pdf) / BANNER_BYTES, ""),
    ]  # fmt: skip
    print(
        f"Studio: `{STUDIO_DESIGN}` signed {STUDIO_SIGNATURE}, style `{STUDIO_STYLE}`, Simplified; "
        f"{runs} runs each, medians.\n"
    )
    print("| studio request | measured | target | measured ÷ target | baseline in this run |")
    print("| --- | --- | --- | --- | --- |")
    for what, figure, target, share, baseline in rows:
        print(f"| {what} | {figure} | {target} | {'–' if share is None else f'{share:.2f}'} | {baseline} |")
    missed = [what for what, _, _, share, _ in rows if share is not None and share > 1]
    for what in missed:
        print(f"target missed: {what}", file=sys.stderr)
    return not missed


def formats_and_set(campaign: object, runs: int) -> int:
    """The gallery set's formats one by one against ImageMagick, then the whole set cold and warm."""
    if (
        shutil.which("convert") is None
        or "ImageMagick"
        not in subprocess.run(["convert", "-version"], capture_output=True, text=True, check=False).stdout
    ):
        print("ImageMagick is missing: apt-get install imagemagick (or --studio alone)", file=sys.stderr)
        return 1
    design = next(d for d in posters.designs(campaign) if d.id == "slogan-07")  # type: ignore[arg-type]
    posters.render(design, posters.FORMATS_BY_ID["kiosk-portrait"], "hant", BASE)  # fonts, segmenter once

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "magick.png"
        startup = median_time(
            runs,
            lambda: subprocess.run(["convert", "-size", "1x1", "xc:red", f"PNG8:{out}"], check=True),
        )
        print(
            f"Scene: `slogan-07` (Traditional), the set's formats; {runs} runs each, medians; ImageMagick start-up {startup * 1000:.0f} ms.\n"
        )
        print(
            "| format | size | layout + draw | PNG encode | total (PNG) | vector PDF (print) | ImageMagick, less start-up | ImageMagick ÷ ours (PNG) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for fmt in posters.SET_FORMATS:
            rendered = posters.render(design, fmt, "hant", BASE)
            draw = median_time(runs, lambda fmt=fmt: posters.render(design, fmt, "hant", BASE))
            encoding = median_time(runs, lambda fmt=fmt, image=rendered.image: encode_png(image, fmt))
            total = draw + encoding
            pdf = "–"
            if fmt.print:
                vector.render_pdf(rendered.layout)  # once untimed, as the PNG was: the face's first cut
                seconds = median_time(runs, lambda laid=rendered.layout: vector.render_pdf(laid))
                pdf = f"{seconds * 1000:.0f} ms"
            if fmt.shape == "banner-v":
                magick, ratio = "cannot set vertical text", "–"
            else:
                command = magick_command(rendered, fmt, out)
                seconds = (
                    median_time(runs, lambda command=command: subprocess.run(command, check=True)) - startup
                )
                magick, ratio = f"{seconds * 1000:.0f} ms", f"{seconds / total:.1f}×"
            print(
                f"| {fmt.id} | {fmt.width}×{fmt.height} | {draw * 1000:.0f} ms | {encoding * 1000:.0f} ms | "
                f"{total * 1000:.0f} ms | {pdf} | {magick} | {ratio} |"
            )

        cold_dir = Path(folder) / "set"
        started = time.perf_counter()
        cold = render_set(campaign, cold_dir, BASE)  # type: ignore[arg-type]
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        warm = render_set(campaign, cold_dir, BASE)  # type: ignore[arg-type]
        warm_seconds = time.perf_counter() - started
    print()
    print("| whole set | posters | seconds | ratio to cold |")
    print("| --- | --- | --- | --- |")
    print(
        f"| cold (empty folder, all cores) | {cold.rendered} rendered, {len(cold.refused)} refused | {cold_seconds:.1f} | 1 |"
    )
    print(
        f"| warm (nothing changed) | {warm.reused} unchanged | {warm_seconds:.2f} | {cold_seconds / warm_seconds:.0f}× faster |"
    )
    return 0


def against(revision: str, rounds: int) -> int:
    """``quality-month render`` into an empty folder by this checkout and by a checkout of ``revision``
    (each its own code, fonts and data), taking turns, ``rounds`` each: the machine's drift falls on
    both."""
    with tempfile.TemporaryDirectory() as folder:
        other = Path(folder) / "other"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), revision], check=True
        )
        try:
            times: dict[str, list[float]] = {"this checkout": [], revision: []}
            files: dict[str, int] = {}
            for _ in range(rounds):
                for name, tree in ((revision, other), ("this checkout", ROOT)):
                    out = Path(folder) / "set"
                    shutil.rmtree(out, ignore_errors=True)
                    env = {**os.environ, "PYTHONPATH": str(tree)}
                    command = [
                        sys.executable,
                        "-m",
                        "web.cli",
                        "render",
                        "--data",
                        str(tree / "data"),
                        "--out",
                        str(out),
                    ]
                    started = time.perf_counter()
                    subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
                    times[name].append(time.perf_counter() - started)
                    files[name] = sum(1 for f in out.rglob("*") if f.is_file())
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=True)
    base = statistics.median(times[revision])
    print(f"`quality-month render` into an empty folder, {rounds} rounds taking turns, medians.\n")
    print("| checkout | files | seconds, each run | median | ratio to " + revision + " |")
    print("| --- | --- | --- | --- | --- |")
    for name, seconds in times.items():
        each = ", ".join(f"{t:.1f}" for t in seconds)
        print(
            f"| {name} | {files[name]} | {each} | {statistics.median(seconds):.1f} | {statistics.median(seconds) / base:.2f} |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    parser.add_argument("--studio", action="store_true", help="the studio's section alone")
    parser.add_argument(
        "--against", metavar="REV", help="the cold set alone, set against a git revision's (alternating runs)"
    )
    args = parser.parse_args()
    if args.against:
        return against(args.against, args.runs)
    campaign = load_current(ROOT / "data")
    if not args.studio:
        status = formats_and_set(campaign, args.runs)
        if status:
            return status
        print()
    return 0 if studio(campaign, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
