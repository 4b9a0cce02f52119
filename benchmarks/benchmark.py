"""Measure the book's build and page costs on this machine (a report, not a test).

Reports:
- build times: clean build, rebuild with nothing changed, rebuild after touching one CSV;
- per page of the table of contents: bytes transferred, number of requests, and
  milliseconds from navigation until every chart on the page has drawn;
- printing (tools/make_pdf.py, what `make pdf` runs after building both editions): seconds
  per edition, and the size and page count of every PDF.

Run from the book's root after `make test` has installed the tools:
    .venv/bin/python benchmarks/benchmark.py
It rebuilds the book in place (the site in _build/html is up to date afterwards) and
writes the report to benchmarks/results/latest.md as well as printing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

# The same pages, browser and local server the tests use.
from conftest import CHROMIUM, CHROMIUM_ARGS, serve_site, toc_pages  # noqa: E402

TOUCHED_CSV = ROOT / "data" / "iv-anakinra-case-causes.csv"


def timed_build() -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit("the build failed:\n" + (result.stdout + result.stderr)[-3000:])
    return time.perf_counter() - start


def build_times() -> dict[str, float]:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    times = {"clean build": timed_build(), "rebuild, nothing changed": timed_build()}
    TOUCHED_CSV.touch()
    times[f"rebuild after touching data/{TOUCHED_CSV.name}"] = timed_build()
    return times


def page_costs() -> list[tuple[str, int, int, float]]:
    from playwright.sync_api import sync_playwright

    server, base = serve_site(ROOT / "_build" / "html")
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for page_name in toc_pages():
            context = browser.new_context()  # a cold cache for every page
            page = context.new_page()
            sizes = []
            page.on(
                "requestfinished",
                lambda request, sizes=sizes: sizes.append(
                    request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]
                ),
            )
            start = time.perf_counter()
            page.goto(f"{base}/{page_name}.html", wait_until="load")
            charts = page.locator(".vega-embed")
            for index in range(charts.count()):
                charts.nth(index).locator("svg.marks").wait_for(timeout=30_000)
            drawn_ms = (time.perf_counter() - start) * 1000
            page.wait_for_load_state("networkidle")
            rows.append((page_name, sum(sizes), len(sizes), drawn_ms))
            context.close()
        browser.close()
    server.shutdown()
    return rows


def pdf_costs() -> tuple[dict[str, float], list[tuple[str, int, int]]]:
    """Seconds to print each edition, and (edition/file, bytes, pages) per PDF."""
    from pypdf import PdfReader

    sys.path.insert(0, str(ROOT / "tools"))
    import make_pdf

    student = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), "--edition", "student"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if student.returncode != 0:
        sys.exit("the student build failed:\n" + (student.stdout + student.stderr)[-3000:])
    seconds, files = {}, []
    for edition in ("full", "student"):
        start = time.perf_counter()
        out = make_pdf.make_pdfs(edition)
        seconds[edition] = time.perf_counter() - start
        files += [
            (f"{edition}/{path.name}", path.stat().st_size, len(PdfReader(path).pages))
            for path in sorted(out.glob("*.pdf"))
        ]
    return seconds, files


def main() -> None:
    times = build_times()
    pages = page_costs()
    pdf_seconds, pdfs = pdf_costs()
    lines = [
        "# Benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}",
        "",
        "| build | seconds |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {seconds:.1f} |" for name, seconds in times.items()]
    lines += [
        "",
        "| page | kB transferred | requests | ms to all charts drawn |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {size / 1024:.0f} | {count} | {ms:.0f} |" for name, size, count, ms in pages
    ]
    lines += ["", "| printing (make_pdf.py) | seconds |", "|---|---:|"]
    lines += [f"| {edition} edition | {seconds:.1f} |" for edition, seconds in pdf_seconds.items()]
    lines += ["", "| PDF | kB | pages |", "|---|---:|---:|"]
    lines += [f"| {name} | {size / 1024:.0f} | {count} |" for name, size, count in pdfs]
    report = "\n".join(lines) + "\n"
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
