"""The chapter template (tools/chapter-template.ipynb, see CONTRIBUTING.md) is a chapter the
book's checks accept: its outline, its review record, and every cell runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from conftest import ROOT

from book_extensions.teaching_outline import read_outline
from stormbook.reviews import read_review

TEMPLATE = ROOT / "tools" / "chapter-template.ipynb"
RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=120, resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(notebook, sys.argv[3])
"""


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
    executed = tmp_path / "executed.ipynb"
    # In a process of its own: nbclient's event loop would stay behind in this worker, where
    # later browser tests use Playwright's synchronous API.
    subprocess.run(
        [sys.executable, "-c", RUN_NOTEBOOK, str(TEMPLATE), str(chapters), str(executed)],
        check=True,
        timeout=300,
    )
    written = (chapters / "_figure-data" / "fig-template-causes.csv").read_text(encoding="utf-8")
    assert written.splitlines()[0].split(",")[-3:] == ["source", "locator", "source_kind"]
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    printed = "".join(
        "".join(output.get("text", "")) for cell in cells for output in cell.get("outputs", [])
    )
    assert "of the cases had an infectious cause." in printed
