"""After a data change only the notebooks that read the file run again, and no page is stale.

tools/execute_notebooks.py records the files each notebook reads while it runs;
_ext/notebook_data_dependencies.py re-reads the pages whose outputs changed, and the pages
that paste their glue.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

pytestmark = pytest.mark.build

CHAPTERS = ("chapters/00-introduction", "chapters/01-terminology", "chapters/02-perforin-pathway")
CSV = "data/recovery-trials.csv"
MODULE = "stormbook/killing_model.py"
DEX_NONE = 'class="pasted-text">{}</span> died with dexamethasone'

# Chapter 01 reads the CSV and glues the dexamethasone arm; the introduction pastes it.
OLD_ROW, NEW_ROW = (
    "Receiving no respiratory support at randomisation,death within 28 days,,,17.8,",
    "Receiving no respiratory support at randomisation,death within 28 days,,,18.8,",
)


def _build(book) -> str:
    # The copy's own `stormbook`, not the installed one, so its changes are what runs.
    result = subprocess.run(
        [sys.executable, str(book / "tools" / "build_book.py")],
        cwd=book,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(book)},
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return log


def _executed(log: str) -> list[str]:
    return re.findall(r"^executed (\S+) in", log, flags=re.M)


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
    """Chapters 00-02 and the reference pages (the introduction and the glossary paste
    numbers from chapter 01): the mechanism is what is tested."""
    chapters = [{"file": f"chapters/{name}"} for name in ("00-introduction", "01-terminology")]
    chapters.append({"file": "chapters/02-perforin-pathway"})
    reference = [
        {"file": name}
        for name in ("about", "glossary", "bibliography", "evidence-changelog", "cite")
    ]
    toc = {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": "Chapters", "numbered": True, "chapters": chapters},
            {"caption": "Reference", "chapters": reference},
        ],
    }
    (book / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    return book


def _edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{path.name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_only_the_chapters_that_read_a_changed_file_rerun_and_no_page_is_stale(book_copy):
    book, site = _trimmed(book_copy), book_copy / "_build" / "html"
    assert _executed(_build(book)) == []  # the copy starts with the session build's outputs
    pages = {name: site / f"{name}.html" for name in ("glossary", *CHAPTERS)}
    before = {name: (page.read_bytes(), page.stat().st_mtime_ns) for name, page in pages.items()}
    assert DEX_NONE.format("17.8%") in pages["chapters/00-introduction"].read_text("utf-8")

    # A CSV only chapter 01 reads.
    _edit(book / CSV, OLD_ROW, NEW_ROW)
    assert _executed(_build(book)) == ["chapters/01-terminology.ipynb"]
    assert "18.8%" in pages["chapters/01-terminology"].read_text("utf-8")
    # The introduction pastes chapter 01's glue: re-read, with the new value.
    assert DEX_NONE.format("18.8%") in pages["chapters/00-introduction"].read_text("utf-8")
    # So is the glossary (it pastes other numbers from chapter 01).
    assert pages["glossary"].stat().st_mtime_ns != before["glossary"][1]
    # Chapter 02 reads no file that changed: not executed, not rewritten, and current.
    other = pages["chapters/02-perforin-pathway"]
    assert (other.read_bytes(), other.stat().st_mtime_ns) == before["chapters/02-perforin-pathway"]
    assert CSV not in _records(book)["chapters/02-perforin-pathway"]

    # A stormbook module only chapter 02 imports.
    importers = [page for page, files in _records(book).items() if MODULE in files]
    assert importers == ["chapters/02-perforin-pathway"]
    _edit(book / MODULE, '"""', '"""Changed. ')
    assert _executed(_build(book)) == ["chapters/02-perforin-pathway.ipynb"]
    assert other.stat().st_mtime_ns != before["chapters/02-perforin-pathway"][1]
