"""The local route the README and the instructors' guide name: `make lab` starts JupyterLab
from the book's environment, and it opens a chapter and starts its kernel (the notebooks'
own tests, nbval, run them in that environment from chapters/)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

JUPYTER = Path(sys.executable).with_name("jupyter")


LAB_OPENS_ON = "--ServerApp.default_url=/lab/tree/chapters"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def lab():
    """JupyterLab as `make lab` starts it (root: the book, opening on chapters/), headless, on
    a free local port."""
    port, token = _free_port(), secrets.token_hex(16)
    server = subprocess.Popen(
        [str(JUPYTER), "lab", LAB_OPENS_ON, "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI containers run as root
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if server.poll() is not None:
                break
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {server.stderr.read()[-2000:]}")
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_make_lab_starts_jupyterlab_from_the_books_environment():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"\t$(BIN)/jupyter lab {LAB_OPENS_ON}\n" in makefile
    assert JUPYTER.exists(), "JupyterLab is not installed in the book's environment"


def test_lab_serves_its_interface_and_lists_the_chapters(lab):
    base, token = lab
    status, page = _get(f"{base}/lab?token={token}")
    assert status == 200 and b"JupyterLab" in page
    for folder in ("chapters", "appendix"):  # the chapters and the primer
        listing = json.loads(_get(f"{base}/api/contents/{folder}?token={token}")[1])
        names = {item["name"] for item in listing["content"]}
        assert {path.name for path in (ROOT / folder).glob("*.ipynb")} <= names, folder


def test_lab_opens_a_chapter_and_starts_its_kernel(lab):
    base, token = lab
    chapter = json.loads(
        _get(f"{base}/api/contents/chapters/00-introduction.ipynb?token={token}")[1]
    )
    assert chapter["type"] == "notebook" and chapter["content"]["cells"]
    request = urllib.request.Request(
        f"{base}/api/sessions?token={token}",
        data=json.dumps(
            {
                "path": "chapters/00-introduction.ipynb",
                "type": "notebook",
                "kernel": {"name": "python3"},
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        session = json.loads(response.read())
    assert session["kernel"]["name"] == "python3"
