"""The chapter template (tools/chapter-template.ipynb, see CONTRIBUTING.md) is a chapter the
book's checks accept: its outline, its review record, and every cell runs."""

from __future__ import annotations

import shutil
import sys

import nbformat
from conftest import ROOT
from nbclient import NotebookClient

sys.path.insert(0, str(ROOT / "_ext"))
from teaching_outline import read_outline

from stormbook.reviews import read_review

TEMPLATE = ROOT / "tools" / "chapter-template.ipynb"


def test_template_outline_has_no_problems():
    outline = read_outline(TEMPLATE)
    assert outline.problems() == []
    assert [block.label for block in outline.exercises] == ["ex-template-share"]
    assert [block.argument for block in outline.solutions] == ["ex-template-share"]


def test_template_carries_a_review_record():
    review = read_review(TEMPLATE)
    assert review.evidence_searched_to and review.last_reviewed


def test_template_runs_from_a_chapter_folder_and_writes_its_figure_data(tmp_path):
    """Run as the build runs a chapter: a fresh kernel in a chapters/ folder beside data/."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    notebook = nbformat.read(TEMPLATE, as_version=4)
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(chapters)}}).execute()
    written = (chapters / "_figure-data" / "fig-template-causes.csv").read_text(encoding="utf-8")
    assert written.splitlines()[0].split(",")[-2:] == ["source", "locator"]
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert "of the cases had an infectious cause." in printed
