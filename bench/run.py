"""Every benchmark in one command; writes docs/performance.md.

    apt-get install nginx-light wrk imagemagick     # baselines and the load generator (benchmarks only)
    pip install -e '.[test,production]' && tests/install-tools
    python bench/run.py [--quick] [--out docs/performance.md]

Runs bench/feeds.py, bench/posters.py, bench/export.py and bench/kiosk.py one after the other (each in
a process of its own, so that one's caches do not help another), and writes their tables with the
command that produced each. Every figure is a ratio against a baseline measured in the same run.
``--quick`` shortens the loads, for a check that the benchmarks run; its figures are not for the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from timing import ROOT

SECTIONS: list[tuple[str, list[str], list[str], str]] = [
    (
        "Calendar feeds",
        ["bench/feeds.py"],
        ["--seconds", "2"],
        """\
- Building a feed is dominated by the `icalendar` library (property encoding and octet-exact line
  folding). The app builds each feed once per public URL and keeps the bytes, the ETag and
  Last-Modified, so a request never rebuilds one.
- The baseline is the file `quality-month export` writes, served by nginx: what a CDN or any static
  server does with the export. `quality-month serve` (Werkzeug's threaded server, for one machine) and
  the production command (gunicorn, 2 workers on the 2 cores) serve the kept bytes at a fraction of that
  rate; a 304 saves the body, not the request handling. Calendar clients re-read a feed every few hours
  (REFRESH-INTERVAL asks for 12), so even the slowest row serves a large audience; for a nationwide one,
  publish the export or put a cache in front (docs/deploy.md).""",
    ),
    (
        "Posters",
        ["bench/posters.py"],
        ["--runs", "2"],
        """\
- Targets: a kiosk poster in at most 60 ms, an A3 300-dpi poster in at most 500 ms, the whole set in at
  most 30 s cold on 2 cores and at least 20 times faster warm, at least twice as fast as ImageMagick;
  in the studio, a unit's own kiosk poster in at most 100 ms with every memo emptied, an A3 print PDF at
  most a tenth of the raster PDF's bytes, the 10 m banner's PDF in at most 1 s and 3 MB.
- Posters are drawn straight into a 256-colour palette, so PNG encoding needs no quantising and runs on
  a third of the bytes of RGB; each text role is rasterised into a mask the size of its own box; text is
  measured once at a reference size and scaled. The print PDF is vector, from the same layout: the text
  in subsets of the fonts, the ornaments and the QR code as shapes (the raster PDF, img2pdf of the
  300 dpi PNG, is measured only as its baseline).
- ImageMagick draws the same lines with the same font at the same sizes and positions into a palette
  PNG (its start-up taken off), and cannot set vertical text at all.
- A warm render checks each poster's cache key and file and renders nothing.""",
    ),
    (
        "Static export",
        ["bench/export.py"],
        ["--runs", "1"],
        """\
- The export asks the app for every page, feed and document (in both scripts), makes every link
  relative, and copies the posters and ZIPs; the baseline copies the finished folder, the bytes alone.
- Warm, with nothing changed, it writes no file: pages, feeds and documents are rendered and compared
  with what is there, and content-hashed poster files of the same name and size are not read again.
  Publishing tools that compare modification times (`rsync`, `aws s3 sync`) then send nothing.
- Most of the size is the posters at print resolution and the ZIPs that bundle them again.""",
    ),
    (
        "Kiosk fleet",
        ["bench/kiosk.py"],
        ["--seconds", "10", "--screens", "100"],
        """\
- Targets: 500 screens under 20% of 2 cores, an edit on every screen within 2 s, two pages within 50 ms
  of each other, a page's memory growth under 10%.
- Each simulated screen holds an event stream open and sends heartbeats and polls at the page's own
  intervals, against the production command (`gunicorn -c python:web.production`). A screen's
  programme is kept by what decides it (the screen, the day, its posters, its reloads), so open streams
  cost little; an edit (every screen asked to reload) reaches the streams at their next check, each
  second.
- Pages on one screen compute the slide from the same timeline and the server's clock; what is left
  between them is timer and image-decoding jitter.""",
    ),
]

NEEDED = {
    "nginx": "apt-get install nginx-light",
    "wrk": "apt-get install wrk",
    "convert": "apt-get install imagemagick",
    "chromium": "tests/install-tools",
}


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, {platform.system()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short loads: checks that the benchmarks run")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "performance.md", help="the file to write"
    )
    args = parser.parse_args()
    missing = [f"{tool} ({how})" for tool, how in NEEDED.items() if shutil.which(tool) is None]
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        missing.append("gunicorn (pip install -e '.[production]')")
    if missing:
        print("missing: " + ", ".join(missing), file=sys.stderr)
        return 1

    parts = [
        "# Performance",
        "",
        "Written by `python bench/run.py`, which runs every benchmark below one after the other; each "
        "section gives the command that produced its figures, and can be run alone. Every figure is a "
        "ratio against a baseline measured in the same run, since absolute times move with the machine.",
        "",
        f"Machine: {machine()}. Run of {dt.date.today()}.",
    ]
    for title, script, quick, notes in SECTIONS:
        command = [sys.executable, *script, *(quick if args.quick else [])]
        shown = " ".join(["python", *script, *(quick if args.quick else [])])
        print(f"running {shown}", file=sys.stderr)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"{shown} failed (exit {result.returncode})", file=sys.stderr)
            return 1
        print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr)
        parts += ["", f"## {title}", "", "```sh", shown, "```", "", result.stdout.strip(), "", notes]
    if args.quick:
        parts.insert(2, "**A quick run (`--quick`): short loads, figures not for the record.**\n")
    args.out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
