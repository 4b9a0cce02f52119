"""After a data change only the notebooks that read the file run again, and no page is stale.

tools/execute_notebooks.py records the files each notebook reads while it runs;
book_extensions/notebook_data_dependencies.py re-reads the pages whose outputs changed, and the pages
that paste their glue.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import notebook_pages, trim_book

pytestmark = pytest.mark.build

CHAPTERS = ("chapters/00-introduction", "chapters/01-terminology", "chapters/02-perforin-pathway")
CSV = "data/recovery-trials.csv"
MODULE = "stormbook/killing_model.py"
# Chapter 01 reads the CSV and glues the share of the tocilizumab arm on corticosteroids;
# the introduction pastes it.
PASTED = 'class="pasted-text">{}</span> in each arm'
GLUED = 'class="pasted-text">{}</span> of patients in each arm'
OLD_ROW, NEW_ROW = (
    "receiving systemic corticosteroids,1664,2022,82,1721,2094,82,",
    "receiving systemic corticosteroids,1664,2022,83,1721,2094,83,",
)


def _build(book) -> str:
    # The build runs the copy's own code (tools/build_book.py), so its changes are what runs.
    result = subprocess.run(
        [sys.executable, str(book / "tools" / "build_book.py")],
        cwd=book,
        capture_output=True,
        text=True,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log


def _executed(log: str) -> list[str]:
    return re.findall(r"^executed (\S+) in", log, flags=re.M)


def _reread(log: str) -> set[str]:
    """The pages Sphinx read again (every page is written on every build)."""
    plain = re.sub(r"\x1b\[[0-9;]*m", "", log)
    return set(re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", plain))


def _records(book) -> dict[str, list[str]]:
    folder = book / "_build" / ".notebook_dependencies"
    return {
        str(path.relative_to(folder).with_suffix("")): sorted(
            json.loads(path.read_text("utf-8"))["files"]
        )
        for path in folder.rglob("*.json")
    }


def test_each_notebook_records_the_data_it_reads(built_site):
    from conftest import ROOT

    records = _records(ROOT)
    assert CSV in records["chapters/01-terminology"]
    assert "data/iv-anakinra-case-causes.csv" in records["chapters/00-introduction"]
    assert CSV not in records["chapters/00-introduction"]
    assert CSV not in records["chapters/02-perforin-pathway"]
    for files in records.values():  # the loader and its schema are read by every chapter
        assert {"stormbook/datasets.py", "data/datapackage.json"} <= set(files)


def _trimmed(book):
    """Chapters 00-02 (the introduction and the glossary paste numbers from chapter 01): the
    mechanism is what is tested."""
    return trim_book(book, list(CHAPTERS))


def _edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{path.name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_only_the_chapters_that_read_a_changed_file_rerun_and_no_page_is_stale(book_copy):
    book, site = _trimmed(book_copy), book_copy / "_build" / "html"
    # The copy starts with the session build's outputs: only the stand-ins of the chapters
    # left out (a title, no code) are new.
    left_out = {f"{page}.ipynb" for page in notebook_pages() if page not in CHAPTERS}
    assert set(_executed(_build(book))) == left_out
    pages = {name: site / f"{name}.html" for name in ("glossary", *CHAPTERS)}
    before = {name: _page(page) for name, page in pages.items()}
    assert PASTED.format("82%") in pages["chapters/00-introduction"].read_text("utf-8")

    # A CSV only chapter 01 reads.
    _edit(book / CSV, OLD_ROW, NEW_ROW)
    log = _build(book)
    assert _executed(log) == ["chapters/01-terminology.ipynb"]
    assert GLUED.format("83%") in pages["chapters/01-terminology"].read_text("utf-8")
    # The introduction pastes chapter 01's glue: re-read, with the new value.
    assert PASTED.format("83%") in pages["chapters/00-introduction"].read_text("utf-8")
    # So is the glossary (it pastes other numbers from chapter 01).
    assert {"chapters/00-introduction", "glossary"} <= _reread(log)
    # Chapter 02 reads no file that changed: not executed, and its page is unchanged.
    other = pages["chapters/02-perforin-pathway"]
    assert _page(other) == before["chapters/02-perforin-pathway"]
    assert "chapters/02-perforin-pathway" not in _reread(log)
    assert CSV not in _records(book)["chapters/02-perforin-pathway"]

    # A stormbook module only chapter 02 imports.
    records = _records(book)  # (the session build's primer is recorded too: left out)
    importers = [page for page in CHAPTERS if MODULE in records[page]]
    assert importers == ["chapters/02-perforin-pathway"]
    _edit(book / MODULE, '"""', '"""Changed. ')
    log = _build(book)
    assert _executed(log) == ["chapters/02-perforin-pathway.ipynb"]
    assert "chapters/02-perforin-pathway" in _reread(log)


# Binary fonts are re-subset on every build; everything a reader sees is compared.
NOT_COMPARED = ("_static/vendor/fontawesome/webfonts/",)
CHANGES = (  # one of each kind of file a page can depend on: (path, old, new)
    (CSV, OLD_ROW, NEW_ROW),
    (MODULE, '"""', '"""Changed. '),
    ("book_extensions/self_check.py", 'text="Show a model answer"', 'text="Show the model answer"'),
    (
        "_templates/sections/sidebar-primary.html",
        'class="sidebar-header-items sidebar-primary__section"',
        'class="sidebar-header-items sidebar-primary__section" data-changed="yes"',
    ),
)


# Two things differ between any two builds and are not content: Sphinx adds a checksum to a
# stylesheet's address only if the file is already in the output folder when a page is
# written (so a build into an empty folder leaves two without one), and Altair names each
# chart's element with a random identifier every time a notebook runs.
NOT_CONTENT = re.compile(rb"\?v=[0-9a-f]{8}|(?<=altair-viz-)[0-9a-f]{32}")


def _page(path: Path) -> bytes:
    return NOT_CONTENT.sub(b"", path.read_bytes())


def _site_files(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): _page(path)
        for path in sorted(site.rglob("*"))
        if path.is_file() and not path.relative_to(site).as_posix().startswith(NOT_COMPARED)
    }


def _clean_build(book: Path, destination: Path, keep_executions: bool) -> dict[str, bytes]:
    """The same tree built from nothing (optionally reusing the notebooks' recorded runs)."""
    shutil.copytree(book, destination, ignore=shutil.ignore_patterns("_build"))
    if keep_executions:
        for folder in (".jupyter_cache", ".notebook_dependencies"):
            shutil.copytree(book / "_build" / folder, destination / "_build" / folder)
    _build(destination)
    return _site_files(destination / "_build" / "html")


def test_after_each_kind_of_change_an_incremental_build_equals_a_clean_one(book_copy, tmp_path):
    """A data file, a stormbook module, an extension, a template: changed one at a time,
    the incremental build's site is byte for byte the site a clean build of the same tree
    makes. The last comparison rebuilds from nothing, notebooks executed again."""
    book = _trimmed(book_copy)
    _build(book)
    for step, (path, old, new) in enumerate(CHANGES, start=1):
        _edit(book / path, old, new)
        _build(book)
        incremental = _site_files(book / "_build" / "html")
        last = step == len(CHANGES)
        clean = _clean_build(book, tmp_path / f"clean-{step}", keep_executions=not last)
        stale = sorted(
            name
            for name in clean.keys() | incremental.keys()
            if clean.get(name) != incremental.get(name)
        )
        assert not stale, f"after changing {path}, stale or missing: {stale[:10]}"
    assert "Show the model answer" in (
        book / "_build/html/chapters/02-perforin-pathway.html"
    ).read_text("utf-8")
