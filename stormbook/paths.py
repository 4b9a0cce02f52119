"""Where the book's data are, wherever the code runs from.

myst-nb, nbval, JupyterLab and Binder all run a notebook with its own folder as the working
directory, so the data package is found by walking up from the working directory to the
first folder holding `data/datapackage.json`. That is the book the notebook belongs to,
even when the `stormbook` package was installed from another copy of it. Code run from
outside any copy of the book falls back to the data beside the package itself.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DESCRIPTOR_NAME = "datapackage.json"
_PACKAGE_BOOK_ROOT = Path(__file__).resolve().parent.parent


def book_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: the working directory) with data/."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data" / DESCRIPTOR_NAME).is_file():
            return folder
    return _PACKAGE_BOOK_ROOT


def data_package(start: Path | None = None) -> Path:
    """Path of the data package descriptor of the book at or above `start`."""
    return book_root(start) / "data" / DESCRIPTOR_NAME


def run_this_checkout(root: Path) -> None:
    """Put the book at `root` first on PYTHONPATH, so every process started from here on
    (notebook kernels, Sphinx, its extensions) imports this copy's `stormbook`,
    `book_extensions` and `maintenance`, even when the environment's editable install
    points at another copy."""
    paths = [str(root.resolve())]
    paths += [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != paths[0]]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


class WrongCheckoutError(RuntimeError):
    """The environment imports `stormbook` from another copy of the book."""


def installed_root(python: str = sys.executable) -> Path:
    """The book whose `stormbook` this interpreter imports when run outside any copy of it,
    as a notebook kernel does (an editable install may point at another checkout)."""
    code = (
        "import pathlib, stormbook; print(pathlib.Path(stormbook.__file__).resolve().parent.parent)"
    )
    with tempfile.TemporaryDirectory() as neutral:
        try:
            found = subprocess.run(
                [python, "-c", code], cwd=neutral, capture_output=True, text=True, check=False
            )
        except OSError as error:
            raise WrongCheckoutError(f"{python} cannot import stormbook: {error}") from None
    if found.returncode != 0:
        raise WrongCheckoutError(f"{python} cannot import stormbook: {found.stderr.strip()}")
    return Path(found.stdout.strip())


# The packages `pip install -e .` installs from a copy of the book.
INSTALLED_PACKAGES = ("stormbook", "book_extensions", "maintenance")


def _package_digest(root: Path) -> str:
    """A fingerprint of the installed packages' code in a copy of the book."""
    digest = hashlib.sha256()
    for path in sorted(p for name in INSTALLED_PACKAGES for p in (root / name).rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def check_installed_from(root: Path, python: str = sys.executable) -> None:
    """Refuse to build or test when the kernels would run other code than this checkout's:
    an install of another copy passes only while its package is identical to this one."""
    found = installed_root(python)
    if found != root.resolve() and _package_digest(found) != _package_digest(root):
        raise WrongCheckoutError(
            f"{python} imports stormbook from {found}, not from this checkout ({root}), and the "
            "two packages differ; "
            f"run `{python} -m pip install -e {root}` (make book does this in .venv)"
        )
