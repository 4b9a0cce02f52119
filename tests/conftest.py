"""Shared fixtures: the project's paths, the built site, and a local server for it."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"


def toc_pages() -> list[str]:
    """Every page the table of contents lists, as paths without suffix ('chapters/00-...')."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def notebook_pages() -> list[str]:
    return [page for page in toc_pages() if (ROOT / f"{page}.ipynb").exists()]


def chart_pages() -> list[str]:
    """Pages whose notebook builds an Altair chart (checked against the built HTML too)."""
    return [
        page
        for page in notebook_pages()
        if "alt.Chart(" in (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
    ]


INSTRUCTOR_PART = "For instructors"
STUDENT_SITE = ROOT / "_build" / "student" / "_build" / "html"
# Pages Sphinx writes that the table of contents does not list, checked like the others.
GENERATED_PAGES = ["genindex", "search"]


def instructor_pages() -> list[str]:
    """The pages of the instructor part of the table of contents."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = []
    for part in toc.get("parts", []):
        if part.get("caption") == INSTRUCTOR_PART:
            pages += [entry["file"] for entry in part["chapters"]]
    return pages


def student_pages() -> list[str]:
    """Every page of the student edition: the book without the instructor part."""
    return [page for page in toc_pages() if page not in instructor_pages()]


def _build(*options: str):
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _require(result, site: Path, edition: str) -> Path:
    if result.returncode != 0:
        pytest.fail(
            f"the {edition} edition did not build; its log ends with:\n"
            + (result.stdout + result.stderr)[-4000:]
        )
    return site


@pytest.fixture(scope="session")
def build_result():
    """Build the book once per test session with the same script `make book` runs."""
    return _build()


@pytest.fixture(scope="session")
def student_build_result():
    """Build the student edition once per session, as `make student-book` does."""
    return _build("--edition", "student")


@pytest.fixture(scope="session")
def built_site(build_result) -> Path:
    return _require(build_result, SITE, "full")


@pytest.fixture(scope="session")
def student_site(student_build_result) -> Path:
    return _require(student_build_result, STUDENT_SITE, "student")


# Debian's Chromium drives the browser tests and the benchmark (Playwright cannot download
# its own browser in closed build environments).
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Flags for a closed network: no background calls home that the machine would refuse.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve_site(directory: Path):
    """Serve a built site on a free port of 127.0.0.1; return the server and its address."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test log readable
            pass

    class Server(http.server.ThreadingHTTPServer):
        # The default listen backlog of 5 drops connections when Chromium opens many at
        # once on a busy machine; each dropped connection stalls a page for seconds.
        request_queue_size = 128

    handler = functools.partial(QuietHandler, directory=str(directory))
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on a free port of 127.0.0.1 for the session."""
    server, url = serve_site(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def student_site_url(student_site) -> str:
    server, url = serve_site(student_site)
    yield url
    server.shutdown()
