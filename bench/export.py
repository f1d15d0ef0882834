"""Benchmark of the static export: its time cold and warm, and its size.

    python bench/export.py [--runs 3]

The posters are rendered first (their own benchmark is bench/posters.py), so the figures are the
export's own work: asking the app for every page, feed and document, making links relative, copying
the posters and ZIPs. Baseline, in the same run: copying the finished export folder with
``shutil.copytree`` (the bytes the export writes, without the work of making them). Warm is a second
export of the same data on the same day, which writes nothing. Prints Markdown tables for
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from timing import ROOT

from generators.loader import load_current
from generators.posters.batch import render_set
from web import create_app
from web.export import export_site

BASE = "https://quality-month.example/"
DAY = dt.date(2022, 9, 1)


def kind(name: str) -> str:
    if name.endswith(".html"):
        return "pages"
    if name.endswith(".ics"):
        return "feeds"
    if name.endswith(".zip"):
        return "ZIPs"
    if name.startswith("posters/"):
        return "posters (PNG, PDF, thumbnails)"
    return "JSON, scripts, styles"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        campaign = load_current(ROOT / "data")
        render_set(campaign, tmp / "posters", BASE)

        def app() -> object:
            return create_app({"DATA_DIR": ROOT / "data", "POSTER_DIR": str(tmp / "posters"),
                               "PUBLIC_URL": BASE, "DATABASE_URL": f"sqlite:///{tmp}/state.sqlite"})  # fmt: skip

        export_site(app(), tmp / "warm-up", DAY)  # the ZIPs are built once and kept with the posters
        shutil.rmtree(tmp / "warm-up")

        def timed(work: Callable[[Path], object]) -> float:
            """The median time of ``work`` into a new folder, the folder removed between runs."""
            times = []
            for _ in range(args.runs):
                target = tmp / "target"
                started = time.perf_counter()
                work(target)
                times.append(time.perf_counter() - started)
                shutil.rmtree(target)
            return statistics.median(times)

        cold_time = timed(lambda target: export_site(app(), target, DAY))  # type: ignore[arg-type]
        site = tmp / "site"
        report = export_site(app(), site, DAY)  # type: ignore[arg-type]
        warm_times, warm = [], report
        for _ in range(args.runs):
            started = time.perf_counter()
            warm = export_site(app(), site, DAY)  # type: ignore[arg-type]
            warm_times.append(time.perf_counter() - started)
        warm_time = statistics.median(warm_times)
        copy_time = timed(lambda target: shutil.copytree(site, target))

        sizes: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        for path in site.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                name = path.relative_to(site).as_posix()
                sizes[kind(name)] += path.stat().st_size
                counts[kind(name)] += 1

    print(f"Export of the 2022 campaign ({report.files} files, {report.bytes / 2**20:.0f} MiB); medians of "
          f"{args.runs} runs; posters rendered beforehand.\n")  # fmt: skip
    print("| export | seconds | ratio to copying the folder | files written |")
    print("| --- | --- | --- | --- |")
    print(
        f"| baseline: copying the finished folder (`shutil.copytree`) | {copy_time:.1f} | 1.00 | {report.files} |"
    )
    print(f"| cold (empty folder) | {cold_time:.1f} | {cold_time / copy_time:.2f} | {report.written} |")
    print(f"| warm (same data, same day) | {warm_time:.1f} | {warm_time / copy_time:.2f} | {warm.written} |")
    print()
    print("| part | files | MiB |")
    print("| --- | --- | --- |")
    for part in sorted(sizes, key=lambda p: -sizes[p]):
        print(f"| {part} | {counts[part]} | {sizes[part] / 2**20:.1f} |")
    print(f"| all | {sum(counts.values())} | {sum(sizes.values()) / 2**20:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
