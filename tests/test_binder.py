"""Binder readiness: the book runs from `requirements.txt` alone, as repo2docker sets it up.

A fresh virtual environment is made with the Python version `runtime.txt` names, the
requirements are installed from the root of a clean copy of the repository (repo2docker
runs `pip install -r requirements.txt` there), and every chapter is executed from a fresh
kernel in its own folder, which is the working directory JupyterLab gives a notebook that
Binder opens. Any error fails the test. It takes a few minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT

pytestmark = pytest.mark.binder

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

RUN_NOTEBOOK = """
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": str(path.parent)}})
client.execute()
print("executed", path.name, "cells:", len(notebook.cells))
"""


def _python_from_runtime() -> str:
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"runtime.txt should read python-X.Y, not {runtime!r}"
    python = shutil.which(f"python{match.group(1)}")
    if python is None:
        pytest.fail(f"python{match.group(1)} (from runtime.txt) is not installed on this machine")
    return python


@pytest.fixture(scope="module")
def binder_copy(tmp_path_factory):
    """A clean copy of the repository with a virtual environment made as Binder makes it."""
    repo = tmp_path_factory.mktemp("binder") / "repo"
    shutil.copytree(
        ROOT,
        repo,
        ignore=shutil.ignore_patterns(
            "_build", ".venv", ".git", ".pytest_cache", "__pycache__", "*.egg-info", "student"
        ),
    )
    venv = repo.parent / "venv"
    subprocess.run([_python_from_runtime(), "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        # --no-compile skips byte-compiling every installed module up front (it changes
        # nothing that runs): Python compiles the modules the chapters import as they do.
        [
            str(venv / "bin" / "python"),
            *["-m", "pip", "install", "--quiet", "--no-compile", "-r"],
            "requirements.txt",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, (install.stdout + install.stderr)[-3000:]
    return repo, venv / "bin" / "python"


def test_environment_has_the_runtime_python(binder_copy):
    _, python = binder_copy
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip().removeprefix("python-")
    assert version.strip() == str(tuple(int(part) for part in runtime.split(".")))


def test_stormbook_is_installed_from_the_repository(binder_copy):
    repo, python = binder_copy
    where = subprocess.run(
        [str(python), "-c", "import stormbook; print(stormbook.__file__)"],
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.strip().startswith(str(repo))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_runs_in_its_own_folder(binder_copy, notebook):
    repo, python = binder_copy
    copy = repo / "chapters" / notebook.name
    result = subprocess.run(
        [str(python), "-c", RUN_NOTEBOOK, str(copy)],
        cwd=copy.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert f"executed {notebook.name}" in result.stdout


@pytest.fixture(scope="module")
def student_copy(binder_copy):
    """The copy after repo2docker's last step: `postBuild` run from the repository root,
    with the environment's Python first on the PATH."""
    repo, python = binder_copy
    path = f"{python.parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(
        ["bash", "postBuild"],
        cwd=repo,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return repo, python


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_student_notebook_runs_in_its_own_folder(student_copy, notebook):
    """The notebook the student edition's launch button opens: no solutions, and it runs."""
    repo, python = student_copy
    copy = repo / "student" / "chapters" / notebook.name
    assert "{solution" not in copy.read_text(encoding="utf-8")
    result = subprocess.run(
        [str(python), "-c", RUN_NOTEBOOK, str(copy)],
        cwd=copy.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert f"executed {notebook.name}" in result.stdout
