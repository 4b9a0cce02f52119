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

pytestmark = pytest.mark.build

CSV = "data/recovery-trials.csv"
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


def test_a_changed_csv_reruns_only_the_chapter_that_reads_it(book_copy):
    site = book_copy / "_build" / "html"
    first = _build(book_copy)
    assert _executed(first) == []  # the copy starts with the session build's outputs
    other = site / "chapters" / "02-perforin-pathway.html"
    other_before, other_mtime = other.read_bytes(), other.stat().st_mtime_ns
    introduction = site / "chapters" / "00-introduction.html"
    glossary_mtime = (site / "glossary.html").stat().st_mtime_ns
    assert 'class="pasted-text">17.8%</span> died with dexamethasone' in introduction.read_text(
        "utf-8"
    )

    csv = book_copy / CSV
    assert OLD_ROW in csv.read_text("utf-8")
    csv.write_text(csv.read_text("utf-8").replace(OLD_ROW, NEW_ROW), "utf-8")
    log = _build(book_copy)

    assert _executed(log) == ["chapters/01-terminology.ipynb"]
    # The introduction pastes chapter 01's glue: re-read, with the new value.
    assert 'class="pasted-text">18.8%</span> died with dexamethasone' in introduction.read_text(
        "utf-8"
    )
    # So is the glossary (it pastes other numbers from chapter 01).
    assert (site / "glossary.html").stat().st_mtime_ns != glossary_mtime
    # Chapter 02 reads no file that changed: not executed, not rewritten, and current.
    assert other.read_bytes() == other_before
    assert other.stat().st_mtime_ns == other_mtime
    assert CSV not in _records(book_copy)["chapters/02-perforin-pathway"]


def test_a_changed_stormbook_module_reruns_the_chapters_that_import_it(book_copy):
    _build(book_copy)
    importers = sorted(
        f"{page}.ipynb"
        for page, files in _records(book_copy).items()
        if "stormbook/pharmacokinetics.py" in files
    )
    assert importers and len(importers) < len(_records(book_copy))
    module = book_copy / "stormbook" / "pharmacokinetics.py"
    module.write_text(module.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert sorted(_executed(_build(book_copy))) == importers
