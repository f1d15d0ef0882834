"""Benchmark of the posters: per-format render time, the whole set cold and warm, and ImageMagick
drawing the same scenes with the same font.

    apt-get install imagemagick          # the baseline (benchmark only)
    python bench/posters.py [--runs 5]

Every figure is set against a baseline from the same run: the warm set against the cold one, and each
scene against ImageMagick's ``convert`` drawing the same lines of text, with the same font file, at the
same sizes and positions, onto a canvas of the same size and colour, written as PNG. ImageMagick runs
as a process per scene, so its start-up (timed on a 1×1 canvas) is reported and taken off. ImageMagick
cannot lay out vertical text, so the vertical banner has no baseline. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ROOT, median_time

from generators import fonts, posters
from generators.loader import load_current
from generators.posters.batch import render_set
from generators.posters.encode import encode_pdf, encode_png
from generators.posters.formats import RED

BASE = "https://quality-month.example/"
GRAVITY = {"ms": "South", "ls": "SouthWest", "mt": "North"}


def magick_command(rendered: posters.Rendered, fmt: posters.Format, script: str, out: Path) -> list[str]:
    """``convert`` drawing the poster's text lines as the engine placed them (horizontal text only)."""
    red = "rgb({},{},{})".format(*RED)
    command = ["convert", "-size", f"{fmt.width}x{fmt.height}", f"xc:{red}"]
    for placed in rendered.placed:
        if placed.setting is None:
            continue
        role = posters.LAYOUTS[fmt.shape][placed.role]
        face = fonts.face(role.style, role.weight, script)  # type: ignore[arg-type]
        color = "rgb({},{},{})".format(*role.color)
        command += ["-font", str(face.path), "-pointsize", str(placed.setting.size), "-fill", color]
        for x, y, anchor, text in placed.lines:
            # ImageMagick places text by its baseline at the given point (gravity NorthWest, x then y).
            dx = x - (placed.setting.width // 2 if anchor == "ms" else 0)
            command += ["-gravity", "NorthWest", "-annotate", f"+{dx}+{y}", text]
    return [*command, f"PNG8:{out}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args()
    if (
        shutil.which("convert") is None
        or "ImageMagick"
        not in subprocess.run(["convert", "-version"], capture_output=True, text=True, check=False).stdout
    ):
        print("ImageMagick is missing: apt-get install imagemagick", file=sys.stderr)
        return 1

    campaign = load_current(ROOT / "data")
    design = next(d for d in posters.designs(campaign) if d.id == "slogan-07")
    posters.render(design, posters.FORMATS[0], "hant", BASE)  # load fonts and the segmenter once

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "magick.png"
        startup = median_time(
            args.runs,
            lambda: subprocess.run(["convert", "-size", "1x1", "xc:red", f"PNG8:{out}"], check=True),
        )
        print(
            f"Scene: `slogan-07` (Traditional); {args.runs} runs each, medians; ImageMagick start-up {startup * 1000:.0f} ms.\n"
        )
        print(
            "| format | size | layout + draw | encode (PNG, PDF for print) | total | ImageMagick, less start-up | ImageMagick ÷ ours |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for fmt in posters.FORMATS:
            rendered = posters.render(design, fmt, "hant", BASE)
            draw = median_time(args.runs, lambda fmt=fmt: posters.render(design, fmt, "hant", BASE))

            def encode(fmt: posters.Format = fmt, image: object = rendered.image) -> None:
                png = encode_png(image, fmt)  # type: ignore[arg-type]
                if fmt.print:
                    encode_pdf(png, fmt)

            encoding = median_time(args.runs, encode)
            total = draw + encoding
            if fmt.shape == "banner-v":
                magick, ratio = "cannot set vertical text", "–"
            else:
                command = magick_command(rendered, fmt, "hant", out)
                seconds = (
                    median_time(args.runs, lambda command=command: subprocess.run(command, check=True))
                    - startup
                )
                magick, ratio = f"{seconds * 1000:.0f} ms", f"{seconds / total:.1f}×"
            print(
                f"| {fmt.id} | {fmt.width}×{fmt.height} | {draw * 1000:.0f} ms | {encoding * 1000:.0f} ms | "
                f"{total * 1000:.0f} ms | {magick} | {ratio} |"
            )

        cold_dir = Path(folder) / "set"
        started = time.perf_counter()
        cold = render_set(campaign, cold_dir, BASE)
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        warm = render_set(campaign, cold_dir, BASE)
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


if __name__ == "__main__":
    sys.exit(main())
