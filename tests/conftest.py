"""Shared fixtures: the project's paths, the built site, and a local server for it."""

from __future__ import annotations

import functools
import http.server
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
        page for page in notebook_pages()
        if "alt.Chart(" in (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
    ]


@pytest.fixture(scope="session")
def build_result():
    """Build the book once per test session with the same script `make book` runs."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return result


@pytest.fixture(scope="session")
def built_site(build_result) -> Path:
    if build_result.returncode != 0:
        pytest.fail(
            "the book did not build; its log ends with:\n"
            + (build_result.stdout + build_result.stderr)[-4000:]
        )
    return SITE


@pytest.fixture(scope="session")
def site_url(built_site) -> str:
    """Serve the built site on a free port of 127.0.0.1 for the session."""
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test log readable
            pass

    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
