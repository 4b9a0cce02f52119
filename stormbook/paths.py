"""Where the book's data are, wherever the code runs from.

myst-nb, nbval, JupyterLab and Binder all run a notebook with its own folder as the working
directory, so the data package is found by walking up from the working directory to the
first folder holding `data/datapackage.json`. That is the book the notebook belongs to,
even when the `stormbook` package was installed from another copy of it. Code run from
outside any copy of the book falls back to the data beside the package itself.
"""

from __future__ import annotations

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
