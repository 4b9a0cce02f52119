"""The pre-commit hooks (.pre-commit-config.yaml) apply the lint `make test` checks: tried on
a small repository with one finding of each kind, they fix what can be fixed and stop the
commit on the rest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

VENV = Path(sys.executable).parent.parent
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": 3,
            "id": "a1",
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["2\n"]}],
            "source": ["print(1 + 1)"],
        }
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(ROOT / "tools" / "codespell-british.txt", repo / "tools")
    (repo / ".venv").symlink_to(VENV)  # the hooks run the book environment's tools
    (repo / "unformatted.py").write_text(
        "import sys,os\nprint(os.sep, sys.argv, {'a':1})\n", encoding="utf-8"
    )
    american = "hemophagocytic"  # codespell:ignore
    (repo / "page.md").write_text(f"A {american} syndrome.\n", encoding="utf-8")
    (repo / "ran.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


def test_the_hooks_fix_code_and_notebooks_and_stop_on_spelling(tmp_path):
    repo = _repo(tmp_path)
    run = subprocess.run(
        [str(VENV / "bin" / "pre-commit"), "run", "--all-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")},
    )
    report = run.stdout + run.stderr
    assert run.returncode == 1, report
    assert (repo / "unformatted.py").read_text("utf-8") == (
        'import os\nimport sys\n\nprint(os.sep, sys.argv, {"a": 1})\n'
    )
    cell = json.loads((repo / "ran.ipynb").read_text("utf-8"))["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "hemophagocytic ==> haemophagocytic" in report  # codespell:ignore


def test_every_hook_runs_a_tool_of_the_book_environment():
    config = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    entries = [
        line.split("entry:")[1].split()[0] for line in config.splitlines() if "entry:" in line
    ]
    assert len(entries) == 4
    for entry in entries:
        assert entry.startswith(".venv/bin/"), entry
        assert (VENV / "bin" / entry.removeprefix(".venv/bin/")).exists(), entry
