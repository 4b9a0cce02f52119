"""Measure the book's build and page costs on this machine (a report, not a test).

Reports:
- build times (wall and CPU seconds): clean build, rebuild with nothing changed, rebuild
  after touching one CSV and after changing a value in it, with the notebooks each build
  executed and the notebooks' own execution time;
- per page of the book: the weight a static host serves, gzip-compressed (the HTML and every
  stylesheet, script, font and image it loads from the site), the number of requests, and
  milliseconds from navigation until every chart on the page has drawn;
- every asset the pages load, with its gzip weight and how many pages load it;
- per page, the first contentful paint over a slow mobile link (1.6 Mbps, 150 ms), with
  the site served uncompressed and gzip-compressed;
- printing (tools/make_pdf.py, what `make pdf` runs after building both editions): seconds
  per edition, and the size and page count of every PDF;
- with --tests: the wall time of `make test-fast` and `make test`.

Run from the book's root after `make test` has installed the tools:
    .venv/bin/python benchmarks/benchmark.py [--tests]
It rebuilds the book in place (the site in _build/html is up to date afterwards; the CSV is
restored) and writes the report to benchmarks/results/latest.md as well as printing it.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

from maintenance import book_toc

# The same pages, browser and local server the tests use.
from maintenance.local_site import CHART_SELECTOR, CHROMIUM, CHROMIUM_ARGS, serve_site

ROOT = Path(__file__).resolve().parent.parent

SITE = ROOT / "_build" / "html"
CHANGED_CSV = ROOT / "data" / "iv-anakinra-case-causes.csv"
# A value in that CSV, and the same value changed (restored after the benchmark).
CSV_EDIT = ("Infection,3,", "Infection,5,")
# myst-nb's and tools/execute_notebooks.py's lines for a notebook run.
EXECUTED = re.compile(
    r"(\S+\.ipynb): Executed notebook in ([\d.]+) seconds|executed (\S+) in ([\d.]+) s"
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of all child processes, and the log of a command."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n" + (result.stdout + result.stderr)[-3000:])
    return wall, _children_cpu() - cpu, result.stdout + result.stderr


def timed_build() -> dict:
    wall, cpu, log = timed([sys.executable, str(ROOT / "tools" / "build_book.py")])
    runs = [(a or c, float(b or d)) for a, b, c, d in EXECUTED.findall(log)]
    return {
        "wall": wall,
        "cpu": cpu,
        "executed": sorted(Path(name).stem for name, _ in runs),
        "notebook seconds": sum(seconds for _, seconds in runs),
    }


def build_times() -> dict[str, dict]:
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    times = {"clean build": timed_build(), "rebuild, nothing changed": timed_build()}
    CHANGED_CSV.touch()
    times[f"rebuild after touching data/{CHANGED_CSV.name}"] = timed_build()
    original = CHANGED_CSV.read_text(encoding="utf-8")
    assert CSV_EDIT[0] in original, f"{CHANGED_CSV.name} no longer has {CSV_EDIT[0]!r}"
    try:
        CHANGED_CSV.write_text(original.replace(*CSV_EDIT, 1), encoding="utf-8")
        times[f"rebuild after changing a value in data/{CHANGED_CSV.name}"] = timed_build()
    finally:
        CHANGED_CSV.write_text(original, encoding="utf-8")
    timed_build()  # the site matches the committed data again
    return times


def gzip_size(path: Path) -> int:
    """Bytes as a static host serves the file gzip-compressed (level 6, as nginx and most hosts)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def page_costs(site: Path = SITE) -> tuple[list[tuple], dict[str, Counter]]:
    """Per page: (name, gzip bytes, raw bytes, requests, ms to charts drawn); and per asset
    the pages that load it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    server, base = serve_site(site)
    rows, loaded_by = [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for page_name in book_toc.toc_pages(book_toc.read_toc(ROOT)) + book_toc.GENERATED_PAGES:
            context = browser.new_context()  # a cold cache for every page
            page = context.new_page()
            urls = []
            page.on("requestfinished", lambda request, urls=urls: urls.append(request.url))
            start = time.perf_counter()
            page.goto(f"{base}/{page_name}.html", wait_until="load")
            charts = page.locator(CHART_SELECTOR)
            for index in range(charts.count()):
                charts.nth(index).locator("svg.marks").wait_for(timeout=30_000)
            drawn_ms = (time.perf_counter() - start) * 1000
            try:
                page.wait_for_load_state("networkidle", timeout=60_000)
            except PlaywrightTimeout:  # counted as it is; the browser tests name the request
                print(f"{page_name}: network still busy after 60 s", file=sys.stderr)
            paths = [
                unquote(urlparse(url).path).lstrip("/") for url in urls if url.startswith(base)
            ]
            files = [site / path for path in paths]
            files = [f for f in files if f.is_file()]
            for f in files:
                loaded_by.setdefault(str(f.relative_to(site)), Counter())[page_name] += 1
            raw = sum(f.stat().st_size for f in files)
            rows.append((page_name, sum(gzip_size(f) for f in files), raw, len(urls), drawn_ms))
            context.close()
        browser.close()
    server.shutdown()
    return rows, loaded_by


# A slow mobile link, as the phone review measured it: 1.6 Mbps down, 150 ms round trip.
SLOW_LINK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 0.75e6 / 8,
}


def first_paints(site: Path = SITE) -> list[tuple[str, float, float]]:
    """Per page: ms from navigation to first contentful paint over SLOW_LINK, with the site
    served uncompressed and gzip-compressed (a cold cache for every visit)."""
    from playwright.sync_api import sync_playwright

    servers = {compress: serve_site(site, compress=compress) for compress in (False, True)}
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for page_name in book_toc.toc_pages(book_toc.read_toc(ROOT)) + book_toc.GENERATED_PAGES:
            paints = []
            for compress in (False, True):
                context = browser.new_context()
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
                page.goto(f"{servers[compress][1]}/{page_name}.html", wait_until="commit")
                page.wait_for_function(
                    "performance.getEntriesByName('first-contentful-paint').length > 0",
                    timeout=120_000,
                )
                paints.append(
                    page.evaluate(
                        "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                    )
                )
                context.close()
            rows.append((page_name, *paints))
        browser.close()
    for server, _ in servers.values():
        server.shutdown()
    return rows


def first_paint_report(rows) -> list[str]:
    lines = [
        "| page | first paint at 1.6 Mbps, uncompressed (s) | the same, gzip (s) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {raw / 1000:.1f} | {gz / 1000:.1f} |" for name, raw, gz in rows]
    return lines


def test_times() -> dict[str, float]:
    return {target: timed(["make", target])[0] for target in ("test-fast", "test")}


def build_report(times: dict[str, dict]) -> list[str]:
    lines = [
        "| build | wall s | CPU s | notebooks executed | notebooks' own s |",
        "|---|---:|---:|---|---:|",
    ]
    for name, t in times.items():
        executed = ", ".join(t["executed"]) or "none"
        lines.append(
            f"| {name} | {t['wall']:.1f} | {t['cpu']:.1f} | {executed} | {t['notebook seconds']:.1f} |"
        )
    return lines


def page_report(rows, loaded_by, site: Path = SITE) -> list[str]:
    lines = [
        "| page | kB gzip (HTML + assets) | kB uncompressed | requests | ms to all charts drawn |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {gz / 1024:.0f} | {raw / 1024:.0f} | {count} | {ms:.0f} |"
        for name, gz, raw, count, ms in rows
    ]
    lines += ["", "| asset | kB gzip | pages loading it |", "|---|---:|---:|"]
    assets = [(name, gzip_size(site / name), len(pages)) for name, pages in loaded_by.items()]
    assets = [a for a in assets if not a[0].endswith(".html")]
    for name, size, pages in sorted(assets, key=lambda a: -a[1] * a[2]):
        lines.append(f"| {name} | {size / 1024:.1f} | {pages} |")
    return lines


def pdf_costs() -> tuple[dict[str, float], list[tuple[str, int, int]]]:
    """Seconds to print each edition, and (edition/file, bytes, pages) per PDF."""
    from pypdf import PdfReader

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
        printed = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "make_pdf.py"), "--edition", edition],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds[edition] = time.perf_counter() - start
        if printed.returncode != 0:
            sys.exit(f"printing the {edition} edition failed:\n" + printed.stderr[-3000:])
        out = ROOT / "_build" / "pdf" / edition
        files += [
            (f"{edition}/{path.name}", path.stat().st_size, len(PdfReader(path).pages))
            for path in sorted(out.glob("*.pdf"))
        ]
    return seconds, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tests", action="store_true", help="also time make test-fast and make test"
    )
    options = parser.parse_args()
    lines = [
        "# Benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
        f"load average at start {os.getloadavg()[0]:.1f}",
        "",
    ]
    lines += [*build_report(build_times()), ""]
    lines += page_report(*page_costs())
    lines += ["", *first_paint_report(first_paints())]
    pdf_seconds, pdfs = pdf_costs()
    lines += ["", "| printing (make_pdf.py) | seconds |", "|---|---:|"]
    lines += [f"| {edition} edition | {seconds:.1f} |" for edition, seconds in pdf_seconds.items()]
    lines += ["", "| PDF | kB | pages |", "|---|---:|---:|"]
    lines += [f"| {name} | {size / 1024:.0f} | {count} |" for name, size, count in pdfs]
    if options.tests:
        lines += ["", "| command | wall s |", "|---|---:|"]
        lines += [f"| make {name} | {seconds:.0f} |" for name, seconds in test_times().items()]
    report = "\n".join(lines) + "\n"
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
